"""Vehicle sharing through the gateway of a running station: GBFS 3.0 files, operator
configuration of a car-sharing station, status reports seen in the feed, nearby and the
availability stream."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
from jsonschema import Draft7Validator, FormatChecker

from tests.support import SAINT_DENIS, assert_problem, bearer, eventually

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

    # A client that was away comes back with its Last-Event-ID and gets the change at once
    # (the stream is read from the service: the gateway answers whole responses only).
    with httpx.stream(
        "GET",
        f"{stack.url('bike_share')}{BASE}/events",
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
    operator = bearer(tokens.operator())
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
            response = httpx.post(f"{gateway}{BASE}/{path}", json=body, headers=operator)
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
        assert [p["id"] for p in nearby["places"]] == ["e2e-cars-parvis"]
        types = httpx.get(f"{gateway}{GBFS}/vehicle_types.json").json()["data"]["vehicle_types"]
        assert "e2e-cars-zoe" in {t["vehicle_type_id"] for t in types}
    finally:
        for path in reversed(created):
            httpx.delete(f"{gateway}{BASE}/{path}", headers=operator)
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

    stream_url = f"{stack.url('bike_share')}{BASE}/events"
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
    (resumed_id, event), *_ = read_events(stream_url, last_id, 1)
    assert event["id"] == VELIB and event["status"]["num_vehicles_available"] == 3
    assert resumed_id > last_id
