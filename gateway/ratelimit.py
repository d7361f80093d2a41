"""Rate limits: GCRA in Redis, spent from a small local allowance so most requests skip Redis.

The bucket of each client and route group lives in Redis (one key, the theoretical arrival time,
Redis's clock), shared by every gateway replica. A replica takes tokens from it a few at a time (a
lease) and spends them locally; it asks Redis for the next lease when a quarter of this one is
left, while it spends that quarter (a busy client's requests never wait for Redis), or when a
lease of one is spent. A refusal is remembered locally until the next token is due, so a client
being refused costs no round trip.

A lease is sized to what the client spends in LEASE_SECONDS at its recent pace, between 1 (a
client's first request, or a slow client: exact, one round trip each) and min(max_lease, burst/4).

The bound, across any number of replicas: a client never gets more than its limit (every token is
taken from Redis before it is spent). A replica holds at most 1.25 * min(max_lease, burst/4) unspent
tokens of a client (a lease and the quarter of the previous one), so a client spread over R
replicas may get up to (R - 1) * 1.25 * min(max_lease, burst/4) fewer than its limit, until the bucket refills at its rate. With max_lease 1 the limiter is exact.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from prometheus_client import Counter
from redis.asyncio import Redis
from redis.exceptions import RedisError

from kernel.tasks import stop_task

log = logging.getLogger(__name__)
RATE_LIMITER_UNAVAILABLE = Counter(
    "gare_gateway_rate_limiter_unavailable_total", "Requests let through because Redis did not answer"
)

# GCRA taking up to ARGV[3] tokens at once. The key holds the theoretical arrival time (TAT) in
# microseconds of Redis's clock. Returns {granted, microseconds until the next token, left after}.
_GCRA_LEASE = """
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local available = math.floor((now + tolerance - tat) / interval)
if available < 1 then
  return {0, tat + interval - tolerance - now, 0}
end
local granted = math.min(want, available)
local new_tat = tat + granted * interval
redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil((new_tat - now) / 1000) + 1)
return {granted, 0, available - granted}
"""


@dataclass(slots=True)
class Decision:
    allowed: bool
    retry_after_seconds: int
    remaining: int
    limit: int
    degraded: bool = False


@dataclass(slots=True)
class Allowance:
    """What this replica holds of one client's bucket."""

    tokens: int = 0  # leased from Redis, not spent yet
    left_in_redis: int = 0  # what the bucket still had after the last lease
    denied_until: float = 0.0  # local monotonic time before which Redis has no token for it
    size: int = 0  # tokens of the last lease
    leased_at: float = 0.0

    def take(self, now: float, limit: int) -> Decision | None:
        """Decide locally, or None when Redis must be asked."""
        if self.tokens > 0:
            self.tokens -= 1
            return Decision(True, 0, self.left_in_redis + self.tokens, limit)
        if now < self.denied_until:
            return Decision(False, retry_after(self.denied_until - now), 0, limit)
        return None

    def running_low(self) -> bool:
        """A quarter of a lease of several tokens left: time to ask for the next one."""
        return self.size > 1 and self.tokens * 4 <= self.size

    def leased(self, now: float, granted: int, wait_seconds: float, left: int) -> None:
        self.tokens += granted
        self.left_in_redis = left
        self.denied_until = now + wait_seconds if granted == 0 else 0.0
        if granted:
            self.size, self.leased_at = granted, now

    def next_lease(self, now: float, cap: int) -> int:
        """Tokens to ask for: what the client spent in LEASE_SECONDS at the pace of its last lease."""
        if not self.size:
            return 1
        spent_in = max(now - self.leased_at, 1e-6)
        return max(1, min(cap, math.ceil(self.size / spent_in * LEASE_SECONDS)))


LEASE_SECONDS = 0.05


