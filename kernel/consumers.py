"""Durable JetStream consumers that handle each event once (inbox table in the same transaction)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from prometheus_client import Counter
from pydantic import ValidationError
from sqlalchemy import Table, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kernel.bus import NatsBus
from kernel.db import utcnow
from kernel.events import CloudEvent, StreamSpec
from kernel.observability import bind_request_id, reset_request_id
from kernel.tasks import record_item_failure, stop_task

log = logging.getLogger(__name__)

EVENTS_HANDLED = Counter(
    "gare_events_handled_total", "Events taken from JetStream", ["service", "consumer", "outcome"]
)

EventHandler = Callable[[AsyncSession, CloudEvent], Awaitable[None]]


@dataclass(frozen=True)
class EventConsumer:
    """A durable consumer: `durable` names it on the server, so restarts resume where they stopped."""

    durable: str
    stream: StreamSpec
    filter_subject: str
    handler: EventHandler
    max_deliver: int = 20
    ack_wait_seconds: float = 30.0


class ConsumerRunner:
    def __init__(
        self,
        *,
        service: str,
        bus: NatsBus,
        sessionmaker: async_sessionmaker[AsyncSession],
        inbox: Table,
        consumers: list[EventConsumer],
        # Short pulls: a delivery never waits long behind a pull request that is about to expire.
        fetch_timeout: float = 0.25,
    ) -> None:
        self.service = service
        self.bus = bus
        self.sessionmaker = sessionmaker
        self.inbox = inbox
        self.consumers = consumers
        self.fetch_timeout = fetch_timeout
        self._tasks: list[asyncio.Task[None]] = []
        self._subscriptions: list[JetStreamContext.PullSubscription] = []
        self.subscribed: set[str] = set()

    def start(self) -> None:
        for consumer in self.consumers:
            self._tasks.append(
                asyncio.create_task(self._consume(consumer), name=f"consumer-{consumer.durable}")
            )

    async def stop(self) -> None:
        # Unsubscribe first: draining the connection with a pull subscription open waits for its timeout.
        for subscription in self._subscriptions:
            with contextlib.suppress(Exception):
                await subscription.unsubscribe()
        await asyncio.gather(*(stop_task(task) for task in self._tasks))

    async def _consume(self, consumer: EventConsumer) -> None:
        while True:
            try:
                await self.bus.wait_connected(timeout=3600)
                subscription = await self.bus.jetstream.pull_subscribe(
                    consumer.filter_subject,
                    durable=consumer.durable,
                    stream=consumer.stream.name,
                    config=ConsumerConfig(
                        durable_name=consumer.durable,
                        deliver_policy=DeliverPolicy.ALL,
                        ack_policy=AckPolicy.EXPLICIT,
                        ack_wait=consumer.ack_wait_seconds,
                        max_deliver=consumer.max_deliver,
                        filter_subject=consumer.filter_subject,
                    ),
                )
                self._subscriptions.append(subscription)
                self.subscribed.add(consumer.durable)
                while True:
                    try:
                        messages = await subscription.fetch(batch=50, timeout=self.fetch_timeout)
                    except TimeoutError:
                        continue
                    for message in messages:
                        await self.handle(consumer, message)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.subscribed.discard(consumer.durable)
                log.warning(
                    "consumer interrupted, resuming", extra={"consumer": consumer.durable, "error": repr(exc)}
                )
                await asyncio.sleep(0.5)

    async def handle(self, consumer: EventConsumer, message: Msg) -> None:
        try:
            event = CloudEvent.model_validate_json(message.data)
        except ValidationError:
            # Redelivering a malformed envelope cannot fix it.
            log.error("dropping a message that is not a CloudEvent", extra={"subject": message.subject})
            EVENTS_HANDLED.labels(self.service, consumer.durable, "malformed").inc()
            await message.term()
            return
        outcome = await self.handle_event(consumer, event)
        if outcome == "failed":
            delivered = message.metadata.num_delivered if message.metadata else 1
            if delivered >= consumer.max_deliver:
                # JetStream would stop delivering it silently: say so, and end it ourselves.
                log.error(
                    "giving up on an event after every delivery failed",
                    extra={"consumer": consumer.durable, "event_id": event.id, "deliveries": delivered},
                )
                EVENTS_HANDLED.labels(self.service, consumer.durable, "abandoned").inc()
                await message.term()
            else:
                await message.nak(delay=min(0.5 * 2**delivered, 30))
        else:
            await message.ack()

    async def handle_event(self, consumer: EventConsumer, event: CloudEvent) -> str:
        """Run the handler and record the event id in one transaction; a repeat is skipped."""
        token = bind_request_id(event.requestid)
        try:
            async with self.sessionmaker() as session:
                try:
                    await session.execute(
                        insert(self.inbox).values(
                            consumer=consumer.durable, event_id=event.id, handled_at=utcnow()
                        )
                    )
                except IntegrityError:
                    await session.rollback()
                    EVENTS_HANDLED.labels(self.service, consumer.durable, "duplicate").inc()
                    return "duplicate"
                # A concurrent delivery of the same id blocks on the insert above until the
                # other transaction ends, so a duplicate is always caught there.
                await consumer.handler(session, event)
                await session.commit()
            EVENTS_HANDLED.labels(self.service, consumer.durable, "handled").inc()
            return "handled"
        except Exception as exc:
            record_item_failure(f"{self.service}-consumer-{consumer.durable}", event.id, exc)
            EVENTS_HANDLED.labels(self.service, consumer.durable, "failed").inc()
            return "failed"
        finally:
            reset_request_id(token)
