"""Operator configuration (systems, pricing plans, vehicle types, car-sharing stations, vehicles)
and the GBFS 3.0 files it publishes, each validated against the official schema."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from jsonschema import Draft7Validator, FormatChecker
from sqlalchemy import select

from services.bike_share.models import OUTBOX
from testkit.service import (
    SAINT_DENIS,
    VILLEJUIF,
    ServiceUnderTest,
    assert_problem,
    bearer,
)

API = f"/api/v1/stations/{SAINT_DENIS}/mobility"
GBFS = f"/gbfs/{SAINT_DENIS}"
MIGRATIONS = Path(__file__).parents[1] / "migrations"
SCHEMAS = Path(__file__).parents[1] / "gbfs_schemas" / "v3.0"


def schema_errors(feed: str, document: dict) -> list[str]:
    schema = json.loads((SCHEMAS / f"{feed}.json").read_text())
    validator = Draft7Validator(schema, format_checker=FormatChecker())
    return [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(document)]


# What an operator creates for a car-sharing station, in order.
CAR_SHARING = [
    ("systems", {"id": "getaround", "name": {"fr": "Getaround", "en": "Getaround"}}),
    (
        "pricing-plans",
        {
            "id": "getaround-hour",
            "system_id": "getaround",
            "name": {"fr": "À l'heure", "en": "Hourly"},
            "description": {"fr": "6 € l'heure", "en": "€6 an hour"},
            "price": 0,
            "per_min_pricing": [{"start": 0, "rate": 0.1, "interval": 1}],
        },
    ),
    (
        "vehicle-types",
        {
            "id": "getaround-zoe",
            "system_id": "getaround",
            "form_factor": "car",
            "propulsion_type": "electric",
            "name": {"fr": "Renault Zoé"},
            "max_range_meters": 300_000,
            "pricing_plan_id": "getaround-hour",
        },
    ),
    (
        "vehicle-stations",
        {
            "system_id": "getaround",
            "external_id": "pleyel-parking",
            "name": "Parking Pleyel",
            "lat": 48.9185,
            "lon": 2.3440,
            "capacity": 4,
            "distance_m": 150,
            "kind": "car_sharing",
        },
    ),
]


async def configure_car_sharing(bike_share: ServiceUnderTest) -> dict[str, str]:
    """The network's administrator adds the shared system, plan and type; the station's operator
    registers its vehicle station. Gives the administrator's headers."""
    admin = bearer(bike_share.keys.admin())
    operator = bearer(bike_share.keys.operator())
    for path, body in CAR_SHARING:
        who = operator if path == "vehicle-stations" else admin
        response = await bike_share.http.post(f"{API}/{path}", json=body, headers=who)
        assert response.status_code == 201, (path, response.text)
    return admin


def car_report(available: int, docks: int, *, type_id: str = "getaround-zoe") -> dict:
    return {
        "num_vehicles_available": available,
        "vehicle_types_available": [{"vehicle_type_id": type_id, "count": available}],
        "num_docks_available": docks,
        "last_reported": datetime.now(UTC).isoformat(),
    }


async def test_an_operator_configures_a_car_sharing_station_that_then_reports(fresh_bike_share):
    admin = await configure_car_sharing(fresh_bike_share)
    station = f"{API}/vehicle-stations/getaround-pleyel-parking"
    reported = await fresh_bike_share.http.put(f"{station}/status", json=car_report(2, 2), headers=admin)
    assert reported.status_code == 200, reported.text
    assert reported.json()["status"]["vehicle_types_available"] == [
        {"vehicle_type_id": "getaround-zoe", "count": 2}
    ]
    # Its event tells each count's form factor and propulsion, so screens draw a car without asking.
    async with fresh_bike_share.runtime.sessionmaker() as session:
        payloads = (
            await session.scalars(select(OUTBOX.c.payload).where(OUTBOX.c.subject.like("%.status_changed")))
        ).all()
    counts = json.loads(payloads[-1])["data"]["vehicle_types_available"]
    zoe = cast(dict[str, Any], next(body for path, body in CAR_SHARING if path == "vehicle-types"))
    assert counts == [
        {
            "vehicle_type_id": "getaround-zoe",
            "count": 2,
            "form_factor": zoe["form_factor"],
            "propulsion_type": zoe["propulsion_type"],
        }
    ]

    listed = await fresh_bike_share.http.get(
        f"{API}/vehicle-types", params={"system_id": "getaround", "limit": 1}
    )
    assert [t["id"] for t in listed.json()["items"]] == ["getaround-zoe"]
    assert listed.json()["next_cursor"] is None
    renamed = await fresh_bike_share.http.patch(
        f"{API}/vehicle-types/getaround-zoe", json={"name": {"fr": "Zoé"}}, headers=admin
    )
    assert renamed.json()["name"] == {"fr": "Zoé"}
    # Still in use: refused, nothing removed.
    assert_problem(
        await fresh_bike_share.http.delete(f"{API}/systems/getaround", headers=admin), 409, "system-in-use"
    )
    assert_problem(
        await fresh_bike_share.http.delete(f"{API}/pricing-plans/getaround-hour", headers=admin),
        409,
        "pricing-plan-in-use",
    )
    # Retired in order, the system goes too.
    for path in (
        "vehicle-stations/getaround-pleyel-parking",
        "vehicle-types/getaround-zoe",
        "pricing-plans/getaround-hour",
        "systems/getaround",
    ):
        assert (await fresh_bike_share.http.delete(f"{API}/{path}", headers=admin)).status_code == 204, path
    assert_problem(await fresh_bike_share.http.get(f"{API}/systems/getaround"), 404)


