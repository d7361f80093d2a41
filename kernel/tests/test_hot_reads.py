"""The hot-read cache on its own: generations, single flight, TTL, bounds, commit marks, broadcast."""

from __future__ import annotations

import asyncio
import contextlib
import json

import nats
import pytest
from sqlalchemy import insert
from starlette.requests import Request

from kernel.bus import NatsBus
from kernel.db import create_sessionmaker, utcnow
from kernel.hot_read_broadcast import CacheBroadcaster, cache_subject
from kernel.hot_reads import (
    HotRead,
    HotReadCache,
    Rendered,
    hot_read_session_info,
    if_none_match_hits,
    mark_changed,
    strong_etag,
)
from testkit.service import wait_until

READ = HotRead(
    name="things",
    path="/api/v1/stations/{station_id}/things",
    tags=lambda request: ["things"],
    cache_control="public, max-age=5",
    ttl_seconds=30,
    max_entries=2,
)


def request_for(station_id: str = "saint-denis-pleyel") -> Request:
    return Request(
        {
            "type": "http",
            "method": "GET",
            "path": f"/api/v1/stations/{station_id}/things",
            "path_params": {"station_id": station_id},
            "query_string": b"",
            "headers": [],
        }
    )


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Renderer:
    """Counts renders; each gives the next body, optionally waiting for a gate first."""

    def __init__(self) -> None:
        self.calls = 0
        self.gate: asyncio.Event | None = None

    async def __call__(self) -> Rendered:
        self.calls += 1
        body = f'{{"version": {self.calls}}}'.encode()
        if self.gate is not None:
            await self.gate.wait()
        return Rendered(body)


async def test_a_second_request_is_served_from_the_entry():
    cache, render = HotReadCache(service="test", domain="things"), Renderer()
    first = await cache.entry_for(READ, request_for(), render)
    second = await cache.entry_for(READ, request_for(), render)
    assert render.calls == 1 and second is first
    assert first.etag == strong_etag(b'{"version": 1}')


async def test_a_burst_of_misses_renders_once():
    cache, render = HotReadCache(service="test", domain="things"), Renderer()
    render.gate = asyncio.Event()
    waiting = [asyncio.create_task(cache.entry_for(READ, request_for(), render)) for _ in range(20)]
    await asyncio.sleep(0.01)
    render.gate.set()
    entries = await asyncio.gather(*waiting)
    assert render.calls == 1
    assert {entry.body for entry in entries} == {b'{"version": 1}'}


async def test_a_render_that_began_before_an_invalidation_is_answered_but_not_kept():
    cache, render = HotReadCache(service="test", domain="things"), Renderer()
    render.gate = asyncio.Event()
    slow = asyncio.create_task(cache.entry_for(READ, request_for(), render))
    await asyncio.sleep(0.01)
    cache.invalidate("saint-denis-pleyel", ["things"])  # a commit lands while it reads the old state
    render.gate.set()
    assert (await slow).body == b'{"version": 1}'
    assert len(cache) == 0
    render.gate = None
    assert (await cache.entry_for(READ, request_for(), render)).body == b'{"version": 2}'


async def test_a_failed_render_is_not_kept_and_every_waiter_sees_the_failure():
    cache = HotReadCache(service="test", domain="things")
    gate = asyncio.Event()

    async def broken() -> Rendered:
        await gate.wait()
        raise LookupError("no such thing")

    waiting = [asyncio.create_task(cache.entry_for(READ, request_for(), broken)) for _ in range(3)]
    await asyncio.sleep(0.01)
    gate.set()
    results = await asyncio.gather(*waiting, return_exceptions=True)
    assert all(isinstance(result, LookupError) for result in results)
    assert len(cache) == 0


async def test_tags_are_per_station():
    cache, render = HotReadCache(service="test", domain="things"), Renderer()
    await cache.entry_for(READ, request_for("saint-denis-pleyel"), render)
    await cache.entry_for(READ, request_for("villejuif-institut-gustave-roussy"), render)
    cache.invalidate("saint-denis-pleyel", ["things"])
    assert len(cache) == 1
    cache.invalidate("saint-denis-pleyel", ["other-things"])
    assert len(cache) == 1


async def test_entries_die_after_their_ttl_whatever_happens():
    clock = Clock()
    cache, render = HotReadCache(service="test", domain="things", clock=clock), Renderer()
    await cache.entry_for(READ, request_for(), render)
    clock.now += READ.ttl_seconds - 0.1
    await cache.entry_for(READ, request_for(), render)
    assert render.calls == 1
    clock.now += 0.2
    await cache.entry_for(READ, request_for(), render)
    assert render.calls == 2


async def test_each_read_keeps_at_most_its_max_entries():
    cache, render = HotReadCache(service="test", domain="things"), Renderer()
    for station in ("a", "b", "c"):
        await cache.entry_for(READ, request_for(station), render)
    assert len(cache) == READ.max_entries
    await cache.entry_for(READ, request_for("a"), render)  # the oldest went first
    assert render.calls == 4


async def test_a_flush_drops_everything_and_refuses_renders_in_flight():
    cache, render = HotReadCache(service="test", domain="things"), Renderer()
    await cache.entry_for(READ, request_for("a"), render)
    render.gate = asyncio.Event()
    slow = asyncio.create_task(cache.entry_for(READ, request_for("b"), render))
    await asyncio.sleep(0.01)
    cache.flush()
    render.gate.set()
    await slow
    assert len(cache) == 0


