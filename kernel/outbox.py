"""Transactional outbox: an event is written with the state change, then relayed to JetStream."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import timedelta
from typing import Any

from prometheus_client import Counter, Gauge
from sqlalchemy import Table, delete, func, insert, or_, select, update
from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from kernel.bus import BusUnavailable, NatsBus, PublishRefused
from kernel.db import utcnow
from kernel.events import OutgoingEvent
from kernel.tasks import record_item_failure, stop_task

log = logging.getLogger(__name__)

EVENTS_PUBLISHED = Counter("gare_events_published_total", "Events relayed from the outbox", ["service"])
OUTBOX_PENDING = Gauge("gare_outbox_pending", "Events written but not yet accepted by JetStream", ["service"])
OUTBOX_REFUSED = Gauge("gare_outbox_refused", "Events JetStream refused for good, set aside", ["service"])

_STAGED = "outbox_staged"
_WAKE = "outbox_wake"
PUBLISHED_RETENTION = timedelta(days=1)
# `last_error` of an event JetStream will never take: it is set aside, the events behind it go on.
# Clearing `last_error` puts it back in the queue.
REFUSED = "refused: "


async def stage(session: AsyncSession, outbox: Table, *events: OutgoingEvent) -> None:
    """Add events to the caller's transaction; they reach NATS only if it commits."""
    for outgoing in events:
        await session.execute(
            insert(outbox).values(
                event_id=outgoing.event.id,
                subject=outgoing.nats_subject,
                payload=outgoing.to_json(),
                created_at=outgoing.event.time,
                attempts=0,
            )
        )
    session.info[_STAGED] = True


@sa_event.listens_for(Session, "after_commit")
def _wake_relay_after_commit(session: Session) -> None:
    if session.info.pop(_STAGED, False):
        wake = session.info.get(_WAKE)
        if wake is not None:
            wake()


@sa_event.listens_for(Session, "after_rollback")
def _forget_staged_after_rollback(session: Session) -> None:
    session.info.pop(_STAGED, None)


def relay_session_info(relay: OutboxRelay) -> dict[str, Any]:
    """Session info that makes every commit with staged events wake the relay at once."""
    return {_WAKE: relay.wake}


class OutboxRelay:
    """Publishes pending outbox rows in order; NATS down means waiting, never dropping."""

    def __init__(
        self,
        *,
        service: str,
        sessionmaker: async_sessionmaker[AsyncSession] | None,
        bus: NatsBus,
        outbox: Table,
        poll_interval: float = 1.0,
        batch_size: int = 100,
    ) -> None:
        self.service = service
        self.sessionmaker = sessionmaker
        self.bus = bus
        self.outbox = outbox
        self.poll_interval = poll_interval
        self.batch_size = batch_size
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # The gauges are counted once a poll interval, not on every wake: under load every commit
        # wakes the relay, and two counts per commit cost more than the publishing.
        self._gauges_due = 0.0

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"{self.service}-outbox-relay")

    async def stop(self) -> None:
        await stop_task(self._task)

    async def _run(self) -> None:
        rounds = 0
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_interval)
            self._wake.clear()
            try:
                if self.bus.connected:
                    while await self.publish_pending() == self.batch_size:
                        pass
                rounds += 1
                if rounds % 600 == 0:
                    await self.prune_published()
                if time.monotonic() >= self._gauges_due:
                    await self.refresh_gauges()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay round failed")

    def _queued(self) -> Any:
        return self.outbox.c.published_at.is_(None) & or_(
            self.outbox.c.last_error.is_(None), self.outbox.c.last_error.not_like(f"{REFUSED}%")
        )

    async def publish_pending(self) -> int:
        """Publish one batch in creation order; stop at the first failure to keep the order, but set
        aside an event JetStream refuses for good. Returns how many events left the queue."""
        assert self.sessionmaker is not None
        async with self.sessionmaker() as session:
            rows = (
                await session.execute(
                    select(self.outbox.c.event_id, self.outbox.c.subject, self.outbox.c.payload)
                    .where(self._queued())
                    .order_by(self.outbox.c.created_at, self.outbox.c.event_id)
                    .limit(self.batch_size)
                )
            ).all()
            # Read only: end the read before publishing, so no transaction is open across NATS.
            await session.rollback()
        # Publish with no transaction open (on SQLite an open write transaction across the
        # JetStream acks stalled every other writer of the service); then mark them in one short
        # transaction. A crash in between republishes under the same msg_id: JetStream drops it.
        done: list[str] = []
        refused: list[tuple[str, str]] = []
        failed: tuple[str, str] | None = None
        for event_id, subject, payload in rows:
            try:
                await self.bus.publish(subject, payload.encode(), msg_id=event_id, headers={})
            except PublishRefused as exc:
                record_item_failure(f"{self.service}-outbox-relay", event_id, exc)
                refused.append((event_id, f"{REFUSED}{exc}"[:500]))
                continue
            except BusUnavailable as exc:
                failed = (event_id, str(exc)[:500])
                break
            done.append(event_id)
        if done or failed or refused:
            async with self.sessionmaker() as session:
                for event_id, reason in refused:
                    await session.execute(
                        update(self.outbox)
                        .where(self.outbox.c.event_id == event_id)
                        .values(attempts=self.outbox.c.attempts + 1, last_error=reason)
                    )
                if done:
                    await session.execute(
                        update(self.outbox)
                        .where(self.outbox.c.event_id.in_(done))
                        .values(published_at=utcnow(), attempts=self.outbox.c.attempts + 1, last_error=None)
                    )
                if failed:
                    await session.execute(
                        update(self.outbox)
                        .where(self.outbox.c.event_id == failed[0])
                        .values(attempts=self.outbox.c.attempts + 1, last_error=failed[1])
                    )
                await session.commit()
        if done:
            EVENTS_PUBLISHED.labels(self.service).inc(len(done))
        return len(done) + len(refused)

    async def refresh_gauges(self) -> None:
        """Set `gare_outbox_pending` and `gare_outbox_refused` from one count of the table."""
        assert self.sessionmaker is not None
        self._gauges_due = time.monotonic() + self.poll_interval
        refused = self.outbox.c.published_at.is_(None) & self.outbox.c.last_error.like(f"{REFUSED}%")
        async with self.sessionmaker() as session:
            pending, refused_count = (
                await session.execute(
                    select(func.count().filter(self._queued()), func.count().filter(refused)).select_from(
                        self.outbox
                    )
                )
            ).one()
        OUTBOX_PENDING.labels(self.service).set(int(pending or 0))
        OUTBOX_REFUSED.labels(self.service).set(int(refused_count or 0))

    async def pending_count(self) -> int:
        """Events waiting for JetStream (those it refused for good are not waiting)."""
        assert self.sessionmaker is not None
        async with self.sessionmaker() as session:
            count = await session.scalar(select(func.count()).select_from(self.outbox).where(self._queued()))
        return int(count or 0)

    async def refused_count(self) -> int:
        assert self.sessionmaker is not None
        async with self.sessionmaker() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(self.outbox)
                .where(self.outbox.c.published_at.is_(None), self.outbox.c.last_error.like(f"{REFUSED}%"))
            )
        return int(count or 0)

    async def prune_published(self) -> None:
        assert self.sessionmaker is not None
        async with self.sessionmaker() as session:
            await session.execute(
                delete(self.outbox).where(self.outbox.c.published_at < utcnow() - PUBLISHED_RETENTION)
            )
            await session.commit()
