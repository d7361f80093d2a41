"""Which operations the gateway treats as public, generated from the merged OpenAPI document: an
operation that declares a security requirement gets the caller's token forwarded (the gateway never
strips it), and a read that declares none stays public (the gateway never asks for one)."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import pytest

from gateway.app import create_app as create_gateway
from gateway.openapi import HTTP_METHODS, merge_openapi
from gateway.routing import NoRoute, check_path, is_proxied, resolve
from gateway.settings import GatewaySettings
from kernel.openapi import needs_token
from kernel.registry import SERVICE_BY_DOMAIN, SIGNAGE
from services.bike_share.app import create_app as create_bike_share
from services.bike_share.settings import Settings as BikeShareSettings
from services.info_kiosk.app import create_app as create_info_kiosk
from services.info_kiosk.settings import Settings as InfoKioskSettings
from services.parcel_lockers.app import create_app as create_parcel_lockers
from services.parcel_lockers.settings import Settings as ParcelLockersSettings
from services.signage.app import create_app as create_signage
from services.signage.settings import Settings as SignageSettings

STATION = "saint-denis-pleyel"
STATIONS = frozenset({STATION})


@cache
def merged_document() -> dict[str, Any]:
    services = {
        "bike_share": create_bike_share(BikeShareSettings(stations=[STATION])).openapi(),
        "info_kiosk": create_info_kiosk(InfoKioskSettings(stations=[STATION])).openapi(),
        "parcel_lockers": create_parcel_lockers(ParcelLockersSettings(stations=[STATION])).openapi(),
        "signage": create_signage(SignageSettings(stations=[STATION])).openapi(),
    }
    return merge_openapi(create_gateway(GatewaySettings()).openapi(), services)


def proxied_operations() -> list[tuple[str, str, bool]]:
    """(method, path template, needs a token) of every operation the gateway forwards."""
    document = merged_document()
    found = []
    for template, item in document["paths"].items():
        if not is_proxied(concrete(template).encode()):
            continue
        for method, operation in item.items():
            if method in HTTP_METHODS:
                found.append((method.upper(), template, needs_token(operation)))
    return found


def concrete(template: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", template.replace("{station_id}", STATION))


def test_every_service_has_operations_of_both_kinds_in_the_matrix():
    operations = proxied_operations()
    domains = {template.split("/")[5] for _, template, _ in operations if template.startswith("/api/")}
    assert domains == set(SERVICE_BY_DOMAIN)
    assert any(needs for *_, needs in operations) and any(not needs for *_, needs in operations)


@pytest.mark.parametrize(("method", "template", "needs_token"), proxied_operations())
def test_the_gateway_forwards_the_token_exactly_where_the_operation_needs_one(
    method: str, template: str, needs_token: bool
):
    try:
        target = resolve(
            check_path(concrete(template).encode()), stations=STATIONS, services=SERVICE_BY_DOMAIN
        )
    except NoRoute as exc:  # pragma: no cover - a failure message, not a branch
        pytest.fail(f"{method} {template}: the gateway routes it nowhere ({exc})")
    if needs_token:
        # Not public: the gateway checks the token and forwards it to the service.
        assert not target.is_public(method), f"{method} {template} needs a token the gateway would strip"
        assert not target.is_public_write(method), f"{method} {template} needs a token the gateway waives"
    elif method in ("GET", "HEAD"):
        assert target.is_public(method), f"{method} {template} is public but the gateway asks for a token"
    elif not target.is_public_write(method):
        pytest.fail(f"{method} {template} writes without a security requirement")


def test_the_operators_media_list_is_not_public_but_a_media_file_is():
    assert not SIGNAGE.is_public_read("/media")
    assert SIGNAGE.is_public_read("/media/" + "a" * 64)
    assert not SIGNAGE.is_public_read("/media/")
    assert not SIGNAGE.is_public_read("/mediafile")


def test_a_public_write_is_one_path_and_only_its_post():
    def target(rest: str) -> Any:
        path = f"/api/v1/stations/{STATION}/signage{rest}".encode()
        return resolve(check_path(path), stations=STATIONS, services=SERVICE_BY_DOMAIN)

    scans = target("/works/expo/quai/scans")
    assert scans.is_public_write("POST") and not scans.is_public("POST")
    assert not scans.is_public_write("PUT") and not scans.is_public_write("DELETE")
    assert not target("/works/expo/quai/scans/more").is_public_write("POST")
    assert not target("/works/expo/quai").is_public_write("POST")
