"""Reading operators' feeds, without I/O: the Vélib' dialect, versions, and what gets a feed rejected."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.bike_share.ingest import LEGACY, FeedRejected, claimed_version, feed_urls, snapshot

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def velib(**status: object) -> dict:
    info = {
        "data": {
            "stations": [
                {
                    "station_id": 653046369,
                    "stationCode": "32012",
                    "name": "Carrefour Pleyel",
                    "lat": 48.92,
                    "lon": 2.34,
                    "capacity": 68,
                }
            ]
        }
    }
    state = {
        "station_id": 653046369,
        "num_bikes_available": 20,
        "numBikesAvailable": 20,
        "num_bikes_available_types": [{"mechanical": 9}, {"ebike": 11}],
        "num_docks_available": 46,
        "is_installed": 1,
        "is_renting": 1,
        "is_returning": 0,
        "last_reported": 1760776751,
    } | status
    return {"station_information": info, "station_status": {"ttl": 3600, "data": {"stations": [state]}}}


def test_the_velib_dialect_becomes_our_model():
    result = snapshot("velib-metropole", LEGACY, velib(), now=NOW)
    (station,) = result.stations
    assert station.external_id == "653046369" and station.capacity == 68
    assert station.status is not None
    assert station.status["vehicle_types_available"] == [
        {"vehicle_type_id": "velib-metropole-ebike", "count": 11},
        {"vehicle_type_id": "velib-metropole-mechanical", "count": 9},
    ]
    assert (station.status["is_renting"], station.status["is_returning"]) == (True, False)
    assert station.status["last_reported"] == datetime.fromtimestamp(1760776751, UTC)
    assert {t.id for t in result.vehicle_types} == {"velib-metropole-mechanical", "velib-metropole-ebike"}


def test_velib_totals_that_disagree_with_the_types_follow_the_types():
    result = snapshot("velib-metropole", LEGACY, velib(num_bikes_available=25), now=NOW)
    assert result.stations[0].status is not None and result.stations[0].status["num_vehicles_available"] == 20


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        ({"num_bikes_available_types": [{"mechanical": -1}, {"ebike": 21}]}, "not a count"),
        ({"num_bikes_available": 80, "num_bikes_available_types": [{"mechanical": 80}]}, "capacity"),
        ({"num_bikes_available_types": [{"hoverboard": 1}]}, "unknown vehicle types"),
        # The listed case: a legacy list of names instead of {name: count} raised and ended rounds.
        ({"num_bikes_available_types": ["mechanical"]}, "not {type: count}"),
    ],
)
def test_impossible_counts_skip_their_station_alone_with_the_reason(status, reason):
    result = snapshot("velib-metropole", LEGACY, with_a_good_neighbour(velib(**status)), now=NOW)
    assert [s.external_id for s in result.stations] == ["1"]
    assert result.skipped_stations == {"653046369"}
    (problem,) = result.problems
    assert "653046369" in problem and reason in problem


def with_a_good_neighbour(files: dict) -> dict:
    """The feed plus a second, sound station `1` listed after the first."""
    files["station_information"]["data"]["stations"].append(
        {"station_id": 1, "name": "Pleyel", "lat": 48.92, "lon": 2.34, "capacity": 10}
    )
    files["station_status"]["data"]["stations"].append(
        {
            "station_id": 1,
            "num_bikes_available": 1,
            "num_bikes_available_types": [{"mechanical": 1}],
            "num_docks_available": 9,
            "last_reported": 1760776751,
        }
    )
    return files


# Shapes no feed should send, for every field the legacy reader touches: each breaks one item only.
ODD_VALUES: list[object] = [
    None,
    "x",
    -1,
    1.5,
    True,
    [],
    {},
    ["mechanical"],
    [1],
    [{"mechanical": "x"}],
    10**30,
]
STATUS_FIELDS = ["num_bikes_available", "num_bikes_available_types", "num_docks_available", "last_reported"]
INFO_FIELDS = ["lat", "lon", "capacity", "name", "station_id"]


@pytest.mark.parametrize("value", ODD_VALUES, ids=repr)
@pytest.mark.parametrize("field", STATUS_FIELDS + INFO_FIELDS)
def test_whatever_one_station_says_the_others_are_read(field, value):
    files = velib()
    where = "station_status" if field in STATUS_FIELDS else "station_information"
    files[where]["data"]["stations"][0][field] = value
    result = snapshot("velib-metropole", LEGACY, with_a_good_neighbour(files), now=NOW)
    assert "1" in [s.external_id for s in result.stations]
    good = next(s for s in result.stations if s.external_id == "1")
    assert good.status is not None and good.status["num_vehicles_available"] == 1
    # The odd station is either read (a value the reader tolerates) or skipped with a reason.
    assert len(result.stations) + len(result.skipped_stations) == 2
    assert len(result.problems) == len(result.skipped_stations)


def test_versions_and_discovery_files():
    assert claimed_version({"version": "2.3"}) == "2.3"
    assert claimed_version({"data": {}}) == LEGACY
    with pytest.raises(FeedRejected, match="supported"):
        claimed_version({"version": "1.1"})
    discovery = {
        "data": {
            "en": {
                "feeds": [
                    {"name": "station_information", "url": "a"},
                    {"name": "station_status", "url": "b"},
                    {"name": "system_alerts", "url": "c"},
                ]
            }
        }
    }
    assert feed_urls(discovery, "2.3") == {"station_information": "a", "station_status": "b"}
    with pytest.raises(FeedRejected, match="station_status"):
        feed_urls({"data": {"feeds": [{"name": "station_information", "url": "a"}]}}, "3.0")