async def test_configuration_is_for_operators_and_checks_what_it_names(fresh_bike_share):
    traveller = bearer(fresh_bike_share.keys.traveller())
    body = {"id": "cityscoot", "name": {"fr": "Cityscoot"}}
    assert_problem(await fresh_bike_share.http.post(f"{API}/systems", json=body, headers=traveller), 403)
    admin = bearer(fresh_bike_share.keys.admin())
    scooter = {
        "id": "x-scooter",
        "system_id": "nobody",
        "form_factor": "scooter_standing",
        "propulsion_type": "electric",
        "name": {"fr": "Trottinette"},
        "max_range_meters": 20_000,
    }
    problem = assert_problem(
        await fresh_bike_share.http.post(f"{API}/vehicle-types", json=scooter, headers=admin), 422
    )
    assert problem["errors"][0]["field"] == "system_id"
    no_range = {**scooter, "system_id": "cityscoot"}
    del no_range["max_range_meters"]
    assert_problem(
        await fresh_bike_share.http.post(f"{API}/vehicle-types", json=no_range, headers=admin), 422
    )
    assert (await fresh_bike_share.http.get(f"{API}/systems")).json() == {"items": [], "next_cursor": None}


async def test_counts_out_of_range_unknown_types_and_other_docks_are_refused(fresh_bike_share):
    admin = await configure_car_sharing(fresh_bike_share)
    station = f"{API}/vehicle-stations/getaround-pleyel-parking/status"
    over = assert_problem(await fresh_bike_share.http.put(station, json=car_report(5, 0), headers=admin), 422)
    assert {e["field"] for e in over["errors"]} == {"num_vehicles_available", "num_docks_available"}
    unknown = assert_problem(
        await fresh_bike_share.http.put(station, json=car_report(1, 1, type_id="velib-ebike"), headers=admin),
        422,
    )
    assert "unknown vehicle types" in unknown["errors"][0]["detail"]
    negative = car_report(1, 1)
    negative["num_docks_available"] = -1
    assert_problem(await fresh_bike_share.http.put(station, json=negative, headers=admin), 422)
    other_dock = bearer(fresh_bike_share.keys.device("mobility_feed", binding="getaround-elsewhere"))
    assert_problem(await fresh_bike_share.http.put(station, json=car_report(1, 1), headers=other_dock), 403)
    own_dock = bearer(fresh_bike_share.keys.device("mobility_feed", binding="getaround-pleyel-parking"))
    assert (
        await fresh_bike_share.http.put(station, json=car_report(1, 1), headers=own_dock)
    ).status_code == 200
    assert (await fresh_bike_share.http.get(f"{API}/vehicle-stations/getaround-pleyel-parking")).json()[
        "status"
    ]["num_vehicles_available"] == 1


async def add_scooter_sharing(bike_share: ServiceUnderTest, admin: dict[str, str]) -> None:
    """Dott's free-floating scooters: a second system, with a type of its own."""
    for path, body in (
        ("systems", {"id": "dott", "name": {"en": "Dott"}}),
        (
            "vehicle-types",
            {
                "id": "dott-scooter",
                "system_id": "dott",
                "form_factor": "scooter_standing",
                "propulsion_type": "electric",
                "name": {"en": "Dott scooter"},
                "max_range_meters": 25_000,
            },
        ),
    ):
        created = await bike_share.http.post(f"{API}/{path}", json=body, headers=admin)
        assert created.status_code == 201, created.text


