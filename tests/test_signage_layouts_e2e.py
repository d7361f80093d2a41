"""Screens with layouts and disruptions on screens, end to end on the real stack (each database): an
operator's layout chosen for a screen, its regions in the document through the gateway, and a
disruption published on NATS by its source raised as an alert with its source, then cleared."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from kernel.contracts import kiosk
from kernel.events import OutgoingEvent, new_event
from services.info_kiosk.tests.test_api import publish
from testkit.stack import SAINT_DENIS, assert_problem, bearer, eventually

SIGNAGE = f"/api/v1/stations/{SAINT_DENIS}/signage"


def disruption(verb: str, disruption_id: str, reach: str = "alert") -> OutgoingEvent:
    now = datetime.now(UTC)
    data: Any = (
        kiosk.DisruptionCleared(disruption_id=disruption_id, cleared_at=now)
        if verb == kiosk.CLEARED
        else kiosk.DisruptionRaised(
            disruption_id=disruption_id,
            source_code="idfm-siri",
            source_ref=disruption_id,
            severity="severe",
            reach=reach,  # type: ignore[arg-type]
            text={"fr": "Ligne 14 : trafic interrompu", "en": "Line 14: no service"},
            description={},
            lines=["L14"],
            stops=[],
            raised_at=now,
            until=None,
        )
    )
    return new_event(
        station_id=SAINT_DENIS, domain=kiosk.DOMAIN, entity=kiosk.DISRUPTION, verb=verb, data=data
    )


def test_a_layout_chosen_for_a_screen_and_a_disruption_on_it_through_the_gateway(stack, tokens):
    gateway = stack.gateway_url
    operator = bearer(tokens.operator())
    suffix = uuid.uuid4().hex[:6]
    code, layout = f"hall-{suffix}", f"coin-{suffix}"
    made = httpx.post(
        f"{gateway}{SIGNAGE}/layouts",
        headers=operator,
        json={
            "code": layout,
            "name": "Coin départs",
            "orientation": "portrait",
            "columns": ["1fr"],
            "rows": ["3fr", "2fr", "auto"],
            "areas": ["content", "board", "ticker"],
            "regions": [
                {"name": "content", "kind": "content"},
                {"name": "board", "kind": "departures", "modes": ["metro"]},
                {"name": "ticker", "kind": "ticker"},
            ],
        },
    )
    assert made.status_code == 201, made.text
    screen = {
        "code": code,
        "name": "Hall portrait",
        "location": "Hall",
        "orientation": "portrait",
        "resolution": "1080x1920",
        "languages": ["fr", "en"],
        "layout": layout,
    }
    assert httpx.post(f"{gateway}{SIGNAGE}/screens", headers=operator, json=screen).status_code == 201
    document = httpx.get(f"{gateway}{SIGNAGE}/screens/{code}/playlist", headers=operator).json()
    assert document["layout"]["code"] == layout
    assert [r["kind"] for r in document["layout"]["regions"]] == ["content", "departures", "ticker"]
    assert (
        document["layout"]["regions"][1]["url"]
        == f"/api/v1/stations/{SAINT_DENIS}/kiosk/departures?mode=metro"
    )
    assert_problem(
        httpx.delete(f"{gateway}{SIGNAGE}/layouts/{layout}", headers=operator), 409, "layout-in-use"
    )

    disruption_id = f"e2e-{suffix}"
    asyncio.run(publish(stack.nats_url, disruption(kiosk.PUBLISHED, disruption_id)))

    def raised() -> dict[str, Any] | None:
        alerts = httpx.get(f"{gateway}{SIGNAGE}/alerts", headers=operator, params={"active": "true"}).json()
        return next((a for a in alerts["items"] if a["source"] == f"disruption:{disruption_id}"), None)

    alert, _ = eventually(raised, timeout=15)
    assert alert["severity"] == "warning" and alert["texts"]["fr"] == "Ligne 14 : trafic interrompu"
    shown = httpx.get(f"{gateway}{SIGNAGE}/screens/{code}/playlist", headers=operator).json()["alerts"]
    assert alert["id"] in [a["id"] for a in shown]

    asyncio.run(publish(stack.nats_url, disruption(kiosk.CLEARED, disruption_id)))
    eventually(lambda: raised() is None or None, timeout=15)
    cleared = httpx.get(f"{gateway}{SIGNAGE}/alerts/{alert['id']}", headers=operator).json()
    assert cleared["cleared_at"] is not None and cleared["source"] == f"disruption:{disruption_id}"
    httpx.delete(f"{gateway}{SIGNAGE}/screens/{code}", headers=operator)
    assert httpx.delete(f"{gateway}{SIGNAGE}/layouts/{layout}", headers=operator).status_code == 204
