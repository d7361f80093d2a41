"""Vehicle types of a system (form factor, propulsion, range), shared by every station."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.contracts import mobility
from kernel.db import one_or_404, utcnow
from kernel.errors import Conflict, InvalidInput
from kernel.hot_reads import mark_changed
from kernel.pagination import PageRequest, page_of_rows
from kernel.rules import FieldProblem
from services.bike_share.models import Vehicle, VehicleStation, VehicleType
from services.bike_share.pricing_plans import service as pricing_plans
from services.bike_share.schemas import VehicleTypeCreate, VehicleTypeUpdate
from services.bike_share.shared import (
    GBFS,
    apply,
    commit_shared_change,
    count_where,
)
from services.bike_share.systems import service as systems


async def page(
    *, session: AsyncSession, page: PageRequest, system_id: str | None = None
) -> tuple[list[VehicleType], str | None]:
    query = select(VehicleType)
    if system_id is not None:
        query = query.where(VehicleType.system_id == system_id)
    return await page_of_rows(session, query, [VehicleType.id], page)


async def of_systems(*, session: AsyncSession, system_ids: set[str]) -> Sequence[VehicleType]:
    """Every type of these systems: what a station's listings and GBFS files show."""
    query = select(VehicleType).where(VehicleType.system_id.in_(system_ids)).order_by(VehicleType.id)
    return (await session.scalars(query)).all()


async def create(
    *, session: AsyncSession, type_in: VehicleTypeCreate, stations: Iterable[str]
) -> VehicleType:
    await systems.require(session=session, system_id=type_in.system_id)
    await pricing_plans.require_in_system(session, type_in.pricing_plan_id, type_in.system_id)
    vehicle_type = VehicleType(**type_in.model_dump())
    session.add(vehicle_type)
    await commit_shared_change(
        session,
        vehicle_type,
        mobility.CREATED,
        stations,
        detail=f"Vehicle type {vehicle_type.id!r} already exists.",
    )
    return vehicle_type


async def update(
    *, session: AsyncSession, vehicle_type_id: str, type_in: VehicleTypeUpdate, stations: Iterable[str]
) -> VehicleType:
    vehicle_type = await one_or_404(session, VehicleType, "unknown-vehicle-type", id=vehicle_type_id)
    changes = type_in.model_dump(exclude_unset=True)
    await pricing_plans.require_in_system(session, changes.get("pricing_plan_id"), vehicle_type.system_id)
    propulsion = changes.get("propulsion_type", vehicle_type.propulsion_type)
    max_range = changes.get("max_range_meters", vehicle_type.max_range_meters)
    if propulsion != "human" and max_range is None:
        raise InvalidInput.from_problems(
            "A vehicle with a motor needs its range.",
            [FieldProblem("max_range_meters", "is required for a vehicle with a motor (GBFS 3.0)")],
        )
    apply(vehicle_type, changes)
    vehicle_type.updated_at = utcnow()
    await commit_shared_change(session, vehicle_type, mobility.UPDATED, stations)
    return vehicle_type


async def delete(*, session: AsyncSession, vehicle_type_id: str, stations: Iterable[str]) -> None:
    vehicle_type = await one_or_404(session, VehicleType, "unknown-vehicle-type", id=vehicle_type_id)
    vehicles = await count_where(session, Vehicle.vehicle_type_id == vehicle_type_id)
    if vehicles:
        raise Conflict(f"{vehicles} vehicle(s) are of type {vehicle_type_id!r}.", slug="vehicle-type-in-use")
    await session.delete(vehicle_type)
    await commit_shared_change(session, vehicle_type, mobility.DELETED, stations)


async def ensure(*, session: AsyncSession, vehicle_type: VehicleType) -> None:
    """Add a vehicle type unless it exists (demo data, tests); the GBFS files of every station
    near its system's vehicle stations show it."""
    if await session.get(VehicleType, vehicle_type.id) is None:
        session.add(vehicle_type)
        showing = await session.scalars(
            select(VehicleStation.station_id)
            .where(VehicleStation.system_id == vehicle_type.system_id)
            .distinct()
        )
        for station_id in showing:
            mark_changed(session, station_id, GBFS)
        await session.commit()
