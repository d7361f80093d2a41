"""One place for a service's background work: JetStream consumers, request-reply responders, loops.

A service declares them (`ServiceDefinition(background=lambda runtime: Background(...))`); the
kernel starts them once the runtime exists, stops them before the bus closes, and its readiness
check names a loop that died or a responder that is not subscribed. A service keeps its consumers in
`consumers.py`, its responders in `responders.py`, its loops in `loops.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from kernel.bus import NatsBus
from kernel.consumers import EventConsumer
from kernel.errors import Problem, problem_body
from kernel.tasks import record_item_failure, stop_task

log = logging.getLogger(__name__)


class Loop:
    """Periodic work: subclass and implement `tick`. A tick that raises is logged and counted
    (`gare_loop_item_failures_total`) and the loop goes on after its delay; inside a tick, keep
    each item apart with `kernel.tasks.item_alone`. The first tick runs as soon as the loop starts."""

    def __init__(self, name: str, *, every: float) -> None:
        self.name = name
        self.every = every
        self._task: asyncio.Task[None] | None = None

    async def tick(self) -> float | None:
        """One round; returns the delay before the next one (None: `every`)."""
        raise NotImplementedError

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"loop-{self.name}")

    async def stop(self) -> None:
        await stop_task(self._task)

    @property
    def alive(self) -> bool:
        """Started and still running (a loop only ends if stopped, or on a bug outside `tick`)."""
        return self._task is not None and not self._task.done()

    async def _run(self) -> None:
        while True:
            try:
                delay = await self.tick()
            except Exception as exc:
                record_item_failure(self.name, "tick", exc)
                delay = None
            await asyncio.sleep(max(0.0, self.every if delay is None else delay))


RespondHandler = Callable[[Msg], Awaitable[bytes]]


class Responder:
    """A core-NATS request-reply handler in a queue group (replicas share the requests).

    `handle` returns the reply's bytes; a `Problem` it raises is answered as problem+json, and any
    other failure is recorded and answered as a 500 `internal` problem, so a requester never waits
    for its timeout because of a bug. It subscribes on the first connection; the NATS client keeps
    the subscription across reconnections."""

    def __init__(self, name: str, *, subject: str, queue: str, handle: RespondHandler) -> None:
        self.name = name
        self.subject = subject
        self.queue = queue
        self.handle = handle
        self._bus: NatsBus | None = None
        self._subscription: Subscription | None = None
        self._lock = asyncio.Lock()
        self._first: asyncio.Task[None] | None = None
        self._stopped = False

    @property
    def subscribed(self) -> bool:
        return self._subscription is not None

    def start(self, bus: NatsBus) -> None:
        self._bus = bus
        bus.add_connect_listener(self._subscribe)
        if bus.connected:  # connected before we listened
            self._first = asyncio.create_task(self._subscribe(), name=f"responder-{self.name}")

    async def stop(self) -> None:
        self._stopped = True
        await stop_task(self._first)
        if self._subscription is not None:
            with contextlib.suppress(Exception):
                await self._subscription.unsubscribe()
            self._subscription = None

    async def _subscribe(self) -> None:
        async with self._lock:
            if self._stopped or self._subscription is not None or self._bus is None:
                return
            client = self._bus.client
            subscription = await client.subscribe(self.subject, queue=self.queue, cb=self._on_message)
            try:
                await client.flush()  # the server has it: requests from now on find a responder
            except Exception:
                with contextlib.suppress(Exception):
                    await subscription.unsubscribe()
                raise
            self._subscription = subscription

    async def _on_message(self, message: Msg) -> None:
        try:
            reply = await self.handle(message)
        except Problem as exc:
            reply = _problem_bytes(exc)
        except Exception as exc:
            record_item_failure(self.name, message.subject, exc)
            reply = _problem_bytes(
                Problem("The request failed inside the service; retry later.", status=500, slug="internal")
            )
        if message.reply:
            try:
                await message.respond(reply)
            except Exception as exc:
                log.warning("a reply could not be sent", extra={"responder": self.name, "error": repr(exc)})


def _problem_bytes(problem: Problem) -> bytes:
    body = problem_body(
        status=problem.status,
        slug=problem.slug,
        title=problem.title,
        detail=problem.detail,
        errors=problem.errors,
        extensions=problem.extensions,
    )
    return json.dumps(body, default=str).encode()


@dataclass(frozen=True)
class Background:
    """A service's background work, made once its runtime exists."""

    consumers: Sequence[EventConsumer] = ()
    responders: Sequence[Responder] = ()
    loops: Sequence[Loop] = ()

    def start(self, bus: NatsBus) -> None:
        """Responders, then loops (the consumers have their runner, started by the kernel before)."""
        for responder in self.responders:
            responder.start(bus)
        for loop in self.loops:
            loop.start()

    async def stop(self) -> None:
        """The reverse of `start`; each part ends within `stop_task`'s bound."""
        for loop in reversed(self.loops):
            await loop.stop()
        for responder in reversed(self.responders):
            await responder.stop()

    def problems(self) -> list[str]:
        """What is not working: a loop that died, a responder that is not subscribed."""
        dead = [f"loop {loop.name} stopped" for loop in self.loops if not loop.alive]
        waiting = [f"responder {r.name} not subscribed" for r in self.responders if not r.subscribed]
        return dead + waiting
