"""The gateway's own duties: readiness, request ids, CORS, rate limits, merged docs, metrics."""

from __future__ import annotations

import json
import re
import time

import httpx

from tests.support import SAINT_DENIS, assert_problem, eventually

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
    }
    assert all(check["status"] == "up" for check in checks.values())
    assert httpx.get(f"{gateway}/healthz").json()["status"] == "alive"


def test_request_id_is_kept_end_to_end(stack, gateway):
    response = httpx.get(f"{gateway}{PUBLIC_READ}", headers={"X-Request-ID": "kiosk-42.abc"})
    assert response.headers["x-request-id"] == "kiosk-42.abc"
    # The service logs the request under the same id (the line is written once the answer is sent).
    eventually(
        lambda: '"request_id": "kiosk-42.abc"' in (stack.logs / "bike_share.log").read_text(), timeout=5
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
    process, url = stack.start_extra_gateway(
        "gateway-tight-limits",
        {"RATE_LIMIT_ANONYMOUS__PER_SECOND": "2", "RATE_LIMIT_ANONYMOUS__BURST": "3"},
    )
    try:
        statuses = [httpx.get(f"{url}{PUBLIC_READ}").status_code for _ in range(5)]
        assert statuses[:3] == [200, 200, 200]
        assert statuses[3:] == [429, 429]
        limited = httpx.get(f"{url}{PUBLIC_READ}")
        assert_problem(limited, 429, "rate-limited")
        retry_after = int(limited.headers["retry-after"])
        assert 1 <= retry_after <= 2
        # Another route group has its own bucket.
        assert httpx.get(f"{url}/api/v1/stations/{SAINT_DENIS}/kiosk/points-of-interest").status_code == 200
        time.sleep(retry_after)
        assert httpx.get(f"{url}{PUBLIC_READ}").status_code == 200
    finally:
        process.stop()


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


def test_metrics_count_requests_by_route(stack, gateway):
    httpx.get(f"{gateway}{PUBLIC_READ}")
    gateway_metrics = httpx.get(f"{gateway}/metrics").text
    assert (
        'gare_http_requests_total{method="GET",route="/mobility -> bike_share",service="gateway",status="200"}'
        in gateway_metrics
    )
    service_metrics = httpx.get(f"{stack.url('bike_share')}/metrics").text
    assert 'route="/api/v1/stations/{station_id}/mobility/vehicle-stations"' in service_metrics
