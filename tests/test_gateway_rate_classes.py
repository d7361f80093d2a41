"""Every route falls in a rate-limit class: the gateway's own routes (generated from its app) as
well as the proxied ones, anonymous, authenticated and write classes each with its own bucket."""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Iterator

import httpx
import pytest
from fastapi.routing import iter_route_contexts
from starlette.routing import Mount

from deploy.embedded.stack import StationStack
from gateway.app import create_app
from gateway.settings import GatewaySettings
from kernel.notifier import NotifierSettings
from testkit.stack import SAINT_DENIS, assert_problem, bearer

pytestmark = pytest.mark.e2e

LOCKERS = f"/api/v1/stations/{SAINT_DENIS}/lockers/banks"
PUBLIC_READ = f"/api/v1/stations/{SAINT_DENIS}/mobility/vehicle-stations"
HEARTBEAT = f"/api/v1/stations/{SAINT_DENIS}/signage/screens/hall/heartbeat"
PATH_VALUES = {
    "session_id": "0" * 32,
    "client_id": "nobody",
    "username": "nobody",
    "station_id": SAINT_DENIS,
    "slug": "validation-error",
}


def own_routes() -> list[tuple[str, str]]:
    """(method, path) of every route the gateway serves itself, as a development gateway has them."""
    app = create_app(GatewaySettings(notifier=NotifierSettings(backend="inbox")))
    found: set[tuple[str, str]] = set()
    for route in iter_route_contexts(app.routes):
        template = route.path or ""
        if isinstance(route.original_route, Mount):
            found.add(("GET", template.rstrip("/") + "/"))
            continue
        path = re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES[m.group(1)], template)
        found.update((method, path) for method in route.methods or () if method != "HEAD")
    return sorted(found)


OWN_ROUTES = own_routes()


# The tight gateway's buckets, per class; the static class is larger (its probes poll it).
BURSTS = {"anonymous": 1, "write": 1, "authenticated": 2, "static": 50}
STATIC = {"app", "kiosk", "player", "console", "common", "docs", "healthz", "readyz", "metrics"}


def expected_class(method: str, path: str) -> str:
    if method == "GET" and path.strip("/").split("/")[0] in STATIC:
        return "static"
    return "anonymous" if method == "GET" else "write"


def address() -> str:
    return f"2001:db8:{random.randrange(1 << 16):x}::{random.randrange(1 << 16):x}"


@pytest.fixture(scope="module")
def tight(stack: StationStack) -> Iterator[str]:
    """A gateway whose buckets hold one request (two when authenticated) and never refill during
    a test; it believes X-Forwarded-For from 127.0.0.1, so each test speaks from its own address."""
    never = "0.001"
    limits = {name.upper(): str(burst) for name, burst in BURSTS.items()}
    process, url = stack.start_extra_gateway(
        "gateway-rate-classes",
        {
            "TRUSTED_PROXIES": "127.0.0.1",
            "RATE_LIMIT_NAMESPACE": f"classes{uuid.uuid4().hex[:8]}",
            **{f"RATE_LIMIT_{name}__PER_SECOND": never for name in limits},
            **{f"RATE_LIMIT_{name}__BURST": burst for name, burst in limits.items()},
        },
    )
    try:
        yield url
    finally:
        process.stop()


def assert_rate_limited(response: httpx.Response) -> None:
    assert_problem(response, 429, "rate-limited")
    assert int(response.headers["retry-after"]) >= 1
    assert response.headers["ratelimit-remaining"] == "0"


def test_the_routes_are_all_there():
    paths = {path for _, path in OWN_ROUTES}
    assert {"/auth/token", "/api/v1/stations", "/dev/notifier/messages", "/healthz", "/metrics"} <= paths
    assert {"/app/", "/player/", "/docs"} <= paths


@pytest.mark.parametrize(("method", "path"), OWN_ROUTES, ids=lambda v: v)
def test_every_route_of_the_gateway_falls_in_a_rate_class(tight, method, path):
    headers = {"X-Forwarded-For": address()}
    burst = BURSTS[expected_class(method, path)]
    first = httpx.request(method, f"{tight}{path}", headers=headers, timeout=10)
    assert first.status_code != 429, first.text
    assert first.headers["ratelimit-limit"] == str(burst)
    second = httpx.request(method, f"{tight}{path}", headers=headers, timeout=10)
    if burst == 1:
        assert_rate_limited(second)
    else:  # the probes' class: the same bucket, one less
        assert int(second.headers["ratelimit-remaining"]) == int(first.headers["ratelimit-remaining"]) - 1
    # Another client has its own bucket.
    other = httpx.request(method, f"{tight}{path}", headers={"X-Forwarded-For": address()}, timeout=10)
    assert other.status_code != 429


def test_the_authenticated_class_is_per_caller_and_apart_from_the_anonymous_one(tight, tokens):
    source = {"X-Forwarded-For": address()}
    operator = {**bearer(tokens.operator()), **source}
    statuses = [httpx.get(f"{tight}{LOCKERS}", headers=operator).status_code for _ in range(2)]
    assert statuses == [200, 200]  # the authenticated burst is 2 where the anonymous one is 1
    assert_rate_limited(httpx.get(f"{tight}{LOCKERS}", headers=operator))
    # The same address without a token is in the anonymous class: its bucket is still full.
    assert httpx.get(f"{tight}{PUBLIC_READ}", headers=source).status_code == 200
    # A route of the gateway's own, for the same caller: its own group, the same class.
    own = [httpx.get(f"{tight}/auth/sessions", headers=operator).status_code for _ in range(3)]
    assert own[:2] == [200, 200] and own[2] == 429


def test_the_write_class_is_apart_from_reads(tight, tokens):
    screen = {**bearer(tokens.device("screen")), "X-Forwarded-For": address()}
    first = httpx.post(f"{tight}{HEARTBEAT}", json={"version": None}, headers=screen)
    assert first.status_code != 429, first.text
    assert_rate_limited(httpx.post(f"{tight}{HEARTBEAT}", json={"version": None}, headers=screen))
    # Reads of the same caller are in the authenticated class, untouched by its writes.
    assert httpx.get(f"{tight}{HEARTBEAT.rsplit('/', 1)[0]}/playlist", headers=screen).status_code == 200
