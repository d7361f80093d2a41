"""Every list of the public API is a page (`{"items", "next_cursor"}`, `?cursor=&limit=`), and paging
through it with `limit=1` while rows are created gives no item twice and skips none.

The lists are found in the gateway's merged OpenAPI, not named here: a GET on a collection (its path
does not end with a parameter) whose 200 answer is a JSON array, or an object holding an array of
objects, is a list; a list that does not answer a page fails the first test. Reads that are one
document holding lists as its parts are named in DOCUMENTS with why.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from deploy.embedded.stack import StationStack
from testkit.stack import SAINT_DENIS, Tokens, bearer

pytestmark = pytest.mark.e2e

PAGES_WALKED = 4
STATION = f"/api/v1/stations/{SAINT_DENIS}"

# Collection paths whose answer is one document, not a list of entities (paths as in the OpenAPI).
DOCUMENTS = {
    "/api/v1/stations/{station_id}/lockers/availability": "the availability board of every bank: one panel",
    "/api/v1/stations/{station_id}/kiosk/map": "the station map: one drawing",
    "/api/v1/stations/{station_id}/kiosk/live": "the live panels of the kiosk: one screenful",
    "/api/v1/stations/{station_id}/kiosk/mobility": "the mobility board of the kiosk: one screenful",
    "/api/v1/stations/{station_id}/kiosk/departures": "the departures boards of the station: one screenful",
    "/api/v1/stations/{station_id}/kiosk/route": "one route: its steps are the route",
    "/api/v1/stations/{station_id}/kiosk/graph/validation": "one report on the graph",
    "/api/v1/stations/{station_id}/signage/screens/{code}/playlist": "what one screen plays now",
    "/.well-known/jwks.json": "a JWK Set (RFC 7517): one document of keys",
}


def new_key(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6]}"


def bank(client: httpx.Client) -> dict[str, Any]:
    code = new_key("z").upper()[:8]
    return {
        "code": code,
        "name": f"Consigne {code}",
        "location": "Hall",
        "level": 0,
        "compartments": [{"label": "A01", "size": "S"}, {"label": "A02", "size": "S"}],
    }


def content(client: httpx.Client) -> dict[str, Any]:
    title = new_key("Annonce ")
    return {"kind": "message", "title": title, "texts": {"fr": title}, "duration_seconds": 10}


def screen(client: httpx.Client) -> dict[str, Any]:
    code = new_key("zz-")
    return {
        "code": code,
        "name": code.title(),
        "location": "Hall",
        "orientation": "landscape",
        "resolution": "1920x1080",
        "languages": ["fr", "en"],
    }


def items_of(body: Any) -> list[Any]:
    """A list's items, in its old shape or the page's."""
    if isinstance(body, list):
        return body
    if isinstance(body, dict) and "items" in body:
        return list(body["items"])
    return next((v for v in body.values() if isinstance(v, list)), []) if isinstance(body, dict) else []


def place(client: httpx.Client) -> dict[str, Any]:
    levels = items_of(client.get(f"{STATION}/kiosk/levels").json())
    return {
        "code": new_key("zz-"),
        "kind": "entrance_exit",
        "names": {"fr": "Sortie de test"},
        "level_code": levels[0]["code"],
        "lat": 48.92,
        "lon": 2.34,
    }


def system(client: httpx.Client) -> dict[str, Any]:
    return {"id": new_key("zz-"), "name": {"fr": "Système de test"}}


def agenda_event(client: httpx.Client) -> dict[str, Any]:
    return {
        "code": new_key("zz-"),
        "kind": "other",
        "title": {"fr": "Événement de test"},
        "starts_at": "2031-01-01T10:00:00+01:00",
        "ends_at": "2031-01-01T12:00:00+01:00",
    }


# How to create a row of a list between two of its pages: its path, and the body's maker.
CREATORS: dict[str, Callable[[httpx.Client], dict[str, Any]]] = {
    "/api/v1/stations/{station_id}/lockers/banks": bank,
    "/api/v1/stations/{station_id}/signage/content": content,
    "/api/v1/stations/{station_id}/signage/screens": screen,
    "/api/v1/stations/{station_id}/signage/agenda": agenda_event,
    "/api/v1/stations/{station_id}/kiosk/places": place,
    "/api/v1/stations/{station_id}/mobility/systems": system,
}


# -- reading the OpenAPI -----------------------------------------------------------------------------


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"][name]
    for key in ("anyOf", "oneOf", "allOf"):
        choices = [resolve(document, s) for s in schema.get(key, []) if s.get("type") != "null"]
        if len(choices) == 1:
            return choices[0]
    return schema


def answer_schema(document: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any] | None:
    ok = operation.get("responses", {}).get("200", {})
    schema = ok.get("content", {}).get("application/json", {}).get("schema")
    return resolve(document, schema) if schema else None


def is_page(document: dict[str, Any], schema: dict[str, Any]) -> bool:
    properties = schema.get("properties", {})
    return (
        "items" in properties
        and "next_cursor" in properties
        and resolve(document, properties["items"]).get("type") == "array"
    )


def holds_a_list(document: dict[str, Any], schema: dict[str, Any]) -> bool:
    if schema.get("type") == "array":
        return True
    for value in schema.get("properties", {}).values():
        value = resolve(document, value)
        if value.get("type") == "array" and resolve(document, value.get("items", {})).get("type") == "object":
            return True
    return False


def is_collection(path: str) -> bool:
    return not path.rstrip("/").endswith("}")


def get_operations(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(path, item["get"]) for path, item in sorted(document["paths"].items()) if "get" in item]


@pytest.fixture(scope="module")
def openapi(stack: StationStack) -> dict[str, Any]:
    response = httpx.get(f"{stack.gateway_url}/openapi.json", timeout=10)
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def test_every_list_is_a_page(openapi):
    not_pages = []
    for path, operation in get_operations(openapi):
        schema = answer_schema(openapi, operation)
        if schema is None or path in DOCUMENTS or not is_collection(path) or is_page(openapi, schema):
            continue
        if holds_a_list(openapi, schema):
            not_pages.append(f"GET {path}")
    assert not_pages == [], "lists that do not answer the one page shape:\n" + "\n".join(not_pages)


def test_every_page_takes_a_cursor_and_a_bounded_limit(openapi):
    for path, operation in get_operations(openapi):
        schema = answer_schema(openapi, operation)
        if schema is None or not is_page(openapi, schema):
            continue
        parameters = {p["name"]: p for p in operation.get("parameters", []) if p.get("in") == "query"}
        assert "cursor" in parameters, path
        limit = parameters["limit"]["schema"]
        assert (limit.get("maximum"), limit.get("default")) == (200, 50), path
        assert "invalid-cursor" in operation["responses"]["400"]["description"], path


# -- walking the pages -------------------------------------------------------------------------------


def identity(item: Any) -> str:
    if isinstance(item, dict):
        for key in ("id", "code", "slug", "sha256", "jti", "client_id"):
            if key in item:
                return f"{key}={item[key]}"
    return json.dumps(item, sort_keys=True)


def concrete(path: str) -> str | None:
    """The path for Saint-Denis Pleyel; None when it needs another parameter the test cannot know."""
    path = path.replace("{station_id}", SAINT_DENIS)
    return None if re.search(r"{[^}]+}", path) else path


def readable(client: httpx.Client, path: str) -> httpx.Response | None:
    response = client.get(path, params={"limit": 1})
    return response if response.status_code == 200 else None


def walk(client: httpx.Client, path: str, *, create: Callable[[], None] | None) -> list[str]:
    seen: list[str] = []
    cursor: str | None = None
    for number in range(PAGES_WALKED):
        params: dict[str, Any] = {"limit": 1} | ({"cursor": cursor} if cursor else {})
        response = client.get(path, params=params)
        assert response.status_code == 200, f"{path} page {number + 1}: {response.text}"
        body = response.json()
        assert len(body["items"]) <= 1, path
        seen += [identity(item) for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
        if create is not None:
            create()
    return seen


def test_paging_gives_no_item_twice_and_skips_none_while_rows_are_created(openapi, gateway, tokens: Tokens):
    admin = httpx.Client(base_url=gateway, headers=bearer(tokens.admin()), timeout=10)
    operator = httpx.Client(base_url=gateway, headers=bearer(tokens.operator()), timeout=10)
    walked: dict[str, bool] = {}  # path -> whether rows were created while walking it
    problems: list[str] = []
    for template, operation in get_operations(openapi):
        schema = answer_schema(openapi, operation)
        path = concrete(template)
        if schema is None or path is None or not is_page(openapi, schema):
            continue
        client = next((c for c in (admin, operator) if readable(c, path) is not None), None)
        if client is None:
            continue  # a list of another kind of caller (a traveller's, a device's)
        reference = [identity(i) for i in client.get(path, params={"limit": 200}).json()["items"]]
        maker = CREATORS.get(template)

        def create(client: httpx.Client = client, path: str = path, maker: Any = maker) -> None:
            made = client.post(path, json=maker(client))
            assert made.status_code == 201, f"POST {path}: {made.status_code} {made.text}"

        seen = walk(client, path, create=create if maker is not None else None)
        walked[template] = maker is not None
        if len(seen) != len(set(seen)):
            problems.append(f"{template}: an item given twice: {seen}")
        known = [item for item in seen if item in reference]
        if known != reference[: len(known)]:
            problems.append(
                f"{template}: items skipped or out of order: {known} vs {reference[: len(known)]}"
            )
    assert problems == [], "\n".join(problems)
    services = {"lockers", "signage", "mobility", "kiosk"}
    walked_by = {
        next((s for s in services if f"/{s}/" in p or p.endswith(f"/{s}")), "gateway") for p in walked
    }
    created_in = {s for s in services for p, created in walked.items() if created and f"/{s}/" in p}
    assert services <= walked_by, f"no page walked in {sorted(services - walked_by)}"
    assert services <= created_in, f"no rows created while paging in {sorted(services - created_in)}"


def test_a_cursor_that_is_not_one_of_ours_is_a_400(openapi, gateway, tokens: Tokens):
    headers = bearer(tokens.admin())
    for template, operation in get_operations(openapi):
        schema = answer_schema(openapi, operation)
        path = concrete(template)
        if schema is None or path is None or not is_page(openapi, schema):
            continue
        response = httpx.get(
            f"{gateway}{path}", params={"cursor": "not-a-cursor"}, headers=headers, timeout=10
        )
        if response.status_code in (401, 403):
            continue
        assert response.status_code == 400, f"{template}: {response.status_code}"
        assert response.json()["type"] == "/problems/invalid-cursor", template
