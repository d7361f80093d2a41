"""The contract says what the code does: each operation's OpenAPI lists every error it can return.

FastAPI documents the successful answer and a 422 in a shape we never send (`HTTPValidationError`).
`document_problems(app)` replaces it with RFC 9457 problems (`application/problem+json`, the `Problem`
schema) and adds, to every operation, the errors that follow from how its route is built:

| the route has | it can answer |
| --- | --- |
| a JSON body | 400 not JSON, 413 too large, 415 not `application/json`, 422 invalid fields |
| a form body | 400 unreadable form, 413, 422 |
| parameters (path, query, header) | 422 |
| a path parameter | 404 (for `station_id`: a station not served here) |
| a bearer token read (a security requirement) | 401 |
| a dependency marked `@declares(...)` | what that dependency raises (403 for scope checks, 429 for throttles) |

A route declares the rest itself, e.g. `responses=problem_responses({409: "..."})`. New routes need
nothing else: their errors are derived when the document is built.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from http import HTTPStatus
from typing import Any, TypeVar

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.routing import BaseRoute, Route, compile_path
from starlette.types import Scope

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_REF = "#/components/schemas/Problem"

# What problem_body() (kernel/errors.py) writes: one shape for every error.
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": (
        "An error, as RFC 9457 problem details. `type` names the kind of problem (see docs/api-contract.md); "
        "other members may be added (e.g. OAuth's `error`)."
    ),
    "type": "object",
    "required": ["type", "title", "status", "detail", "request_id"],
    "properties": {
        "type": {
            "type": "string",
            "format": "uri-reference",
            "description": "The kind of problem, e.g. `/problems/validation-error`.",
            "examples": ["/problems/validation-error"],
        },
        "title": {"type": "string", "description": "Short summary of the kind of problem."},
        "status": {"type": "integer", "minimum": 400, "maximum": 599, "description": "The HTTP status."},
        "detail": {"type": "string", "description": "What went wrong this time, for a person."},
        "instance": {"type": "string", "description": "The path of the request."},
        "request_id": {
            "type": "string",
            "description": "The request id (also in the `X-Request-ID` header); the logs carry it.",
        },
        "errors": {
            "type": "array",
            "description": "For invalid input: one entry per problem found.",
            "items": {"$ref": "#/components/schemas/FieldError"},
        },
    },
    "additionalProperties": True,
}
FIELD_ERROR_SCHEMA: dict[str, Any] = {
    "title": "FieldError",
    "type": "object",
    "required": ["in", "field", "detail"],
    "properties": {
        "in": {"type": "string", "enum": ["body", "path", "query", "header", "cookie"]},
        "field": {
            "type": "string",
            "description": "Dotted path to the field within `in`, e.g. `compartments.0.label`; empty for the whole body.",
        },
        "detail": {"type": "string"},
        "type": {"type": ["string", "null"], "description": "Machine-readable kind, e.g. `int_type`."},
    },
    "additionalProperties": False,
}

# What each status means when it comes from the kernel or a framework rule; routes and the gateway add theirs.
MALFORMED_JSON = "`malformed-json`: the body is not valid JSON."
UNREADABLE_FORM = "`bad-request`: the form body cannot be read."
TOO_LARGE = "`payload-too-large`: the body is over the size limit."
NOT_JSON = "`unsupported-media-type`: the body is not `application/json`."
INVALID = "`validation-error`: a parameter or body field is invalid; `errors` names each one."
UNKNOWN_STATION = "`unknown-station`: this station is not served here."
NOT_FOUND = "`not-found`: no such resource."
UNAUTHORIZED = "`unauthorized`: no bearer token, or one that is expired, forged or not for this API."
FORBIDDEN = "`forbidden`: the token does not allow this here (its scopes, stations or device binding)."
RATE_LIMITED = "`rate-limited`: too many requests; retry after `Retry-After` seconds."

# Status -> what it means here: one note, or several (one per problem type).
Notes = Mapping[int, str | Sequence[str]]
_MARK = "__gare_problems__"
_WRITE_MARK = "__gare_write_problems__"
WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})
WRITE_CONFLICT = (
    "`conflict`: the change breaks a rule of what is stored (a value already taken, named in `errors`; "
    "something removed or changed meanwhile)."
)
F = TypeVar("F", bound=Callable[..., Any])


_OPTIONAL_TOKEN = "__gare_optional_token__"


def token_optional(dependency: F) -> F:
    """Mark a dependency that reads a token when one comes and never asks for it: its routes say in
    their `security` that anonymous calls are fine (`{}`), so clients and the gateway send one only
    if they have it, and no 401 is documented."""
    setattr(dependency, _OPTIONAL_TOKEN, True)
    return dependency


def _takes_an_optional_token(route: RouteContext) -> bool:
    pending = list(route.dependant.dependencies)
    while pending:
        dependant = pending.pop()
        if getattr(dependant.call, _OPTIONAL_TOKEN, False):
            return True
        pending.extend(dependant.dependencies)
    return False


def needs_token(operation: Mapping[str, Any]) -> bool:
    """Whether an OpenAPI operation must be called with a token (a security requirement, and no
    anonymous alternative)."""
    security = operation.get("security") or []
    return bool(security) and {} not in security


def _as_list(note: str | Sequence[str]) -> list[str]:
    return [note] if isinstance(note, str) else list(note)


def declares(problems: Notes) -> Callable[[F], F]:
    """Mark a dependency with the problems it may raise: every route that uses it documents them."""

    def mark(dependency: F) -> F:
        setattr(dependency, _MARK, {status: _as_list(note) for status, note in problems.items()})
        return dependency

    return mark


def declares_on_writes(problems: Notes) -> Callable[[F], F]:
    """Like `declares`, for the routes that write (POST, PUT, PATCH, DELETE) only: the database session
    marks the 409 any write may get from a rule the database enforces."""

    def mark(dependency: F) -> F:
        setattr(dependency, _WRITE_MARK, {status: _as_list(note) for status, note in problems.items()})
        return dependency

    return mark


def problem_responses(problems: Notes | int, *more: int) -> dict[int | str, dict[str, Any]]:
    """A route's `responses=` for the problems it raises itself, e.g.
    `problem_responses({409: "`stale-report`: a newer report is already recorded."})`, or just
    `problem_responses(409)`."""
    notes: dict[int, list[str]] = (
        {status: _as_list(note) for status, note in problems.items()}
        if isinstance(problems, Mapping)
        else {problems: []}
    )
    notes |= {status: [] for status in more}
    return {status: problem_response_doc(*lines) for status, lines in notes.items()}


def problem_response_doc(*notes: str) -> dict[str, Any]:
    """A problem+json response whose description lists its problem types, one note each."""
    return {
        "description": "\n".join(f"- {n}" for n in notes if n) or "A problem (RFC 9457).",
        "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": PROBLEM_REF}}},
    }


RETRY_AFTER_HEADER = {
    "description": "Seconds to wait before retrying.",
    "required": True,
    "schema": {"type": "integer", "minimum": 0},
}
WWW_AUTHENTICATE_HEADER = {"description": "The authentication scheme to use.", "schema": {"type": "string"}}


def add_problem(
    operation: dict[str, Any], status: int, note: str, headers: Mapping[str, Any] | None = None
) -> None:
    """Document that `operation` can answer `status` as a problem; notes for one status accumulate."""
    responses = operation.setdefault("responses", {})
    key = str(status)
    existing = responses.get(key)
    if existing is None or not _is_problem(existing):
        responses[key] = problem_response_doc(_own_note(existing, status), note)
    elif note and _slug(note) not in existing["description"]:
        existing["description"] = f"{existing['description']}\n- {note}"
    if headers:
        responses[key].setdefault("headers", {}).update(headers)


def _slug(note: str) -> str:
    """The problem type a note is about (its leading `slug`), so two notes on one type are not both kept."""
    return note.split(":", 1)[0] if note.startswith("`") else note


def _own_note(response: dict[str, Any] | None, status: int) -> str:
    """What a route said about a status, unless it is FastAPI's or our generic text."""
    if not response:
        return ""
    description = response.get("description", "")
    generic = {"Validation Error", "A problem (RFC 9457).", HTTPStatus(status).phrase, "Successful Response"}
    return "" if description in generic else description.removeprefix("- ")


