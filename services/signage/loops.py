"""signage's periodic work, run by the kernel (kernel/background.py):

- the sweeper: what changes with time alone, checked every few seconds: alerts past their expiry are
  cleared (alert.cleared), screens silent past three heartbeat intervals are reported (screen.offline),
  a welcome that an event's dates begin or end is told (welcome.changed);
- the push watcher: wakes the players' push channels the moment what they show may have changed.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import cast

from redis.exceptions import RedisError

from kernel.background import Loop
from kernel.db import utcnow
from kernel.runtime import ServiceRuntime
from kernel.tasks import item_alone
from services.signage import heartbeats
from services.signage.agenda.service import tell_welcome_change
from services.signage.alerts.service import SWEEP_LOOP, clear_expired_alerts
from services.signage.exhibitions.mirror import ExhibitionClock, ExhibitionMirror
from services.signage.player import live
from services.signage.screens.domain import screen_health
from services.signage.screens.service import list_screens, report_silent_screens
from services.signage.settings import Settings

log = logging.getLogger(__name__)

SWEEP_SECONDS = 5.0
# A silence is reported once: this key says so until the screen is heard again.
REPORTED_TTL = timedelta(days=1)


def reported_key(station_id: str, code: str) -> str:
    return f"signage:offline-reported:{station_id}:{code}"


async def sweep(runtime: ServiceRuntime) -> None:
    """Every station, and its alerts and its screens, alone: what fails is recorded, the rest is swept."""
    now = utcnow()
    for station_id in runtime.settings.stations:
        async with (
            item_alone(SWEEP_LOOP, f"alerts of {station_id}"),
            runtime.sessionmaker() as session,
        ):
            await clear_expired_alerts(session=session, station_id=station_id, at=now)
        async with item_alone(SWEEP_LOOP, f"screens of {station_id}"):
            await report_silences(runtime, station_id)
        async with (
            item_alone(SWEEP_LOOP, f"welcome of {station_id}"),
            runtime.sessionmaker() as session,
        ):
            await tell_welcome_change(session=session, station_id=station_id, at=now)


async def report_silences(runtime: ServiceRuntime, station_id: str) -> None:
    redis = runtime.redis
    if redis is None:
        return  # no heartbeats without Redis, so no silence to speak of
    async with runtime.sessionmaker() as session:
        codes = [s.code for s in await list_screens(session=session, station_id=station_id)]
        seen = await heartbeats.last_seen(redis, station_id=station_id, codes=codes)
        now = utcnow()
        newly_silent = set()
        try:
            for code, at in seen.items():
                silent = not screen_health(
                    last_seen=at, playing_version=None, current_version="", at=now
                ).online
                key = reported_key(station_id, code)
                if not silent:
                    await redis.delete(key)
                elif await redis.set(key, at.isoformat(), nx=True, ex=REPORTED_TTL):
                    newly_silent.add(code)  # only the replica that set the key reports it
        except (RedisError, OSError) as exc:
            log.warning("silent screens not checked", extra={"error": repr(exc)})
            return
        if newly_silent:
            await report_silent_screens(
                session=session, station_id=station_id, last_seen=seen, newly_silent=newly_silent
            )


class Sweeper(Loop):
    def __init__(self, runtime: ServiceRuntime) -> None:
        super().__init__(SWEEP_LOOP, every=SWEEP_SECONDS)
        self.runtime = runtime

    async def tick(self) -> None:
        await sweep(self.runtime)


class PushWatcher(Loop):
    def __init__(self, channel: live.LiveChannel) -> None:
        super().__init__("signage-push-watch", every=live.WATCH_SECONDS)
        self.channel = channel

    async def tick(self) -> None:
        self.channel.notice()


def loops(runtime: ServiceRuntime) -> list[Loop]:
    """Every loop of signage, made once the runtime exists."""
    return [
        Sweeper(runtime),
        PushWatcher(live.channel_of(runtime)),
        ExhibitionMirror(runtime, every=cast(Settings, runtime.settings).exhibition_mirror_seconds),
        ExhibitionClock(runtime),
    ]
