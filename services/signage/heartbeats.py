"""When each screen's player last fetched its playlist, kept in Redis: losing it loses no data."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from datetime import datetime, timedelta

from redis.asyncio import Redis
from redis.exceptions import RedisError

from kernel.db import utcnow

log = logging.getLogger(__name__)

# A screen silent for a day is simply "never seen"; the key then cleans itself up.
HEARTBEAT_TTL = timedelta(days=1)
# A player polling every second needs one write every few seconds, not one per poll.
NOTE_INTERVAL_SECONDS = 5.0
_last_noted: dict[tuple[str, str], float] = {}
_writing: set[asyncio.Task[None]] = set()


def heartbeat_key(station_id: str, code: str) -> str:
    return f"signage:heartbeat:{station_id}:{code}"


def version_key(station_id: str, code: str) -> str:
    return f"signage:playing:{station_id}:{code}"


async def record(
    redis: Redis | None, *, station_id: str, code: str, at: datetime, version: str | None = None
) -> None:
    """Note a fetch or heartbeat; Redis being away must never stop a screen from playing."""
    if redis is None:
        return
    try:
        async with redis.pipeline(transaction=False) as pipe:
            pipe.set(heartbeat_key(station_id, code), at.isoformat(), ex=HEARTBEAT_TTL)
            if version is not None:
                pipe.set(version_key(station_id, code), version, ex=HEARTBEAT_TTL)
            await pipe.execute()
    except (RedisError, OSError) as exc:
        log.warning("heartbeat not recorded", extra={"screen": code, "error": repr(exc)})


async def playing_versions(redis: Redis | None, *, station_id: str, codes: Sequence[str]) -> dict[str, str]:
    """The content version each screen last reported; empty when Redis is not there."""
    if redis is None or not codes:
        return {}
    try:
        values = await redis.mget([version_key(station_id, code) for code in codes])
    except (RedisError, OSError) as exc:
        log.warning("playing versions not readable", extra={"error": repr(exc)})
        return {}
    return {
        code: value.decode() if isinstance(value, bytes) else value
        for code, value in zip(codes, values, strict=True)
        if value is not None
    }


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
            at = datetime.fromisoformat(value.decode() if isinstance(value, bytes) else value)
        except ValueError:
            at = None
        # A time without its offset cannot be compared with ours: as malformed as no time at all.
        if at is None or at.tzinfo is None:
            log.warning("ignoring a malformed heartbeat", extra={"screen": code})
            continue
        seen[code] = at
    return seen


def note(redis: Redis | None, *, station_id: str, code: str) -> None:
    """Note a fetch without making the player wait: written in the background, at most once per
    screen every NOTE_INTERVAL_SECONDS (so `last_seen_at` is that precise)."""
    if redis is None:
        return
    now = time.monotonic()
    if now - _last_noted.get((station_id, code), float("-inf")) < NOTE_INTERVAL_SECONDS:
        return
    _last_noted[(station_id, code)] = now
    task = asyncio.create_task(record(redis, station_id=station_id, code=code, at=utcnow()))
    _writing.add(task)
    task.add_done_callback(_writing.discard)
