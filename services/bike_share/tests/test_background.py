"""bike_share's background work as the kernel runs it: the ingest of operators' feeds is a loop
that runs unless switched off, and the docks' NATS reports are a responder."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.bike_share.app import DEFINITION
from services.bike_share.loops import IngestLoop
from services.bike_share.responders import QUEUE, report_subject
from services.bike_share.settings import Settings
from testkit.service import SigningKey, migrated_sqlite_async, running_service

MIGRATIONS = Path(__file__).parents[1] / "migrations"


async def test_the_ingest_runs_unless_switched_off_and_the_reports_share_one_queue(
    tmp_path: Path, keys: SigningKey, monkeypatch: pytest.MonkeyPatch
):
    url = await migrated_sqlite_async(MIGRATIONS, tmp_path / "bike_share.sqlite")
    async with running_service(DEFINITION, Settings, database_url=url, keys=keys) as running:
        [ingest] = running.runtime.background.loops
        assert isinstance(ingest, IngestLoop) and ingest.alive
        assert ingest.stations == list(running.runtime.settings.stations)
        [reports] = running.runtime.background.responders
        assert (reports.subject, reports.queue) == (report_subject(), QUEUE)
    assert not ingest.alive  # stopped with the service

    monkeypatch.setenv("BIKE_SHARE_INGEST_ENABLED", "false")
    async with running_service(DEFINITION, Settings, database_url=url, keys=keys) as running:
        assert running.runtime.background.loops == []
