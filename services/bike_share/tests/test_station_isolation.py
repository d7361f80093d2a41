"""Who may change what, station by station: systems, vehicle types and pricing plans are shared by
every station (a network administrator changes them); vehicle stations, their status and vehicles
belong to one station (its operators change them). Every write of bike_share's API is in the matrix,
for six callers on two stations; a refused write changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from services.bike_share.models import OUTBOX
from services.bike_share.tests.test_operators_and_gbfs import car_report, configure_car_sharing
from testkit.service import (
    SAINT_DENIS,
    VILLEJUIF,
    ServiceUnderTest,
    SigningKey,
    assert_problem,
    bearer,
)

WRITES = ("POST", "PUT", "PATCH", "DELETE")
PREFIX = "/api/v1/stations/{station_id}/mobility"
NOW = datetime.now(UTC).isoformat()
SHARED, CREATE_HERE, STATION_ITEM = "shared", "create here", "station item"

# Every write of the API: (method, path) -> (whose it is, concrete path, body).
ROWS: dict[tuple[str, str], tuple[str, str, dict[str, Any] | None]] = {
    ("POST", "/systems"): (SHARED, "/systems", {"id": "dott", "name": {"en": "Dott"}}),
    ("PATCH", "/systems/{system_id}"): (
        SHARED,
        "/systems/getaround",
        {"name": {"fr": "Renamed"}, "feed_url": "http://127.0.0.1:1/gbfs.json"},
    ),
    ("DELETE", "/systems/{system_id}"): (SHARED, "/systems/spare", None),
    ("POST", "/pricing-plans"): (
        SHARED,
        "/pricing-plans",
        {
            "id": "getaround-day",
            "system_id": "getaround",
            "name": {"fr": "Jour"},
            "description": {"fr": "50 € le jour"},
            "price": 50,
        },
    ),
    ("PATCH", "/pricing-plans/{plan_id}"): (SHARED, "/pricing-plans/getaround-hour", {"price": 99}),
    ("DELETE", "/pricing-plans/{plan_id}"): (SHARED, "/pricing-plans/spare-plan", None),
    ("POST", "/vehicle-types"): (
        SHARED,
        "/vehicle-types",
        {
            "id": "getaround-van",
            "system_id": "getaround",
            "form_factor": "car",
            "propulsion_type": "combustion",
            "name": {"fr": "Utilitaire"},
            "max_range_meters": 500_000,
        },
    ),
    ("PATCH", "/vehicle-types/{vehicle_type_id}"): (
        SHARED,
        "/vehicle-types/getaround-zoe",
        {"name": {"fr": "Renamed"}},
    ),
    ("DELETE", "/vehicle-types/{vehicle_type_id}"): (SHARED, "/vehicle-types/spare-type", None),
    ("POST", "/vehicle-stations"): (
        CREATE_HERE,
        "/vehicle-stations",
        {"system_id": "getaround", "external_id": "new-spot", "name": "New", "lat": 48.92, "lon": 2.34},
    ),
    ("PATCH", "/vehicle-stations/{vehicle_station_id}"): (
        STATION_ITEM,
        "/vehicle-stations/getaround-pleyel-parking",
        {"name": "Renamed"},
    ),
    ("DELETE", "/vehicle-stations/{vehicle_station_id}"): (
        STATION_ITEM,
        "/vehicle-stations/getaround-pleyel-parking",
        None,
    ),
    ("PUT", "/vehicle-stations/{vehicle_station_id}/status"): (
        STATION_ITEM,
        "/vehicle-stations/getaround-pleyel-parking/status",
        {"counted": "when sent"},
    ),
    ("POST", "/vehicles"): (
        CREATE_HERE,
        "/vehicles",
        {
            "system_id": "getaround",
            "external_id": "car-2",
            "vehicle_type_id": "getaround-zoe",
            "lat": 48.919,
            "lon": 2.345,
            "current_range_meters": 100_000,
            "last_reported": NOW,
        },
    ),
    ("PATCH", "/vehicles/{vehicle_id}"): (STATION_ITEM, "/vehicles/getaround-car-1", {"is_reserved": True}),
    ("DELETE", "/vehicles/{vehicle_id}"): (STATION_ITEM, "/vehicles/getaround-car-1", None),
}

ACTORS = ("operator of A", "operator of B", "admin", "courier", "traveller", "screen device")
A, B = SAINT_DENIS, VILLEJUIF


def token(keys: SigningKey, actor: str) -> str:
    return {
        "operator of A": lambda: keys.operator(A),
        "operator of B": lambda: keys.operator(B),
        "admin": keys.admin,
        "courier": lambda: keys.courier(A),
        "traveller": keys.traveller,
        "screen device": lambda: keys.device("screen", binding="getaround", station=A),
    }[actor]()


def allowed(whose: str, actor: str, station: str) -> bool:
    """The rule under test: what belongs to station A is changed on A's path by A's operators and
    administrators; what every station shares, by administrators only."""
    if actor == "admin":
        return whose != STATION_ITEM or station == A
    if whose == SHARED or actor not in ("operator of A", "operator of B"):
        return False
    own_station = A if actor == "operator of A" else B
    return station == own_station and (whose == CREATE_HERE or station == A)


async def test_every_write_of_the_api_has_a_row(fresh_bike_share):
    writes = {
        (method.upper(), path.removeprefix(PREFIX))
        for path, operations in fresh_bike_share.app.openapi()["paths"].items()
        for method in operations
        if method.upper() in WRITES
    }
    assert writes == set(ROWS)


async def arrange(bike_share: ServiceUnderTest) -> None:
    """A's car-sharing station with a car, and spare shared things nothing uses."""
    admin = await configure_car_sharing(bike_share)
    api = PREFIX.format(station_id=A)
    for path, body in (
        ("/systems", {"id": "spare", "name": {"en": "Spare"}}),
        (
            "/pricing-plans",
            {
                "id": "spare-plan",
                "system_id": "getaround",
                "name": {"fr": "Spare"},
                "description": {"fr": "-"},
                "price": 1,
            },
        ),
        (
            "/vehicle-types",
            {
                "id": "spare-type",
                "system_id": "getaround",
                "form_factor": "bicycle",
                "propulsion_type": "human",
                "name": {"fr": "Vélo"},
            },
        ),
        (
            "/vehicles",
            {
                "system_id": "getaround",
                "external_id": "car-1",
                "vehicle_type_id": "getaround-zoe",
                "lat": 48.919,
                "lon": 2.345,
                "current_range_meters": 100_000,
                "last_reported": NOW,
            },
        ),
    ):
        created = await bike_share.http.post(api + path, json=body, headers=admin)
        assert created.status_code == 201, created.text
    reported = await bike_share.http.put(
        f"{api}/vehicle-stations/getaround-pleyel-parking/status", json=car_report(2, 2), headers=admin
    )
    assert reported.status_code == 200, reported.text


