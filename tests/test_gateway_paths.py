"""The gateway decides on the path the service sees: hostile paths, redirects, methods before tokens,
public reads that stay public. Through a real stack, with raw request targets on the wire."""

from __future__ import annotations

import http.client
import time
import uuid
from urllib.parse import urlsplit

import httpx
import jwt
import pytest

from gateway.keys import KeyRing
from testkit.stack import SAINT_DENIS, VILLEJUIF, assert_problem, bearer

pytestmark = pytest.mark.e2e
BASE = f"/api/v1/stations/{SAINT_DENIS}"


def raw_request(
    base_url: str, method: str, target: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    """Send `target` exactly as written (no client-side normalisation of dots or escapes)."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        connection.request(method, target, headers=headers or {})
        answer = connection.getresponse()
        body = answer.read()
        return httpx.Response(
            answer.status,
            headers=answer.getheaders(),
            content=body,
            request=httpx.Request(method, base_url + target),
        )
    finally:
        connection.close()


HOSTILE_TARGETS = [
    # The reproduction of issue 5: bike_share's own /metrics, with no token.
    f"{BASE}/mobility/..%2F..%2F..%2F..%2F..%2Fmetrics",
    f"{BASE}/mobility/..%2f..%2f..%2f..%2fapi%2fv1%2fstations%2f{VILLEJUIF}%2fmobility%2fvehicle-stations",
    f"{BASE}/mobility/..%5C..%5Cmetrics",
    f"{BASE}/mobility/../../../../../metrics",
    f"{BASE}/mobility/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/metrics",
    f"{BASE}/mobility/.%2E/vehicle-stations",
    f"{BASE}/mobility/./vehicle-stations",
    "/api/v1/stations/%1A/kiosk/mobility",
    "/api/v1/stations/%00/kiosk/mobility",
    f"{BASE}/kiosk/mobility%0A",
    f"{BASE}/kiosk/mobility%0D%0AX-Injected:%201",
    f"{BASE}/kiosk/mobility%7F",
    f"{BASE}/kiosk//mobility",
    f"{BASE}/kiosk/%zz",
    f"{BASE}/kiosk/%C3%28",
    "/app/..%2F..%2Fpyproject.toml",
    "/docs/assets/..%2F..%2F..%2Fsettings.py",
]


@pytest.mark.parametrize("target", HOSTILE_TARGETS)
def test_hostile_paths_get_a_400_problem_with_the_request_id(gateway, target):
    response = raw_request(gateway, "GET", target, {"X-Request-ID": "hostile-1"})
    body = assert_problem(response, 400, "invalid-path")
    assert body["request_id"] == "hostile-1"
    assert "python_gc_objects_collected_total" not in response.text


def test_a_nul_in_the_query_is_a_400_problem(gateway):
    response = raw_request(gateway, "GET", f"{BASE}/kiosk/points-of-interest?lang=fr%00")
    assert_problem(response, 400, "invalid-query")


def test_an_overlong_path_is_414(gateway):
    assert_problem(raw_request(gateway, "GET", f"{BASE}/kiosk/" + "a" * 3000), 414, "uri-too-long")


@pytest.mark.parametrize(
    "target",
    [
        f"{BASE}/kiosk/mobility/",
        f"{BASE}/mobility/vehicle-stations/",
        "/api/v1/stations/",
        f"/api/v1/stations/{SAINT_DENIS}/",
    ],
)
def test_no_redirect_points_behind_the_gateway(stack, gateway, target):
    response = raw_request(gateway, "GET", target)
    upstreams = [stack.url(name) for name in ("parcel_lockers", "signage", "bike_share", "info_kiosk")]
    location = response.headers.get("location", "")
    assert not any(location.startswith(u) for u in upstreams), location
    assert_problem(response, 404)


def test_another_stations_token_does_not_close_a_public_read(gateway, tokens):
    path = f"/api/v1/stations/{VILLEJUIF}/mobility/vehicle-stations"
    response = httpx.get(f"{gateway}{path}", headers=bearer(tokens.operator(SAINT_DENIS)))
    assert response.status_code == 200, response.text
    anonymous = httpx.get(f"{gateway}{path}")
    assert response.json() == anonymous.json()


def expired_token(stack) -> str:
    keyring = KeyRing(stack.var / "keys" / "gateway")
    keyring.load()
    key = keyring.signing_key
    now = int(time.time())
    claims = {
        "iss": stack.gateway_url,
        "aud": "gare-numerique",
        "sub": "operator-saint-denis-pleyel",
        "role": "operator",
        "stations": [SAINT_DENIS],
        "scope": "station:operate",
        "iat": now - 7200,
        "nbf": now - 7200,
        "exp": now - 3600,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, key.private_key, algorithm="EdDSA", headers={"kid": key.kid})


@pytest.mark.parametrize("which", ["expired", "garbage", "malformed-header"])
def test_public_reads_ignore_bad_tokens(stack, gateway, which):
    authorization = {
        "expired": f"Bearer {expired_token(stack)}",
        "garbage": "Bearer not.a.jwt",
        "malformed-header": "Basic dXNlcjpwYXNz",
    }[which]
    for path in (
        f"{BASE}/mobility/vehicle-stations",
        f"{BASE}/kiosk/points-of-interest",
        f"{BASE}/lockers/availability",
    ):
        response = httpx.get(f"{gateway}{path}", headers={"Authorization": authorization})
        assert response.status_code == 200, (path, response.text)
        head = httpx.head(f"{gateway}{path}", headers={"Authorization": authorization})
        assert head.status_code == 200


def test_an_expired_token_is_still_refused_where_a_token_is_needed(stack, gateway):
    response = httpx.get(f"{gateway}{BASE}/signage/screens", headers=bearer(expired_token(stack)))
    assert_problem(response, 401, "unauthorized")


def documented_methods(gateway: str, template: str) -> set[str]:
    document = httpx.get(f"{gateway}/openapi.json").json()
    methods = {m.upper() for m in document["paths"][template] if m != "parameters"}
    return methods | ({"HEAD"} if "GET" in methods else set())


@pytest.mark.parametrize(
    ("path", "template", "method"),
    [
        (f"{BASE}/signage/screens", "/api/v1/stations/{station_id}/signage/screens", "DELETE"),
        (f"{BASE}/lockers/banks", "/api/v1/stations/{station_id}/lockers/banks", "PATCH"),
        (
            f"{BASE}/mobility/vehicle-stations/velib-metropole-653046369",
            "/api/v1/stations/{station_id}/mobility/vehicle-stations/{vehicle_station_id}",
            "POST",
        ),
    ],
)
def test_a_method_the_path_does_not_have_is_405_with_allow_before_any_token(gateway, path, template, method):
    response = httpx.request(method, f"{gateway}{path}")
    assert_problem(response, 405, "method-not-allowed")
    allowed = {m.strip() for m in response.headers["allow"].split(",")}
    assert allowed == documented_methods(gateway, template)
    # OPTIONS (not a CORS preflight) says the same, without a token.
    options = httpx.options(f"{gateway}{path}")
    assert options.status_code == 204
    assert {m.strip() for m in options.headers["allow"].split(",")} == allowed


def test_a_path_no_service_has_is_404_before_any_token(gateway):
    assert_problem(httpx.get(f"{gateway}{BASE}/signage/nothing-here"), 404, "not-found")
    assert_problem(httpx.get(f"{gateway}{BASE}/lockers"), 404, "not-found")
    # ... while a real path without a token is 401.
    assert_problem(httpx.get(f"{gateway}{BASE}/signage/screens"), 401, "unauthorized")


def test_a_station_the_gateway_does_not_serve_is_404(gateway):
    assert_problem(
        httpx.get(f"{gateway}/api/v1/stations/chatelet/mobility/vehicle-stations"), 404, "unknown-station"
    )


def test_head_of_a_public_read_has_the_headers_and_no_body(gateway):
    get = httpx.get(f"{gateway}{BASE}/mobility/vehicle-stations")
    head = httpx.head(f"{gateway}{BASE}/mobility/vehicle-stations")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(get.content))
    assert head.headers["content-type"] == get.headers["content-type"]
