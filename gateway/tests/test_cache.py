"""The edge cache: what it stores, how long, for whom, and how an invalidation broadcast empties it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import nats
import pytest

from deploy.embedded.infra import NatsServer
from deploy.embedded.ports import any_free_port
from gateway.cache import UNCACHEABLE_SECONDS, EdgeCache, freshness
from gateway.upstream import UpstreamResponse
from kernel.bus import NatsBus
from testkit.service import wait_until

READ = b"/api/v1/stations/saint-denis-pleyel/mobility/vehicle-stations"
SCOPE = ("saint-denis-pleyel", "mobility")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Service:
    """Answers like a hot read: a body, its ETag, 304 to a matching If-None-Match."""

    def __init__(self, cache_control: bytes = b"public, max-age=5", extra: list | None = None) -> None:
        self.version = 1
        self.cache_control = cache_control
        self.extra = extra or []
        self.calls: list[bytes | None] = []
        self.delay = 0.0

    @property
    def etag(self) -> bytes:
        return b'"v%d"' % self.version

    async def fetch(self, if_none_match: bytes | None) -> UpstreamResponse:
        self.calls.append(if_none_match)
        if self.delay:
            await asyncio.sleep(self.delay)
        headers = [(b"etag", self.etag), (b"cache-control", self.cache_control), *self.extra]
        if if_none_match == self.etag:
            return UpstreamResponse(304, headers, b"")
        body = b'{"version": %d}' % self.version
        return UpstreamResponse(200, [(b"content-type", b"application/json"), *headers], body)


def cache(clock: Clock | None = None, **kw) -> EdgeCache:
    return EdgeCache(bus=None, clock=clock or Clock(), **kw)  # type: ignore[arg-type]


async def read(edge: EdgeCache, service: Service, headers=(), target: bytes = READ) -> Any:
    return await edge.answer(target=target, scope=SCOPE, request_headers=list(headers), fetch=service.fetch)


async def test_a_public_answer_is_served_again_while_fresh_with_its_age():
    clock, service = Clock(), Service()
    edge = cache(clock)
    first = await read(edge, service)
    assert first.status == 200 and first.body == b'{"version": 1}'
    clock.now += 3
    second = await read(edge, service)
    assert second.body == first.body
    assert (b"age", b"3") in second.headers and (b"etag", b'"v1"') in second.headers
    assert service.calls == [None]


async def test_the_cache_answers_if_none_match_itself():
    service = Service()
    edge = cache()
    await read(edge, service)
    not_modified = await read(edge, service, [(b"if-none-match", b'W/"v0", "v1"')])
    assert not_modified.status == 304 and not_modified.body == b""
    assert {k for k, _ in not_modified.headers} == {b"etag", b"cache-control", b"age"}
    other = await read(edge, service, [(b"if-none-match", b'"v0"')])
    assert other.status == 200
    assert service.calls == [None]


async def test_a_stale_answer_is_revalidated_with_its_etag():
    clock, service = Clock(), Service()
    edge = cache(clock)
    await read(edge, service)
    clock.now += 6
    again = await read(edge, service)
    assert again.status == 200 and again.body == b'{"version": 1}'
    assert service.calls == [None, b'"v1"']  # the service said 304: the stored body is current
    clock.now += 4
    await read(edge, service)
    assert len(service.calls) == 2  # fresh again for max-age
    service.version = 2
    clock.now += 2
    changed = await read(edge, service)
    assert changed.body == b'{"version": 2}'


async def test_a_read_hit_in_its_last_second_is_refreshed_before_it_expires():
    clock, service = Clock(), Service()
    edge = cache(clock)
    await read(edge, service)
    clock.now += 4.5  # max-age=5: in its last second
    service.version = 2
    hit = await read(edge, service)
    assert hit.body == b'{"version": 1}'  # still fresh: served at once, nothing waits
    await asyncio.gather(*edge._refreshing)  # meanwhile, the service was asked for the next answer
    assert service.calls == [None, b'"v1"']
    clock.now += 1  # past the first answer's max-age: the next one is already there
    after = await read(edge, service)
    assert after.body == b'{"version": 2}' and (b"age", b"1") in after.headers
    assert len(service.calls) == 2


async def test_an_entry_refreshed_unchanged_lives_another_max_age():
    clock, service = Clock(), Service()
    edge = cache(clock)
    await read(edge, service)
    clock.now += 4.5
    await read(edge, service)
    await asyncio.gather(*edge._refreshing)
    clock.now += 4  # 8.5 s after the first answer, 4 s after the service said it is current
    again = await read(edge, service)
    assert again.body == b'{"version": 1}' and (b"age", b"4") in again.headers
    assert service.calls == [None, b'"v1"']


@pytest.mark.parametrize(
    ("cache_control", "extra"),
    [
        (b"no-store", []),
        (b"private, max-age=60", []),
        (b"no-cache", []),
        (b"public", []),
        (b"public, max-age=0", []),
        (b"public, max-age=60", [(b"set-cookie", b"s=1")]),
        (b"public, max-age=60", [(b"vary", b"*")]),
    ],
)
async def test_what_the_service_did_not_mark_cacheable_is_never_stored(cache_control, extra):
    clock, service = Clock(), Service(cache_control, extra)
    edge = cache(clock)
    assert (await read(edge, service)).status == 200
    # For a while such a path bypasses the cache (the client's own conditions go to the service).
    assert await read(edge, service) is None
    clock.now += UNCACHEABLE_SECONDS + 1
    assert (await read(edge, service)).status == 200
    assert len(edge) == 0 and len(service.calls) == 2


async def test_errors_are_not_stored():
    service = Service()
    edge = cache()

    async def not_found(if_none_match: bytes | None) -> UpstreamResponse:
        service.calls.append(if_none_match)
        return UpstreamResponse(404, [(b"content-type", b"application/problem+json")], b"{}")

    answer = await edge.answer(target=READ, scope=SCOPE, request_headers=[], fetch=not_found)
    assert answer is not None and answer.status == 404
    assert len(edge) == 0


async def test_each_language_gets_its_own_answer():
    languages: list[bytes] = []

    async def localized(if_none_match: bytes | None) -> UpstreamResponse:
        language = languages[-1]
        headers = [(b"cache-control", b"public, max-age=60"), (b"vary", b"Accept-Language, Origin")]
        return UpstreamResponse(200, headers, b"hello in " + language)

    edge = cache()
    answers: dict[bytes, set[bytes]] = {}
    for language in (b"fr", b"en", b"fr", b"en"):
        languages.append(language)
        answer = await edge.answer(
            target=READ, scope=SCOPE, request_headers=[(b"accept-language", language)], fetch=localized
        )
        assert answer is not None
        answers.setdefault(language, set()).add(answer.body)
    assert answers == {b"fr": {b"hello in fr"}, b"en": {b"hello in en"}}
    assert len(edge) == 2


async def test_a_client_asking_for_no_cache_gets_a_revalidated_answer():
    service = Service()
    edge = cache()
    await read(edge, service)
    await read(edge, service, [(b"cache-control", b"no-cache")])
    assert service.calls == [None, b'"v1"']


async def test_concurrent_misses_of_one_key_make_one_request():
    clock, service = Clock(), Service()
    edge = cache(clock)
    await read(edge, service)
    clock.now += 10
    service.delay = 0.05
    service.version = 2
    answers = await asyncio.gather(*(read(edge, service) for _ in range(20)))
    assert {a.body for a in answers} == {b'{"version": 2}'}
    assert len(service.calls) == 2


async def test_concurrent_first_reads_of_an_unknown_path_each_get_their_answer():
    """Before the first answer says what it varies on, nothing is shared, and nothing breaks."""
    for service in (Service(), Service(b"no-store")):
        service.delay = 0.02
        edge = cache()
        answers = await asyncio.gather(*(read(edge, service) for _ in range(10)))
        assert [a.status for a in answers] == [200] * 10
        assert len(service.calls) == 10


async def test_a_failed_fetch_fails_every_client_waiting_for_it():
    clock, service = Clock(), Service()
    edge = cache(clock)
    await read(edge, service)
    clock.now += 10

    async def down(if_none_match: bytes | None) -> UpstreamResponse:
        await asyncio.sleep(0.02)
        raise RuntimeError("service down")

    outcomes = await asyncio.gather(
        *(edge.answer(target=READ, scope=SCOPE, request_headers=[], fetch=down) for _ in range(5)),
        return_exceptions=True,
    )
    assert all(isinstance(o, RuntimeError) for o in outcomes)
    assert (await read(edge, service)).status == 200  # and the next one tries again


async def test_an_invalidation_drops_that_stations_domain_only():
    service = Service()
    edge = cache()
    await read(edge, service)
    other = b"/api/v1/stations/villejuif-institut-gustave-roussy/mobility/vehicle-stations"
    await edge.answer(
        target=other,
        scope=("villejuif-institut-gustave-roussy", "mobility"),
        request_headers=[],
        fetch=service.fetch,
    )
    kiosk = b"/api/v1/stations/saint-denis-pleyel/kiosk/mobility"
    await edge.answer(
        target=kiosk, scope=("saint-denis-pleyel", "kiosk"), request_headers=[], fetch=service.fetch
    )
    assert len(edge) == 3
    edge.invalidate("saint-denis-pleyel", "mobility")
    assert len(edge) == 2
    service.version = 2
    assert (await read(edge, service)).body == b'{"version": 2}'


async def test_an_answer_fetched_across_an_invalidation_is_not_stored():
    service = Service()
    service.delay = 0.05
    edge = cache()
    pending = asyncio.create_task(read(edge, service))
    await asyncio.sleep(0.01)
    edge.invalidate(*SCOPE)  # the state changed while the service was answering
    assert (await pending).status == 200
    assert len(edge) == 0


async def test_the_cache_keeps_at_most_its_size_dropping_the_least_recent():
    service = Service()
    edge = cache(max_entries=3)
    for i in range(5):
        await read(edge, service, target=READ + b"?page=%d" % i)
    assert len(edge) == 3
    calls = len(service.calls)
    await read(edge, service, target=READ + b"?page=4")
    assert len(service.calls) == calls  # the newest is there
    await read(edge, service, target=READ + b"?page=0")
    assert len(service.calls) == calls + 1  # the oldest was dropped


def test_freshness_follows_the_shared_cache_rules():
    assert freshness([(b"cache-control", b"public, max-age=5")]) == 5
    assert freshness([(b"cache-control", b"max-age=5, s-maxage=30")]) == 30
    assert freshness([(b"cache-control", b"public, max-age=60"), (b"age", b"20")]) == 40
    assert freshness([(b"cache-control", b"public, max-age=60"), (b"age", b"90")]) is None
    assert freshness([(b"cache-control", b"public, max-age=5, private")]) is None
    assert freshness([(b"content-type", b"application/json")]) is None


# -- with a real nats-server: the invalidation broadcast of Contract 3 ---------------------------


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    server = NatsServer(port=any_free_port(), store_dir=tmp_path / "nats", log_dir=tmp_path, cwd=tmp_path)
    server.start()
    server.wait_ready()
    yield server
    server.stop()


@pytest.fixture
async def listening(nats_server: NatsServer) -> AsyncIterator[EdgeCache]:
    bus = NatsBus(nats_server.url, name="gateway-test", streams=[])
    bus.start()
    edge = EdgeCache(bus)
    await asyncio.wait_for(edge.listen(), 10)
    yield edge
    await bus.close()


async def broadcast(url: str, station: str, domain: str) -> None:
    client = await nats.connect(url)
    message = {"service": "bike_share", "station": station, "tags": ["vehicle-stations"], "origin": "x"}
    await client.publish(f"gare-cache.{station}.{domain}", json.dumps(message).encode())
    await client.flush()
    await client.close()


async def eventually_empty(edge: EdgeCache) -> None:
    for _ in range(100):
        if len(edge) == 0:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the entry is still cached")


async def test_a_services_broadcast_drops_the_entries(listening, nats_server):
    service = Service()
    assert listening.usable()
    await read(listening, service)
    gbfs = b"/gbfs/saint-denis-pleyel/station_status.json"
    await listening.answer(target=gbfs, scope=SCOPE, request_headers=[], fetch=service.fetch)
    villejuif_kiosk = ("villejuif-institut-gustave-roussy", "kiosk")
    marker = b"/api/v1/stations/villejuif-institut-gustave-roussy/kiosk/map"
    await listening.answer(target=marker, scope=villejuif_kiosk, request_headers=[], fetch=Service().fetch)
    assert len(listening) == 3
    await broadcast(nats_server.url, "villejuif-institut-gustave-roussy", "mobility")
    await broadcast(nats_server.url, "saint-denis-pleyel", "kiosk")
    # One subscription delivers in order: once the marker's broadcast has dropped its entry, the two
    # before it were handled too, and they must have dropped nothing of Saint-Denis's mobility.
    await broadcast(nats_server.url, *villejuif_kiosk)
    await wait_until(lambda: len(listening) <= 2, timeout=30)
    assert len(listening) == 2
    await broadcast(nats_server.url, "saint-denis-pleyel", "mobility")
    await eventually_empty(listening)


async def test_without_nats_the_cache_is_not_used_and_a_reconnection_empties_it(listening, nats_server):
    service = Service()
    await read(listening, service)
    assert len(listening) == 1
    nats_server.stop()
    for _ in range(100):
        if not listening.usable():
            break
        await asyncio.sleep(0.05)
    assert not listening.usable()
    nats_server.start()
    nats_server.wait_ready()
    for _ in range(200):
        if listening.usable():
            break
        await asyncio.sleep(0.05)
    assert listening.usable()
    assert len(listening) == 0  # invalidations may have been missed meanwhile