async def everything_shown(bike_share: ServiceUnderTest) -> dict[str, Any]:
    """What both stations show, and the events waiting to go: a refused write changes none of it."""
    shown: dict[str, Any] = {}
    for station in (A, B):
        api = PREFIX.format(station_id=station)
        for path in ("/systems", "/pricing-plans", "/vehicle-types", "/vehicle-stations", "/vehicles"):
            shown[station + path] = (await bike_share.http.get(api + path)).json()
        for feed in ("system_information", "vehicle_types", "system_pricing_plans", "station_status"):
            answer = await bike_share.http.get(f"/gbfs/{station}/{feed}.json")
            shown[f"{station}/gbfs/{feed}"] = (answer.status_code, answer.json().get("data"))
    async with bike_share.runtime.sessionmaker() as session:
        shown["outbox"] = await session.scalar(select(func.count()).select_from(OUTBOX))
    return shown


CASES = [(write, actor, station) for write in ROWS for actor in ACTORS for station in (A, B)]
ALLOWED = [(w, actor, station) for w, actor, station in CASES if allowed(ROWS[w][0], actor, station)]


def case_id(case: tuple[str, str] | str) -> str:
    return f"{case[0]} {case[1]}" if isinstance(case, tuple) else case


async def write_as(bike_share: ServiceUnderTest, write: tuple[str, str], actor: str, station: str):
    _, path, body = ROWS[write]
    if body == {"counted": "when sent"}:
        body = car_report(1, 1)  # newer than what is stored
    return await bike_share.http.request(
        write[0],
        PREFIX.format(station_id=station) + path,
        json=body,
        headers=bearer(token(bike_share.keys, actor)),
    )


