"""Request ids, JSON logs and Prometheus metrics, shared by services and gateway."""

from __future__ import annotations

import asyncio
import atexit
import contextvars
import itertools
import json
import logging
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Sequence
from json.encoder import encode_basestring
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


# A minted id: this process's random prefix and a counter, 32 hex digits like a uuid4's. Unique
# without a random draw per request (os.urandom is a system call, and it showed as the gateway's
# largest single cost in a profile); an id names a request in the logs, it grants nothing.
_ID_PREFIX = os.urandom(8).hex()
_id_counter = itertools.count(int.from_bytes(os.urandom(4)))


def _new_prefix() -> None:  # a forked child mints ids of its own
    global _ID_PREFIX
    _ID_PREFIX = os.urandom(8).hex()


os.register_at_fork(after_in_child=_new_prefix)


def new_request_id() -> str:
    return f"{_ID_PREFIX}{next(_id_counter) & 0xFFFF_FFFF_FFFF_FFFF:016x}"


def bind_request_id(value: str | None) -> contextvars.Token[str | None]:
    """Adopt a caller's id when it is sane, else mint one; returns the token to reset."""
    if not value or not _VALID_REQUEST_ID.match(value):
        value = new_request_id()
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


class BatchedLines:
    """Lines for a stream, written in batches: kept in memory and written once per turn of the event
    loop, so that a busy process makes one write for many lines instead of one system call per line
    (its stdout is a pipe under the embedded runner and the containers). Outside an event loop, past
    `MAX_LINES`, and at exit, they are written at once."""

    MAX_LINES = 512

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self._lines: list[str] = []
        self._scheduled = False
        self._lock = threading.Lock()  # lines also come from other threads (a thread pool's logs)

    def write(self, line: str) -> None:
        with self._lock:
            self._lines.append(line)
            if self._scheduled and len(self._lines) < self.MAX_LINES:
                return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()
            return
        if len(self._lines) >= self.MAX_LINES:
            self.flush()
        elif not self._scheduled:
            self._scheduled = True
            loop.call_soon(self.flush)

    def flush(self) -> None:
        with self._lock:
            self._scheduled = False
            lines, self._lines = self._lines, []
        if not lines:
            return
        try:
            self.stream.write("\n".join(lines) + "\n")
            self.stream.flush()
        except (OSError, ValueError):  # a closed or broken stdout: the lines have nowhere to go
            pass


class JsonLinesHandler(logging.Handler):
    """The process's log handler: JSON lines (JsonLogFormatter) on stdout, written in batches."""

    def __init__(self, service: str, lines: BatchedLines) -> None:
        super().__init__()
        self.lines = lines
        self.setFormatter(JsonLogFormatter(service))
        self.formatter.converter = time.gmtime  # type: ignore[union-attr]

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.write(self.format(record))
        except Exception:
            self.handleError(record)

    def flush(self) -> None:
        self.lines.flush()


_STDOUT_LINES: BatchedLines | None = None


def _stdout_lines() -> BatchedLines:
    global _STDOUT_LINES
    if _STDOUT_LINES is None or _STDOUT_LINES.stream is not sys.stdout:
        if _STDOUT_LINES is not None:
            _STDOUT_LINES.flush()
        _STDOUT_LINES = BatchedLines(sys.stdout)
        atexit.register(_STDOUT_LINES.flush)
    return _STDOUT_LINES


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = JsonLinesHandler(service, _stdout_lines())
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


class AccessLog:
    """One access line per request, as JsonLogFormatter would write it, for a few microseconds.

    Where the process logs as configure_logging set it up (and nothing else listens to the access
    logger), the line is put together from its parts, the second's timestamp made once, and handed
    to the batched stdout: no LogRecord, no Formatter, no json.dumps of a dict per request. Under any
    other logging setup (a test's capture, a file handler) it goes through `logging` as usual."""

    def __init__(self, service: str, logger: logging.Logger) -> None:
        self.logger = logger
        self._head = (
            f', "service": {encode_basestring(service)}, "logger": {encode_basestring(logger.name)}, '
        )
        self._second = -1
        self._stamp = ""

    def write(
        self, level: int, method: str, path: str, status: int, elapsed: float, route: str, request_id: str
    ) -> None:
        duration_ms = round(elapsed * 1000, 2)
        handler = _configured_handler(self.logger)
        if handler is None:
            self.logger.log(
                level,
                "%s %s %s",
                method,
                path,
                status,
                extra={"status": status, "duration_ms": duration_ms, "route": route},
            )
            return
        now = time.time()
        second = int(now)
        if second != self._second:
            self._second, self._stamp = second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        handler.lines.write(
            f'{{"time": "{self._stamp}.{int((now - second) * 1000):03d}Z", '
            f'"level": "{"debug" if level == logging.DEBUG else "info"}"{self._head}'
            f'"message": {encode_basestring(f"{method} {path} {status}")}, '
            + (f'"request_id": {encode_basestring(request_id)}, ' if request_id else "")
            + f'"status": {status}, "duration_ms": {duration_ms!r}, "route": {encode_basestring(route)}}}'
        )


def _configured_handler(logger: logging.Logger) -> JsonLinesHandler | None:
    """The handler of configure_logging when it alone gets `logger`'s records, else None."""
    current: logging.Logger | None = logger
    while current is not None and current is not logging.root:
        if current.handlers or current.filters or current.disabled or not current.propagate:
            return None
        current = current.parent
    handlers = logging.root.handlers
    if len(handlers) != 1 or type(handlers[0]) is not JsonLinesHandler:
        return None
    handler: JsonLinesHandler = handlers[0]
    return handler if handler.level == logging.NOTSET and not handler.filters else None


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
        self.access = AccessLog(service, self.log)
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
                self.access.write(level, method, scope["path"], status, elapsed, route, request_id)
            reset_request_id(token)


async def metrics_endpoint(_: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