def lease_cap(burst: int, max_lease: int) -> int:
    """The most tokens taken from Redis at once: at most a quarter of the burst, so the tokens a
    replica may hold unspent stay a small part of what the client is allowed."""
    return max(1, min(max_lease, burst // 4))


def retry_after(seconds: float) -> int:
    """Whole seconds a client waits (RFC 9110 Retry-After), never 0 for a refusal."""
    return max(1, math.ceil(seconds))


def gcra_parameters(per_second: float, burst: int) -> tuple[int, int]:
    """(emission interval, tolerance) in microseconds."""
    interval = max(1, int(1_000_000 / per_second))
    return interval, interval * burst


class RateLimiter:
    # Allowances kept; past this they are forgotten (harmless: the tokens were already counted).
    MAX_CLIENTS = 50_000
    # After Redis failed, requests pass without asking it for this long (no timeout per request).
    REDIS_BACKOFF_SECONDS = 1.0

    def __init__(
        self,
        redis: Redis,
        *,
        namespace: str = "gare",
        max_lease: int = 64,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.redis = redis
        self.namespace = namespace
        self.max_lease = max_lease
        self.clock = clock
        self._script = redis.register_script(_GCRA_LEASE)
        self._allowances: dict[str, Allowance] = {}
        self._redis_down_until = 0.0
        self._leasing: dict[str, asyncio.Future[None]] = {}  # keys whose lease is being asked for
        self._refills: set[asyncio.Task[bool]] = set()
        self._last_warning = 0.0

    async def check(self, key: str, *, per_second: float, burst: int) -> Decision:
        while True:
            now = self.clock()
            allowance = self._allowances.get(key)
            if allowance is not None:
                decision = allowance.take(now, burst)
                if decision is not None:
                    if decision.allowed and allowance.running_low() and key not in self._leasing:
                        self._refill(key, per_second=per_second, burst=burst)
                    return decision
            if now < self._redis_down_until:
                return self._let_through(burst)
            leasing = self._leasing.get(key)
            if leasing is None:
                break
            # Another request of this client is asking Redis already: share its lease rather than
            # send one round trip per waiting request (64 connections at once would send 64).
            await asyncio.shield(leasing)
        if not await self._lease(key, self._leasing_started(key), per_second=per_second, burst=burst):
            return self._let_through(burst)
        decision = self._allowances[key].take(self.clock(), burst)
        assert decision is not None  # a lease leaves tokens or a remembered refusal
        return decision

    async def stop(self) -> None:
        """Stop the leases asked for ahead (the gateway is shutting down)."""
        await asyncio.gather(*(stop_task(task) for task in list(self._refills)))

    def _refill(self, key: str, *, per_second: float, burst: int) -> None:
        """Ask for the next lease while the client still spends this one: a busy client's requests
        never wait for Redis (every waiting request would wait for the slowest round trip)."""
        task = asyncio.create_task(
            self._lease(key, self._leasing_started(key), per_second=per_second, burst=burst)
        )
        self._refills.add(task)
        task.add_done_callback(self._refills.discard)

    def _leasing_started(self, key: str) -> asyncio.Future[None]:
        future = self._leasing[key] = asyncio.get_running_loop().create_future()
        return future

    async def _lease(self, key: str, leasing: asyncio.Future[None], *, per_second: float, burst: int) -> bool:
        """Take tokens from the client's bucket in Redis into its allowance; False when Redis failed."""
        try:
            now = self.clock()
            allowance = self._allowances.get(key)
            interval, tolerance = gcra_parameters(per_second, burst)
            want = allowance.next_lease(now, lease_cap(burst, self.max_lease)) if allowance else 1
            try:
                granted, wait_us, left = await self._script(
                    keys=[f"{self.namespace}:{key}"], args=[interval, tolerance, want]
                )
            except (RedisError, OSError) as exc:
                self._redis_down_until = self.clock() + self.REDIS_BACKOFF_SECONDS
                if now - self._last_warning > 10:
                    self._last_warning = now
                    log.warning(
                        "rate limiter unavailable, letting requests through", extra={"error": repr(exc)}
                    )
                return False
            now = self.clock()
            allowance = self._allowances.get(key)
            if allowance is None:
                if len(self._allowances) >= self.MAX_CLIENTS:
                    self._allowances.clear()
                allowance = self._allowances[key] = Allowance()
            allowance.leased(now, int(granted), int(wait_us) / 1_000_000, int(left))
            return True
        finally:
            if self._leasing.get(key) is leasing:
                del self._leasing[key]
            leasing.set_result(None)

    @staticmethod
    def _let_through(burst: int) -> Decision:
        # Availability over strictness: without Redis the station keeps serving, unthrottled.
        RATE_LIMITER_UNAVAILABLE.inc()
        return Decision(True, 0, burst, burst, degraded=True)
