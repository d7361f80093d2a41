"""The signage sweeper handles each station, each alert and each screen's heartbeat alone: a row or
a record it cannot handle is recorded (log, `gare_loop_item_failures_total`), the rest is swept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prometheus_client import REGISTRY
from sqlalchemy import text, update

from services.signage import heartbeats, loops
from services.signage.alerts.service import SWEEP_LOOP
from services.signage.models import Alert
from services.signage.tests.test_heartbeats import redis_server, signage  # noqa: F401 (fixtures)
from testkit.service import SAINT_DENIS, VILLEJUIF, bearer


def sweep_failures() -> float:
    return REGISTRY.get_sample_value("gare_loop_item_failures_total", {"loop": SWEEP_LOOP}) or 0.0


async def test_an_alert_the_sweeper_cannot_read_does_not_keep_the_others_up(signage):  # noqa: F811
    later = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    ids: dict[str, str] = {}
    for name, station in (
        ("first", SAINT_DENIS),
        ("poisoned", SAINT_DENIS),
        ("last", SAINT_DENIS),
        ("other", VILLEJUIF),
    ):
        created = await signage.http.post(
            f"/api/v1/stations/{station}/signage/alerts",
            json={"severity": "warning", "texts": {"fr": name}, "expires_at": later},
            headers=bearer(signage.keys.operator(station)),
        )
        assert created.status_code == 201, created.text
        ids[name] = created.json()["id"]
    async with signage.runtime.sessionmaker() as session:
        await session.execute(update(Alert).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
        # A real bad row: an expiry no datetime can hold (written by hand, or by an old bug).
        await session.execute(
            text("UPDATE alert SET expires_at = '2000-13-45 00:00:00.000000' WHERE id = :id"),
            {"id": ids["poisoned"]},
        )
        await session.commit()
    # And a heartbeat written without its offset: it cannot be compared with the time now.
    await signage.runtime.redis.set(heartbeats.heartbeat_key(SAINT_DENIS, "hall"), "2026-01-01T00:00:00")
    before = sweep_failures()

    await loops.sweep(signage.runtime)

    async def cleared(name: str, station: str) -> bool:
        alert = await signage.http.get(
            f"/api/v1/stations/{station}/signage/alerts/{ids[name]}",
            headers=bearer(signage.keys.operator(station)),
        )
        return alert.json()["cleared_at"] is not None

    assert await cleared("first", SAINT_DENIS) and await cleared("last", SAINT_DENIS)
    assert await cleared("other", VILLEJUIF)
    assert sweep_failures() - before == 1  # the poisoned alert, recorded; the heartbeat is skipped
