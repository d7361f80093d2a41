"""The gateway's own duties: readiness, request ids, CORS, rate limits, merged docs, metrics."""

from __future__ import annotations

import json
import re
import time
import uuid

import httpx
import pytest

from testkit.stack import SAINT_DENIS, assert_problem, bearer, eventually

pytestmark = pytest.mark.e2e
PUBLIC_READ = f"/api/v1/stations/{SAINT_DENIS}/mobility/vehicle-stations"


def test_readyz_reports_every_dependency(gateway):
    response = httpx.get(f"{gateway}/readyz")
    assert response.status_code == 200
    checks = response.json()["checks"]
    assert set(checks) == {
        "database",
        "redis",
        "nats",
        "parcel_lockers",
        "signage",
        "bike_share",
        "info_kiosk",
        "routes",
    }
    assert all(check["status"] == "up" for check in checks.values())
    assert httpx.get(f"{gateway}/healthz").json()["status"] == "alive"


def test_healthz_says_which_gateway_answers(stack, gateway):
    """Contract 4: an instance id per gateway, set by GATEWAY_INSTANCE_ID or random per process."""
    own = httpx.get(f"{gateway}/healthz").json()
    assert own["component"] == "gateway" and own["instance"]
    process, url = stack.start_extra_gateway("gateway-named", {"INSTANCE_ID": "station-test-7"})
    try:
        assert httpx.get(f"{url}/healthz").json() == {
            "status": "alive",
            "component": "gateway",
            "instance": "station-test-7",
        }
    finally:
        process.stop()
    assert own["instance"] != "station-test-7"


def test_request_id_is_kept_end_to_end(stack, gateway, tokens):
    # Not a hot read: a cache hit logs its access line at DEBUG only (it costs more than the hit).
    response = httpx.get(
        f"{gateway}/api/v1/stations/{SAINT_DENIS}/lockers/banks",
        headers={"X-Request-ID": "kiosk-42.abc", **bearer(tokens.operator())},
    )
    assert response.status_code == 200 and response.headers["x-request-id"] == "kiosk-42.abc"
    # The service logs the request under the same id (the line is written once the answer is sent).
    eventually(
        lambda: '"request_id": "kiosk-42.abc"' in (stack.logs / "parcel_lockers.log").read_text(), timeout=5
    )
    # An id we cannot trust (spaces, too long) is replaced, not echoed.
    replaced = httpx.get(f"{gateway}{PUBLIC_READ}", headers={"X-Request-ID": "x" * 300})
    assert replaced.headers["x-request-id"] != "x" * 300


def test_cors_preflight_from_the_mobile_web_app(gateway):
    response = httpx.options(
        f"{gateway}{PUBLIC_READ}",
        headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] in ("*", "https://app.example")
    assert "GET" in response.headers["access-control-allow-methods"]


def test_rate_limit_per_client_and_route_with_retry_after(stack):
    # One token every 10 s, 3 at once: the five requests cannot take long enough for the bucket
    # to refill before the 5th, however loaded the machine.
    process, url = stack.start_extra_gateway(
        "gateway-tight-limits",
        {
            "RATE_LIMIT_ANONYMOUS__PER_SECOND": "0.1",
            "RATE_LIMIT_ANONYMOUS__BURST": "3",
            # Its own buckets: the stack's gateway and devices share this client address.
            "RATE_LIMIT_NAMESPACE": f"tight{uuid.uuid4().hex[:8]}",
        },
    )
    try:
        statuses = [httpx.get(f"{url}{PUBLIC_READ}").status_code for _ in range(5)]
        assert statuses == [200, 200, 200, 429, 429]
        limited = httpx.get(f"{url}{PUBLIC_READ}")
        assert_problem(limited, 429, "rate-limited")
        retry_after = int(limited.headers["retry-after"])
        assert 1 <= retry_after <= 10
        assert limited.headers["ratelimit-remaining"] == "0"
        # Another route group has its own bucket.
        assert httpx.get(f"{url}/api/v1/stations/{SAINT_DENIS}/kiosk/points-of-interest").status_code == 200
        time.sleep(retry_after)
        assert httpx.get(f"{url}{PUBLIC_READ}").status_code == 200
    finally:
        process.stop()


