"""The NATS connection of one process: JetStream publish, streams, and device request-reply."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import nats
from nats.aio.client import Client as NatsClient
from nats.errors import BadSubjectError, MaxPayloadError
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import APIError, BadRequestError, NoStreamResponseError

from kernel.events import StreamSpec
from kernel.tasks import stop_task

log = logging.getLogger(__name__)


class BusUnavailable(RuntimeError):
    """NATS cannot be reached now; callers keep their work (outbox) and retry later."""


class PublishRefused(Exception):
    """JetStream will never take this message (not a subject, over the size limit, no stream for
    its subject): retrying cannot help, and it must not hold the messages behind it."""


def subject_matches(pattern: str, subject: str) -> bool:
    """NATS wildcards: `*` is one token, a final `>` one or more."""
    wanted, tokens = pattern.split("."), subject.split(".")
    for index, token in enumerate(wanted):
        if token == ">":
            return len(tokens) > index
        if index >= len(tokens) or (token != "*" and token != tokens[index]):
            return False
    return len(tokens) == len(wanted)


class NatsBus:
    """Connects in the background and keeps reconnecting, so a service starts and serves without NATS."""

    def __init__(self, url: str, *, name: str, streams: Iterable[StreamSpec]) -> None:
        self.url = url
        self.name = name
        self.streams = {spec.name: spec for spec in streams}
        self._nc: NatsClient | None = None
        self._js: JetStreamContext | None = None
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._connect_listeners: list[Callable[[], Awaitable[None]]] = []

    @property
    def connected(self) -> bool:
        return self._nc is not None and self._nc.is_connected and self._ready.is_set()

    @property
    def jetstream(self) -> JetStreamContext:
        if self._js is None or not self.connected:
            raise BusUnavailable("NATS is not connected")
        return self._js

    @property
    def client(self) -> NatsClient:
        if self._nc is None or not self.connected:
            raise BusUnavailable("NATS is not connected")
        return self._nc

    def add_connect_listener(self, listener: Callable[[], Awaitable[None]]) -> None:
        """Called after the first connection and after every reconnection."""
        self._connect_listeners.append(listener)

    async def _notify_connected(self) -> None:
        for listener in self._connect_listeners:
            try:
                await listener()
            except Exception:
                log.exception("a NATS connect listener failed")

    def start(self) -> None:
        self._task = asyncio.create_task(self._connect_until_done(), name=f"{self.name}-nats-connect")

    async def wait_connected(self, timeout: float) -> bool:
        try:
            await asyncio.wait_for(self._ready.wait(), timeout)
        except TimeoutError:
            return False
        return self.connected

    async def _connect_until_done(self) -> None:
        delay = 0.2
        while True:
            try:
                self._nc = await nats.connect(
                    self.url,
                    name=self.name,
                    connect_timeout=2,
                    reconnect_time_wait=0.5,
                    max_reconnect_attempts=-1,
                    ping_interval=5,
                    max_outstanding_pings=2,
                    disconnected_cb=self._on_disconnected,
                    reconnected_cb=self._on_reconnected,
                    error_cb=self._on_error,
                )
                self._js = self._nc.jetstream(timeout=3)
                await self.ensure_streams()
                self._ready.set()
                log.info("connected to NATS", extra={"nats_url": self.url})
                await self._notify_connected()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("NATS not reachable, retrying", extra={"error": repr(exc), "retry_in": delay})
                if self._nc is not None:
                    with contextlib.suppress(Exception):
                        await self._nc.close()
                    self._nc = None
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def ensure_streams(self) -> None:
        assert self._js is not None
        for spec in self.streams.values():
            config = StreamConfig(
                name=spec.name,
                subjects=list(spec.subjects),
                retention=RetentionPolicy.LIMITS,
                storage=StorageType.FILE,
                discard=DiscardPolicy.OLD,
                max_age=spec.max_age_seconds,
                duplicate_window=spec.duplicate_window_seconds,
            )
            try:
                await self._js.add_stream(config)
            except BadRequestError:
                await self._js.update_stream(config)

    async def _on_disconnected(self) -> None:
        log.warning("disconnected from NATS")

    async def _on_reconnected(self) -> None:
        log.info("reconnected to NATS")
        # A server that lost its store (a fresh node) gets the streams back.
        with contextlib.suppress(Exception):
            await self.ensure_streams()
        await self._notify_connected()

    async def _on_error(self, exc: Exception) -> None:
        log.debug("NATS error", extra={"error": repr(exc)})

    async def publish(self, subject: str, payload: bytes, *, msg_id: str, headers: dict[str, str]) -> Any:
        try:
            return await self.jetstream.publish(subject, payload, headers={"Nats-Msg-Id": msg_id, **headers})
        except BusUnavailable:
            raise
        except (BadSubjectError, MaxPayloadError) as exc:
            raise PublishRefused(f"publish to {subject!r} refused: {exc}") from exc
        except NoStreamResponseError as exc:
            # No stream answered: ours is missing for now (it comes back on reconnection), or the
            # subject is one none of our streams holds, which no retry can change.
            if not any(subject_matches(p, subject) for spec in self.streams.values() for p in spec.subjects):
                raise PublishRefused(f"no stream holds the subject {subject!r}") from exc
            raise BusUnavailable(f"publish to {subject} failed: {exc!r}") from exc
        except APIError as exc:
            if exc.code == 400:
                raise PublishRefused(f"publish to {subject!r} refused by JetStream: {exc}") from exc
            raise BusUnavailable(f"publish to {subject} failed: {exc!r}") from exc
        except Exception as exc:
            raise BusUnavailable(f"publish to {subject} failed: {exc!r}") from exc

    async def request(self, subject: str, payload: bytes, *, timeout: float) -> bytes:
        """Core NATS request-reply, for device commands that need an explicit answer."""
        reply = await self.client.request(subject, payload, timeout=timeout)
        return reply.data

    async def close(self) -> None:
        # nats.connect, retrying a server that is down, may not give in to the cancellation at
        # once: shutting down must not wait for NATS.
        await stop_task(self._task, timeout=2.0)
        if self._nc is not None:
            if self._nc.is_connected:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self._nc.drain(), 5.0)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._nc.close(), 5.0)