@pytest.mark.parametrize("write", list(ROWS), ids=case_id)
async def test_a_write_refused_to_a_caller_is_a_problem_and_changes_nothing(fresh_bike_share, write):
    await arrange(fresh_bike_share)
    whose = ROWS[write][0]
    before = await everything_shown(fresh_bike_share)
    for actor in ACTORS:
        for station in (A, B):
            if allowed(whose, actor, station):
                continue
            response = await write_as(fresh_bike_share, write, actor, station)
            # A's vehicle station or vehicle is not found on B's path by those who may act on B.
            found_elsewhere = whose == STATION_ITEM and station == B and actor in ("operator of B", "admin")
            problem = assert_problem(response, 404 if found_elsewhere else 403)
            if whose == SHARED and actor == {A: "operator of A", B: "operator of B"}[station]:
                assert problem["type"] == "/problems/shared-by-stations", (actor, station)
    assert await everything_shown(fresh_bike_share) == before


@pytest.mark.parametrize(
    ("write", "actor", "station"),
    ALLOWED,
    ids=[f"{w[0]} {w[1]} by {actor} on {station}" for w, actor, station in ALLOWED],
)
async def test_a_write_allowed_to_a_caller_succeeds(fresh_bike_share, write, actor, station):
    await arrange(fresh_bike_share)
    response = await write_as(fresh_bike_share, write, actor, station)
    assert 200 <= response.status_code < 300, response.text


def test_the_rule_in_short():
    """Shared things: administrators only; a station's things: its operators and administrators."""
    shared = {(a, s) for (w, a, s) in ALLOWED if ROWS[w][0] == SHARED}
    assert shared == {("admin", A), ("admin", B)}
    items = {(a, s) for (w, a, s) in ALLOWED if ROWS[w][0] == STATION_ITEM}
    assert items == {("operator of A", A), ("admin", A)}


async def test_villejuif_cannot_repoint_or_rename_a_system_saint_denis_shows(fresh_bike_share):
    """The issue's case: Villejuif's operator changed a shared system's feed and name."""
    await arrange(fresh_bike_share)
    shown = (await fresh_bike_share.http.get(f"/gbfs/{A}/system_information.json")).json()["data"]
    villejuif = bearer(fresh_bike_share.keys.operator(B))
    refused = await fresh_bike_share.http.patch(
        f"{PREFIX.format(station_id=B)}/systems/getaround",
        json={"name": {"fr": "Pirate"}, "feed_url": "http://127.0.0.1:1/gbfs.json"},
        headers=villejuif,
    )
    assert_problem(refused, 403, "shared-by-stations")
    assert (await fresh_bike_share.http.get(f"/gbfs/{A}/system_information.json")).json()["data"] == shown
    feeds = (await fresh_bike_share.http.get(f"{PREFIX.format(station_id=A)}/feeds")).json()
    assert feeds == {"items": [], "next_cursor": None}  # no feed was attached to the system


async def test_villejuif_cannot_rename_a_vehicle_type_saint_denis_shows(fresh_bike_share):
    await arrange(fresh_bike_share)
    refused = await fresh_bike_share.http.patch(
        f"{PREFIX.format(station_id=B)}/vehicle-types/getaround-zoe",
        json={"name": {"fr": "Pirate"}},
        headers=bearer(fresh_bike_share.keys.operator(B)),
    )
    assert_problem(refused, 403, "shared-by-stations")
    types = (await fresh_bike_share.http.get(f"/gbfs/{A}/vehicle_types.json")).json()["data"]
    assert [t["name"] for t in types["vehicle_types"] if t["vehicle_type_id"] == "getaround-zoe"] == [
        [{"text": "Renault Zoé", "language": "fr"}]
    ]