def _is_problem(response: Mapping[str, Any]) -> bool:
    return PROBLEM_CONTENT_TYPE in response.get("content", {})


def _without_default_json(response: dict[str, Any]) -> dict[str, Any]:
    """Drop FastAPI's default `application/json` entry with no schema: an error body is a problem."""
    content = response.get("content", {})
    if "application/json" in content and not content["application/json"].get("schema"):
        del content["application/json"]
    if not content:
        response.pop("content", None)
    return response


def _marks(route: RouteContext, method: str = "get") -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    marks = (_MARK, _WRITE_MARK) if method in WRITE_METHODS else (_MARK,)
    pending = list(route.dependant.dependencies)
    while pending:
        dependant = pending.pop()
        for mark in marks:
            for status, notes in getattr(dependant.call, mark, {}).items():
                found.setdefault(status, []).extend(n for n in notes if n not in found.get(status, []))
        pending.extend(dependant.dependencies)
    return found


def derived_problems(
    operation: Mapping[str, Any], route: RouteContext, method: str = "get"
) -> dict[int, list[str]]:
    """The problems an operation can answer because of how its route is built (see the module doc)."""
    problems: dict[int, list[str]] = {}

    def add(status: int, note: str) -> None:
        problems.setdefault(status, []).append(note)

    body_types = set(operation.get("requestBody", {}).get("content", {}))
    if body_types:
        if any(t == "application/json" or t.endswith("+json") for t in body_types):
            add(400, MALFORMED_JSON)
            add(415, NOT_JSON)
        else:
            add(400, UNREADABLE_FORM)
        add(413, TOO_LARGE)
    parameters = operation.get("parameters", [])
    if body_types or parameters:
        add(422, INVALID)
    path_parameters = [p["name"] for p in parameters if p.get("in") == "path"]
    if "station_id" in path_parameters:
        add(404, UNKNOWN_STATION)
    if set(path_parameters) - {"station_id"}:
        add(404, NOT_FOUND)
    if needs_token(operation):
        add(401, UNAUTHORIZED)
    for status, notes in _marks(route, method).items():
        for note in notes:
            add(status, note)
    return problems


