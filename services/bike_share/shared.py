"""What the use cases of every entity share: the hot-read tags a write marks, the notices of a
configuration change, who is near which station."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.catalog import network_stations
from kernel.contracts import mobility
from kernel.errors import commit_or_conflict
from kernel.hot_reads import mark_changed
from kernel.outbox import stage
from services.bike_share import events
from services.bike_share.models import OUTBOX, Base, PricingPlan, System, VehicleStation, VehicleType

# What the hot reads show (each entity's api.py), within a station: a commit that changes it marks it.
VEHICLE_STATIONS = "vehicle-stations"
# Every GBFS file of the station (they are small: one tag is simpler than one per file).
GBFS = "gbfs"


def vehicle_station_tag(vehicle_station_id: str) -> str:
    return f"vehicle-station:{vehicle_station_id}"


def mark_vehicle_station_changed(session: AsyncSession, station: VehicleStation) -> None:
    mark_changed(session, station.station_id, VEHICLE_STATIONS, GBFS, vehicle_station_tag(station.id))


# The notice's entity of each shared model (kernel/contracts/mobility.py).
SHARED_ENTITIES: dict[type[Base], str] = {
    System: mobility.SYSTEM,
    VehicleType: mobility.VEHICLE_TYPE,
    PricingPlan: mobility.PRICING_PLAN,
}


async def commit_shared_change(
    session: AsyncSession,
    row: System | VehicleType | PricingPlan,
    verb: str,
    stations: Iterable[str],
    *,
    detail: str | None = None,
) -> None:
    """Commit the change of a system, a vehicle type or a pricing plan (added, changed or deleted
    in the session): every station shows it, so every station's reads are marked and every
    station gets the notice, in the change's transaction (outbox). The notice is staged without a
    flush: the change's own rows (a duplicate id, say) fail at the commit, as a 409 (`detail`)."""
    stations = list(stations)
    for station_id in stations:  # only the GBFS files show systems, types and plans
        mark_changed(session, station_id, GBFS)
    system_id = row.id if isinstance(row, System) else row.system_id
    notices = events.configuration_changed(
        stations, SHARED_ENTITIES[type(row)], verb, id=row.id, system_id=system_id
    )
    with session.no_autoflush:
        await stage(session, OUTBOX, *notices)
    await commit_or_conflict(session, detail=detail)


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


async def vehicle_type_kinds(session: AsyncSession, system_id: str) -> dict[str, tuple[str, str]]:
    """Each vehicle type of the system: its form factor and propulsion, by id (what a status event
    tells its consumers of each count)."""
    rows = await session.execute(
        select(VehicleType.id, VehicleType.form_factor, VehicleType.propulsion_type).where(
            VehicleType.system_id == system_id
        )
    )
    return {type_id: (form_factor, propulsion) for type_id, form_factor, propulsion in rows}
