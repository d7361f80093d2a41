"""Fixtures shared by bike_share's in-process tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.bike_share.app import DEFINITION
from services.bike_share.settings import Settings
from testkit.service import ServiceUnderTest, SigningKey, migrated_sqlite_async, running_service

MIGRATIONS = Path(__file__).parents[1] / "migrations"


@pytest.fixture
async def fresh_bike_share(tmp_path: Path, keys: SigningKey) -> AsyncIterator[ServiceUnderTest]:
    """The service on a migrated, empty SQLite database: no system, no type, no station."""
    url = await migrated_sqlite_async(MIGRATIONS, tmp_path / "bike_share.sqlite")
    async with running_service(DEFINITION, Settings, database_url=url, keys=keys) as running:
        yield running