def _routes(app: FastAPI) -> Iterator[tuple[str, str, RouteContext]]:
    """Every documented (path, method) with its route, routers included (FastAPI nests them)."""
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, APIRoute) and route.include_in_schema:
            for method in route.methods or ():
                yield route.path_format or "", method.lower(), route


def with_problems(document: dict[str, Any], app: FastAPI) -> dict[str, Any]:
    """`document` (FastAPI's) with every operation's problems documented as problem+json."""
    document = copy.deepcopy(document)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    schemas["FieldError"] = FIELD_ERROR_SCHEMA
    for path, method, route in _routes(app):
        operation = document.get("paths", {}).get(path, {}).get(method)
        if operation is None:
            continue
        responses = operation.setdefault("responses", {})
        # FastAPI's 422 describes a body we never send.
        if "422" in responses and "HTTPValidationError" in str(responses["422"]):
            del responses["422"]
        if operation.get("security") and _takes_an_optional_token(route):
            operation["security"] = [{}, *operation["security"]]
        for key, response in list(responses.items()):
            if key[0] in "45" and "content" not in _without_default_json(response):
                responses[key] = problem_response_doc(_own_note(response, int(key)))
        for status, notes in derived_problems(operation, route, method).items():
            for note in notes:
                add_problem(operation, status, note)
        if "401" in responses:
            responses["401"].setdefault("headers", {})["WWW-Authenticate"] = WWW_AUTHENTICATE_HEADER
        if "429" in responses:
            responses["429"].setdefault("headers", {})["Retry-After"] = RETRY_AFTER_HEADER
        operation["responses"] = dict(sorted(responses.items()))
    _drop_unused_schemas(document, ("HTTPValidationError", "ValidationError"))
    return document


