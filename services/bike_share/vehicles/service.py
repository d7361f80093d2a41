"""Free-floating vehicles near one station."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.db import one_or_404, utcnow
from kernel.errors import InvalidInput, commit_or_conflict
from kernel.hot_reads import mark_changed
from kernel.pagination import PageRequest, page_of_rows
from kernel.rules import FieldProblem
from services.bike_share import domain
from services.bike_share.models import Vehicle, VehicleType
from services.bike_share.schemas import VehicleCreate, VehicleUpdate
from services.bike_share.shared import GBFS, apply
from services.bike_share.systems import service as systems


async def page(
    *, session: AsyncSession, station_id: str, page: PageRequest, vehicle_type_id: str | None = None
) -> tuple[list[Vehicle], str | None]:
    query = select(Vehicle).where(Vehicle.station_id == station_id)
    if vehicle_type_id is not None:
        query = query.where(Vehicle.vehicle_type_id == vehicle_type_id)
    return await page_of_rows(session, query, [Vehicle.id], page)


async def of_station(*, session: AsyncSession, station_id: str) -> Sequence[Vehicle]:
    return (
        await session.scalars(select(Vehicle).where(Vehicle.station_id == station_id).order_by(Vehicle.id))
    ).all()


async def create(*, session: AsyncSession, station_id: str, vehicle_in: VehicleCreate) -> Vehicle:
    await systems.require(session=session, system_id=vehicle_in.system_id)
    vehicle_type = await session.get(VehicleType, vehicle_in.vehicle_type_id)
    if vehicle_type is None or vehicle_type.system_id != vehicle_in.system_id:
        raise InvalidInput.from_problems(
            "The body names an unknown vehicle type.",
            [
                FieldProblem(
                    "vehicle_type_id", f"no vehicle type {vehicle_in.vehicle_type_id!r} in this system"
                )
            ],
        )
    values = vehicle_in.model_dump(exclude={"external_id"})
    vehicle = Vehicle(
        id=domain.vehicle_station_id(vehicle_in.system_id, vehicle_in.external_id),
        station_id=station_id,
        **values,
    )
    session.add(vehicle)
    mark_changed(session, station_id, GBFS)
    await commit_or_conflict(session, detail=f"Vehicle {vehicle.id!r} is already registered.")
    return vehicle


async def update(
    *, session: AsyncSession, station_id: str, vehicle_id: str, vehicle_in: VehicleUpdate
) -> Vehicle:
    vehicle = await one_or_404(session, Vehicle, "unknown-vehicle", station_id=station_id, id=vehicle_id)
    apply(vehicle, vehicle_in.model_dump(exclude_unset=True))
    vehicle.updated_at = utcnow()
    mark_changed(session, station_id, GBFS)
    await session.commit()
    return vehicle


async def delete(*, session: AsyncSession, station_id: str, vehicle_id: str) -> None:
    vehicle = await one_or_404(session, Vehicle, "unknown-vehicle", station_id=station_id, id=vehicle_id)
    await session.delete(vehicle)
    mark_changed(session, station_id, GBFS)
    await session.commit()
