"""Alembic per service, driven from Python: each service's migrations/env.py calls run_migrations."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection, make_url

from kernel.db import async_url, create_engine, is_sqlite

FILE_TEMPLATE = "%%(year)d-%%(month).2d-%%(day).2d_%%(slug)s"


def alembic_config(migrations_dir: Path, database_url: str, schema: str | None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("file_template", FILE_TEMPLATE)
    config.attributes["database_url"] = database_url
    config.attributes["database_schema"] = schema
    return config


def upgrade_to_head(migrations_dir: Path, database_url: str, schema: str | None) -> None:
    command.upgrade(alembic_config(migrations_dir, database_url, schema), "head")


def new_revision(migrations_dir: Path, database_url: str, schema: str | None, message: str) -> None:
    command.revision(alembic_config(migrations_dir, database_url, schema), message=message, autogenerate=True)


def ensure_sqlite_directory(database_url: str) -> None:
    if is_sqlite(database_url):
        database = make_url(async_url(database_url)).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)


def run_migrations(context: Any, target_metadata: MetaData) -> None:
    """Body of every env.py: online migrations over the async engine, in the service's schema."""
    url: str = context.config.attributes["database_url"]
    schema: str | None = context.config.attributes.get("database_schema")
    sqlite = is_sqlite(url)

    def migrate(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=sqlite,  # SQLite alters tables by copying them
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run() -> None:
        ensure_sqlite_directory(url)
        engine = create_engine(url, schema=None if sqlite else schema)
        try:
            async with engine.connect() as connection:
                if schema and not sqlite:
                    await connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
                    await connection.commit()
                await connection.run_sync(migrate)
                await connection.commit()
        finally:
            await engine.dispose()

    asyncio.run(run())


def create_bus_tables() -> None:
    """The outbox and inbox tables (bus_tables.py, version 1), for each service's first migration."""
    import sqlalchemy as sa
    from alembic import op

    from kernel.db import UTCDateTime

    op.create_table(
        "outbox",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_outbox")),
    )
    op.create_index("ix_outbox_pending", "outbox", ["published_at", "created_at"], unique=False)
    op.create_table(
        "processed_event",
        sa.Column("consumer", sa.String(length=100), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("handled_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name=op.f("pk_processed_event")),
    )


def drop_bus_tables() -> None:
    from alembic import op

    op.drop_table("processed_event")
    op.drop_index("ix_outbox_pending", table_name="outbox")
    op.drop_table("outbox")
