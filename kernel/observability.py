"""Request ids, JSON logs and Prometheus metrics, shared by services and gateway."""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = b"x-request-id"
# Set in the ASGI scope by a layer that answered from ready bytes (hot_reads.py): its access line
# is written at DEBUG. Writing the line costs more than answering the hit (bench/hot_reads.py), and a
# hit repeats an answer whose render was logged; every hit is still counted in the metrics by route
# and status, and still carries its request id.
QUIET_ACCESS_LOG = "gare.quiet_access_log"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

HTTP_REQUESTS = Counter(
    "gare_http_requests_total", "HTTP requests handled", ["service", "method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "gare_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["service", "method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def current_request_id() -> str | None:
    return _request_id.get()


def bind_request_id(value: str | None) -> contextvars.Token[str | None]:
    """Adopt a caller's id when it is sane, else mint one; returns the token to reset."""
    if not value or not _VALID_REQUEST_ID.match(value):
        value = os.urandom(16).hex()  # a uuid4's randomness, at a fifth of uuid4()'s cost
    return _request_id.set(value)


def reset_request_id(token: contextvars.Token[str | None]) -> None:
    _request_id.reset(token)


def request_id_of(scope: Scope) -> str | None:
    """The id RequestContextMiddleware gave the request, also where its context has ended (the
    crash handler runs outside it)."""
    return scope.get("state", {}).get("request_id")


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line: what log shippers and `jq` read without parsing rules."""

    _STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = current_request_id()
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in self._STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonLogFormatter(service))
    handler.formatter.converter = time.gmtime  # type: ignore[union-attr]
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("uvicorn.access", "httpx", "httpcore", "nats"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def route_template(scope: Scope) -> str:
    """The matched route's template, so metrics stay bounded whatever ids clients send."""
    if "route_template" in scope:
        return scope["route_template"]
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


class RequestContextMiddleware:
    """Binds the request id, echoes it back, and records one metric sample and log line per request."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        service: str,
        response_headers: Callable[[Scope], Sequence[tuple[bytes, bytes]]] | None = None,
    ) -> None:
        self.app = app
        self.service = service
        # Headers every answer carries (the gateway's security headers), added with the request id.
        self.response_headers = response_headers
        self.log = logging.getLogger(f"{service}.access")
        # The labelled children of the metrics, looked up once per (method, route, status): a
        # labels() call costs more than the sample itself on the hot path.
        self._samples: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        for name, value in scope["headers"]:
            if name == REQUEST_ID_HEADER:
                incoming = value.decode("latin-1")
                break
        token = bind_request_id(incoming)
        request_id = current_request_id() or ""
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500
        extra = self.response_headers(scope) if self.response_headers else ()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (REQUEST_ID_HEADER, request_id.encode()),
                    *extra,
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = route_template(scope)
            method = scope["method"]
            samples = self._samples.get((method, route, status))
            if samples is None:
                if len(self._samples) > 4096:  # methods are client text: keep the lookup bounded
                    self._samples.clear()
                samples = self._samples[(method, route, status)] = (
                    HTTP_REQUESTS.labels(self.service, method, route, str(status)),
                    HTTP_LATENCY.labels(self.service, method, route),
                )
            samples[0].inc()
            samples[1].observe(elapsed)
            level = logging.DEBUG if scope.get(QUIET_ACCESS_LOG) else logging.INFO
            if self.log.isEnabledFor(level) and route not in ("/healthz", "/metrics"):
                self.log.log(
                    level,
                    "%s %s %s",
                    method,
                    scope["path"],
                    status,
                    extra={"status": status, "duration_ms": round(elapsed * 1000, 2), "route": route},
                )
            reset_request_id(token)


async def metrics_endpoint(_: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
