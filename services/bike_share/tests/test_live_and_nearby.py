"""The availability stream (wake on change, Last-Event-ID resume) and the nearby search."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

from services.bike_share import live
from services.bike_share.tests.test_operators_and_gbfs import (
    API,
    add_scooter_sharing,
    car_report,
    configure_car_sharing,
)
from testkit.service import SAINT_DENIS, assert_problem

STATION = f"{API}/vehicle-stations/getaround-pleyel-parking"


def parse(frame: bytes) -> tuple[str, dict]:
    lines = dict(line.split(": ", 1) for line in frame.decode().strip().splitlines())
    return lines["id"], json.loads(lines["data"])


async def next_frame(events) -> bytes:
    while True:
        frame = await asyncio.wait_for(anext(events), 5)
        if frame.startswith(b"id:"):
            return frame


async def test_a_change_reaches_the_stream_and_a_client_resumes_from_its_last_event(fresh_bike_share):
    admin = await configure_car_sharing(fresh_bike_share)
    await fresh_bike_share.http.put(f"{STATION}/status", json=car_report(2, 2), headers=admin)
    runtime = fresh_bike_share.runtime

    def open_stream(last_event_id: str | None):
        return live.stream(
            sessionmaker=runtime.sessionmaker,
            pulse=live.pulse_of(runtime),
            station_id=SAINT_DENIS,
            last_event_id=last_event_id,
        )

    events = open_stream(None)
    first_id, first = parse(await next_frame(events))
    assert first["status"]["num_vehicles_available"] == 2
    waiting = asyncio.ensure_future(next_frame(events))
    await fresh_bike_share.http.put(f"{STATION}/status", json=car_report(1, 3), headers=admin)
    second_id, second = parse(await waiting)
    assert second["status"]["num_vehicles_available"] == 1 and second_id > first_id
    await events.aclose()

    # Gone while two more changes happened: back with Last-Event-ID, the latest state comes at once.
    await fresh_bike_share.http.put(f"{STATION}/status", json=car_report(0, 4), headers=admin)
    await fresh_bike_share.http.put(f"{STATION}/status", json=car_report(3, 1), headers=admin)
    resumed = open_stream(second_id)
    _, latest = parse(await next_frame(resumed))
    assert latest["status"]["num_vehicles_available"] == 3
    await resumed.aclose()


async def test_nearby_lists_what_can_be_taken_nearest_walk_first_by_type(fresh_bike_share):
    admin = await configure_car_sharing(fresh_bike_share)
    await fresh_bike_share.http.put(f"{STATION}/status", json=car_report(2, 2), headers=admin)
    await add_scooter_sharing(fresh_bike_share, admin)
    for external_id, lat in (("near", 48.91850), ("far", 48.93000)):
        await fresh_bike_share.http.post(
            f"{API}/vehicles",
            json={
                "system_id": "dott",
                "external_id": external_id,
                "vehicle_type_id": "dott-scooter",
                "lat": lat,
                "lon": 2.3441,
                "last_reported": datetime.now(UTC).isoformat(),
            },
            headers=admin,
        )
    here = {"lat": 48.9184, "lon": 2.3441, "radius_m": 300}
    found = (await fresh_bike_share.http.get(f"{API}/nearby", params=here)).json()["items"]
    assert [p["id"] for p in found] == ["dott-near", "getaround-pleyel-parking"]
    assert found[0]["walking_distance_m"] < found[1]["walking_distance_m"]
    cars = (
        await fresh_bike_share.http.get(f"{API}/nearby", params={**here, "vehicle_type_id": "getaround-zoe"})
    ).json()
    assert [p["id"] for p in cars["items"]] == ["getaround-pleyel-parking"]
    # A page at a time, in the same order.
    first = (await fresh_bike_share.http.get(f"{API}/nearby", params={**here, "limit": 1})).json()
    assert [p["id"] for p in first["items"]] == ["dott-near"]
    rest = await fresh_bike_share.http.get(
        f"{API}/nearby", params={**here, "limit": 1, "cursor": first["next_cursor"]}
    )
    assert [p["id"] for p in rest.json()["items"]] == ["getaround-pleyel-parking"]
    assert rest.json()["next_cursor"] is None
    assert_problem(await fresh_bike_share.http.get(f"{API}/nearby", params={**here, "radius_m": 99_999}), 422)


async def test_a_client_that_cannot_stream_gets_the_changes_since_its_last_event_and_an_end(fresh_bike_share):
    admin = await configure_car_sharing(fresh_bike_share)
    await fresh_bike_share.http.put(f"{STATION}/status", json=car_report(2, 2), headers=admin)
    everything = await fresh_bike_share.http.get(f"{API}/events", headers={"Accept": "*/*"})
    assert everything.headers["content-type"].startswith("text/event-stream")
    frames = [f for f in everything.content.split(b"\n\n") if f.startswith(b"id:")]
    last_id, state = parse(frames[-1])
    assert state["status"]["num_vehicles_available"] == 2
    nothing_new = await fresh_bike_share.http.get(f"{API}/events", headers={"Last-Event-ID": last_id})
    assert b"id:" not in nothing_new.content
    await fresh_bike_share.http.put(f"{STATION}/status", json=car_report(1, 3), headers=admin)
    since = await fresh_bike_share.http.get(f"{API}/events", headers={"Last-Event-ID": last_id})
    _, changed = parse(since.content.split(b"\n\n")[1])
    assert changed["status"]["num_vehicles_available"] == 1
