"""The signage API in process on a migrated SQLite database, with the station of stations.py built."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.signage.app import DEFINITION
from services.signage.settings import Settings
from services.signage.tests.stations import MIGRATIONS, Station
from testkit.service import SigningKey, migrated_sqlite_async, running_service


@pytest.fixture
async def station(tmp_path: Path, keys: SigningKey) -> AsyncIterator[Station]:
    url = await migrated_sqlite_async(MIGRATIONS, tmp_path / "signage.sqlite")
    async with running_service(DEFINITION, Settings, database_url=url, keys=keys) as running:
        built = Station(running)
        await built.build()
        yield built
