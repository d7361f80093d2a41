"""Live push of availability: a Server-Sent Events stream per station.

A change wakes the streams of its station whichever replica committed it: every GBFS invalidation
of the hot-read cache (local commits and other replicas' broadcasts) is a pulse. An event's id is
the moment the database recorded the change, so a client that comes back with `Last-Event-ID`
(after a network cut or a restart of the service) gets the current state of every vehicle station
that changed since, from the database: it misses nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kernel.runtime import ServiceRuntime
from services.bike_share import shared
from services.bike_share.models import VehicleStation, VehicleStationStatus
from services.bike_share.schemas import VehicleStationPublic

KEEP_ALIVE_SECONDS = 15.0


class Pulse:
    """One asyncio.Event per station, replaced at each change so every waiter sees it once."""

    def __init__(self) -> None:
        self._events: dict[str, asyncio.Event] = {}

    def waiter(self, station_id: str) -> asyncio.Event:
        return self._events.setdefault(station_id, asyncio.Event())

    def notify(self, station_id: str) -> None:
        event = self._events.pop(station_id, None)
        if event is not None:
            event.set()


def pulse_of(runtime: ServiceRuntime) -> Pulse:
    """The runtime's pulse, hooked on its hot-read cache the first time a stream asks."""
    existing: Pulse | None = getattr(runtime, "_availability_pulse", None)
    if existing is not None:
        return existing
    pulse = Pulse()
    cache = runtime.hot
    invalidate = cache.invalidate

    def invalidate_and_pulse(station_id: str, tags: Iterable[str], *, source: str = "local") -> None:
        tags = list(tags)
        invalidate(station_id, tags, source=source)
        if shared.GBFS in tags:
            pulse.notify(station_id)

    def flush_and_pulse() -> None:
        flush()
        for station_id in list(pulse._events):
            pulse.notify(station_id)

    flush = cache.flush
    setattr(cache, "invalidate", invalidate_and_pulse)  # noqa: B010 (a hook, not an attribute)
    setattr(cache, "flush", flush_and_pulse)  # noqa: B010
    setattr(runtime, "_availability_pulse", pulse)  # noqa: B010
    return pulse


def event_id(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def parse_event_id(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


async def changed_since(
    session: AsyncSession, station_id: str, since: datetime | None
) -> list[VehicleStation]:
    query = (
        select(VehicleStation)
        .join(VehicleStationStatus)
        .where(VehicleStation.station_id == station_id)
        .order_by(VehicleStationStatus.updated_at, VehicleStation.id)
    )
    if since is not None:
        query = query.where(VehicleStationStatus.updated_at > since)
    return list((await session.scalars(query)).unique().all())


def frame(station: VehicleStation) -> bytes:
    assert station.status is not None
    body = VehicleStationPublic.model_validate(station).model_dump_json()
    return f"id: {event_id(station.status.updated_at)}\nevent: availability\ndata: {body}\n\n".encode()


async def stream(
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    pulse: Pulse,
    station_id: str,
    last_event_id: str | None,
    follow: bool = True,
) -> AsyncIterator[bytes]:
    """Without Last-Event-ID: the current state of every vehicle station, then each change.
    Not following: what changed since Last-Event-ID, then the end (a catch-up for pollers)."""
    cursor = parse_event_id(last_event_id)
    yield b"retry: 2000\n\n"
    while True:
        waiter = pulse.waiter(station_id)  # taken before reading: a change meanwhile is not lost
        async with sessionmaker() as session:
            for station in await changed_since(session, station_id, cursor):
                assert station.status is not None
                cursor = max(cursor, station.status.updated_at) if cursor else station.status.updated_at
                yield frame(station)
        if not follow:
            return
        try:
            await asyncio.wait_for(waiter.wait(), KEEP_ALIVE_SECONDS)
        except TimeoutError:
            yield b": keep-alive\n\n"
