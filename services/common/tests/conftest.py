"""Kernel tests against a real nats-server and a real SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from deploy.embedded.infra import NatsServer
from deploy.embedded.ports import any_free_port
from services.common.db import create_engine, create_sessionmaker, new_metadata


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    server = NatsServer(port=any_free_port(), store_dir=tmp_path / "nats", log_dir=tmp_path, cwd=tmp_path)
    server.start()
    server.wait_ready()
    yield server
    server.stop()


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[tuple]:
    """A service-like database: a fresh metadata with only the outbox and inbox tables."""
    metadata = new_metadata()
    engine = create_engine(f"sqlite:///{tmp_path / 'kernel.sqlite'}")
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield metadata, engine, create_sessionmaker(engine)
    await engine.dispose()
