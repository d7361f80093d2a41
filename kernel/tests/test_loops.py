"""The kernel's background loops on a real nats-server and a real SQLite file: a poisoned item
between good ones fails alone, with its reason recorded and counted, and the good ones go through."""

from __future__ import annotations

import json
from datetime import timedelta

import nats
from prometheus_client import REGISTRY
from sqlalchemy import insert, select

from kernel.bus import NatsBus
from kernel.consumers import ConsumerRunner, EventConsumer
from kernel.db import create_sessionmaker, utcnow
from kernel.events import STREAMS, CloudEvent, new_event
from kernel.hot_read_broadcast import CacheBroadcaster, cache_subject
from kernel.hot_reads import HotReadCache
from kernel.outbox import REFUSED, OutboxRelay, relay_session_info
from testkit.service import eventually

STREAM = STREAMS["mobility"]


def failures(loop: str) -> float:
    return REGISTRY.get_sample_value("gare_loop_item_failures_total", {"loop": loop}) or 0.0


def handled(service: str, consumer: str, outcome: str) -> float:
    labels = {"service": service, "consumer": consumer, "outcome": outcome}
    return REGISTRY.get_sample_value("gare_events_handled_total", labels) or 0.0


def good_event(n: int):
    return new_event(
        station_id="saint-denis-pleyel",
        domain="mobility",
        entity="vehicle_station",
        verb="status_changed",
        data={"vehicle_station_id": f"velib-{n}", "num_vehicles_available": n},
    )


async def stream_ids(url: str) -> list[str]:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        info = await js.stream_info(STREAM.name)
        ids = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            message = await js.get_msg(STREAM.name, seq)
            ids.append(CloudEvent.model_validate_json(message.data or b"").id)
        return ids
    finally:
        await nc.close()


async def test_an_event_jetstream_refuses_is_set_aside_and_the_events_behind_it_go_out(nats_server, database):
    metadata, engine, _ = database
    outbox = metadata.tables["outbox"]
    bus = NatsBus(nats_server.url, name="test", streams=[STREAM])
    relay = OutboxRelay(service="poisoned", sessionmaker=None, bus=bus, outbox=outbox, poll_interval=0.1)
    sessionmaker = create_sessionmaker(engine, **relay_session_info(relay))
    relay.sessionmaker = sessionmaker
    goods = [good_event(n) for n in range(4)]
    poisoned = {
        "no-stream": ("elsewhere.saint-denis-pleyel.nothing", "{}"),  # no stream holds this subject
        "too-big": (goods[0].nats_subject, "x" * 2_000_000),  # over the server's max_payload
        "not-a-subject": ("gare..mobility", "{}"),
    }
    start = utcnow()
    rows = []
    for n, good in enumerate(goods):
        rows.append((good.event.id, good.nats_subject, good.to_json()))
        if n < len(poisoned):
            event_id = list(poisoned)[n]
            rows.append((event_id, *poisoned[event_id]))
    async with sessionmaker() as session:
        for n, (event_id, subject, payload) in enumerate(rows):
            await session.execute(
                insert(outbox).values(
                    event_id=event_id,
                    subject=subject,
                    payload=payload,
                    created_at=start + timedelta(milliseconds=n),
                    attempts=0,
                )
            )
        await session.commit()
    before = failures("poisoned-outbox-relay")

    bus.start()
    relay.start()
    try:

        async def all_out() -> bool:
            return await relay.pending_count() == 0

        await eventually(all_out, timeout=20)
    finally:
        await relay.stop()
        await bus.close()

    assert await stream_ids(nats_server.url) == [g.event.id for g in goods]
    async with sessionmaker() as session:
        set_aside: dict[str, str] = dict(
            (
                await session.execute(
                    select(outbox.c.event_id, outbox.c.last_error).where(outbox.c.published_at.is_(None))
                )
            ).all()
        )
    assert set(set_aside) == set(poisoned)
    assert all(reason.startswith(REFUSED) for reason in set_aside.values()), set_aside
    assert "no stream holds the subject" in set_aside["no-stream"]
    assert await relay.refused_count() == 3
    assert failures("poisoned-outbox-relay") - before == 3
    # One count sets both gauges: nothing waits, the three set aside are counted as refused.
    await relay.refresh_gauges()
    assert REGISTRY.get_sample_value("gare_outbox_pending", {"service": relay.service}) == 0
    assert REGISTRY.get_sample_value("gare_outbox_refused", {"service": relay.service}) == 3


