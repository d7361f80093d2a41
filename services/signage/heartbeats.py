"""When each screen's player last fetched its playlist, kept in Redis: losing it loses no data."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

# A screen silent for a day is simply "never seen"; the key then cleans itself up.
HEARTBEAT_TTL = timedelta(days=1)


def heartbeat_key(station_id: str, code: str) -> str:
    return f"signage:heartbeat:{station_id}:{code}"


async def record(redis: Redis | None, *, station_id: str, code: str, at: datetime) -> None:
    """Note a fetch; Redis being away must never stop a screen from getting its playlist."""
    if redis is None:
        return
    try:
        await redis.set(heartbeat_key(station_id, code), at.isoformat(), ex=HEARTBEAT_TTL)
    except (RedisError, OSError) as exc:
        log.warning("heartbeat not recorded", extra={"screen": code, "error": repr(exc)})


async def last_seen(redis: Redis | None, *, station_id: str, codes: Sequence[str]) -> dict[str, datetime]:
    """Last fetch time of each screen that has one; empty when Redis is not there."""
    if redis is None or not codes:
        return {}
    try:
        values = await redis.mget([heartbeat_key(station_id, code) for code in codes])
    except (RedisError, OSError) as exc:
        log.warning("heartbeats not readable", extra={"error": repr(exc)})
        return {}
    seen = {}
    for code, value in zip(codes, values, strict=True):
        if value is None:
            continue
        try:
            seen[code] = datetime.fromisoformat(value.decode() if isinstance(value, bytes) else value)
        except ValueError:
            log.warning("ignoring a malformed heartbeat", extra={"screen": code})
    return seen
