"""Attempts at something guessable (a code, a password, a client secret), counted in Redis.

Counting and deciding are one atomic step (a Lua script): under any number of concurrent attempts,
at most `limit` are let through to be evaluated, however many replicas share the Redis. An attempt
is spent before it is evaluated; a success clears the counter (`clear`).

Two policies:
- no lockout: `limit` attempts per window, counted from the first one; then refused until the
  window ends (a one-time code: a few guesses, then the code is dead anyway);
- with lockout: after `limit` attempts, each further one waits a lockout that doubles, capped at
  `max_lockout_seconds`, so an attacker is slowed to one guess per cap while the real owner waits
  at most the cap; the count is forgotten `window_seconds` after the last attempt.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from redis.asyncio import Redis

# KEYS: count, lock. ARGV: limit, window ms, lockout ms (0: none), max lockout ms.
# Returns {allowed (0/1), attempts counted, ms to wait when refused}.
_SPEND = """
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local lockout = tonumber(ARGV[3])
local max_lockout = tonumber(ARGV[4])
local count = tonumber(redis.call('GET', KEYS[1]) or 0)
local locked = redis.call('PTTL', KEYS[2])
if locked > 0 then
  return {0, count, locked}
end
if lockout == 0 and count >= limit then
  local left = redis.call('PTTL', KEYS[1])
  if left < 1 then left = window end
  return {0, count, left}
end
count = redis.call('INCR', KEYS[1])
if lockout > 0 or count == 1 then
  redis.call('PEXPIRE', KEYS[1], window)
end
if lockout > 0 and count >= limit then
  local wait = math.min(max_lockout, lockout * 2 ^ math.min(count - limit, 40))
  redis.call('SET', KEYS[2], '1', 'PX', math.floor(wait))
end
return {1, count, 0}
"""


@dataclass(frozen=True, slots=True)
class AttemptPolicy:
    limit: int
    window_seconds: float
    lockout_seconds: float = 0.0
    max_lockout_seconds: float = 0.0

    def __post_init__(self) -> None:
        if self.limit < 1 or self.window_seconds <= 0:
            raise ValueError("an attempt policy allows at least one attempt in a positive window")
        if self.lockout_seconds and self.max_lockout_seconds < self.lockout_seconds:
            raise ValueError("the longest lockout cannot be shorter than the first")


@dataclass(frozen=True, slots=True)
class AttemptVerdict:
    allowed: bool
    attempts: int
    retry_after_seconds: int = 0  # whole seconds (RFC 9110 Retry-After); 0 when allowed


class AttemptCounter:
    def __init__(self, redis: Redis, *, prefix: str = "attempts") -> None:
        self.redis = redis
        self.prefix = prefix
        self._script = redis.register_script(_SPEND)

    def _keys(self, key: str) -> list[str]:
        return [f"{self.prefix}:{key}:count", f"{self.prefix}:{key}:lock"]

    async def spend(self, key: str, policy: AttemptPolicy) -> AttemptVerdict:
        """Count one attempt at `key` and say whether it may be evaluated."""
        allowed, attempts, wait_ms = await self._script(
            keys=self._keys(key),
            args=[
                policy.limit,
                _ms(policy.window_seconds),
                _ms(policy.lockout_seconds),
                _ms(policy.max_lockout_seconds),
            ],
        )
        if allowed:
            return AttemptVerdict(True, int(attempts))
        return AttemptVerdict(False, int(attempts), max(1, math.ceil(int(wait_ms) / 1000)))

    async def clear(self, key: str) -> None:
        """The attempt succeeded (or a new secret was issued): start counting afresh."""
        await self.redis.delete(*self._keys(key))


def _ms(seconds: float) -> int:
    return math.ceil(seconds * 1000)