def _drop_unused_schemas(document: dict[str, Any], names: Iterable[str]) -> None:
    schemas = document["components"]["schemas"]
    for name in names:
        schema = schemas.pop(name, None)
        if schema is not None and f'"#/components/schemas/{name}"' in json.dumps(document):
            schemas[name] = schema


def document_problems(app: FastAPI) -> None:
    """Make `app.openapi()` document every operation's problems; rebuilt whenever FastAPI rebuilds
    its own document (a route added later is documented too)."""
    generate = app.openapi
    generated: dict[str, Any] | None = None
    documented: dict[str, Any] = {}

    def openapi() -> dict[str, Any]:
        nonlocal generated, documented
        app.openapi_schema = generated  # FastAPI keeps it while the routes are unchanged
        fresh = generate()
        if fresh is not generated:
            generated, documented = fresh, with_problems(fresh, app)
        app.openapi_schema = documented
        return documented

    app.openapi = openapi  # type: ignore[method-assign]


# Methods in the order RFC 9110 lists them, for a stable `Allow` header.
_METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(app: FastAPI, scope: Scope) -> list[str]:
    """Every method the path serves (Starlette's 405 names one route's only). Where several paths
    match, the most literal ones decide: OpenAPI matches a concrete path before a template
    (`/auth/devices/claim` before `/auth/devices/{client_id}`, `.../alerts/reach` before
    `.../alerts/{alert_id}`), so the document, and so Allow, name that path's methods."""
    path = scope.get("route_path") or scope["path"]
    by_literals: dict[int, set[str]] = {}
    for route in iter_route_contexts(app.routes):
        if route.name == _SHADOW:
            continue
        if route.path and route.methods and compile_path(route.path)[0].match(path):
            by_literals.setdefault(_literal_parts(route.path), set()).update(route.methods)
    methods = by_literals[max(by_literals)] if by_literals else set()
    return sorted(methods, key=lambda m: (_METHOD_ORDER.index(m) if m in _METHOD_ORDER else 99, m))


def add_routers(app: FastAPI, routers: Sequence[APIRouter]) -> None:
    """Serve the routers' routes in `app` as they are. `include_router` would make each route again
    for this app, with its dependency analysis and parameter models (~90 ms for a service); a
    route of a router is already whole (prefix, tags and models resolved when it was declared), so
    every app of the process shares it. For routers without router-level dependencies, responses
    or callbacks, which would need the merge `include_router` does."""
    for router in routers:
        if router.dependencies or router.responses or router.callbacks:
            raise ValueError(f"router {router.prefix!r}: use include_router, it has router-level settings")
        app.router.routes.extend(router.routes)


def refuse_other_methods_on_concrete_paths(app: FastAPI) -> None:
    """Make routing agree with the document: a more concrete path (`/auth/devices/claim`,
    `.../alerts/reach`) answers 405 for the methods it lacks, instead of falling through to a
    template it also matches (`GET /auth/devices/{client_id}` with `claim` as the id). Call once
    every route is added."""
    routes = [(r.path, set(r.methods)) for r in iter_route_contexts(app.routes) if r.path and r.methods]
    patterns = {path: (compile_path(path)[0], _literal_parts(path)) for path, _ in routes}
    shadows: list[BaseRoute] = []
    for concrete, (_, literals) in patterns.items():
        # A request for this path, whatever its own parameters are (the station's, say).
        sample = "/".join("x" if part.startswith("{") else part for part in concrete.split("/"))
        own = set().union(*(methods for path, methods in routes if path == concrete))
        others = set().union(
            *(
                methods
                for path, methods in routes
                if patterns[path][1] < literals and patterns[path][0].match(sample)
            )
        )
        if others - own:
            shadows.append(
                Route(
                    concrete,
                    _method_not_allowed,
                    methods=sorted(others - own),
                    name=_SHADOW,
                    include_in_schema=False,
                )
            )
    app.router.routes[:0] = shadows


def _literal_parts(path: str) -> int:
    """How many segments of a route's path are not parameters: the more, the more concrete."""
    return sum(1 for part in path.split("/") if part and not part.startswith("{"))


_SHADOW = "method-not-allowed"


async def _method_not_allowed(request: Request) -> None:
    raise StarletteHTTPException(status_code=405)
