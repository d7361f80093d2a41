"""bike_share's rules, without I/O."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from services.bike_share.domain import (
    MAX_CLOCK_SKEW,
    StatusReport,
    is_stale,
    may_report,
    status_report_problems,
    vehicle_station_id,
)
from services.common.auth import Principal

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
