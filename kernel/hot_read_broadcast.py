"""The broadcast between replicas of a service: a commit that drops hot reads here tells the others,
on core NATS subject `gare-cache.{station}.{domain}`, so they drop the same tags (kernel/hot_reads.py)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable

from nats.aio.msg import Msg
from nats.errors import BadSubjectError, MaxPayloadError

from kernel.bus import NatsBus
from kernel.hot_reads import HotReadCache
from kernel.tasks import record_item_failure, stop_task

log = logging.getLogger(__name__)

SUBJECT_ROOT = "gare-cache"


def cache_subject(station_id: str, domain: str) -> str:
    return f"{SUBJECT_ROOT}.{station_id}.{domain}"


class CacheBroadcaster:
    """Core NATS (not JetStream: a missed message is covered by the flush on reconnect and the TTL)."""

    def __init__(self, cache: HotReadCache, bus: NatsBus, *, max_pending: int = 10_000) -> None:
        self.cache = cache
        self.bus = bus
        self.max_pending = max_pending
        self._pending: dict[str, set[str]] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._subscribed = False
        # What crossed between replicas so far: lets a test wait for the broadcasts it caused.
        self.sent = 0
        self.received = 0
        self._publishing = False
        cache.broadcaster = self
        bus.add_connect_listener(self._on_connect)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"{self.cache.service}-cache-broadcast")

    async def stop(self) -> None:
        await stop_task(self._task)

    def send(self, station_id: str, tags: Iterable[str]) -> None:
        pending = self._pending.setdefault(station_id, set())
        pending.update(tags)
        if sum(len(t) for t in self._pending.values()) > self.max_pending:
            # Far behind (NATS away for long): the other replicas flush when they reconnect anyway.
            self._pending.clear()
        self._wake.set()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            if not self.bus.connected:
                continue  # sent again by _on_connect
            await self._publish_pending()

    @property
    def broadcasting(self) -> bool:
        """Invalidations queued or being sent (a test waits for this to end, then counts)."""
        return bool(self._pending) or self._publishing

    async def _publish_pending(self) -> None:
        self._publishing = True
        try:
            await self._publish_each_pending()
        finally:
            self._publishing = False

    async def _publish_each_pending(self) -> None:
        while self._pending:
            station_id, tags = self._pending.popitem()
            message = {
                "service": self.cache.service,
                "station": station_id,
                "tags": sorted(tags),
                "origin": self.cache.origin,
            }
            try:
                await self.bus.client.publish(
                    cache_subject(station_id, self.cache.domain), json.dumps(message).encode()
                )
                self.sent += 1
            except (BadSubjectError, MaxPayloadError) as exc:
                # This message can never go: recorded and dropped, the other stations' still go.
                record_item_failure(f"{self.cache.service}-cache-broadcast", station_id, exc)
                continue
            except Exception as exc:
                self.send(station_id, tags)
                log.warning("cache invalidation not broadcast yet", extra={"error": repr(exc)})
                return

    async def _on_connect(self) -> None:
        # We may have missed what others sent while we were away: start again from nothing.
        self.cache.flush()
        if not self._subscribed:
            client = self.bus.client
            await client.subscribe(f"{SUBJECT_ROOT}.*.{self.cache.domain}", cb=self._on_message)
            await client.flush()
            self._subscribed = True
        self._wake.set()

    @property
    def listening(self) -> bool:
        """Subscribed to the other replicas' invalidations (NATS reconnects keep the subscription)."""
        return self._subscribed

    async def _on_message(self, message: Msg) -> None:
        try:
            body = json.loads(message.data)
            station_id, tags, origin = body["station"], body["tags"], body["origin"]
            if not isinstance(station_id, str) or not isinstance(tags, list):
                raise TypeError("station must be a string and tags a list")
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("ignoring a malformed cache message", extra={"error": repr(exc)})
            return
        if origin == self.cache.origin:
            return  # dropped locally at commit time
        self.cache.invalidate(station_id, [str(t) for t in tags], source="broadcast")
        self.received += 1
