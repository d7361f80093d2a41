"""Rate limiting in Redis with GCRA: one key per client and route group, exact Retry-After."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from prometheus_client import Counter
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
RATE_LIMITER_UNAVAILABLE = Counter(
    "gare_gateway_rate_limiter_unavailable_total", "Requests let through because Redis did not answer"
)

# Generic cell rate algorithm: the key holds the theoretical arrival time (TAT) in microseconds.
# Redis's own clock is used so that several gateways agree.
_GCRA = """
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - tolerance
if allow_at > now then
  return {0, allow_at - now, 0}
end
redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil((new_tat - now) / 1000) + 1)
return {1, 0, math.floor((tolerance - (new_tat - now)) / interval)}
"""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after_seconds: int
    remaining: int
    limit: int
    degraded: bool = False


class RateLimiter:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._script = redis.register_script(_GCRA)
        self._last_warning = 0.0

    async def check(self, key: str, *, per_second: float, burst: int) -> Decision:
        interval = int(1_000_000 / per_second)
        tolerance = interval * burst
        try:
            allowed, wait_us, remaining = await self._script(keys=[key], args=[interval, tolerance])
        except (RedisError, OSError) as exc:
            # Availability over strictness: without Redis the station keeps serving, unthrottled.
            RATE_LIMITER_UNAVAILABLE.inc()
            if time.monotonic() - self._last_warning > 10:
                self._last_warning = time.monotonic()
                log.warning("rate limiter unavailable, letting requests through", extra={"error": repr(exc)})
            return Decision(True, 0, burst, burst, degraded=True)
        return Decision(
            allowed=bool(allowed),
            retry_after_seconds=max(1, math.ceil(int(wait_us) / 1_000_000)) if not allowed else 0,
            remaining=int(remaining),
            limit=burst,
        )
