"""Device simulators back off like real devices: delays grow with failures, jittered and capped,
honour Retry-After, and start again from nothing after a success."""

from __future__ import annotations

import asyncio
import random

import httpx
import pytest

from devices.client import Backoff, DeviceSession, backs_off
from testkit.stack import SAINT_DENIS


@pytest.mark.parametrize("seed", range(20))
def test_delays_double_within_their_jitter_up_to_the_cap(seed):
    backoff = Backoff(base=1.0, cap=60.0, rng=random.Random(seed))
    delays = [backoff.failed() for _ in range(12)]
    for n, delay in enumerate(delays):
        ceiling = min(60.0, 2.0**n)
        assert ceiling / 2 <= delay <= ceiling
    assert max(delays) <= 60.0
    assert delays[-1] >= 30.0  # capped, not stuck low


def test_jitter_spreads_devices_that_failed_together():
    fifth_waits = set()
    for seed in range(10):
        backoff = Backoff(rng=random.Random(seed))
        fifth_waits.add([backoff.failed() for _ in range(5)][-1])
    assert len(fifth_waits) == 10


def test_retry_after_is_waited_at_least_and_success_resets():
    backoff = Backoff(base=1.0, cap=300.0, rng=random.Random(1))
    assert backoff.failed(retry_after=42) == 42
    backoff.succeeded()
    assert backoff.delay == 0 and backoff.failures == 0
    assert backoff.failed() <= 1.0


@pytest.mark.parametrize(
    ("status", "backs"),
    [(s, False) for s in (200, 204, 304, 404, 422)] + [(s, True) for s in (401, 429, 500, 502, 503)],
)
def test_which_answers_make_a_device_back_off(status, backs):
    assert backs_off(status) is backs


@pytest.mark.e2e
def test_a_device_refused_by_the_gateway_waits_longer_each_time_then_resumes(stack, gateway):
    device = next(d for d in stack.demo["devices"] if d["kind"] == "kiosk" and d["station"] == SAINT_DENIS)
    waits: list[float] = []

    async def record(seconds: float) -> None:  # the device's clock: the test keeps the waits
        waits.append(seconds)

    async def run() -> Backoff:
        async with httpx.AsyncClient(timeout=10) as http:
            session = DeviceSession(
                http,
                gateway=gateway,
                client_id=device["client_id"],
                client_secret="revoked-secret",
                backoff=Backoff(base=1.0, cap=60.0, rng=random.Random(7)),
                sleep=record,
            )
            # Fewer failures than the gateway's per-client limit: each one is a real 401.
            for _ in range(4):
                with pytest.raises(httpx.HTTPStatusError) as refused:
                    await session.token()
                assert refused.value.response.status_code == 401
            session.client_secret = device["client_secret"]  # provisioned again
            assert await session.token()
            return session.backoff

    backoff = asyncio.run(run())
    # No wait before the first try; then one per failure, growing.
    assert len(waits) == 4
    assert waits == sorted(waits) and waits[-1] > waits[0]
    assert backoff.failures == 0 and backoff.delay == 0
