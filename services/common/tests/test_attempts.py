"""The attempt counter against a real redis-server: concurrent guesses never get past the limit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis

from deploy.embedded.infra import RedisServer
from deploy.embedded.ports import any_free_port
from services.common.attempts import AttemptCounter


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    where: Path = tmp_path_factory.mktemp("redis")
    server = RedisServer(port=any_free_port(), data_dir=where / "data", log_dir=where, cwd=where)
    server.start()
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture
async def redis(redis_server: RedisServer) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_server.url)
    await client.flushall()
    yield client
    await client.aclose()


async def test_concurrent_attempts_take_exactly_the_limit(redis: Redis) -> None:
    counter = AttemptCounter(redis, prefix="t", limit=5, window_seconds=60)
    attempts = await asyncio.gather(*(counter.take("bank:A") for _ in range(40)))
    assert sorted(a.number for a in attempts) == list(range(1, 41))
    assert sum(a.allowed for a in attempts) == 5
    assert sum(a.locks for a in attempts) == 1
    assert await counter.locked_for("bank:A") > 0
    assert all(0 < a.retry_after <= 60 for a in attempts)


async def test_a_right_guess_clears_the_count_and_keys_are_separate(redis: Redis) -> None:
    counter = AttemptCounter(redis, prefix="t", limit=3, window_seconds=60)
    for _ in range(2):
        await counter.take("a")
    await counter.succeeded("a")
    assert (await counter.take("a")).number == 1
    assert (await counter.take("b")).number == 1
    assert await counter.locked_for("a") == 0


async def test_attempts_while_locked_do_not_extend_the_lockout(redis: Redis) -> None:
    counter = AttemptCounter(redis, prefix="t", limit=2, window_seconds=100)
    await counter.take("a")
    await counter.take("a")
    await redis.expire(counter.key("a"), 7)  # as if 93 s had passed
    assert not (await counter.take("a")).allowed
    assert 0 < await redis.ttl(counter.key("a")) <= 7


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(limit=st.integers(1, 8), tries=st.integers(1, 30))
async def test_any_burst_checks_at_most_the_limit(redis: Redis, limit: int, tries: int) -> None:
    await redis.flushall()
    counter = AttemptCounter(redis, prefix="p", limit=limit, window_seconds=60)
    attempts = await asyncio.gather(*(counter.take("k") for _ in range(tries)))
    assert sum(a.allowed for a in attempts) == min(limit, tries)
    assert sum(a.locks for a in attempts) == (1 if tries >= limit else 0)
