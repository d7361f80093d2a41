"""Migrations are the schema: applied, they match the models exactly, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import importlib
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData

from deploy.embedded.stack import REPO_ROOT
from kernel.db import create_engine, is_sqlite
from kernel.migrations import alembic_config
from kernel.registry import COMPONENTS


def component_metadata(name: str) -> MetaData:
    module = importlib.import_module("gateway.models" if name == "gateway" else f"services.{name}.models")
    return module.Base.metadata


def migrations_dir(name: str) -> Path:
    return REPO_ROOT / ("gateway" if name == "gateway" else f"services/{name}") / "migrations"


@pytest.mark.parametrize("component", COMPONENTS, ids=lambda c: c.name)
def test_applied_migrations_match_the_models(stack, component):
    env = stack.component_env(component)
    url = env[f"{component.env_prefix}DATABASE_URL"]
    schema = env.get(f"{component.env_prefix}DATABASE_SCHEMA")
    metadata = component_metadata(component.name)

    async def differences() -> list:
        engine = create_engine(url, schema=schema)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(
                    lambda sync: compare_metadata(
                        MigrationContext.configure(sync, opts={"compare_type": True}), metadata
                    )
                )
        finally:
            await engine.dispose()

    assert asyncio.run(differences()) == []
    if not is_sqlite(url):
        assert schema and schema.endswith(component.name)  # one schema per service


@pytest.mark.parametrize("component", COMPONENTS, ids=lambda c: c.name)
def test_each_component_has_one_migration_head(component):
    config = alembic_config(migrations_dir(component.name), "sqlite://", None)
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


@pytest.mark.parametrize("component", COMPONENTS, ids=lambda c: c.name)
def test_migrations_go_down_to_nothing_and_up_again(tmp_path, component):
    from alembic import command
    from sqlalchemy import create_engine as create_sync_engine
    from sqlalchemy import inspect

    url = f"sqlite:///{tmp_path / 'roundtrip.sqlite'}"
    config = alembic_config(migrations_dir(component.name), url, None)
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    engine = create_sync_engine(url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    command.upgrade(config, "head")
    assert set(component_metadata(component.name).tables) <= set(inspect(engine).get_table_names())
    engine.dispose()
