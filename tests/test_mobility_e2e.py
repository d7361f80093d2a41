"""Vehicle sharing through the gateway of a running station: GBFS 3.0 files, operator
configuration of a car-sharing station, status reports seen in the feed, nearby and the
availability stream."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
from jsonschema import Draft7Validator, FormatChecker

from testkit.stack import SAINT_DENIS, VILLEJUIF, assert_problem, bearer, eventually

BASE = f"/api/v1/stations/{SAINT_DENIS}/mobility"
GBFS = f"/gbfs/{SAINT_DENIS}"
SCHEMAS = Path(__file__).parents[1] / "services" / "bike_share" / "gbfs_schemas" / "v3.0"
VELIB = "velib-metropole-653042442"


def schema_errors(feed: str, document: dict) -> list[str]:
    validator = Draft7Validator(
        json.loads((SCHEMAS / f"{feed}.json").read_text()), format_checker=FormatChecker()
    )
    return [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(document)]


def velib_report(mechanical: int, ebike: int) -> dict:
    return {
        "num_vehicles_available": mechanical + ebike,
        "vehicle_types_available": [
            {"vehicle_type_id": "velib-mechanical", "count": mechanical},
            {"vehicle_type_id": "velib-ebike", "count": ebike},
        ],
        "num_docks_available": 20,
        "last_reported": datetime.now(UTC).isoformat(),
    }


def test_the_stations_gbfs_feed_validates_and_shows_a_report_and_the_stream_resumes(stack, gateway, tokens):
    discovery = httpx.get(f"{gateway}{GBFS}/gbfs.json")
    assert discovery.status_code == 200, discovery.text
    feeds = {f["name"]: f["url"] for f in discovery.json()["data"]["feeds"]}
    assert feeds["station_status"] == f"{gateway}{GBFS}/station_status.json"
    for name, url in [("manifest", f"{gateway}{GBFS}/manifest.json"), *feeds.items()]:
        document = httpx.get(url).json()
        assert schema_errors(name, document) == [], name

    status_url = f"{gateway}{GBFS}/station_status.json"
    before = httpx.get(status_url)
    assert httpx.get(status_url, headers={"If-None-Match": before.headers["etag"]}).status_code == 304

    just_before = datetime.now(UTC).isoformat(timespec="microseconds")
    reported = httpx.put(
        f"{gateway}{BASE}/vehicle-stations/{VELIB}/status",
        json=velib_report(4, 9),
        headers=bearer(tokens.operator()),
    )
    assert reported.status_code == 200, reported.text

    def published() -> dict | None:
        stations = httpx.get(status_url).json()["data"]["stations"]
        row = next(s for s in stations if s["station_id"] == VELIB)
        return row if row["num_vehicles_available"] == 13 else None

    eventually(published, timeout=5)

    # A client that was away comes back with its Last-Event-ID and gets the change at once.
    with httpx.stream(
        "GET",
        f"{gateway}{BASE}/events",
        headers={"Last-Event-ID": just_before, "Accept": "text/event-stream"},
        timeout=10,
    ) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        for line in stream.iter_lines():
            if line.startswith("data: "):
                event = json.loads(line.removeprefix("data: "))
                break
    assert event["id"] == VELIB and event["status"]["num_vehicles_available"] == 13


def test_an_operator_adds_a_car_sharing_station_that_reports_and_is_found_nearby(gateway, tokens):
    """The network's administrator adds the shared system and type; the station's operator its
    car-sharing station and its reports."""
    operator = bearer(tokens.operator())
    admin = bearer(tokens.admin())
    created = []
    try:
        for path, body in (
            ("systems", {"id": "e2e-cars", "name": {"fr": "Autopartage"}}),
            (
                "vehicle-types",
                {
                    "id": "e2e-cars-zoe",
                    "system_id": "e2e-cars",
                    "form_factor": "car",
                    "propulsion_type": "electric",
                    "name": {"fr": "Zoé"},
                    "max_range_meters": 300_000,
                },
            ),
            (
                "vehicle-stations",
                {
                    "system_id": "e2e-cars",
                    "external_id": "parvis",
                    "name": "Parvis Pleyel",
                    "lat": 48.9177,
                    "lon": 2.3468,
                    "capacity": 2,
                    "distance_m": 30,
                    "kind": "car_sharing",
                },
            ),
        ):
            who = operator if path == "vehicle-stations" else admin
            if who is admin:  # refused to the station's operator, as anything every station shares
                assert_problem(
                    httpx.post(f"{gateway}{BASE}/{path}", json=body, headers=operator),
                    403,
                    "shared-by-stations",
                )
            response = httpx.post(f"{gateway}{BASE}/{path}", json=body, headers=who)
            assert response.status_code == 201, response.text
            created.append(f"{path}/{response.json()['id']}")
        report = {
            "num_vehicles_available": 1,
            "vehicle_types_available": [{"vehicle_type_id": "e2e-cars-zoe", "count": 1}],
            "num_docks_available": 1,
            "last_reported": datetime.now(UTC).isoformat(),
        }
        station = f"{gateway}{BASE}/vehicle-stations/e2e-cars-parvis/status"
        assert_problem(httpx.put(station, json={**report, "num_docks_available": 2}, headers=operator), 422)
        assert_problem(httpx.put(station, json=report, headers=bearer(tokens.device("mobility_feed"))), 403)
        assert httpx.put(station, json=report, headers=operator).status_code == 200

        nearby = httpx.get(f"{gateway}{BASE}/nearby", params={"vehicle_type_id": "e2e-cars-zoe"}).json()
        assert [p["id"] for p in nearby["items"]] == ["e2e-cars-parvis"]
        types = httpx.get(f"{gateway}{GBFS}/vehicle_types.json").json()["data"]["vehicle_types"]
        assert "e2e-cars-zoe" in {t["vehicle_type_id"] for t in types}
    finally:
        for path in reversed(created):
            httpx.delete(f"{gateway}{BASE}/{path}", headers=admin)
    assert_problem(httpx.get(f"{gateway}{BASE}/systems/e2e-cars"), 404)


def read_events(url: str, last_event_id: str | None, wanted: int) -> list[tuple[str, dict]]:
    """The first `wanted` availability events of a stream, with their ids."""
    headers = {"Accept": "text/event-stream"} | ({"Last-Event-ID": last_event_id} if last_event_id else {})
    events: list[tuple[str, dict]] = []
    event_id = ""
    with httpx.stream("GET", url, headers=headers, timeout=10) as stream:
        for line in stream.iter_lines():
            if line.startswith("id: "):
                event_id = line.removeprefix("id: ")
            elif line.startswith("data: "):
                events.append((event_id, json.loads(line.removeprefix("data: "))))
                if len(events) == wanted:
                    return events
    return events


def test_feeds_survive_redis_down_and_the_stream_resumes_across_a_restart(stack, gateway, tokens):
    assert stack.redis is not None
    stack.redis.stop()
    try:
        assert httpx.get(f"{gateway}{GBFS}/station_status.json").status_code == 200
    finally:
        stack.redis.start()
        stack.redis.wait_ready()

    stream_url = f"{gateway}{BASE}/events"
    (last_id, _), *_ = read_events(stream_url, None, 1)[-1:] or [("", {})]
    stack.stop_component("bike_share")
    stack.start_component("bike_share")

    def reported() -> bool:
        response = httpx.put(
            f"{gateway}{BASE}/vehicle-stations/{VELIB}/status",
            json=velib_report(1, 2),
            headers=bearer(tokens.operator()),
        )
        return response.status_code == 200

    eventually(reported, timeout=30, interval=0.2)
    # Resuming from the last id seen gives the events after it, in order, ours among them (other
    # tests' updates of the stack may come first): resume again after each until it comes.
    cursor = last_id
    for _ in range(20):
        (resumed_id, event), *_ = read_events(stream_url, cursor, 1)
        assert resumed_id > cursor
        if event["id"] == VELIB and event["status"]["num_vehicles_available"] == 3:
            break
        cursor = resumed_id
    else:
        raise AssertionError("the update after the restart never came on the resumed stream")


def open_streams(gateway: str) -> float:
    """The gateway's count of event streams it relays to bike_share now."""
    for line in httpx.get(f"{gateway}/metrics").text.splitlines():
        if line.startswith('gare_gateway_open_streams{service="bike_share"}'):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def next_event(lines: Iterator[str]) -> tuple[str, dict]:
    """The next availability event of a stream being read, with its id."""
    event_id = ""
    for line in lines:
        if line.startswith("id: "):
            event_id = line.removeprefix("id: ")
        elif line.startswith("data: "):
            return event_id, json.loads(line.removeprefix("data: "))
    raise AssertionError("the stream ended before an event")


