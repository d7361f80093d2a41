"""Ingest of operators' GBFS feeds: pull a configured system's feed, with ETag / Last-Modified,
map it into the model, and record how the feed is doing (`loops.py` pulls the feeds due, each when
its `ttl` says).

State of a feed: `ok` (the last pull was good), `degraded` (it was used, but some of its items
were skipped: the reason names them), `stale` (it failed, the last good data stays), `failing` (it
failed and there has never been good data), `pending` (not pulled yet). Each feed fails alone: a
round pulls every due feed whatever the others did.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kernel.db import utcnow
from kernel.fetch import FetchError, GuardedFetcher
from kernel.geo import distance_m
from kernel.hot_reads import mark_changed
from kernel.outbox import stage
from services.bike_share import domain, events, ingest, shared
from services.bike_share.models import (
    OUTBOX,
    FeedState,
    Vehicle,
    VehicleStation,
    VehicleStationStatus,
    VehicleType,
)

log = logging.getLogger(__name__)
# An operator's station belongs to the metro station it is nearest to, within this walk.
NEAR_STATION_M = 500


class FeedClient:
    """Conditional GETs: an unchanged file (304) is answered from the body we kept."""

    def __init__(self, fetcher: GuardedFetcher) -> None:
        self.fetcher = fetcher
        self._kept: dict[str, tuple[str | None, str | None, Any]] = {}

    async def get_json(self, url: str) -> tuple[Any, bool]:
        """The document at `url`, and whether it changed since the last pull."""
        headers = {"Accept": "application/json"}
        kept = self._kept.get(url)
        if kept is not None:
            if kept[0]:
                headers["If-None-Match"] = kept[0]
            if kept[1]:
                headers["If-Modified-Since"] = kept[1]
        try:
            response = await self.fetcher.get(url, headers=headers)
        except FetchError as exc:
            raise ingest.FeedRejected(exc.reason) from exc
        if response.status_code == 304 and kept is not None:
            return kept[2], False
        if response.status_code != 200:
            raise ingest.FeedRejected(f"{url} answered {response.status_code}")
        try:
            document = json.loads(response.content)
        except ValueError as exc:
            raise ingest.FeedRejected(f"{url} is not JSON: {exc}") from exc
        self._kept[url] = (response.headers.get("etag"), response.headers.get("last-modified"), document)
        return document, True


def nearest_station(lat: float, lon: float, stations: Iterable[str]) -> str | None:
    best: tuple[float, str] | None = None
    for station_id in stations:
        position = shared.station_position(station_id)
        if position is None:
            continue
        d = distance_m(lat, lon, *position)
        if d <= NEAR_STATION_M and (best is None or d < best[0]):
            best = (d, station_id)
    return best[1] if best else None


async def pull(
    *, sessionmaker: async_sessionmaker[AsyncSession], client: FeedClient, system_id: str, stations: list[str]
) -> FeedState:
    """One pull of a system's feed; never raises for a bad feed (the state says it)."""
    now = utcnow()
    async with sessionmaker() as session:
        feed = await session.get(FeedState, system_id)
        if feed is None:
            raise LookupError(system_id)
        url = feed.url
    try:
        discovery, changed = await client.get_json(url)
        if not isinstance(discovery, dict):
            raise ingest.FeedRejected("gbfs.json is not an object")
        version = ingest.claimed_version(discovery)
        ingest.check_schema(version, "gbfs", discovery)
        files: dict[str, Any] = {}
        for name, file_url in ingest.feed_urls(discovery, version).items():
            files[name], file_changed = await client.get_json(file_url)
            changed = changed or file_changed
        result = ingest.snapshot(system_id, version, files, now=now)
    except ingest.FeedRejected as exc:
        return await record_failure(sessionmaker, system_id, exc.reason, now)
    except Exception as exc:  # a feed nobody foresaw fails alone, with its reason
        log.exception("feed unreadable", extra={"system": system_id})
        return await record_failure(sessionmaker, system_id, ingest.item_problem(exc), now)
    async with sessionmaker() as session:
        problems = list(result.problems)
        if changed:
            try:
                problems += await apply_snapshot(session, system_id, result, stations, now)
            except Exception as exc:  # e.g. a row another writer changed meanwhile: next round retries
                log.exception("feed not stored", extra={"system": system_id})
                await session.rollback()
                return await record_failure(sessionmaker, system_id, f"not stored: {type(exc).__name__}", now)
        feed = await session.get(FeedState, system_id)
        assert feed is not None
        feed.state, feed.version = domain.feed_outcome(problems), result.version
        feed.reason = domain.feed_reason(problems)
        feed.last_attempt_at = feed.last_success_at = now
        feed.next_attempt_at = now + timedelta(seconds=result.ttl)
        await session.commit()
        return feed


async def record_failure(
    sessionmaker: async_sessionmaker[AsyncSession], system_id: str, reason: str, now: datetime
) -> FeedState:
    log.warning("feed rejected", extra={"system": system_id, "reason": reason})
    async with sessionmaker() as session:
        feed = await session.get(FeedState, system_id)
        assert feed is not None
        feed.state = "stale" if feed.last_success_at is not None else "failing"
        feed.reason = reason[:2000]
        feed.last_attempt_at = now
        feed.next_attempt_at = now + timedelta(seconds=30)
        await session.commit()
        return feed


