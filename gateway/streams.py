"""Event streams through the gateway: a `GET` that accepts `text/event-stream` is relayed as it comes.

The edge's upstream client reads whole answers, which a Server-Sent Events stream never ends. A
stream is long-lived and rare next to reads, so it takes httpx's streaming client on a connection
of its own: it holds none of the bulkhead's slots (`GATEWAY_UPSTREAM_MAX_IN_FLIGHT`), only one of
the service's stream slots (`GATEWAY_MAX_STREAMS_PER_SERVICE`), at most
`GATEWAY_MAX_STREAMS_PER_CLIENT` of them per client (token subject, else address). The relay ends when the client
leaves or the service closes the stream; an EventSource then reconnects with `Last-Event-ID`,
which passes through like any request header.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass

import httpx
from prometheus_client import Gauge
from starlette.types import Receive, Send

from gateway.proxy import Header, response_headers, upstream_problem
from gateway.upstream import UpstreamBusy, UpstreamPool, UpstreamTimeout, UpstreamUnavailable
from kernel.streams import StreamsFull, StreamSlots

OPEN_STREAMS = Gauge("gare_gateway_open_streams", "Event streams relayed now", ["service"])


def wants_event_stream(method: str, headers: Sequence[Header]) -> bool:
    if method != "GET":
        return False
    return any(name == b"accept" and b"text/event-stream" in value for name, value in headers)


@dataclass(slots=True)
class Relay:
    """One client's stream from one service, decided on by the edge (path, token, limits)."""

    service: str
    pool: UpstreamPool
    target: bytes  # raw path and query, as checked
    headers: list[Header]
    client: httpx.AsyncClient
    slots: StreamSlots
    holder: str  # whose stream: `stream_client(subject, address)`
    upstream_origins: Sequence[bytes]
    extra_headers: list[Header]

    async def run(self, receive: Receive, send: Send) -> None:
        """Open the stream (a failure to connect raises the edge's problem), then relay it."""
        url = f"http://{self.pool.host}:{self.pool.port}".encode() + self.pool.base_path + self.target
        request = self.client.build_request(
            "GET",
            httpx.URL(url.decode("latin-1")),
            headers=[(name.decode("latin-1"), value.decode("latin-1")) for name, value in self.headers],
            timeout=httpx.Timeout(None, connect=self.pool.connect_timeout),
        )
        try:
            self.slots.take(self.holder)  # 429 too-many-streams when the client holds its share
        except StreamsFull:
            raise upstream_problem(self.service, UpstreamBusy("every stream slot is taken")) from None
        OPEN_STREAMS.labels(self.service).inc()
        try:
            try:
                response = await asyncio.wait_for(
                    self.client.send(request, stream=True), timeout=self.pool.timeout
                )
            except httpx.ConnectError as exc:
                raise upstream_problem(self.service, UpstreamUnavailable(str(exc))) from None
            except (TimeoutError, httpx.TimeoutException) as exc:
                raise upstream_problem(self.service, UpstreamTimeout(str(exc))) from None
            try:
                await self._relay(response, receive, send)
            finally:
                await response.aclose()
        finally:
            OPEN_STREAMS.labels(self.service).dec()
            self.slots.give_back(self.holder)

    async def _relay(self, response: httpx.Response, receive: Receive, send: Send) -> None:
        headers = response_headers(response.headers.raw, upstream_origins=self.upstream_origins)
        headers = [h for h in headers if h[0].lower() != b"content-length"] + self.extra_headers
        await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
        # One task pumps the chunks, one watches the client: no task and no wait per chunk.
        pumping = asyncio.create_task(_pump(response, send))
        left = asyncio.create_task(_client_left(receive))
        try:
            await asyncio.wait({pumping, left}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (pumping, left):
                task.cancel()
            await asyncio.gather(pumping, left, return_exceptions=True)


async def _pump(response: httpx.Response, send: Send) -> None:
    with contextlib.suppress(httpx.HTTPError):  # the service went away: the client reconnects
        async for chunk in response.aiter_raw():
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


async def _client_left(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