def test_the_availability_stream_passes_the_gateway_live_resumes_and_is_freed(gateway, tokens):
    operator = bearer(tokens.operator())
    stream_url = f"{gateway}{BASE}/events"
    report = f"{gateway}{BASE}/vehicle-stations/{VELIB}/status"
    baseline = open_streams(gateway)
    # Starting from now: the stream sends nothing until a change, so the event read is the one
    # posted below (a relay that buffered would leave the read waiting until its timeout).
    now = datetime.now(UTC).isoformat(timespec="microseconds")
    with httpx.stream(
        "GET", stream_url, headers={"Accept": "text/event-stream", "Last-Event-ID": now}, timeout=10
    ) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.iter_lines()
        assert next(lines) == "retry: 2000"  # the service's first bytes come through at once
        assert open_streams(gateway) == baseline + 1
        assert httpx.put(report, json=velib_report(5, 6), headers=operator).status_code == 200
        seen_id, event = next_event(lines)
        assert event["id"] == VELIB and event["status"]["num_vehicles_available"] == 11

    # Closing the client frees the gateway's stream and its slot.
    eventually(lambda: open_streams(gateway) == baseline, timeout=5)

    # What changed while away comes at once on reconnection with Last-Event-ID, through the gateway.
    assert httpx.put(report, json=velib_report(7, 1), headers=operator).status_code == 200
    with httpx.stream(
        "GET", stream_url, headers={"Accept": "text/event-stream", "Last-Event-ID": seen_id}, timeout=10
    ) as stream:
        missed_id, event = next_event(stream.iter_lines())
    assert event["id"] == VELIB and event["status"]["num_vehicles_available"] == 8
    assert missed_id > seen_id
    eventually(lambda: open_streams(gateway) == baseline, timeout=5)


