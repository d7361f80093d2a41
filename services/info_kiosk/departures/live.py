"""The departures' push channel (Server-Sent Events): `event: departures` with the body of the hot read,
at once and whenever it changes.

Every commit that marks a hot read (here, or on another replica through the cache broadcast) moves the
process's hot-read generation; one watcher per process (`loops.PushWatcher`) notices it and wakes every
stream. Each stream then asks the hot-read cache for its entry: the first one renders, the others join
that render or hit the stored bytes, so a change costs one render per station and filter however many
screens listen, and each stream sends only when the bytes (their ETag) changed. Between changes, streams
look again every few seconds, since departures leave the window and sources go stale with time alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable

from kernel.hot_reads import Entry
from kernel.runtime import ServiceRuntime

# A stream looks again this often without a change (the read's ttl lets time-driven changes show).
RECHECK_SECONDS = 5.0
KEEPALIVE_SECONDS = 15.0
RETRY_MILLISECONDS = 3000


class DeparturesChannel:
    def __init__(self, runtime: ServiceRuntime) -> None:
        self.runtime = runtime
        self.generation = runtime.hot.generation
        self._changed = asyncio.Event()

    def notice(self) -> None:
        """Wake every stream if a commit moved the hot-read generation."""
        current = self.runtime.hot.generation
        if current != self.generation:
            self.generation = current
            woken, self._changed = self._changed, asyncio.Event()
            woken.set()

    async def wait(self, timeout: float) -> bool:
        """True when something changed before `timeout` seconds."""
        try:
            await asyncio.wait_for(self._changed.wait(), timeout)
        except TimeoutError:
            return False
        return True


def channel_of(runtime: ServiceRuntime) -> DeparturesChannel:
    channel: DeparturesChannel | None = getattr(runtime, "_departures_live", None)
    if channel is None:
        channel = DeparturesChannel(runtime)
        runtime._departures_live = channel  # type: ignore[attr-defined]  # one per running service
    return channel


def encode(entry: Entry) -> str:
    return f"event: departures\nid: {entry.etag.strip(chr(34))}\ndata: {entry.body.decode()}\n\n"


async def departure_events(
    channel: DeparturesChannel,
    *,
    current: Callable[[], Awaitable[Entry]],
    disconnected: Callable[[], Awaitable[bool]],
    follow: bool = True,
) -> AsyncGenerator[str]:
    """`departures` at once and on every change, keep-alive comments between; without `follow`, the
    current `departures` and the end."""
    yield f"retry: {RETRY_MILLISECONDS}\n\n"
    sent: str | None = None
    quiet = 0.0
    while True:
        entry = await current()
        if entry.etag != sent:
            yield encode(entry)
            sent, quiet = entry.etag, 0.0
        if not follow:
            return
        if not await channel.wait(RECHECK_SECONDS):
            quiet += RECHECK_SECONDS
            if quiet >= KEEPALIVE_SECONDS:
                yield ": keep-alive\n\n"
                quiet = 0.0
        if await disconnected():
            return
