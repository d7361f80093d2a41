"""bike_share's rules, without I/O."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from kernel.auth import Principal
from services.bike_share.domain import (
    MAX_CLOCK_SKEW,
    Place,
    StatusReport,
    is_stale,
    may_report,
    nearby,
    status_report_problems,
    vehicle_station_id,
    walking_distance_m,
    walking_minutes,
)

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
TYPES = {"velib-mechanical", "velib-ebike"}
REPORT = StatusReport(
    num_vehicles_available=5,
    vehicle_types_available=(("velib-mechanical", 2), ("velib-ebike", 3)),
    num_docks_available=10,
    is_installed=True,
    is_renting=True,
    is_returning=True,
    last_reported=NOW,
)


def problems(report: StatusReport, capacity: int | None = 20) -> list[tuple[str, str]]:
    found = status_report_problems(report, capacity=capacity, known_vehicle_types=TYPES, now=NOW)
    return [(p.field, p.detail) for p in found]


def test_a_consistent_report_has_no_problem():
    assert problems(REPORT) == []
    assert problems(replace(REPORT, num_docks_available=None), capacity=None) == []


def test_the_types_must_add_up_to_the_total():
    ((field, detail),) = problems(replace(REPORT, num_vehicles_available=6))
    assert field == "num_vehicles_available" and "adds up to 5" in detail


def test_vehicles_and_free_docks_fit_in_the_capacity():
    assert problems(replace(REPORT, num_docks_available=15)) == []  # exactly full is fine
    assert problems(replace(REPORT, num_docks_available=16)) == [
        ("num_docks_available", "vehicles + free docks = 21, over the capacity 20")
    ]
    assert problems(replace(REPORT, num_docks_available=16), capacity=None) == []


def test_unknown_and_repeated_types_are_named():
    report = replace(
        REPORT, vehicle_types_available=(("velib-ebike", 2), ("velib-ebike", 1), ("hoverboard", 2))
    )
    assert problems(report) == [
        ("vehicle_types_available", "listed more than once: velib-ebike"),
        ("vehicle_types_available", "unknown vehicle types: hoverboard"),
    ]


def test_every_problem_is_reported_at_once():
    report = replace(REPORT, num_vehicles_available=9, vehicle_types_available=(("hoverboard", 1),))
    assert {f for f, _ in problems(report)} == {"vehicle_types_available", "num_vehicles_available"}


def test_a_clock_a_little_ahead_is_tolerated_not_more():
    assert problems(replace(REPORT, last_reported=NOW + MAX_CLOCK_SKEW)) == []
    late = problems(replace(REPORT, last_reported=NOW + MAX_CLOCK_SKEW + timedelta(seconds=1)))
    assert late == [("last_reported", "is in the future")]


@pytest.mark.parametrize(
    ("previous", "stale"),
    [(None, False), (NOW - timedelta(minutes=1), False), (NOW, False), (NOW + timedelta(seconds=1), True)],
)
def test_an_older_report_never_overwrites_a_newer_one(previous, stale):
    assert is_stale(REPORT, previous) is stale


def test_a_vehicle_station_id_is_unique_across_systems():
    assert vehicle_station_id("velib-metropole", "123") == "velib-metropole-123"
    assert vehicle_station_id("a", "b-c") != vehicle_station_id("a-b", "d")


def principal(scopes: set[str], **device: str | None) -> Principal:
    role = "device" if device else "operator"
    return Principal(subject="x", role=role, stations=("s",), scopes=frozenset(scopes), **device)  # type: ignore[arg-type]


def test_operators_report_any_system_and_a_feed_only_its_own():
    assert may_report(principal({"station:operate"}), system_id="velib-metropole")
    feed = principal({"mobility:report"}, device_kind="mobility_feed", device_binding="velib-metropole")
    assert may_report(feed, system_id="velib-metropole")
    assert not may_report(feed, system_id="cityscoot")
    unbound = principal({"mobility:report"}, device_kind="mobility_feed", device_binding=None)
    assert not may_report(unbound, system_id="velib-metropole")
    screen = principal({"signage:play"}, device_kind="screen", device_binding="velib-metropole")
    assert not may_report(screen, system_id="velib-metropole")


def test_vehicles_alone_never_exceed_the_capacity():
    full = replace(REPORT, num_vehicles_available=21, vehicle_types_available=(("velib-ebike", 21),))
    assert ("num_vehicles_available", "is 21, over the capacity 20") in problems(
        replace(full, num_docks_available=None)
    )


def test_a_dock_reports_only_its_own_vehicle_station():
    dock = principal({"mobility:report"}, device_kind="mobility_feed", device_binding="velib-metropole-1001")
    assert may_report(dock, system_id="velib-metropole", vehicle_station_id="velib-metropole-1001")
    assert not may_report(dock, system_id="velib-metropole", vehicle_station_id="velib-metropole-1002")


def test_nearby_keeps_the_radius_and_the_types_and_sorts_by_walk():
    here = (48.9175, 2.3465)
    places = [
        Place("vehicle_station", "far", 48.9300, 2.3465, frozenset({"bike"})),  # ~1.4 km
        Place("vehicle_station", "near", 48.9180, 2.3465, frozenset({"bike", "ebike"})),  # ~56 m
        Place("vehicle", "mid", 48.9200, 2.3465, frozenset({"scooter"})),  # ~280 m
    ]
    found = nearby(places, lat=here[0], lon=here[1], radius_m=500, vehicle_type_ids=None)
    assert [(p.id, walk) for p, walk in found] == [("near", 72), ("mid", 361)]
    only_bikes = nearby(places, lat=here[0], lon=here[1], radius_m=5000, vehicle_type_ids={"bike"})
    assert [p.id for p, _ in only_bikes] == ["near", "far"]
    assert walking_distance_m(*here, *here) == 0 and walking_minutes(0) == 1 and walking_minutes(400) == 5
