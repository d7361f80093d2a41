"""One OpenAPI document for the station: the gateway's own paths plus every service's, as served."""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from typing import Any

import httpx

log = logging.getLogger(__name__)
# Paths each service serves for itself only; the gateway has its own.
_LOCAL_PATHS = ("/healthz", "/readyz", "/metrics")


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
        security.update(document.get("components", {}).get("securitySchemes", {}))
        for tag in document.get("tags", []):
            tags.setdefault(tag["name"], tag)
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
        async with self._lock:
            if time.monotonic() - self._fetched_at > self.ttl or len(self._documents) < len(self.upstreams):
                await self._refresh()
        merged = merge_openapi(base, self._documents)
        missing = sorted(set(self.upstreams) - set(self._documents))
        if missing:
            merged.setdefault("info", {})["x-missing-services"] = missing
        return merged

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
