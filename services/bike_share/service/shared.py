"""What the use cases of every entity share: the hot-read tags a write marks, the notices of a
configuration change, a listing's page."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.catalog import network_stations
from kernel.hot_reads import mark_changed
from kernel.outbox import stage
from services.bike_share import events
from services.bike_share.models import OUTBOX, Base, VehicleStation

# What the hot reads show (api/), within a station: a commit that changes it marks it.
VEHICLE_STATIONS = "vehicle-stations"
# Every GBFS file of the station (they are small: one tag is simpler than one per file).
GBFS = "gbfs"
T = TypeVar("T", bound=Base)


def vehicle_station_tag(vehicle_station_id: str) -> str:
    return f"vehicle-station:{vehicle_station_id}"


def mark_vehicle_station_changed(session: AsyncSession, station: VehicleStation) -> None:
    mark_changed(session, station.station_id, VEHICLE_STATIONS, GBFS, vehicle_station_tag(station.id))


def mark_stations_changed(session: AsyncSession, stations: Iterable[str]) -> None:
    """Systems, vehicle types and pricing plans are shared: every station shows them."""
    for station_id in stations:
        mark_changed(session, station_id, VEHICLE_STATIONS, GBFS)


async def shared_changed(
    session: AsyncSession, stations: Iterable[str], entity: str, verb: str, *, id: str, system_id: str
) -> None:
    """A system, a vehicle type or a pricing plan changed: every station's reads are marked and
    every station gets the notice, in the change's transaction (outbox). Not flushed here: the
    change's own rows (a duplicate id, say) must fail in `commit_or_conflict`, as a 409."""
    stations = list(stations)
    mark_stations_changed(session, stations)
    with session.no_autoflush:
        await stage(
            session, OUTBOX, *events.configuration_changed(stations, entity, verb, id=id, system_id=system_id)
        )


async def paged(session: AsyncSession, query: Select[T], *, offset: int, limit: int) -> tuple[list[T], int]:
    """One page of a listing and the number of rows in all."""
    total = await session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = (await session.scalars(query.offset(offset).limit(limit))).unique().all()
    return list(rows), total


async def count_where(session: AsyncSession, condition: ColumnElement[bool]) -> int:
    """How many rows meet `condition`: what still uses a row that is asked to go."""
    return await session.scalar(select(func.count()).where(condition)) or 0


def apply(row: Base, changes: dict[str, Any]) -> None:
    for field, value in changes.items():
        setattr(row, field, value)


def station_position(station_id: str) -> tuple[float, float] | None:
    found = network_stations().get(station_id)
    if found is None or found.get("lat") is None:
        return None
    return float(found["lat"]), float(found["lon"])
