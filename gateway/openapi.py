"""One OpenAPI document for the station: the gateway's own paths plus every service's, as served,
with the problems the gateway itself adds to every operation it proxies."""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from typing import Any

import httpx

from kernel.openapi import RATE_LIMITED, RETRY_AFTER_HEADER, add_problem

log = logging.getLogger(__name__)
# Paths each service serves for itself only; the gateway has its own.
_LOCAL_PATHS = ("/healthz", "/readyz", "/metrics")
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})

# What the gateway answers itself: on any path, before routing; then on the operations it forwards.
# (A token an operation needs is the service's to document: the gateway's 401 and 403 say the same.)
BAD_PATH = [
    "`invalid-path`: the path has an encoded slash, a dot segment or a control character; "
    "the gateway forwards no such path.",
    "`invalid-query`: the query has a NUL character.",
]
TOO_LONG = "`uri-too-long`: the path, or the path and query, is longer than the gateway accepts."
UPSTREAM_DOWN = [
    "`upstream-unavailable`: the service behind the gateway is not reachable; retry after `Retry-After`.",
    "`upstream-busy`: the service has as many requests in flight as the gateway allows; retry shortly.",
]
UPSTREAM_SLOW = "`upstream-timeout`: the service behind the gateway did not answer in time."
RATE_LIMIT_HEADERS = {
    "Retry-After": RETRY_AFTER_HEADER,
    "RateLimit-Limit": {"description": "Requests allowed in the window.", "schema": {"type": "integer"}},
    "RateLimit-Remaining": {"description": "Requests left in the window.", "schema": {"type": "integer"}},
}


def _operations(item: dict[str, Any]) -> list[dict[str, Any]]:
    return [operation for method, operation in item.items() if method in HTTP_METHODS]


def add_edge_problems(item: dict[str, Any]) -> None:
    """What the gateway refuses on any path, its own or proxied, before anything else."""
    for operation in _operations(item):
        for note in BAD_PATH:
            add_problem(operation, 400, note)
        add_problem(operation, 414, TOO_LONG)


def add_proxy_problems(item: dict[str, Any]) -> None:
    """What the gateway adds to the service's answers on the operations it forwards."""
    for operation in _operations(item):
        add_problem(operation, 429, RATE_LIMITED, headers=RATE_LIMIT_HEADERS)
        for note in UPSTREAM_DOWN:
            add_problem(operation, 503, note, headers={"Retry-After": RETRY_AFTER_HEADER})
        add_problem(operation, 504, UPSTREAM_SLOW)


def allowed_methods(document: dict[str, Any]) -> dict[str, frozenset[str]]:
    """{path template: the methods it serves}, from an OpenAPI document: what a 405's `Allow` lists."""
    return {
        path: frozenset(method.upper() for method in item if method in HTTP_METHODS)
        for path, item in document.get("paths", {}).items()
    }


def _rename_refs(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/components/schemas/"):
                name = value.rsplit("/", 1)[1]
                out[key] = f"#/components/schemas/{renames.get(name, name)}"
            else:
                out[key] = _rename_refs(value, renames)
        return out
    if isinstance(node, list):
        return [_rename_refs(item, renames) for item in node]
    return node


def unique_titles(schemas: dict[str, Any]) -> None:
    """Client generators name a model by its schema's `title`: a title two schemas share (a name two
    services both use, told apart by the merge's prefix) becomes the schema's own name, so no model
    is dropped as a duplicate."""
    holders: dict[str, list[str]] = {}
    for name, schema in schemas.items():
        if isinstance(schema, dict) and isinstance(schema.get("title"), str):
            holders.setdefault(schema["title"], []).append(name)
    for title, names in holders.items():
        if len(names) > 1:
            for name in names:
                if name != title:
                    schemas[name] = {**schemas[name], "title": name}


def merge_openapi(base: dict[str, Any], services: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Merge service documents into `base`. A schema name two services define differently is
    prefixed with the service name, so neither definition is lost."""
    merged = copy.deepcopy(base)
    paths = merged.setdefault("paths", {})
    schemas = merged.setdefault("components", {}).setdefault("schemas", {})
    security = merged["components"].setdefault("securitySchemes", {})
    tags = {t["name"]: t for t in merged.get("tags", [])}
    for service, document in sorted(services.items()):
        their_schemas = document.get("components", {}).get("schemas", {})
        renames = {
            name: f"{service}__{name}"
            for name, schema in their_schemas.items()
            if name in schemas and schemas[name] != _rename_refs(schema, {})
        }
        for name, schema in their_schemas.items():
            schemas[renames.get(name, name)] = _rename_refs(schema, renames)
        for path, item in document.get("paths", {}).items():
            if path in _LOCAL_PATHS:
                continue
            paths[path] = _rename_refs(item, renames)
            add_proxy_problems(paths[path])
        security.update(document.get("components", {}).get("securitySchemes", {}))
        for tag in document.get("tags", []):
            tags.setdefault(tag["name"], tag)
    unique_titles(schemas)
    for item in paths.values():
        add_edge_problems(item)
        for operation in _operations(item):
            operation["responses"] = dict(sorted(operation["responses"].items()))
    if tags:
        merged["tags"] = list(tags.values())
    return merged


class MergedOpenAPI:
    """Fetches the services' documents, caches the merge for a minute, keeps the last good copy."""

    def __init__(
        self, *, http: httpx.AsyncClient, upstreams: dict[str, str], ttl_seconds: float = 60.0
    ) -> None:
        self.http = http
        self.upstreams = upstreams
        self.ttl = ttl_seconds
        self._documents: dict[str, dict[str, Any]] = {}
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    async def document(self, base: dict[str, Any]) -> dict[str, Any]:
        merged = merge_openapi(base, await self._fresh_documents())
        missing = sorted(set(self.upstreams) - set(self._documents))
        if missing:
            merged.setdefault("info", {})["x-missing-services"] = missing
        return merged

    async def _fresh_documents(self) -> dict[str, dict[str, Any]]:
        async with self._lock:
            if time.monotonic() - self._fetched_at > self.ttl or len(self._documents) < len(self.upstreams):
                await self._refresh()
        return self._documents

    async def _refresh(self) -> None:
        async def fetch(name: str, url: str) -> None:
            try:
                response = await self.http.get(f"{url}/openapi.json", timeout=3.0)
                response.raise_for_status()
                self._documents[name] = response.json()
            except (httpx.HTTPError, ValueError) as exc:
                log.warning(
                    "OpenAPI of a service not available", extra={"upstream": name, "error": repr(exc)}
                )

        await asyncio.gather(*(fetch(name, url) for name, url in self.upstreams.items()))
        self._fetched_at = time.monotonic()
