"""A write the database refuses is read the same way on SQLite and PostgreSQL: which rule, which fields.

Every kind of uniqueness rule (primary key, unique constraint, partial unique index, unique column, a
key derived from other fields) is broken for real, by INSERT and by UPDATE, through the kernel's
engine; `GARE_TEST_POSTGRES_URL` adds PostgreSQL (a schema of its own, dropped afterwards).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    insert,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from kernel.db import NAMING_CONVENTION, create_engine
from kernel.errors import integrity_conflict
from kernel.integrity import IntegrityViolation, integrity_violation

POSTGRES_URL = os.environ.get("GARE_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]

metadata = MetaData(naming_convention=NAMING_CONVENTION)
shelf = Table(
    "shelf",
    metadata,
    Column("id", String(32), primary_key=True, info={"fields": ["system_id", "external_id"]}),
    Column("station_id", String(64), nullable=False),
    Column("code", String(16), nullable=False),
    Column("name", String(64), nullable=False),
    Column("device", String(64), unique=True),
    Column("is_default", Boolean, nullable=False, default=False),
    UniqueConstraint("station_id", "code"),
    UniqueConstraint("station_id", "name"),
    Index(
        "uq_shelf_default_per_station",
        "station_id",
        unique=True,
        sqlite_where=text("is_default"),
        postgresql_where=text("is_default"),
        info={"fields": ["is_default"]},
    ),
)
book = Table(
    "book",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("shelf_id", ForeignKey("shelf.id", ondelete="RESTRICT"), nullable=False),
)


@pytest.fixture(params=BACKENDS)
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    schema = None
    if request.param == "postgres":
        schema = f"t{uuid.uuid4().hex[:8]}_integrity"
        engine = create_engine(POSTGRES_URL, schema=schema)
        async with engine.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    else:
        engine = create_engine(f"sqlite:///{tmp_path / 'integrity.sqlite'}")
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
        await connection.execute(
            insert(shelf),
            [
                {
                    "id": "a",
                    "station_id": "s",
                    "code": "A",
                    "name": "Alpha",
                    "device": "d1",
                    "is_default": True,
                },
                {
                    "id": "b",
                    "station_id": "s",
                    "code": "B",
                    "name": "Beta",
                    "device": "d2",
                    "is_default": False,
                },
            ],
        )
    yield engine
    if schema:
        async with engine.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await engine.dispose()


async def refused(engine: AsyncEngine, statement: Any) -> IntegrityError:
    with pytest.raises(IntegrityError) as caught:
        async with engine.begin() as connection:
            await connection.execute(statement)
    return caught.value


ROW = {"station_id": "s", "code": "C", "name": "Gamma", "device": None, "is_default": False}
BROKEN = [
    ("a taken code", insert(shelf).values(ROW | {"id": "c", "code": "A"}), ("code",)),
    ("a taken name", insert(shelf).values(ROW | {"id": "c", "name": "Alpha"}), ("name",)),
    ("a rename onto a taken name", update(shelf).where(shelf.c.id == "b").values(name="Alpha"), ("name",)),
    ("a taken device", update(shelf).where(shelf.c.id == "b").values(device="d1"), ("device",)),
    ("a second default", update(shelf).where(shelf.c.id == "b").values(is_default=True), ("is_default",)),
    ("a taken derived key", insert(shelf).values(ROW | {"id": "a"}), ("system_id", "external_id")),
]


@pytest.mark.parametrize(("case", "statement", "fields"), BROKEN, ids=[case for case, _, _ in BROKEN])
async def test_a_broken_uniqueness_rule_names_the_fields_to_change(engine, case, statement, fields):
    error = await refused(engine, statement)
    assert integrity_violation(error, metadata) == IntegrityViolation(
        kind="unique", table="shelf", columns=integrity_violation(error, metadata).columns, fields=fields
    )
    conflict = integrity_conflict(error, metadata)
    assert conflict.status == 409
    assert [e["field"] for e in conflict.errors or []] == list(fields)


async def test_without_the_metadata_the_columns_less_the_station_are_named(engine):
    error = await refused(engine, insert(shelf).values(ROW | {"id": "c", "code": "A"}))
    assert integrity_violation(error).fields == ("code",)


async def test_a_missing_or_still_used_reference_is_a_conflict_without_fields(engine):
    error = await refused(engine, insert(book).values(id="x", shelf_id="nowhere"))
    assert integrity_violation(error, metadata).kind == "foreign_key"
    conflict = integrity_conflict(error, metadata)
    assert conflict.status == 409 and not conflict.errors
