"""Heartbeats with a real redis-server: online and behind in the operator view, and a silent screen
reported once per silence with screen.offline."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from deploy.embedded.infra import RedisServer
from kernel.db import utcnow
from services.signage import heartbeats, loops
from services.signage.app import DEFINITION
from services.signage.models import OUTBOX
from services.signage.settings import Settings
from testkit.service import (
    SAINT_DENIS,
    ServiceUnderTest,
    SigningKey,
    bearer,
    migrated_sqlite_async,
    running_redis,
    running_service,
)

BASE = f"/api/v1/stations/{SAINT_DENIS}/signage"
MIGRATIONS = Path(__file__).parents[1] / "migrations"
OFFLINE = f"gare.{SAINT_DENIS}.signage.screen.offline"


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    with running_redis(tmp_path) as server:
        yield server


@pytest.fixture
async def signage(
    tmp_path: Path, keys: SigningKey, redis_server: RedisServer
) -> AsyncIterator[ServiceUnderTest]:
    url = await migrated_sqlite_async(MIGRATIONS, tmp_path / "signage.sqlite")
    async with running_service(
        DEFINITION, Settings, database_url=url, keys=keys, redis_url=redis_server.url
    ) as running:
        screen = {
            "code": "hall",
            "name": "Hall",
            "location": "Hall",
            "orientation": "landscape",
            "resolution": "1920x1080",
            "languages": ["fr"],
            "device_client_id": "player-hall",
        }
        created = await running.http.post(f"{BASE}/screens", json=screen, headers=bearer(keys.operator()))
        assert created.status_code == 201, created.text
        yield running


async def offline_events(running: ServiceUnderTest) -> int:
    async with running.runtime.sessionmaker() as session:
        subjects = (await session.execute(select(OUTBOX.c.subject))).scalars().all()
    return subjects.count(OFFLINE)


async def test_a_screen_reporting_its_version_is_online_and_up_to_date(signage):
    player = bearer(signage.keys.device("screen", binding="hall", client_id="player-hall"))
    operator = bearer(signage.keys.operator())
    document = (await signage.http.get(f"{BASE}/screens/hall/playlist", headers=player)).json()
    beat = await signage.http.post(
        f"{BASE}/screens/hall/heartbeat", json={"version": document["version"]}, headers=player
    )
    assert beat.status_code == 204
    hall = (await signage.http.get(f"{BASE}/screens", headers=operator)).json()["items"][0]
    assert (hall["online"], hall["behind"], hall["playing_version"]) == (True, False, document["version"])
    await signage.http.post(f"{BASE}/screens/hall/heartbeat", json={"version": "0" * 32}, headers=player)
    behind = (await signage.http.get(f"{BASE}/screens", params={"behind": "true"}, headers=operator)).json()
    assert [s["code"] for s in behind["items"]] == ["hall"]


async def test_a_silent_screen_is_reported_offline_once_per_silence(signage):
    redis = signage.runtime.redis
    long_ago = utcnow() - timedelta(minutes=2)
    await heartbeats.record(redis, station_id=SAINT_DENIS, code="hall", at=long_ago)
    await loops.report_silences(signage.runtime, SAINT_DENIS)
    await loops.report_silences(signage.runtime, SAINT_DENIS)  # still silent: not reported again
    assert await offline_events(signage) == 1
    operator = bearer(signage.keys.operator())
    offline = (await signage.http.get(f"{BASE}/screens", params={"online": "false"}, headers=operator)).json()
    assert [s["code"] for s in offline["items"]] == ["hall"]

    await heartbeats.record(redis, station_id=SAINT_DENIS, code="hall", at=utcnow())  # back
    await loops.report_silences(signage.runtime, SAINT_DENIS)
    await heartbeats.record(redis, station_id=SAINT_DENIS, code="hall", at=long_ago)  # silent again
    await loops.report_silences(signage.runtime, SAINT_DENIS)
    assert await offline_events(signage) == 2
