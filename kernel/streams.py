"""Event streams (Server-Sent Events) and who holds them: a stream lives for hours, so one client
opening thousands would take every slot of a service. Each client (its token's subject, else its
address) holds at most `per_client` streams at once; one more is a `429 too-many-streams`.

The same slots serve the gateway (per service, with a total) and every service's own SSE routes
(`event_stream_response`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterable, Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from kernel.auth import Principal
from kernel.clients import client_address
from kernel.errors import TooManyRequests
from kernel.openapi import Notes, problem_responses

# A client that holds its share waits for one of its streams to end: try again in a while.
RETRY_AFTER_SECONDS = 30
TOO_MANY_STREAMS = "`too-many-streams`: this client holds as many open event streams as allowed."


def event_stream_responses(problems: Notes | None = None) -> dict[int | str, dict[str, Any]]:
    """An event stream route's `responses=`: the stream itself, the route's own problems, and the
    `429 too-many-streams` every stream may get."""
    return {
        200: {"content": {"text/event-stream": {}}, "description": "An event stream"},
        **problem_responses({**(problems or {}), 429: TOO_MANY_STREAMS}),
    }


def follows(request: Request) -> bool:
    """Whether the client keeps the stream open: EventSource and sse.js ask for an event stream; any
    other client (one that buffers whole answers, the gateway's poll among them) gets what there is
    now and the end of the answer."""
    return "text/event-stream" in request.headers.get("accept", "")


class StreamsFull(Exception):
    """Every slot is taken, whoever holds them (the gateway answers 503 busy)."""


class StreamSlots:
    """Open streams per client, and in all when `total` is set."""

    def __init__(self, total: int | None = None, *, per_client: int) -> None:
        self.total = total
        self.per_client = per_client
        self.open = 0
        self._held: Counter[str] = Counter()

    def take(self, client: str) -> None:
        if self._held[client] >= self.per_client:
            raise TooManyRequests(
                f"This client already has {self.per_client} event streams open here; close one first.",
                slug="too-many-streams",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        if self.total is not None and self.open >= self.total:
            raise StreamsFull
        self._held[client] += 1
        self.open += 1

    def give_back(self, client: str) -> None:
        self.open -= 1
        self._held[client] -= 1
        if self._held[client] <= 0:
            del self._held[client]

    def held_by(self, client: str) -> int:
        return self._held[client]


def stream_client(subject: str | None, address: str) -> str:
    """Whose stream it is: the token's subject when there is one, else the client's address."""
    return f"sub:{subject}" if subject else f"ip:{address}"


class _HeldStream(StreamingResponse):
    """A streaming answer that gives its slot back when it ends, however it ends."""

    def __init__(
        self, body: AsyncIterable[bytes | str], *, slots: StreamSlots, client: str, headers: Mapping[str, str]
    ) -> None:
        super().__init__(body, media_type="text/event-stream", headers=headers)
        self.slots, self.client = slots, client

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.slots.give_back(self.client)


def event_stream_response(
    request: Request,
    body: AsyncIterable[bytes | str],
    *,
    caller: Principal | None = None,
    headers: Mapping[str, str] | None = None,
) -> StreamingResponse:
    """A service's Server-Sent Events answer, holding one of its client's stream slots while it
    lasts; `429 too-many-streams` when the client holds its share already."""
    runtime = request.app.state.runtime
    peer = request.client.host if request.client else "unknown"
    address = client_address(
        peer, request.headers.get("x-forwarded-for"), tuple(runtime.settings.trusted_proxies)
    )
    client = stream_client(caller.subject if caller else None, address)
    slots: StreamSlots = runtime.stream_slots
    slots.take(client)
    return _HeldStream(
        body,
        slots=slots,
        client=client,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no", **(headers or {})},
    )
