"""Bad input through the gateway: a clear 4xx problem, and nothing written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from testkit.stack import SAINT_DENIS, assert_problem, bearer

pytestmark = pytest.mark.e2e

BASE = f"/api/v1/stations/{SAINT_DENIS}"
MOBILITY = f"{BASE}/mobility/vehicle-stations"
POINTS_OF_INTEREST = f"{BASE}/kiosk/points-of-interest"
CARREFOUR_PLEYEL = "velib-metropole-653046369"


def vehicle_station(gateway: str) -> dict:
    response = httpx.get(f"{gateway}{MOBILITY}/{CARREFOUR_PLEYEL}")
    assert response.status_code == 200
    return response.json()


def put_status(gateway: str, token: str, headers: dict[str, str] | None = None, **kwargs) -> httpx.Response:
    url = f"{gateway}{MOBILITY}/{CARREFOUR_PLEYEL}/status"
    return httpx.put(url, headers={**bearer(token), **(headers or {})}, **kwargs)


def valid_report(**overrides) -> dict:
    return {
        "num_vehicles_available": 3,
        "vehicle_types_available": [
            {"vehicle_type_id": "velib-mechanical", "count": 1},
            {"vehicle_type_id": "velib-ebike", "count": 2},
        ],
        "num_docks_available": 40,
        "last_reported": datetime.now(UTC).isoformat(),
    } | overrides


def test_malformed_json_is_400_and_changes_nothing(gateway, tokens):
    before = vehicle_station(gateway)
    response = put_status(
        gateway,
        tokens.operator(),
        content=b'{"num_vehicles_available": 3,',
        headers={"content-type": "application/json"},
    )
    assert_problem(response, 400, "malformed-json")
    assert vehicle_station(gateway) == before


@pytest.mark.parametrize(
    ("report", "field"),
    [
        ({"num_vehicles_available": "many"}, "num_vehicles_available"),
        ({"num_docks_available": -1}, "num_docks_available"),
        ({"last_reported": "yesterday"}, "last_reported"),
        ({"last_reported": "2026-11-25T10:00:00"}, "last_reported"),  # no time zone
        ({"colour": "green"}, "colour"),
    ],
)
def test_wrong_types_are_422_with_the_field_named(gateway, tokens, report, field):
    before = vehicle_station(gateway)
    body = assert_problem(
        put_status(gateway, tokens.operator(), json=valid_report(**report)), 422, "validation-error"
    )
    assert any(error["field"].split(".")[0] == field for error in body["errors"]), body["errors"]
    assert vehicle_station(gateway) == before


@pytest.mark.parametrize(
    ("report", "field"),
    [
        ({"num_vehicles_available": 5}, "num_vehicles_available"),  # the types add up to 3
        ({"num_docks_available": 66}, "num_docks_available"),  # 3 + 66 > capacity 68
        (
            {"vehicle_types_available": [{"vehicle_type_id": "hoverboard", "count": 3}]},
            "vehicle_types_available",
        ),
        ({"last_reported": (datetime.now(UTC) + timedelta(hours=2)).isoformat()}, "last_reported"),
    ],
)
def test_inconsistent_reports_are_422_and_change_nothing(gateway, tokens, report, field):
    before = vehicle_station(gateway)
    body = assert_problem(
        put_status(gateway, tokens.operator(), json=valid_report(**report)), 422, "validation-error"
    )
    assert [e["field"] for e in body["errors"]] == [field]
    assert vehicle_station(gateway) == before


def test_an_older_report_does_not_overwrite_a_newer_one(gateway, tokens):
    accepted = put_status(gateway, tokens.operator(), json=valid_report())
    assert accepted.status_code == 200, accepted.text
    stale = valid_report(
        num_vehicles_available=1, vehicle_types_available=[{"vehicle_type_id": "velib-ebike", "count": 1}]
    )
    stale["last_reported"] = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    assert_problem(put_status(gateway, tokens.operator(), json=stale), 409, "stale-report")
    assert vehicle_station(gateway)["status"] == accepted.json()["status"]


def test_unknown_station_is_404(gateway):
    assert_problem(
        httpx.get(f"{gateway}/api/v1/stations/gare-de-nulle-part/mobility/vehicle-stations"),
        404,
        "unknown-station",
    )
    assert_problem(httpx.get(f"{gateway}/api/v1/stations/Not A Slug/kiosk/points-of-interest"), 422)


def test_unknown_routes_are_problems_too(gateway):
    assert_problem(httpx.get(f"{gateway}/api/v1/stations/{SAINT_DENIS}/teleport/now"), 404, "not-found")
    assert_problem(httpx.get(f"{gateway}/nothing-here"), 404, "not-found")


def test_oversized_body_is_413_at_the_gateway_and_at_the_service(stack, gateway, tokens):
    huge = b'{"padding": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    headers = {"content-type": "application/json", **bearer(tokens.operator())}
    for base in (gateway, stack.url("bike_share")):
        response = httpx.put(f"{base}{MOBILITY}/{CARREFOUR_PLEYEL}/status", content=huge, headers=headers)
        assert_problem(response, 413, "payload-too-large")


def test_registering_the_same_vehicle_station_twice_is_409(gateway, tokens):
    station = {
        "system_id": "velib-metropole",
        "external_id": "653046369",
        "name": "Carrefour Pleyel",
        "lat": 48.92,
        "lon": 2.34,
    }
    response = httpx.post(f"{gateway}{MOBILITY}", json=station, headers=bearer(tokens.operator()))
    assert_problem(response, 409, "conflict")
    listed = httpx.get(f"{gateway}{MOBILITY}", params={"limit": 200}).json()["items"]
    assert [s["id"] for s in listed].count(CARREFOUR_PLEYEL) == 1


# -- strict types: the body means what the schema says ------------------------------------------


@pytest.mark.parametrize(
    ("report", "field"),
    [
        ({"num_docks_available": True}, "num_docks_available"),  # was read as 1
        ({"num_docks_available": "40"}, "num_docks_available"),  # was read as 40
        ({"is_renting": 1}, "is_renting"),  # was read as true
        ({"is_renting": "false"}, "is_renting"),  # was read as false
        (
            {"vehicle_types_available": [{"vehicle_type_id": "velib-ebike", "count": "3"}]},
            "vehicle_types_available",
        ),
    ],
)
def test_a_value_of_the_wrong_json_type_is_422_naming_the_field(gateway, tokens, report, field):
    before = vehicle_station(gateway)
    body = assert_problem(
        put_status(gateway, tokens.operator(), json=valid_report(**report)), 422, "validation-error"
    )
    assert {error["field"].split(".")[0] for error in body["errors"]} == {field}, body["errors"]
    assert vehicle_station(gateway) == before


def test_an_integer_written_as_a_json_number_with_no_fraction_is_still_an_integer(gateway, tokens):
    # JSON Schema's integer includes 3.0: strict is not pedantic.
    response = put_status(gateway, tokens.operator(), json=valid_report(num_docks_available=40.0))
    assert response.status_code == 200, response.text
    assert response.json()["status"]["num_docks_available"] == 40


@pytest.mark.parametrize(
    "last_reported",
    [
        "0485-06-01T12:00:00Z",  # the year 485
        "1970-01-01T00:00:00Z",  # a device whose clock was never set
        "1764064800",  # a Unix time is not an RFC 3339 date-time
    ],
)
def test_a_timestamp_no_device_could_send_is_422(gateway, tokens, last_reported):
    before = vehicle_station(gateway)
    body = assert_problem(
        put_status(gateway, tokens.operator(), json=valid_report(last_reported=last_reported)),
        422,
        "validation-error",
    )
    assert [error["field"] for error in body["errors"]] == ["last_reported"]
    assert vehicle_station(gateway) == before


# -- rules the schema now says -------------------------------------------------------------------


def vehicle_station_ids(gateway: str) -> list[str]:
    return [s["id"] for s in httpx.get(f"{gateway}{MOBILITY}", params={"limit": 200}).json()["items"]]


@pytest.mark.parametrize("name", ["", "   ", "\u200b\u200b", "\u2800", "\ufeff"])
def test_a_blank_name_is_422(gateway, tokens, name):
    before = vehicle_station_ids(gateway)
    station = {
        "system_id": "velib-metropole",
        "external_id": "blank-name",
        "name": name,
        "lat": 48.9,
        "lon": 2.3,
    }
    response = httpx.post(f"{gateway}{MOBILITY}", json=station, headers=bearer(tokens.operator()))
    body = assert_problem(response, 422, "validation-error")
    assert [error["field"] for error in body["errors"]] == ["name"]
    assert vehicle_station_ids(gateway) == before


def points_of_interest(gateway: str) -> list[dict]:
    return httpx.get(f"{gateway}{POINTS_OF_INTEREST}").json()["items"]


@pytest.mark.parametrize("tag", ["fr-a1", "en-1", "english", "fr_FR"])
def test_a_language_tag_that_is_not_bcp47_is_422(gateway, tokens, tag):
    before = points_of_interest(gateway)
    point = {
        "category": "lift",
        "names": {"fr": "Ascenseur quai", tag: "Platform lift"},
        "level": -1,
        "lat": 48.9185,
        "lon": 2.3431,
        "step_free": True,
    }
    response = httpx.post(f"{gateway}{POINTS_OF_INTEREST}", json=point, headers=bearer(tokens.operator()))
    body = assert_problem(response, 422, "validation-error")
    assert {error["field"].split(".")[0] for error in body["errors"]} == {"names"}, body["errors"]
    assert points_of_interest(gateway) == before


def compartment_a01(gateway: str, token: str) -> tuple[str, dict]:
    banks = httpx.get(f"{gateway}{BASE}/lockers/banks", headers=bearer(token)).json()["items"]
    bank = next(b for b in banks if b["code"] == "A")
    return bank["id"], next(c for c in bank["compartments"] if c["label"] == "A01")


@pytest.mark.parametrize(
    "state",
    [
        {"in_service": False},
        {"in_service": False, "reason": None},
        {"in_service": False, "reason": "   "},
        {"in_service": False, "reason": "\u200b"},  # invisible, so no reason at all
        {"in_service": False, "reason": "Serrure\x00"},  # PostgreSQL refuses NUL: this was a 500
    ],
)
def test_taking_a_compartment_out_of_service_without_a_reason_is_422(gateway, tokens, state):
    operator = tokens.operator()
    bank_id, before = compartment_a01(gateway, operator)
    url = f"{gateway}{BASE}/lockers/banks/{bank_id}/compartments/A01/service-state"
    body = assert_problem(httpx.put(url, json=state, headers=bearer(operator)), 422, "validation-error")
    assert [error["field"] for error in body["errors"]] == ["reason"]
    assert compartment_a01(gateway, operator)[1] == before


def test_a_vehicle_station_id_too_long_to_store_is_422(gateway, tokens):
    # Our id is `{system_id}-{external_id}`: 0-000...0 (65 characters) was a 500 on PostgreSQL.
    before = vehicle_station_ids(gateway)
    station = {"system_id": "0", "external_id": "0" * 63, "name": "Quai", "lat": 48.9, "lon": 2.3}
    response = httpx.post(f"{gateway}{MOBILITY}", json=station, headers=bearer(tokens.operator()))
    body = assert_problem(response, 422, "validation-error")
    assert [error["field"] for error in body["errors"]] == ["external_id"]
    assert vehicle_station_ids(gateway) == before
