"""The rate limiter against a real redis-server: leases, shared buckets, Redis going away."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from deploy.embedded.infra import RedisServer
from gateway.ratelimit import RateLimiter
from testkit.service import running_redis


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    with running_redis(tmp_path) as server:
        yield server


@pytest.fixture
async def redis(redis_server: RedisServer) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_server.url, socket_timeout=0.5, socket_connect_timeout=0.5)
    yield client
    await client.aclose()


async def test_exact_with_a_lease_of_one(redis):
    limiter = RateLimiter(redis, max_lease=1)
    decisions = [await limiter.check("k", per_second=0.01, burst=3) for _ in range(5)]
    assert [d.allowed for d in decisions] == [True, True, True, False, False]
    assert [d.remaining for d in decisions[:3]] == [2, 1, 0]
    assert 99 <= decisions[3].retry_after_seconds <= 100


class Pace:
    """A clock that says the client sends a request every millisecond, however slow the machine."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 0.0005  # called twice per Redis round trip
        return self.now


async def test_a_lease_saves_round_trips_and_replicas_never_exceed_the_limit(redis):
    a = RateLimiter(redis, max_lease=8, clock=Pace())
    b = RateLimiter(redis, max_lease=8, clock=Pace())
    before = int((await redis.info("stats"))["total_commands_processed"])
    allowed = 0
    for i in range(120):
        limiter = a if i % 3 else b
        allowed += (await limiter.check("shared", per_second=0.01, burst=40)).allowed
    commands = int((await redis.info("stats"))["total_commands_processed"]) - before
    assert allowed <= 40
    # The other replica may hold back at most one lease (min(8, 40 // 4) = 8) unspent.
    assert allowed >= 40 - 8
    # Leases growing with the pace, and remembered refusals: far fewer scripts than requests.
    assert commands < 40, commands


async def test_a_client_waiting_on_many_connections_asks_redis_once_at_a_time(redis):
    limiter = RateLimiter(redis, max_lease=8)
    decisions = await asyncio.gather(*(limiter.check("busy", per_second=1000, burst=1000) for _ in range(64)))
    stats = await redis.info("commandstats")
    scripts = sum(stats.get(f"cmdstat_{c}", {}).get("calls", 0) for c in ("evalsha", "eval"))
    assert all(d.allowed for d in decisions)
    # One lease at a time, each shared by the requests waiting for it: a lease of 1 (a new client),
    # then of 8 (the cap), and the next asked for ahead; not one script per request.
    assert scripts <= 1 + 64 // 8 + 2, scripts


async def test_a_busy_client_gets_its_next_lease_before_it_runs_out(redis):
    limiter = RateLimiter(redis, max_lease=8)
    for _ in range(3):  # a first lease of one, then leases of eight at this pace
        await limiter.check("busy", per_second=1000, burst=1000)
    allowance = limiter._allowances["busy"]
    while not allowance.running_low():
        assert (await limiter.check("busy", per_second=1000, burst=1000)).allowed
    held = allowance.tokens
    # The request that finds a quarter of the lease left is answered from it at once...
    assert (await limiter.check("busy", per_second=1000, burst=1000)).allowed
    assert allowance.tokens == held - 1
    # ...and the next lease is on its way meanwhile.
    await asyncio.gather(*limiter._refills)
    assert allowance.tokens > held - 1


async def test_namespaces_keep_buckets_apart(redis):
    one = RateLimiter(redis, namespace="one", max_lease=1)
    two = RateLimiter(redis, namespace="two", max_lease=1)
    assert (await one.check("k", per_second=0.01, burst=1)).allowed
    assert not (await one.check("k", per_second=0.01, burst=1)).allowed
    assert (await two.check("k", per_second=0.01, burst=1)).allowed


async def test_without_redis_requests_pass_and_redis_is_not_asked_for_a_while(redis, redis_server):
    limiter = RateLimiter(redis, max_lease=1)
    redis_server.stop()
    first = await limiter.check("k", per_second=0.01, burst=1)
    assert first.allowed and first.degraded
    assert limiter._redis_down_until > 0
    second = await limiter.check("k", per_second=0.01, burst=1)
    assert second.allowed and second.degraded