async def apply_snapshot(
    session: AsyncSession, system_id: str, result: ingest.Snapshot, stations: list[str], now: datetime
) -> list[str]:
    """Upsert the types, the stations near ours with their status (an event per change), and the
    free-floating vehicles; what the feed no longer lists goes. Only what this feed wrote is
    changed or removed: a vehicle station or vehicle a station's operator registered by hand, and
    another system's types, are left as they are (the problems returned say so)."""
    problems: list[str] = []
    touched: set[str] = set(stations)
    for record in result.vehicle_types:
        existing = await session.get(VehicleType, record.id)
        if existing is not None and existing.system_id != system_id:
            problems.append(
                f"vehicle type {record.id}: belongs to system {existing.system_id}, left as it is"
            )
            continue
        values: dict[str, Any] = {
            "system_id": system_id,
            "form_factor": record.form_factor,
            "propulsion_type": record.propulsion_type,
            "name": record.name,
            "max_range_meters": record.max_range_meters,
        }
        if existing is None:
            session.add(VehicleType(id=record.id, **values))
        else:
            shared.apply(existing, values)
    current = {
        s.id: s
        for s in (
            await session.scalars(
                select(VehicleStation).where(VehicleStation.system_id == system_id, VehicleStation.from_feed)
            )
        ).unique()
    }
    # A station skipped this time keeps what the feed said of it before.
    seen = {domain.vehicle_station_id(system_id, external_id) for external_id in result.skipped_stations}
    # The system's vehicle types, read once for every status event of the round (on the first).
    kinds: dict[str, tuple[str, str]] | None = None
    for station_record in result.stations:
        station_id = nearest_station(station_record.lat, station_record.lon, stations)
        if station_id is None:
            continue
        vs_id = domain.vehicle_station_id(system_id, station_record.external_id)
        seen.add(vs_id)
        station = current.get(vs_id)
        if station is None and (hand := await session.get(VehicleStation, vs_id)) is not None:
            problems.append(
                f"station {station_record.external_id}: registered by hand at {hand.station_id}, left as it is"
            )
            continue
        position = shared.station_position(station_id)
        station_values: dict[str, Any] = {
            "station_id": station_id,
            "name": station_record.name,
            "lat": station_record.lat,
            "lon": station_record.lon,
            "capacity": station_record.capacity,
            "distance_m": round(distance_m(station_record.lat, station_record.lon, *position))
            if position
            else None,
        }
        if station is None:
            station = VehicleStation(
                id=vs_id,
                system_id=system_id,
                external_id=station_record.external_id,
                kind="dock",
                from_feed=True,
                status=None,
                **station_values,
            )
            session.add(station)
        else:
            shared.apply(station, station_values)
        if station_record.status is not None and changed_status(station.status, station_record.status):
            if station.status is None:
                station.status = VehicleStationStatus(
                    vehicle_station_id=vs_id, updated_at=now, **station_record.status
                )
            else:
                shared.apply(station.status, {**station_record.status, "updated_at": now})
            await session.flush()
            if kinds is None:
                kinds = await shared.vehicle_type_kinds(session, system_id)
            await stage(session, OUTBOX, events.status_changed(station, station.status, kinds))
        shared.mark_vehicle_station_changed(session, station)
    for vs_id, gone in current.items():
        if vs_id not in seen:
            shared.mark_vehicle_station_changed(session, gone)
            await session.delete(gone)
    await session.execute(delete(Vehicle).where(Vehicle.system_id == system_id, Vehicle.from_feed))
    ids = {domain.vehicle_station_id(system_id, v.external_id) for v in result.vehicles}
    by_hand = set((await session.scalars(select(Vehicle.id).where(Vehicle.id.in_(ids)))).all())
    for v in result.vehicles:
        station_id = nearest_station(v.lat, v.lon, stations)
        if station_id is None:
            continue
        vehicle_id = domain.vehicle_station_id(system_id, v.external_id)
        if vehicle_id in by_hand:
            problems.append(f"vehicle {v.external_id}: registered by hand, left as it is")
            continue
        session.add(
            Vehicle(
                id=vehicle_id,
                from_feed=True,
                station_id=station_id,
                system_id=system_id,
                vehicle_type_id=v.vehicle_type_id,
                lat=v.lat,
                lon=v.lon,
                is_reserved=v.is_reserved,
                is_disabled=v.is_disabled,
                current_range_meters=v.current_range_meters,
                last_reported=v.last_reported,
            )
        )
    for station_id in touched:
        mark_changed(session, station_id, shared.GBFS, shared.VEHICLE_STATIONS)
    await session.commit()
    return problems


def changed_status(current: VehicleStationStatus | None, new: dict[str, Any]) -> bool:
    if current is None:
        return True
    return any(getattr(current, k) != v for k, v in new.items() if k != "last_reported") or (
        current.last_reported < new["last_reported"]
    )