def test_replicas_share_a_limit_and_never_exceed_it(stack):
    """Two gateways on one Redis, each spending tokens leased (at most 4 at a time) from the same
    bucket of 16, one token per 100 s so none comes back during the test: together they allow
    exactly 16, and a replica holds back at most one lease from the other."""
    limits = {
        "RATE_LIMIT_ANONYMOUS__PER_SECOND": "0.01",
        "RATE_LIMIT_ANONYMOUS__BURST": "16",
        "RATE_LIMIT_LEASE": "4",
        "RATE_LIMIT_NAMESPACE": f"replicas{uuid.uuid4().hex[:8]}",
    }
    a, url_a = stack.start_extra_gateway("gateway-replica-a", limits)
    b, url_b = stack.start_extra_gateway("gateway-replica-b", limits)
    path = f"/api/v1/stations/{SAINT_DENIS}/kiosk/mobility"
    try:
        first_a = [httpx.get(f"{url_a}{path}").status_code for _ in range(10)]
        then_b = [httpx.get(f"{url_b}{path}").status_code for _ in range(10)]
        rest_a = [httpx.get(f"{url_a}{path}").status_code for _ in range(5)]
    finally:
        a.stop()
        b.stop()
    assert first_a == [200] * 10
    # B gets what A did not lease: at least 16 - 10 - 4, then refusals.
    allowed_b = then_b.count(200)
    assert then_b == [200] * allowed_b + [429] * (10 - allowed_b) and allowed_b >= 2
    # A spends what it still holds, then is refused too.
    allowed_a = rest_a.count(200)
    assert rest_a == [200] * allowed_a + [429] * (5 - allowed_a)
    assert 10 + allowed_b + allowed_a == 16


def test_merged_openapi_documents_every_service(gateway):
    document = httpx.get(f"{gateway}/openapi.json").json()
    paths = document["paths"]
    for expected in (
        "/auth/token",
        "/api/v1/stations/{station_id}/lockers/banks",
        "/api/v1/stations/{station_id}/signage/screens/{code}/playlist",
        "/api/v1/stations/{station_id}/mobility/vehicle-stations",
        "/api/v1/stations/{station_id}/kiosk/points-of-interest",
    ):
        assert expected in paths, sorted(paths)
    assert "x-missing-services" not in document["info"]
    # Every reference, after renames, points at a schema the document defines.
    schemas = document["components"]["schemas"]
    refs = set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', json.dumps(document)))
    assert refs and refs <= set(schemas), sorted(refs - set(schemas))
    docs = httpx.get(f"{gateway}/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_metrics_behind_a_token_when_one_is_set(stack):
    process, url = stack.start_extra_gateway("gateway-metrics-token", {"METRICS_TOKEN": "scrape-me-1234"})
    try:
        assert_problem(httpx.get(f"{url}/metrics"), 401, "unauthorized")
        assert_problem(httpx.get(f"{url}/metrics", headers={"Authorization": "Bearer nope"}), 401)
        scraped = httpx.get(f"{url}/metrics", headers={"Authorization": "Bearer scrape-me-1234"})
        assert scraped.status_code == 200 and "gare_http_requests_total" in scraped.text
    finally:
        process.stop()


def test_metrics_count_requests_by_route(stack, gateway):
    httpx.get(f"{gateway}{PUBLIC_READ}")
    gateway_metrics = httpx.get(f"{gateway}/metrics").text
    assert (
        'gare_http_requests_total{method="GET",route="/mobility -> bike_share",service="gateway",status="200"}'
        in gateway_metrics
    )
    service_metrics = httpx.get(f"{stack.url('bike_share')}/metrics").text
    assert 'route="/api/v1/stations/{station_id}/mobility/vehicle-stations"' in service_metrics
