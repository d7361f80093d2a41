"""Alerts through the API: reach, acknowledgements, clearing, expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from services.signage.alerts.service import clear_expired_alerts
from services.signage.models import OUTBOX
from services.signage.tests.stations import BASE
from testkit.service import SAINT_DENIS, assert_problem


async def test_alerts_reach_screens_are_acknowledged_and_cleared(station):
    alert = await station.call(
        "POST",
        "/alerts",
        201,
        json={
            "severity": "emergency",
            "texts": {"fr": "Évacuez la gare", "en": "Leave the station"},
            "expires_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
        },
    )
    assert alert["screens"] == ["hall", "quai-1"] and alert["not_acknowledged"] == ["hall", "quai-1"]
    shown = (await station.document("hall"))["alerts"]
    assert [(a["id"], a["language"], a["text"]) for a in shown] == [(alert["id"], "fr", "Évacuez la gare")]

    ack = f"{BASE}/screens/hall/alerts/{alert['id']}/ack"
    assert (await station.running.http.post(ack, headers=station.player("hall"))).status_code == 204
    assert (await station.running.http.post(ack, headers=station.player("hall"))).status_code == 204
    assert_problem(await station.running.http.post(ack, headers=station.player("quai-1")), 403, "forbidden")
    assert_problem(await station.running.http.post(ack, headers=station.operator), 403, "forbidden")
    status = await station.call("GET", f"/alerts/{alert['id']}")
    assert list(status["acknowledged"]) == ["hall"] and status["not_acknowledged"] == ["quai-1"]

    assert [a["id"] for a in (await station.call("GET", "/alerts", params={"active": "true"}))["items"]] == [
        alert["id"]
    ]
    await station.call("POST", f"/alerts/{alert['id']}/clear")
    assert (await station.document("hall"))["alerts"] == []
    assert (await station.call("GET", "/alerts", params={"active": "true"}))["items"] == []
    past = {"severity": "info", "texts": {"fr": "x"}, "expires_at": "2020-01-01T00:00:00Z"}
    assert_problem(
        await station.running.http.post(f"{BASE}/alerts", json=past, headers=station.operator), 422
    )
    silent = {"severity": "info", "texts": {}}
    assert_problem(
        await station.running.http.post(f"{BASE}/alerts", json=silent, headers=station.operator), 422
    )
    assert (await station.call("GET", "/alerts"))["items"][0]["id"] == alert["id"]  # nothing raised


async def test_an_operator_sees_which_screens_an_alert_would_reach_before_raising_it(station):
    async def reach(targets: dict[str, Any]) -> list[str]:
        return (await station.call("POST", "/alerts/reach", json=targets))["screens"]

    assert await reach({}) == ["hall", "quai-1"]  # no target: every screen
    assert await reach({"zones": ["platform"]}) == ["quai-1"]
    assert await reach({"tags": ["expo"], "screens": ["quai-1"]}) == ["hall", "quai-1"]
    assert await reach({"screens": ["nowhere"]}) == []
    assert_problem(
        await station.running.http.post(
            f"{BASE}/alerts/reach", json={"floors": []}, headers=station.operator
        ),
        422,
    )
    assert_problem(
        await station.running.http.post(f"{BASE}/alerts/reach", json={}, headers=station.player("hall")), 403
    )
    assert (await station.call("GET", "/alerts"))["items"] == []  # nothing was raised


async def test_an_expired_alert_is_cleared_once_with_its_event(station):
    expires = datetime.now(UTC) + timedelta(minutes=5)
    alert = await station.call(
        "POST",
        "/alerts",
        201,
        json={"severity": "warning", "texts": {"fr": "Quai 2"}, "expires_at": expires.isoformat()},
    )
    runtime = station.running.runtime
    later = expires + timedelta(seconds=1)
    for expected in ([alert["id"]], []):  # a second sweep (another replica's) finds nothing left
        async with runtime.sessionmaker() as session:
            cleared = await clear_expired_alerts(session=session, station_id=SAINT_DENIS, at=later)
        assert cleared == expected
    status = await station.call("GET", f"/alerts/{alert['id']}")
    assert status["cleared_at"] is not None and (await station.document("hall"))["alerts"] == []
    async with runtime.sessionmaker() as session:
        staged = (await session.execute(select(OUTBOX.c.subject))).scalars().all()
    assert staged.count(f"gare.{SAINT_DENIS}.signage.alert.cleared") == 1