async def test_a_commit_drops_what_it_marked_and_a_rollback_does_not(database):
    metadata, engine, _ = database
    cache, render = HotReadCache(service="test", domain="things"), Renderer()
    sessionmaker = create_sessionmaker(engine, **hot_read_session_info(cache))
    outbox = metadata.tables["outbox"]
    await cache.entry_for(READ, request_for(), render)

    async with sessionmaker() as session:
        mark_changed(session, "saint-denis-pleyel", "things")
        await session.execute(
            insert(outbox).values(event_id="e1", subject="s", payload="{}", created_at=utcnow(), attempts=0)
        )
        await session.rollback()
    assert len(cache) == 1
    async with sessionmaker() as session:  # the rolled-back mark does not linger into the next commit
        await session.commit()
    assert len(cache) == 1

    async with sessionmaker() as session:
        mark_changed(session, "saint-denis-pleyel", "things")
        await session.execute(
            insert(outbox).values(event_id="e2", subject="s", payload="{}", created_at=utcnow(), attempts=0)
        )
        assert len(cache) == 1  # not before the commit
        await session.commit()
    assert len(cache) == 0


async def test_replicas_drop_what_another_committed_and_ignore_noise(nats_server):
    caches, buses, broadcasters = [], [], []
    for _ in range(2):
        cache = HotReadCache(service="test", domain="things")
        bus = NatsBus(nats_server.url, name="test", streams=[])
        broadcaster = CacheBroadcaster(cache, bus)
        bus.start()
        broadcaster.start()
        caches.append(cache)
        buses.append(bus)
        broadcasters.append(broadcaster)
    try:
        for broadcaster in broadcasters:
            await wait_until(lambda: broadcaster.listening, timeout=15)  # noqa: B023  (awaited within the loop)
        a, b = caches
        for cache in caches:
            await cache.entry_for(READ, request_for(), Renderer())

        nc = await nats.connect(nats_server.url)
        subject = cache_subject("saint-denis-pleyel", "things")
        # Listened to from the start: what replica a broadcasts is picked out by its origin below.
        seen: list[dict] = []

        async def record(message) -> None:
            with contextlib.suppress(ValueError):
                seen.append(json.loads(message.data))

        await nc.subscribe(subject, cb=record)
        await nc.flush()
        received = broadcasters[1].received
        for noise in (
            b"not json",
            b'{"station": 1}',
            json.dumps({"station": "saint-denis-pleyel", "tags": ["things"], "origin": b.origin}).encode(),
        ):
            await nc.publish(subject, noise)
        # Then a well-formed message for another station: once it is applied, the noise before it on
        # the same subscription has been handled too.
        marker = {"station": "villejuif-institut-gustave-roussy", "tags": ["things"], "origin": "marker"}
        await nc.publish(
            cache_subject("villejuif-institut-gustave-roussy", "things"), json.dumps(marker).encode()
        )
        await nc.flush()
        await wait_until(lambda: broadcasters[1].received > received, timeout=30)
        assert broadcasters[1].received == received + 1
        assert len(b) == 1  # malformed messages, and its own, change nothing

        sent = broadcasters[0].sent
        a.changed("saint-denis-pleyel", ["things"])
        assert len(a) == 0
        await wait_until(lambda: broadcasters[0].sent > sent, timeout=15)
        await wait_until(lambda: broadcasters[1].received == received + 2, timeout=15)
        assert len(b) == 0

        def from_a() -> list[dict]:
            return [m for m in seen if isinstance(m, dict) and m.get("origin") == a.origin]

        await wait_until(from_a, timeout=15)
        assert from_a()[0] == {
            "service": "test",
            "station": "saint-denis-pleyel",
            "tags": ["things"],
            "origin": a.origin,
        }
        await nc.close()
    finally:
        for broadcaster in broadcasters:
            await broadcaster.stop()
        for bus in buses:
            await bus.close()


@pytest.mark.parametrize(
    ("header", "current"),
    [
        (None, False),
        ("", False),
        ('"abc"', True),
        ('W/"abc"', True),
        ('"old", "abc"', True),
        ("*", True),
        ('"old"', False),
        ("abc", False),
    ],
)
def test_if_none_match_names_the_current_version(header: str | None, current: bool) -> None:
    assert if_none_match_hits(header, '"abc"') is current


def test_the_path_pattern_takes_the_routes_own_patterns():
    read = HotRead(
        name="one",
        path="/api/v1/stations/{station_id}/things/{code}",
        params={"station_id": r"^[a-z]+$", "code": r"^[A-Z0-9]{1,8}$"},
        tags=lambda request: [],
        cache_control="no-cache",
    )
    pattern = read.pattern()
    matched = pattern.match("/api/v1/stations/abc/things/A1")
    assert matched is not None and matched["code"] == "A1"
    for path in (
        "/api/v1/stations/abc/things/a1",
        "/api/v1/stations/abc/things/A1/",
        "/api/v1/stations/a-b/things/A",
    ):
        assert pattern.match(path) is None


async def test_waiters_render_themselves_when_the_first_request_goes_away():
    cache, render = HotReadCache(service="test", domain="things"), Renderer()
    render.gate = asyncio.Event()
    first = asyncio.create_task(cache.entry_for(READ, request_for(), render))
    await asyncio.sleep(0.01)
    waiter = asyncio.create_task(cache.entry_for(READ, request_for(), render))
    await asyncio.sleep(0.01)
    first.cancel()  # its client disconnected mid-render
    await asyncio.sleep(0.01)
    render.gate.set()
    assert (await waiter).body == b'{"version": 2}'
    assert first.cancelled()
    assert len(cache) == 1