async def test_a_poisoned_event_fails_alone_and_is_given_up_after_its_deliveries(nats_server, database):
    metadata, _, sessionmaker = database
    seen: list[str] = []

    async def handler(session, event: CloudEvent) -> None:
        if event.data.get("vehicle_station_id") == "poison":
            raise ValueError("no such vehicle station")
        seen.append(event.id)

    bus = NatsBus(nats_server.url, name="test", streams=[STREAM])
    bus.start()
    assert await bus.wait_connected(10)
    runner = ConsumerRunner(
        service="poisoned",
        bus=bus,
        sessionmaker=sessionmaker,
        inbox=metadata.tables["processed_event"],
        consumers=[
            EventConsumer(
                durable="poison-test",
                stream=STREAM,
                filter_subject="gare.*.mobility.>",
                handler=handler,
                max_deliver=2,
            )
        ],
    )
    first, last = good_event(1), good_event(2)
    poison = new_event(
        station_id="saint-denis-pleyel",
        domain="mobility",
        entity="vehicle_station",
        verb="status_changed",
        data={"vehicle_station_id": "poison"},
    )
    before = failures("poisoned-consumer-poison-test")
    for outgoing in (first, poison):
        await bus.publish(
            outgoing.nats_subject, outgoing.to_json().encode(), msg_id=outgoing.event.id, headers={}
        )
    await bus.publish(first.nats_subject, b"not a cloud event", msg_id="malformed-1", headers={})
    await bus.publish(last.nats_subject, last.to_json().encode(), msg_id=last.event.id, headers={})
    runner.start()
    try:

        async def settled() -> bool:
            return handled("poisoned", "poison-test", "abandoned") >= 1 and len(seen) == 2

        await eventually(settled, timeout=20)
    finally:
        await runner.stop()
        await bus.close()
    assert seen == [first.event.id, last.event.id]
    assert handled("poisoned", "poison-test", "malformed") == 1
    assert failures("poisoned-consumer-poison-test") - before == 2  # each of its two deliveries


async def test_an_invalidation_that_can_never_be_sent_does_not_hold_the_others(nats_server):
    cache = HotReadCache(service="poisoned", domain="things")
    bus = NatsBus(nats_server.url, name="test", streams=[])
    broadcaster = CacheBroadcaster(cache, bus)
    nc = await nats.connect(nats_server.url)
    seen: list[str] = []

    async def caught(message) -> None:
        seen.append(json.loads(message.data)["station"])

    await nc.subscribe(cache_subject("*", "things"), cb=caught)
    await nc.flush()
    bus.start()
    broadcaster.start()
    before = failures("poisoned-cache-broadcast")
    try:
        assert await bus.wait_connected(10)
        # Sent last, tried first; a station id with a space is no NATS subject.
        for station in ("saint-denis-pleyel", "saint denis", "villejuif-institut-gustave-roussy"):
            broadcaster.send(station, ["things"])

        async def both_sent() -> bool:
            return len(seen) == 2

        await eventually(both_sent, timeout=10)
    finally:
        await broadcaster.stop()
        await bus.close()
        await nc.close()
    assert sorted(seen) == ["saint-denis-pleyel", "villejuif-institut-gustave-roussy"]
    assert failures("poisoned-cache-broadcast") - before == 1
