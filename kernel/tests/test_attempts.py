"""The attempt counter against a real redis-server: concurrent attempts never get past the limit."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from redis.asyncio import Redis

from deploy.embedded.infra import RedisServer
from kernel.attempts import AttemptCounter, AttemptPolicy
from testkit.service import running_redis


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with running_redis(tmp_path_factory.mktemp("attempts")) as server:
        yield server


@pytest.fixture
async def counter(redis_server: RedisServer) -> AsyncIterator[AttemptCounter]:
    client = Redis.from_url(redis_server.url)
    yield AttemptCounter(client)
    await client.aclose()


# Limits, numbers of concurrent attempts and policies, crossed: the property holds for each.
POLICIES = {
    "fixed": lambda limit: AttemptPolicy(limit=limit, window_seconds=60),
    "lockout": lambda limit: AttemptPolicy(
        limit=limit, window_seconds=60, lockout_seconds=30, max_lockout_seconds=60
    ),
}
MATRIX = list(itertools.product([1, 3, 5, 10], [1, 7, 40, 120], sorted(POLICIES)))


@pytest.mark.parametrize(("limit", "concurrent", "policy_name"), MATRIX)
async def test_concurrent_attempts_never_exceed_the_limit(redis_server, limit, concurrent, policy_name):
    policy = POLICIES[policy_name](limit)
    # Several clients, as several gateway replicas: the limit holds across them.
    clients = [Redis.from_url(redis_server.url) for _ in range(3)]
    counters = [AttemptCounter(client) for client in clients]
    key = uuid.uuid4().hex
    try:
        verdicts = await asyncio.gather(
            *(counters[i % len(counters)].spend(key, policy) for i in range(concurrent))
        )
    finally:
        for client in clients:
            await client.aclose()
    allowed = [v for v in verdicts if v.allowed]
    assert len(allowed) == min(limit, concurrent)
    assert sorted(v.attempts for v in allowed) == list(range(1, len(allowed) + 1))
    assert all(v.retry_after_seconds >= 1 for v in verdicts if not v.allowed)


async def test_a_fixed_window_refuses_until_it_ends_and_clear_starts_afresh(counter):
    policy = AttemptPolicy(limit=2, window_seconds=30)
    key = uuid.uuid4().hex
    assert [(await counter.spend(key, policy)).allowed for _ in range(3)] == [True, True, False]
    refused = await counter.spend(key, policy)
    assert not refused.allowed and 1 <= refused.retry_after_seconds <= 30
    await counter.clear(key)
    assert (await counter.spend(key, policy)).allowed


async def test_lockouts_double_then_cap(counter):
    policy = AttemptPolicy(limit=2, window_seconds=600, lockout_seconds=10, max_lockout_seconds=35)
    key = uuid.uuid4().hex
    lock_key = f"attempts:{key}:lock"
    assert (await counter.spend(key, policy)).allowed
    assert await counter.redis.pttl(lock_key) < 0  # below the limit: no lockout
    lockouts = []
    for _ in range(4):
        assert (await counter.spend(key, policy)).allowed
        lockouts.append(await counter.redis.pttl(lock_key))
        refused = await counter.spend(key, policy)
        assert not refused.allowed
        assert refused.retry_after_seconds == pytest.approx(lockouts[-1] / 1000, abs=1)
        await counter.redis.delete(lock_key)  # as if the lockout had passed
    # 10 s, 20 s, then capped at 35 s.
    assert [round(ms / 1000) for ms in lockouts] == [10, 20, 35, 35]


async def test_clear_lifts_a_lockout(counter):
    policy = AttemptPolicy(limit=1, window_seconds=600, lockout_seconds=60, max_lockout_seconds=60)
    key = uuid.uuid4().hex
    assert (await counter.spend(key, policy)).allowed
    assert not (await counter.spend(key, policy)).allowed
    await counter.clear(key)
    assert (await counter.spend(key, policy)).allowed


def test_a_policy_must_allow_something():
    with pytest.raises(ValueError):
        AttemptPolicy(limit=0, window_seconds=10)
    with pytest.raises(ValueError):
        AttemptPolicy(limit=1, window_seconds=10, lockout_seconds=5, max_lockout_seconds=1)
