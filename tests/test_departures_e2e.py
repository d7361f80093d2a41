"""Live departures through the gateway of a running station, on both databases: the simulated producer
(SIRI Lite and GTFS-Realtime) feeds the public boards and their event stream; a source that answers
garbage fails alone, with its reason, and the others go on."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from services.info_kiosk.tests.departures_support import (
    feed_server,
    general_message_without,
    serve_samples,
    siri_source,
)
from testkit.stack import SAINT_DENIS, EventCatcher, assert_problem, bearer, eventually

pytestmark = pytest.mark.e2e

BASE = f"/api/v1/stations/{SAINT_DENIS}/kiosk"


def boards_from_both_sources(gateway: str) -> dict | None:
    body = httpx.get(f"{gateway}{BASE}/departures", timeout=10).json()
    states = {s["code"]: s["state"] for s in body["sources"]}
    lines = {b["line"] for b in body["boards"]}
    if states == {"idfm-siri-lite": "fresh", "bus-gtfs-rt": "fresh"} and {"14", "RER D", "153"} <= lines:
        return body
    return None


def test_the_simulated_producer_feeds_the_public_boards(gateway):
    body, _ = eventually(lambda: boards_from_both_sources(gateway), timeout=60)
    metro = next(b for b in body["boards"] if b["line"] == "14")
    assert metro["mode"] == "metro" and metro["line_color"] == "#62259D" and metro["stop_code"] == "quai-14"
    assert 1 <= len(metro["departures"]) <= 6
    times = [d["expected_at"] for d in metro["departures"]]
    assert times == sorted(times)
    bus = next(b for b in body["boards"] if b["line"] == "153")
    assert bus["exit_code"] == "exit-rue-pleyel"
    # Public, cached with a strong ETag, filtered.
    first = httpx.get(f"{gateway}{BASE}/departures", params={"mode": "bus"}, timeout=10)
    assert {b["mode"] for b in first.json()["boards"]} == {"bus"}
    again = httpx.get(
        f"{gateway}{BASE}/departures",
        params={"mode": "bus"},
        headers={"If-None-Match": first.headers["etag"]},
        timeout=10,
    )
    assert again.status_code in (200, 304)  # 200 only if a pull landed in between
    disruptions = httpx.get(f"{gateway}{BASE}/disruptions", params={"state": "all"}, timeout=10)
    assert disruptions.status_code == 200 and "next_cursor" in disruptions.json()
    assert_problem(httpx.get(f"{gateway}{BASE}/departure-sources", timeout=10), 401)


def test_the_stream_through_the_gateway_sends_a_change_at_once(gateway, tokens):
    eventually(lambda: boards_from_both_sources(gateway), timeout=60)
    operator = bearer(tokens.operator())
    source = httpx.get(
        f"{gateway}{BASE}/departure-sources/idfm-siri-lite", headers=operator, timeout=10
    ).json()
    lines = source["lines"]
    recoloured = [{**line, "color": "#000001"} if line["name"] == "13" else line for line in lines]
    seen: list[dict] = []
    try:
        with httpx.stream(
            "GET",
            f"{gateway}{BASE}/departures/live",
            params={"line": "13"},
            headers={"Accept": "text/event-stream"},
            timeout=20,
        ) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            event = None
            for line in stream.iter_lines():
                if line.startswith("event: "):
                    event = line.removeprefix("event: ")
                elif line.startswith("data: ") and event == "departures":
                    seen.append(json.loads(line.removeprefix("data: ")))
                    if len(seen) == 1:
                        assert {b["line"] for b in seen[0]["boards"]} == {"13"}
                        changed = httpx.patch(
                            f"{gateway}{BASE}/departure-sources/idfm-siri-lite",
                            json={"lines": recoloured},
                            headers=operator,
                            timeout=10,
                        )
                        assert changed.status_code == 200, changed.text
                    elif all(b["line_color"] == "#000001" for b in seen[-1]["boards"]) and seen[-1]["boards"]:
                        break
    finally:
        httpx.patch(
            f"{gateway}{BASE}/departure-sources/idfm-siri-lite",
            json={"lines": lines},
            headers=operator,
            timeout=10,
        )
    assert seen[-1]["boards"] and {b["line_color"] for b in seen[-1]["boards"]} == {"#000001"}


def test_a_source_that_answers_garbage_fails_alone_with_its_reason(stack, gateway, tokens):
    eventually(lambda: boards_from_both_sources(gateway), timeout=60)
    operator = bearer(tokens.operator())
    feed = stack.demo["departures_feed"]
    broken = {
        "code": "e2e-garbage",
        "name": "A SIRI source that serves protobuf",
        "kind": "siri-lite",
        "url": f"{feed}/gtfs-rt/{SAINT_DENIS}/trip-updates",
        "stops": [
            {
                "ref": "STIF:StopPoint:Q:473921:",
                "stop_code": "quai-14",
                "stop_name": "Ligne 14",
                "mode": "metro",
            }
        ],
        "poll_seconds": 5,
    }
    made = httpx.post(f"{gateway}{BASE}/departure-sources", json=broken, headers=operator, timeout=10)
    assert made.status_code == 201, made.text
    try:

        def failing() -> dict | None:
            found = httpx.get(
                f"{gateway}{BASE}/departure-sources/e2e-garbage", headers=operator, timeout=10
            ).json()
            return found if found["state"] == "failing" else None

        state, _ = eventually(failing, timeout=30)
        assert state["reason"].startswith("not JSON")
        body = httpx.get(f"{gateway}{BASE}/departures", timeout=10).json()
        states = {s["code"]: s["state"] for s in body["sources"]}
        assert states["e2e-garbage"] == "failing" and states["idfm-siri-lite"] == "fresh"
    finally:
        httpx.delete(f"{gateway}{BASE}/departure-sources/e2e-garbage", headers=operator, timeout=10)


def test_a_source_message_is_raised_and_cleared_on_nats_and_a_quiet_source_goes_stale(stack, gateway, tokens):
    """Recorded real-format samples served by a local producer: a SIRI Lite GeneralMessage becomes a
    disruption (an event on NATS, listed publicly with its source), its producer drops it and it is
    cleared; a source pulled less often than its ttl is shown stale."""
    operator = bearer(tokens.operator())
    subject = f"gare.{SAINT_DENIS}.kiosk.disruption.>"
    with feed_server() as server:
        serve_samples(server, datetime.now(UTC))
        body = {**siri_source(server, "e2e-prim"), "poll_seconds": 60, "ttl_seconds": 10}
        made, event = EventCatcher(stack.nats_url, subject).during(
            lambda: httpx.post(f"{gateway}{BASE}/departure-sources", json=body, headers=operator, timeout=10),
            timeout=30,
        )
        try:
            assert made.status_code == 201, made.text
            assert event["type"] == "fr.gare.kiosk.disruption.published.v1"
            assert event["data"]["source_code"] == "e2e-prim"
            listed = httpx.get(
                f"{gateway}{BASE}/disruptions", params={"source": "e2e-prim"}, timeout=10
            ).json()
            assert {d["source_ref"] for d in listed["items"]} == {
                "IDFM:Message::RERD-travaux:LOC",
                "IDFM:Message::M14-info:LOC",
            }
            rer = next(d for d in listed["items"] if d["source_ref"] == "IDFM:Message::RERD-travaux:LOC")

            # Its producer no longer sends the RER D message: cleared at the next pull (made due now).
            server.serve(
                "/siri/general-message",
                general_message_without("IDFM:Message::RERD-travaux:LOC", datetime.now(UTC)),
            )
            _, cleared = EventCatcher(stack.nats_url, f"gare.{SAINT_DENIS}.kiosk.disruption.cleared").during(
                lambda: httpx.patch(
                    f"{gateway}{BASE}/departure-sources/e2e-prim",
                    json={"stops": body["stops"][::-1]},  # new stops: pulled again at once
                    headers=operator,
                    timeout=10,
                ),
                timeout=30,
            )
            assert cleared["data"]["disruption_id"] == rer["id"]

            def stale() -> dict | None:
                sources = httpx.get(f"{gateway}{BASE}/departures", timeout=10).json()["sources"]
                mine = next(s for s in sources if s["code"] == "e2e-prim")
                return mine if mine["state"] == "stale" else None

            state, _ = eventually(stale, timeout=40)
            assert state["updated_at"]
        finally:
            httpx.delete(f"{gateway}{BASE}/departure-sources/e2e-prim", headers=operator, timeout=10)
