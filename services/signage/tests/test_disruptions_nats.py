"""info_kiosk's disruptions on screens, by events published on a real nats-server: a whole-screen
alert with its source, a ticker line, or nothing; once each, and off the screens when cleared."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kernel.contracts import kiosk
from kernel.events import OutgoingEvent, new_event
from services.info_kiosk.tests.test_api import publish
from services.signage.app import DEFINITION
from services.signage.settings import Settings
from services.signage.tests.stations import MIGRATIONS, Station
from testkit.service import SAINT_DENIS, SigningKey, eventually, migrated_sqlite_async, running_service


@pytest.fixture
async def station(tmp_path: Path, keys: SigningKey, nats_server) -> AsyncIterator[Station]:
    url = await migrated_sqlite_async(MIGRATIONS, tmp_path / "signage.sqlite")
    async with running_service(
        DEFINITION, Settings, database_url=url, keys=keys, nats_url=nats_server.url
    ) as running:
        built = Station(running)
        built.nats_url = nats_server.url  # type: ignore[attr-defined]
        await built.build()
        yield built


def raised(disruption_id: str, reach: str, text: str, *, severity: str = "severe") -> OutgoingEvent:
    return new_event(
        station_id=SAINT_DENIS,
        domain=kiosk.DOMAIN,
        entity=kiosk.DISRUPTION,
        verb=kiosk.PUBLISHED,
        data=kiosk.DisruptionRaised(
            disruption_id=disruption_id,
            source_code="idfm-siri",
            source_ref=f"RATP:{disruption_id}",
            severity=severity,  # type: ignore[arg-type]
            reach=reach,  # type: ignore[arg-type]
            text={"fr": text, "en": f"{text} (en)"},
            description={},
            lines=["L15"],
            stops=[],
            raised_at=datetime.now(UTC),
            until=None,
        ),
    )


def cleared(disruption_id: str) -> OutgoingEvent:
    return new_event(
        station_id=SAINT_DENIS,
        domain=kiosk.DOMAIN,
        entity=kiosk.DISRUPTION,
        verb=kiosk.CLEARED,
        data=kiosk.DisruptionCleared(disruption_id=disruption_id, cleared_at=datetime.now(UTC)),
    )


async def alerts_from(station: Station, disruption_id: str) -> list[dict[str, Any]]:
    items = (await station.call("GET", "/alerts"))["items"]
    return [a for a in items if a["source"] == f"disruption:{disruption_id}"]


async def test_a_disruption_that_reaches_alert_takes_the_screens_once_and_leaves_when_cleared(station):
    first = raised("d-1", "alert", "Ligne 15 interrompue")
    await publish(station.nats_url, first, first)  # the same event twice: handled once

    async def shown() -> list[dict[str, Any]] | None:
        return (await station.document("hall"))["alerts"] or None

    on_hall, _ = await eventually(shown, timeout=10)
    alert = (await alerts_from(station, "d-1"))[0]
    assert [(a["id"], a["severity"], a["text"]) for a in on_hall] == [
        (alert["id"], "warning", "Ligne 15 interrompue")
    ]
    assert alert["cleared_at"] is None and alert["texts"]["en"] == "Ligne 15 interrompue (en)"
    assert [a["id"] for a in (await station.document("quai-1"))["alerts"]] == [alert["id"]]

    # A newer word on the same disruption changes its alert, it raises no second one.
    await publish(station.nats_url, raised("d-1", "alert", "Ligne 15 interrompue jusqu'à 18 h"))

    async def updated() -> list[dict[str, Any]] | None:
        alerts = await alerts_from(station, "d-1")
        return alerts if alerts[0]["texts"]["fr"].endswith("18 h") else None

    assert len((await eventually(updated, timeout=10))[0]) == 1

    await publish(station.nats_url, cleared("d-1"))

    async def gone() -> bool | None:
        return (await station.document("hall"))["alerts"] == [] or None

    await eventually(gone, timeout=10)
    after = await alerts_from(station, "d-1")
    assert len(after) == 1 and after[0]["cleared_at"] is not None
    assert (await station.call("GET", "/alerts", params={"active": "true"}))["items"] == []


async def test_a_ticker_disruption_is_a_ticker_line_and_none_shows_nothing(station):
    await station.call(
        "PUT",
        "/screens/hall",
        json={
            "name": "Écran hall",
            "location": "Gare",
            "zone": "hall",
            "tags": [],
            "orientation": "landscape",
            "resolution": "1920x1080",
            "languages": ["fr", "en"],
            "device_client_id": "player-hall",
            "layout": "landscape",
        },
    )
    await publish(
        station.nats_url,
        raised("d-2", "ticker", "Travaux ce week-end", severity="info"),
        raised("d-3", "none", "Information interne", severity="info"),
    )

    async def ticker() -> list[dict[str, Any]] | None:
        regions = (await station.document("hall"))["layout"]["regions"]
        return next(r for r in regions if r["kind"] == "ticker")["items"] or None

    items, _ = await eventually(ticker, timeout=10)
    assert [(i["id"], i["source"], i["text"]) for i in items] == [
        ("d-2", "disruption:d-2", "Travaux ce week-end")
    ]
    assert (await station.call("GET", "/alerts"))["items"] == []  # neither took the whole screen
    assert (await station.document("hall"))["alerts"] == []

    # Its reach raised to `alert`: off the ticker, over the whole screen; cleared: nowhere.
    await publish(station.nats_url, raised("d-2", "alert", "Travaux : ligne fermée"))

    async def promoted() -> list[dict[str, Any]] | None:
        return await alerts_from(station, "d-2") or None

    await eventually(promoted, timeout=10)
    assert await ticker() is None
    await publish(station.nats_url, cleared("d-2"))

    async def quiet() -> bool | None:
        document = await station.document("hall")
        return (document["alerts"] == [] and await ticker() is None) or None

    await eventually(quiet, timeout=10)


async def test_a_clearance_that_arrives_first_keeps_the_late_disruption_off(station):
    late = raised("d-4", "alert", "Retards")
    late.event.time = datetime.now(UTC) - timedelta(seconds=30)
    await publish(station.nats_url, cleared("d-4"), late, raised("d-5", "alert", "Témoin"))

    async def witness() -> list[dict[str, Any]] | None:
        return await alerts_from(station, "d-5") or None

    await eventually(witness, timeout=10)  # handled in order: d-4's report came before
    assert await alerts_from(station, "d-4") == []
