"""The push channel: wakes the players' event streams the moment what they show may have changed.

Every commit that marks a hot read (here or on another replica, through the cache broadcast) moves
the process's hot-read generation; one watcher per process notices it and wakes every stream, which
then reads the station's screens and active alerts once per change (shared by all its streams). No
Redis: with it down, pushes still flow, and players that lose the stream fall back to polling.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from kernel.contracts import screens as commands
from kernel.db import utcnow
from kernel.runtime import ServiceRuntime
from services.signage.alerts.domain import Alert, alerts_for
from services.signage.alerts.service import active_alerts, shown_alert
from services.signage.screens.domain import ScreenFacts
from services.signage.screens.service import facts_of, list_screens

WATCH_SECONDS = 0.05
KEEPALIVE_SECONDS = 15.0


@dataclass(frozen=True)
class StationView:
    screens: dict[str, ScreenFacts]
    languages: dict[str, list[str]]
    alerts: list[Alert]


class LiveChannel:
    def __init__(self, runtime: ServiceRuntime) -> None:
        self.runtime = runtime
        self.generation = runtime.hot.generation
        self._changed = asyncio.Event()
        self._views: dict[str, tuple[int, asyncio.Task[StationView]]] = {}
        self.streams = 0

    def notice(self) -> None:
        """Wake every stream if a commit moved the hot-read generation (loops.py runs this often)."""
        current = self.runtime.hot.generation
        if current != self.generation:
            self.generation = current
            woken, self._changed = self._changed, asyncio.Event()
            woken.set()

    async def wait(self, timeout: float) -> bool:
        """True when something changed before `timeout` seconds."""
        changed = self._changed
        try:
            await asyncio.wait_for(changed.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def view(self, station_id: str) -> StationView:
        """The station's screens and active alerts as of the current generation, read once."""
        known = self._views.get(station_id)
        if known is None or known[0] != self.generation or (known[1].done() and known[1].exception()):
            known = (self.generation, asyncio.create_task(self._load(station_id)))
            self._views[station_id] = known
        return await asyncio.shield(known[1])

    async def _load(self, station_id: str) -> StationView:
        async with self.runtime.sessionmaker() as session:
            screens = await list_screens(session=session, station_id=station_id)
            alerts = await active_alerts(session=session, station_id=station_id)
        return StationView(
            screens={s.code: facts_of(s) for s in screens},
            languages={s.code: list(s.languages) for s in screens},
            alerts=alerts,
        )


def channel_of(runtime: ServiceRuntime) -> LiveChannel:
    channel: LiveChannel | None = getattr(runtime, "_signage_live", None)
    if channel is None:
        channel = LiveChannel(runtime)
        runtime._signage_live = channel  # type: ignore[attr-defined]  # one per running service
    return channel


async def screen_events(
    channel: LiveChannel,
    *,
    station_id: str,
    code: str,
    disconnected: Callable[[], Awaitable[bool]],
    follow: bool = True,
) -> AsyncGenerator[str]:
    """`alerts` (the screen's alerts, at once and whenever they change) and `changed` (its document
    may have changed: revalidate it with If-None-Match), with keep-alive comments between; without
    `follow`, the current `alerts` and the end."""
    yield f"retry: {commands.RETRY_MILLISECONDS}\n\n"
    last_alerts: list[dict[str, Any]] | None = None
    generation = channel.generation
    while True:
        view = await channel.view(station_id)
        facts = view.screens.get(code)
        if facts is None:
            yield commands.encode(commands.Retired(screen=code))
            return
        shown = [
            shown_alert(alert, view.languages[code]) for alert in alerts_for(facts, view.alerts, utcnow())
        ]
        if shown != last_alerts:
            yield commands.encode(commands.ShowAlerts.model_validate(shown), event_id=str(channel.generation))
            last_alerts = shown
        if not follow:
            return
        if channel.generation != generation:
            generation = channel.generation
            yield commands.encode(commands.Revalidate(generation=generation))
            if await disconnected():
                return
            # A change may have come while the client was reading: look again before waiting, or it
            # would wait for the next change (or the keep-alive) to see this one.
            continue
        if not await channel.wait(KEEPALIVE_SECONDS):
            yield ": keep-alive\n\n"
        if await disconnected():
            return
