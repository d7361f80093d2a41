"""Kernel tests against a real nats-server and a real SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from kernel.bus_tables import new_metadata
from kernel.db import create_engine, create_sessionmaker


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[tuple]:
    """A service-like database: a fresh metadata with only the outbox and inbox tables."""
    metadata = new_metadata()
    engine = create_engine(f"sqlite:///{tmp_path / 'kernel.sqlite'}")
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield metadata, engine, create_sessionmaker(engine)
    await engine.dispose()