def test_why_a_feed_fails_reaches_the_stations_operators_through_the_gateway_only(gateway, tokens):
    """`/feeds` is a public read; a good token of the station passes the gateway and shows the
    reason, any other caller (none, another station's, a broken token) reads it as the public."""
    admin = bearer(tokens.admin())
    created = httpx.post(
        f"{gateway}{BASE}/systems",
        json={"id": "e2e-dead", "name": {"fr": "Flux mort"}, "feed_url": "http://127.0.0.1:9/gbfs.json"},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    try:

        def seen_by(headers: dict[str, str]) -> dict | None:
            answer = httpx.get(f"{gateway}{BASE}/feeds", headers=headers)
            assert answer.status_code == 200, answer.text
            return next((f for f in answer.json()["items"] if f["system_id"] == "e2e-dead"), None)

        operator = bearer(tokens.operator())
        feed, _ = eventually(
            lambda: (f := seen_by(operator)) and f["state"] == "failing" and f, timeout=60, interval=0.5
        )
        assert feed["reason"]
        for headers in ({}, bearer(tokens.operator(VILLEJUIF)), bearer("x.y.z")):
            public = seen_by(headers)
            assert public is not None and public["state"] == "failing" and public["reason"] is None, headers
    finally:
        httpx.delete(f"{gateway}{BASE}/systems/e2e-dead", headers=admin)
