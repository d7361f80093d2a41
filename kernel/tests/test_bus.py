"""The event path of every service, for real: outbox -> relay -> JetStream -> idempotent consumer."""

from __future__ import annotations

import asyncio

import nats
from sqlalchemy import func, select

from kernel.bus import NatsBus
from kernel.consumers import ConsumerRunner, EventConsumer
from kernel.db import create_sessionmaker
from kernel.events import STREAMS, CloudEvent, new_event
from kernel.outbox import OutboxRelay, relay_session_info, stage

STREAM = STREAMS["mobility"]


def sample_event(verb: str = "status_changed"):
    return new_event(
        station_id="saint-denis-pleyel",
        domain="mobility",
        entity="vehicle_station",
        verb=verb,
        data={"vehicle_station_id": "velib-1", "num_vehicles_available": 3},
    )


async def stream_messages(url: str) -> int:
    nc = await nats.connect(url)
    try:
        info = await nc.jetstream().stream_info(STREAM.name)
        return info.state.messages
    finally:
        await nc.close()


async def test_the_same_event_id_is_stored_once_by_jetstream(nats_server):
    bus = NatsBus(nats_server.url, name="test", streams=[STREAM])
    bus.start()
    assert await bus.wait_connected(10)
    outgoing = sample_event()
    first = await bus.publish(
        outgoing.nats_subject, outgoing.to_json().encode(), msg_id=outgoing.event.id, headers={}
    )
    again = await bus.publish(
        outgoing.nats_subject, outgoing.to_json().encode(), msg_id=outgoing.event.id, headers={}
    )
    await bus.close()
    assert first.duplicate is not True
    assert again.duplicate is True
    assert await stream_messages(nats_server.url) == 1


async def test_outbox_waits_for_nats_then_delivers_in_order(nats_server, database):
    metadata, engine, _ = database
    nats_server.stop()
    bus = NatsBus(nats_server.url, name="test", streams=[STREAM])
    relay = OutboxRelay(
        service="test", sessionmaker=None, bus=bus, outbox=metadata.tables["outbox"], poll_interval=0.2
    )
    sessionmaker = create_sessionmaker(engine, **relay_session_info(relay))
    relay.sessionmaker = sessionmaker
    bus.start()
    relay.start()
    events = [sample_event(), sample_event()]
    async with sessionmaker() as session:
        await stage(session, metadata.tables["outbox"], *events)
        await session.commit()
    await asyncio.sleep(0.5)
    assert await relay.pending_count() == 2  # NATS is down: kept, not lost

    nats_server.start()
    nats_server.wait_ready()
    for _ in range(100):
        if await relay.pending_count() == 0:
            break
        await asyncio.sleep(0.1)
    assert await relay.pending_count() == 0

    nc = await nats.connect(nats_server.url)
    subscription = await nc.jetstream().pull_subscribe("gare.*.mobility.>", stream=STREAM.name)
    received = [CloudEvent.model_validate_json(m.data).id for m in await subscription.fetch(2, timeout=5)]
    await nc.close()
    await relay.stop()
    await bus.close()
    assert received == [e.event.id for e in events]


def consumer_runner(nats_server, database, handler) -> tuple[ConsumerRunner, EventConsumer]:
    """A runner with one durable consumer on the mobility stream, over the test database."""
    metadata, _, sessionmaker = database
    consumer = EventConsumer(
        durable="test-consumer", stream=STREAM, filter_subject="gare.*.mobility.>", handler=handler
    )
    runner = ConsumerRunner(
        service="test",
        bus=NatsBus(nats_server.url, name="test", streams=[STREAM]),
        sessionmaker=sessionmaker,
        inbox=metadata.tables["processed_event"],
        consumers=[consumer],
    )
    return runner, consumer


async def test_a_redelivered_event_is_handled_once(nats_server, database):
    metadata, _, sessionmaker = database
    handled: list[str] = []

    async def handler(session, event: CloudEvent) -> None:
        handled.append(event.id)

    runner, consumer = consumer_runner(nats_server, database, handler)
    event = sample_event().event
    assert await runner.handle_event(consumer, event) == "handled"
    assert await runner.handle_event(consumer, event) == "duplicate"
    assert handled == [event.id]
    async with sessionmaker() as session:
        rows = await session.scalar(select(func.count()).select_from(metadata.tables["processed_event"]))
    assert rows == 1


async def test_a_failing_handler_leaves_the_event_to_be_retried(nats_server, database):
    attempts = 0

    async def flaky(session, event: CloudEvent) -> None:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise RuntimeError("database hiccup")

    runner, consumer = consumer_runner(nats_server, database, flaky)
    event = sample_event().event
    assert await runner.handle_event(consumer, event) == "failed"
    # The failed attempt did not mark the event as handled, so the retry runs the handler.
    assert await runner.handle_event(consumer, event) == "handled"
    assert attempts == 2


async def test_consumer_receives_published_events_end_to_end(nats_server, database):
    metadata, _, sessionmaker = database
    seen: list[str] = []

    async def handler(session, event: CloudEvent) -> None:
        seen.append(event.id)

    bus = NatsBus(nats_server.url, name="test", streams=[STREAM])
    bus.start()
    assert await bus.wait_connected(10)
    runner = ConsumerRunner(
        service="test",
        bus=bus,
        sessionmaker=sessionmaker,
        inbox=metadata.tables["processed_event"],
        consumers=[
            EventConsumer(durable="e2e", stream=STREAM, filter_subject="gare.*.mobility.>", handler=handler)
        ],
    )
    runner.start()
    outgoing = sample_event()
    await bus.publish(
        outgoing.nats_subject, outgoing.to_json().encode(), msg_id=outgoing.event.id, headers={}
    )
    for _ in range(100):
        if seen:
            break
        await asyncio.sleep(0.05)
    await runner.stop()
    await bus.close()
    assert seen == [outgoing.event.id]
