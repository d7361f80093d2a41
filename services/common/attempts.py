"""Attempt counters for secrets that can be guessed (keypad codes, one-time codes...): the attempt is
counted and the decision taken in one atomic step in Redis, before the guess is checked.

Counting after checking lets concurrent guesses all pass a "not locked yet" read: 40 wrong codes at
once would have 6 or more evaluated before the lockout. Here each attempt takes a numbered ticket
first (a Lua script: INCR, and the window's expiry, together); only tickets up to the limit are
evaluated, whatever the concurrency.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

# KEYS[1] the counter; ARGV[1] the limit, ARGV[2] the window in seconds. Attempts up to the limit
# (re)start the window, so a lockout lasts the whole window after the attempt that caused it;
# attempts while locked do not extend it. Returns the attempt's number and the seconds left.
_TAKE = """
local number = redis.call('INCR', KEYS[1])
if number <= tonumber(ARGV[1]) then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
end
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return {number, ttl}
"""


@dataclass(frozen=True)
class Attempt:
    """One counted attempt: its number in the window and what that allows."""

    number: int
    limit: int
    retry_after: int

    @property
    def allowed(self) -> bool:
        """May the guess be checked at all (the limit is not reached before it)?"""
        return self.number <= self.limit

    @property
    def locks(self) -> bool:
        """This attempt is the last one allowed: if it is wrong, the counter is locked from now on."""
        return self.number == self.limit

    @property
    def left_if_wrong(self) -> int:
        """Attempts still allowed after this one, should it be wrong."""
        return max(0, self.limit - self.number)


class AttemptCounter:
    """Counts attempts per key (a bank, a phone number...) in a window, at most `limit` checked."""

    def __init__(self, redis: Redis, *, prefix: str, limit: int, window_seconds: int) -> None:
        if limit < 1 or window_seconds < 1:
            raise ValueError("an attempt counter needs a limit and a window of at least 1")
        self.redis = redis
        self.prefix = prefix
        self.limit = limit
        self.window = window_seconds
        self._take = redis.register_script(_TAKE)

    def key(self, name: str) -> str:
        return f"{self.prefix}:{name}"

    async def take(self, name: str) -> Attempt:
        """Count one attempt and say whether it may be checked (raises RedisError when unreachable)."""
        number, ttl = await self._take(keys=[self.key(name)], args=[self.limit, self.window])
        return Attempt(number=int(number), limit=self.limit, retry_after=max(1, int(ttl)))

    async def succeeded(self, name: str) -> None:
        """A right guess clears the count: the wrong ones before it no longer matter."""
        await self.redis.delete(self.key(name))

    async def locked_for(self, name: str) -> int:
        """Seconds left of a lockout (0: not locked), without counting an attempt."""
        raw = await self.redis.get(self.key(name))
        if raw is None or int(raw) < self.limit:
            return 0
        return max(1, int(await self.redis.ttl(self.key(name))))