async def test_every_gbfs_file_validates_and_follows_each_change(fresh_bike_share):
    admin = await configure_car_sharing(fresh_bike_share)
    await fresh_bike_share.http.put(
        f"{API}/vehicle-stations/getaround-pleyel-parking/status", json=car_report(2, 2), headers=admin
    )
    await add_scooter_sharing(fresh_bike_share, admin)
    vehicle = await fresh_bike_share.http.post(
        f"{API}/vehicles",
        json={
            "system_id": "dott",
            "external_id": "s-42",
            "vehicle_type_id": "dott-scooter",
            "lat": 48.9190,
            "lon": 2.3450,
            "current_range_meters": 12_000,
            "last_reported": datetime.now(UTC).isoformat(),
        },
        headers=admin,
    )
    assert vehicle.status_code == 201, vehicle.text

    discovery = (await fresh_bike_share.http.get(f"{GBFS}/gbfs.json")).json()
    names = [f["name"] for f in discovery["data"]["feeds"]]
    assert "system_pricing_plans" in names and "station_status" in names
    for feed in ["manifest", *names]:
        response = await fresh_bike_share.http.get(f"{GBFS}/{feed}.json")
        assert response.status_code == 200, (feed, response.text)
        assert schema_errors(feed, response.json()) == [], feed
    status = (await fresh_bike_share.http.get(f"{GBFS}/station_status.json")).json()
    assert status["data"]["stations"][0]["num_vehicles_available"] == 2
    vehicles = (await fresh_bike_share.http.get(f"{GBFS}/vehicle_status.json")).json()["data"]["vehicles"]
    assert [v["vehicle_id"] for v in vehicles] == ["dott-s-42"]

    first = await fresh_bike_share.http.get(f"{GBFS}/station_status.json")
    etag = first.headers["etag"]
    assert (
        await fresh_bike_share.http.get(f"{GBFS}/station_status.json", headers={"If-None-Match": etag})
    ).status_code == 304
    await fresh_bike_share.http.put(
        f"{API}/vehicle-stations/getaround-pleyel-parking/status", json=car_report(1, 3), headers=admin
    )
    changed = await fresh_bike_share.http.get(f"{GBFS}/station_status.json", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.json()["data"]["stations"][0]["num_vehicles_available"] == 1
    assert_problem(await fresh_bike_share.http.get(f"{GBFS}/system_alerts.json"), 404)


async def test_a_change_that_would_empty_a_required_field_is_refused_and_changes_nothing(fresh_bike_share):
    admin = await configure_car_sharing(fresh_bike_share)
    for path, body in (
        ("systems/getaround", {"name": None}),
        ("pricing-plans/getaround-hour", {"price": None}),
        ("vehicle-types/getaround-zoe", {"propulsion_type": None}),
        ("vehicle-stations/getaround-pleyel-parking", {"lat": None}),
    ):
        assert_problem(await fresh_bike_share.http.patch(f"{API}/{path}", json=body, headers=admin), 422)
    # A range may not go while the motor stays.
    assert_problem(
        await fresh_bike_share.http.patch(
            f"{API}/vehicle-types/getaround-zoe", json={"max_range_meters": None}, headers=admin
        ),
        422,
    )
    system = (await fresh_bike_share.http.get(f"{API}/systems/getaround")).json()
    assert system["name"] == {"fr": "Getaround", "en": "Getaround"}


async def test_configuration_changes_are_events_for_each_station(fresh_bike_share):
    admin = bearer(fresh_bike_share.keys.admin())
    await configure_car_sharing(fresh_bike_share)
    repriced = await fresh_bike_share.http.patch(
        f"{API}/pricing-plans/getaround-hour", json={"price": 5.5}, headers=admin
    )
    assert repriced.status_code == 200, repriced.text
    refused = await fresh_bike_share.http.delete(f"{API}/systems/getaround", headers=admin)
    assert_problem(refused, 409, "system-in-use")  # refused: no event
    async with fresh_bike_share.runtime.sessionmaker() as session:
        rows = (await session.execute(select(OUTBOX.c.subject, OUTBOX.c.payload))).all()
    notices = {subject: json.loads(payload) for subject, payload in rows if ".status_changed" not in subject}
    for station in (SAINT_DENIS, VILLEJUIF):
        assert notices[f"gare.{station}.mobility.system.created"]["data"] == {
            "id": "getaround",
            "system_id": "getaround",
        }
        assert notices[f"gare.{station}.mobility.vehicle_type.created"]["data"]["system_id"] == "getaround"
        assert notices[f"gare.{station}.mobility.pricing_plan.updated"]["data"]["id"] == "getaround-hour"
    assert not any(subject.endswith(".deleted") for subject in notices)


async def test_creating_what_exists_is_a_409_and_changes_nothing(fresh_bike_share):
    admin = await configure_car_sharing(fresh_bike_share)
    for path, body in CAR_SHARING[:3]:  # each with the id it already has
        again = await fresh_bike_share.http.post(f"{API}/{path}", json=body, headers=admin)
        assert_problem(again, 409)
    systems = await fresh_bike_share.http.get(f"{API}/systems", headers=admin)
    assert [s["id"] for s in systems.json()["items"]].count("getaround") == 1
