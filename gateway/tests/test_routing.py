"""The gateway's path rules: what it forwards, where, and which methods a path has."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.routing import (
    MethodTable,
    NoRoute,
    UnsafePath,
    allow_header,
    check_path,
    has_control_in_query,
    is_proxied,
    resolve,
)
from kernel.registry import BIKE_SHARE, INFO_KIOSK, SERVICE_BY_DOMAIN, SERVICES, SIGNAGE

STATIONS = frozenset({"saint-denis-pleyel", "villejuif-institut-gustave-roussy"})
BASE = "/api/v1/stations/saint-denis-pleyel"


@pytest.mark.parametrize(
    ("raw", "segments"),
    [
        (b"/", [""]),
        (
            f"{BASE}/mobility/vehicle-stations".encode(),
            ["api", "v1", "stations", "saint-denis-pleyel", "mobility", "vehicle-stations"],
        ),
        (b"/gbfs/x/", ["gbfs", "x", ""]),
        # Escapes that are plain text decode; the raw path is what gets forwarded.
        (b"/a/caf%C3%A9/%20b", ["a", "café", " b"]),
        (b"/a/..b/.c/b.", ["a", "..b", ".c", "b."]),
        (b"/a/%2e%2e%2e", ["a", "..."]),
    ],
)
def test_safe_paths_give_their_decoded_segments(raw, segments):
    assert check_path(raw) == segments


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (f"{BASE}/mobility/..%2F..%2F..%2F..%2F..%2Fmetrics".encode(), "encoded slash"),
        (b"/a/b%2fc", "encoded slash"),
        (b"/a/b%5Cc", "encoded slash"),
        (b"/a/b\\c", "must be percent-encoded"),
        (b"/a/../metrics", "dot segment"),
        (b"/a/./b", "dot segment"),
        (b"/a/..", "dot segment"),
        (b"/a/%2e%2E/b", "dot segment"),
        (b"/a/.%2e", "dot segment"),
        (b"/a/%2e", "dot segment"),
        (b"/api/v1/stations/%1A/kiosk/mobility", "control character"),
        (b"/api/v1/stations/%00/kiosk/mobility", "control character"),
        (b"/a/mobility%0A", "control character"),
        (b"/a/b%7F", "control character"),
        (b"/a/b\x01c", "control character"),
        (b"/a/b c", "must be percent-encoded"),
        (b"/a/\xc3\xa9", "must be percent-encoded"),
        (b"/a/%zz", "malformed"),
        (b"/a/%4", "malformed"),
        (b"/a/%ff%fe", "not UTF-8"),
        (b"/a//b", "empty segment"),
        (b"*", "not an absolute path"),
    ],
)
def test_hostile_paths_are_refused_with_the_reason(raw, reason):
    with pytest.raises(UnsafePath, match=reason) as refused:
        check_path(raw)
    assert refused.value.status == 400


def test_an_overlong_path_is_414():
    with pytest.raises(UnsafePath) as refused:
        check_path(b"/a" * 2000)
    assert refused.value.status == 414


def test_a_nul_in_the_query_is_refused():
    assert has_control_in_query(b"q=a%00b")
    assert has_control_in_query(b"q=a\x00b")
    assert not has_control_in_query(b"q=a%20b&lang=fr")


@pytest.mark.parametrize(
    ("raw", "proxied"),
    [
        (f"{BASE}/mobility/vehicle-stations".encode(), True),
        (f"{BASE}/kiosk/".encode(), True),
        (b"/api/v1/stations", False),  # the directory
        (b"/api/v1/stations/saint-denis-pleyel", False),  # one station of the directory
        (b"/gbfs", True),
        (b"/gbfs/saint-denis-pleyel/gbfs.json", True),
        (b"/gbfsx", False),
        (b"/docs", False),
        (b"/app/index.html", False),
    ],
)
def test_which_paths_the_edge_forwards(raw, proxied):
    assert is_proxied(raw, SERVICES) is proxied


def test_resolve_by_domain_and_station():
    target = resolve(
        check_path(f"{BASE}/mobility/vehicle-stations".encode()),
        stations=STATIONS,
        services=SERVICE_BY_DOMAIN,
    )
    assert target.service is BIKE_SHARE and target.station_id == "saint-denis-pleyel"
    assert target.route_group == "mobility"
    assert target.is_public("GET") and target.is_public("HEAD") and not target.is_public("PUT")
    signage = resolve(
        check_path(f"{BASE}/signage/screens".encode()), stations=STATIONS, services=SERVICE_BY_DOMAIN
    )
    assert signage.service is SIGNAGE and not signage.is_public("GET")


def test_a_service_may_have_some_public_reads_only():
    def target(path: str):
        return resolve(
            check_path(f"{BASE}/lockers{path}".encode()), stations=STATIONS, services=SERVICE_BY_DOMAIN
        )

    assert target("/availability").is_public("GET")
    assert target("/availability/A").is_public("HEAD")
    assert not target("/availability").is_public("POST")
    assert not target("/banks").is_public("GET")
    assert not target("/availability-secret").is_public("GET")
    assert not target("").is_public("GET")


def test_gbfs_is_public_and_names_a_station_only_when_it_is_one():
    feed = resolve(["gbfs", "saint-denis-pleyel", "gbfs.json"], stations=STATIONS, services=SERVICE_BY_DOMAIN)
    assert feed.service is BIKE_SHARE and feed.station_id == "saint-denis-pleyel"
    assert feed.route_group == "gbfs" and feed.is_public("GET")
    manifest = resolve(["gbfs", "manifest.json"], stations=STATIONS, services=SERVICE_BY_DOMAIN)
    assert manifest.station_id is None


@pytest.mark.parametrize(
    ("segments", "slug"),
    [
        (["api", "v1", "stations", "chatelet", "mobility"], "unknown-station"),
        (["api", "v1", "stations", "saint-denis-pleyel", "metrics"], "not-found"),
        (["api", "v1", "stations", "saint-denis-pleyel", ""], "not-found"),
        (["nothing"], "not-found"),
    ],
)
def test_unknown_stations_and_domains_have_no_route(segments, slug):
    with pytest.raises(NoRoute) as missing:
        resolve(segments, stations=STATIONS, services=SERVICE_BY_DOMAIN)
    assert missing.value.slug == slug


@pytest.mark.parametrize("station", ["Not A Slug", "UPPER", "a--b", "x" * 65])
def test_a_station_segment_that_is_no_slug_is_a_validation_error(station):
    with pytest.raises(NoRoute) as invalid:
        resolve(
            ["api", "v1", "stations", station, "kiosk", "points-of-interest"],
            stations=STATIONS,
            services=SERVICE_BY_DOMAIN,
        )
    assert (invalid.value.status, invalid.value.slug) == (422, "validation-error")


def test_a_service_not_behind_this_gateway_has_no_route():
    with pytest.raises(NoRoute):
        resolve(
            check_path(f"{BASE}/kiosk/mobility".encode()),
            stations=STATIONS,
            services={"mobility": BIKE_SHARE},
        )


PATHS: dict[str, dict[str, Any]] = {
    "/api/v1/stations/{station_id}/mobility/vehicle-stations": {"get": {}},
    "/api/v1/stations/{station_id}/mobility/vehicle-stations/{vehicle_station_id}": {"get": {}},
    "/api/v1/stations/{station_id}/mobility/vehicle-stations/{vehicle_station_id}/status": {
        "put": {},
        "parameters": [],
    },
    "/api/v1/stations/{station_id}/kiosk/points-of-interest": {"get": {}, "post": {}},
    "/gbfs/{station_id}/gbfs.json": {"get": {}},
    "/api/v1/stations/{station_id}/kiosk/places/{code}": {"get": {}, "delete": {}},
    "/api/v1/stations/{station_id}/kiosk/places/import": {"post": {}},
    "/auth/token": {"post": {}},
}


def table(services=(BIKE_SHARE, INFO_KIOSK)) -> MethodTable:
    methods = MethodTable()
    methods.load(PATHS, services)
    return methods


def segments(path: str) -> list[str]:
    return check_path(path.encode())


def test_methods_of_a_path_come_from_its_templates():
    methods = table()
    assert methods.allowed("bike_share", segments(f"{BASE}/mobility/vehicle-stations")) == frozenset(
        {"GET", "HEAD"}
    )
    status = segments(f"{BASE}/mobility/vehicle-stations/velib-1/status")
    assert methods.allowed("bike_share", status) == frozenset({"PUT"})
    kiosk = segments(f"{BASE}/kiosk/points-of-interest")
    assert methods.allowed("info_kiosk", kiosk) == frozenset({"GET", "HEAD", "POST"})
    assert methods.allowed("bike_share", segments("/gbfs/saint-denis-pleyel/gbfs.json")) == frozenset(
        {"GET", "HEAD"}
    )


def test_a_path_no_template_has_gets_no_methods():
    methods = table()
    assert methods.allowed("bike_share", segments(f"{BASE}/mobility/metrics")) == frozenset()
    # A parameter never matches an empty segment (a trailing slash).
    assert methods.allowed("bike_share", segments(f"{BASE}/mobility/vehicle-stations/")) == frozenset()


def test_a_service_without_a_known_document_is_not_checked():
    methods = table(services=(BIKE_SHARE,))
    assert methods.allowed("info_kiosk", segments(f"{BASE}/kiosk/points-of-interest")) is None
    assert methods.services == {"bike_share"}


def test_reloading_replaces_a_services_paths():
    methods = table()
    path = segments(f"{BASE}/mobility/vehicle-stations")
    assert methods.allowed("bike_share", path) == frozenset({"GET", "HEAD"})
    methods.load(
        {"/api/v1/stations/{station_id}/mobility/vehicle-stations": {"get": {}, "post": {}}}, [BIKE_SHARE]
    )
    assert methods.allowed("bike_share", path) == frozenset({"GET", "HEAD", "POST"})


def test_allow_lists_methods_in_a_stable_order():
    assert allow_header(frozenset({"PUT", "HEAD", "GET"})) == "GET, HEAD, PUT"


def test_a_concrete_path_has_its_own_methods_not_its_templates():
    methods = table()
    imports = segments(f"{BASE}/kiosk/places/import")
    assert methods.allowed("info_kiosk", imports) == frozenset({"POST"})
    place = segments(f"{BASE}/kiosk/places/exit-a")
    assert methods.allowed("info_kiosk", place) == frozenset({"GET", "HEAD", "DELETE"})
