"""The gateway's client to its services: keep-alive HTTP/1.1 over asyncio, parsed by httptools.

A proxy needs none of a general client's machinery (URL objects, cookie jars, redirects, header
classes, stream wrappers): it sends bytes it already has and reads a whole answer back. Measured
on this project's machine (bench/upstream_clients.py), this costs a fraction of httpx's transport
or aiohttp per request, which is most of what the gateway spends on a proxied read.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast
from urllib.parse import urlsplit

import httptools
from prometheus_client import Gauge

UPSTREAM_REQUESTS = Gauge(
    "gare_gateway_upstream_requests",
    "Requests to a service now, in flight or waiting for a slot",
    ["service", "state"],
)
Header = tuple[bytes, bytes]
# RFC 9110 §9.2.2: a request that failed on a reused connection before any answer may be sent again.
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


class UpstreamError(Exception):
    """The service gave no usable answer."""


class UpstreamUnavailable(UpstreamError):
    """No connection could be made (refused, unreachable, or not within the connect timeout)."""


class UpstreamTimeout(UpstreamError):
    """Connected, but the whole answer did not arrive in time."""


class UpstreamBroken(UpstreamError):
    """The connection closed or sent something that is not HTTP before the answer was complete."""


class UpstreamBusy(UpstreamError):
    """Every slot to the service stayed taken for the whole timeout."""


@dataclass(slots=True)
class UpstreamResponse:
    status: int
    # As received (names in the case the service sent), repeated fields kept.
    headers: list[Header]
    body: bytes


class _Connection(asyncio.Protocol):
    """One keep-alive connection; one request at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = 0.0
        self._waiter: asyncio.Future[UpstreamResponse] | None = None
        self._parser: httptools.HttpResponseParser | None = None
        self._head = False
        self._received_any = False
        self._status = 0
        self._headers: list[Header] = []
        self._body: list[bytes] = []
        self._keep_alive = True

    # -- asyncio.Protocol --------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports are not subclasses

    def data_received(self, data: bytes) -> None:
        if self._parser is None:  # bytes nobody asked for: the connection is not reusable
            self.close()
            return
        self._received_any = True
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(UpstreamBroken(f"not an HTTP answer: {exc}"))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._waiter is not None and not self._waiter.done():
            self._fail(UpstreamBroken("the connection closed before the answer was complete"))

    # -- httptools callbacks -----------------------------------------------------------
    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name, value))

    def on_headers_complete(self) -> None:
        assert self._parser is not None
        self._status = self._parser.get_status_code()
        self._keep_alive = self._parser.should_keep_alive()
        if self._head and self._status >= 200:
            # A HEAD answer has no body whatever its Content-Length says; httptools cannot be told.
            self._finish()

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        if self._parser is None:  # finished early (HEAD)
            return
        if 100 <= self._status < 200:  # an interim answer (100 Continue): the real one follows
            self._headers, self._body = [], []
            self._parser = httptools.HttpResponseParser(self)
            return
        self._finish()

    # -- the request ---------------------------------------------------------------------
    def start(self, data: bytes, *, head: bool) -> asyncio.Future[UpstreamResponse]:
        assert self.transport is not None
        self._waiter = asyncio.get_running_loop().create_future()
        self._parser = httptools.HttpResponseParser(self)
        self._head = head
        self._received_any = False
        self._status = 0
        self._headers, self._body = [], []
        self.transport.write(data)
        return self._waiter

    @property
    def received_any(self) -> bool:
        return self._received_any

    def _finish(self) -> None:
        self._parser = None
        waiter, self._waiter = self._waiter, None
        if not self._keep_alive:
            self.close()
        if waiter is not None and not waiter.done():
            waiter.set_result(UpstreamResponse(self._status, self._headers, b"".join(self._body)))

    def _fail(self, exc: UpstreamError) -> None:
        self._parser = None
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class UpstreamPool:
    """The gateway's connections to one service.

    At most `max_in_flight` requests go to the service at once; the others wait here (a bulkhead:
    a slow service cannot take what the others need) and give up with UpstreamBusy after `timeout`.
    Idle connections are dropped after `idle_timeout`, shorter than the services' own keep-alive
    (uvicorn: 5 s), so the gateway rarely sends on a connection the service is closing; when it
    does, an idempotent request is sent again once on a new connection."""

    def __init__(
        self,
        base_url: str,
        *,
        max_in_flight: int,
        connect_timeout: float,
        timeout: float,
        idle_timeout: float = 4.0,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"an upstream is an http:// URL, not {base_url!r}")
        self.host = parts.hostname
        self.port = parts.port or 80
        self.host_header = parts.netloc.encode("ascii")
        self.base_path = parts.path.rstrip("/").encode("ascii")
        self.origin = f"{parts.scheme}://{parts.netloc}".encode("ascii")
        self.connect_timeout = connect_timeout
        self.timeout = timeout
        self.idle_timeout = idle_timeout
        self._slots = asyncio.Semaphore(max_in_flight)
        self._idle: list[_Connection] = []
        self._closed = False
        # Read by the metrics at scrape time (`observe_pool`), never updated per request elsewhere.
        self.waiting = 0  # requests waiting for a slot: the bulkhead's queue
        self.in_flight = 0

    async def send(
        self, method: str, target: bytes, headers: Sequence[Header], body: bytes = b""
    ) -> UpstreamResponse:
        """Send a request (target: raw path and query, as the service must see them)."""
        if self._slots.locked():
            self.waiting += 1
            try:
                async with asyncio.timeout(self.timeout):
                    await self._slots.acquire()
            except TimeoutError as exc:
                raise UpstreamBusy("every connection to the service stayed busy") from exc
            finally:
                self.waiting -= 1
        else:
            await self._slots.acquire()
        self.in_flight += 1
        try:
            data = self._encode(method, target, headers, body)
            head = method == "HEAD"
            connection, reused = await self._connection()
            try:
                return await self._exchange(connection, data, head)
            except UpstreamBroken:
                if not (reused and not connection.received_any and method in IDEMPOTENT):
                    raise
            # The service had closed the idle connection: once more, on a new one.
            connection, _ = await self._connection(fresh=True)
            return await self._exchange(connection, data, head)
        finally:
            self.in_flight -= 1
            self._slots.release()

    def _encode(self, method: str, target: bytes, headers: Sequence[Header], body: bytes) -> bytes:
        lines = [
            b"%s %s%s HTTP/1.1\r\nhost: %s\r\n" % (method.encode(), self.base_path, target, self.host_header)
        ]
        lines += [b"%s: %s\r\n" % header for header in headers]
        if body or method in ("POST", "PUT", "PATCH"):
            lines.append(b"content-length: %d\r\n" % len(body))
        lines.append(b"\r\n")
        if body:
            lines.append(body)
        return b"".join(lines)

    async def _connection(self, *, fresh: bool = False) -> tuple[_Connection, bool]:
        now = time.monotonic()
        while self._idle and not fresh:
            connection = self._idle.pop()
            if not connection.closed and now - connection.idle_since < self.idle_timeout:
                return connection, True
            connection.close()
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.connect_timeout):
                _, connection = await loop.create_connection(_Connection, self.host, self.port)
        except TimeoutError as exc:
            raise UpstreamUnavailable(f"no connection within {self.connect_timeout}s") from exc
        except OSError as exc:
            raise UpstreamUnavailable(f"connection failed: {exc.strerror or exc}") from exc
        return connection, False

    async def _exchange(self, connection: _Connection, data: bytes, head: bool) -> UpstreamResponse:
        waiter = connection.start(data, head=head)
        timer = asyncio.get_running_loop().call_later(self.timeout, _expire, waiter)
        try:
            response = await waiter
        except BaseException:
            connection.close()  # half-read or abandoned: never reuse it
            raise
        finally:
            timer.cancel()
        if connection.closed or self._closed:
            connection.close()
        else:
            connection.idle_since = time.monotonic()
            self._idle.append(connection)
        return response

    async def aclose(self) -> None:
        self._closed = True
        for connection in self._idle:
            connection.close()
        self._idle.clear()


def observe_pool(service: str, pool: UpstreamPool) -> None:
    """Publish a pool's in-flight and waiting requests as gauges, read when metrics are scraped."""
    UPSTREAM_REQUESTS.labels(service, "in_flight").set_function(lambda: pool.in_flight)
    UPSTREAM_REQUESTS.labels(service, "waiting").set_function(lambda: pool.waiting)


def _expire(waiter: asyncio.Future[UpstreamResponse]) -> None:
    if not waiter.done():
        waiter.set_exception(UpstreamTimeout("no complete answer in time"))
