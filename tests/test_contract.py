"""The merged OpenAPI at the gateway says what the station's code does: every error each operation can
return, as a problem, and every rule a schema can carry."""

from __future__ import annotations

import json
from typing import Any

import httpx
import jsonschema
import pytest

from gateway.openapi import HTTP_METHODS, allowed_methods
from kernel.openapi import needs_token
from testkit.stack import SAINT_DENIS, assert_problem, bearer

pytestmark = pytest.mark.e2e

PROXIED_PREFIXES = ("/api/v1/stations/", "/gbfs")
# The station directory is the gateway's own: no upstream to be busy, down or slow.
GATEWAY_OWN = {"/api/v1/stations", "/api/v1/stations/{station_id}"}


@pytest.fixture(scope="module")
def merged(stack) -> dict[str, Any]:
    response = httpx.get(f"{stack.gateway_url}/openapi.json", timeout=10)
    assert response.status_code == 200
    document = response.json()
    assert "x-missing-services" not in document["info"]
    return document


def operations(document: dict[str, Any]):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def test_every_error_of_every_operation_is_a_documented_problem(merged):
    assert "HTTPValidationError" not in json.dumps(merged)
    for path, method, operation in operations(merged):
        responses = operation["responses"]
        for status, response in responses.items():
            if status[0] in "45" and (path, status) != ("/readyz", "503"):
                assert response["content"] == {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                }, (method, path, status)
        body = operation.get("requestBody", {}).get("content", {})
        if "application/json" in body:
            assert {"400", "413", "415", "422"} <= set(responses), (method, path)
        if any(p["in"] == "path" for p in operation.get("parameters", [])):
            assert "404" in responses, (method, path)
        if needs_token(operation):
            assert "401" in responses, (method, path)
            assert "WWW-Authenticate" in responses["401"]["headers"], (method, path)
        assert {"400", "414"} <= set(responses), (method, path)  # paths the gateway refuses
        if path.startswith(PROXIED_PREFIXES) and path not in GATEWAY_OWN:
            assert {"429", "503", "504"} <= set(responses), (method, path)
            assert responses["429"]["headers"]["Retry-After"]["required"] is True


def test_the_problems_sent_match_the_published_problem_schema(merged, gateway, tokens):
    schema = {"$ref": "#/components/schemas/Problem", "components": merged["components"]}
    sent = [
        httpx.get(f"{gateway}/api/v1/stations/gare-de-nulle-part/mobility/vehicle-stations"),
        httpx.get(f"{gateway}/api/v1/stations/{SAINT_DENIS}/lockers/banks"),
        httpx.post(
            f"{gateway}/api/v1/stations/{SAINT_DENIS}/lockers/banks",
            json={"code": "Z", "level": True},
            headers=bearer(tokens.operator()),
        ),
        httpx.post(f"{gateway}/auth/otp", content=b"phone", headers={"content-type": "text/plain"}),
        httpx.post(f"{gateway}/auth/token", data={"grant_type": "password"}),
    ]
    for response in sent:
        assert response.status_code in (400, 401, 404, 415, 422), response.text
        assert_problem(response, response.status_code)
        jsonschema.validate(response.json(), schema)


def test_the_rules_of_the_bodies_are_published(merged):
    schemas = merged["components"]["schemas"]
    assert schemas["StatusReportIn"]["properties"]["last_reported"]["pattern"].startswith("^20[0-9]{2}-")
    assert schemas["ScreenCreate"]["properties"]["languages"]["items"]["pattern"].startswith("^[A-Za-z]{2,3}")
    assert "pattern" in schemas["BankCreate"]["properties"]["name"]
    assert schemas["ServiceStateIn"]["then"]["required"] == ["reason"]
    assert "pattern" in schemas["OtpRequest"]["properties"]["phone_number"]
    names = schemas["PointOfInterestCreate"]["properties"]["names"]
    assert names["additionalProperties"] is False


@pytest.mark.parametrize("service", ["parcel_lockers", "signage", "bike_share", "info_kiosk"])
def test_a_service_answers_405_with_the_methods_of_the_path(stack, service):
    base = stack.url(service)
    table = allowed_methods(httpx.get(f"{base}/openapi.json").json())
    station_paths = {t: m for t, m in table.items() if t.startswith("/api/v1/stations/{station_id}/")}
    assert station_paths
    for template, methods in station_paths.items():
        path = template.replace("{station_id}", SAINT_DENIS)
        path = "/".join("x" if part.startswith("{") else part for part in path.split("/"))
        wrong = next(m for m in ("DELETE", "PATCH", "PUT", "POST") if m not in methods)
        response = httpx.request(wrong, f"{base}{path}")
        assert_problem(response, 405, "method-not-allowed")
        assert {m.strip() for m in response.headers["allow"].split(",")} == methods, template
