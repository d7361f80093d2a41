"""Free-floating vehicles near one station."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from kernel.db import one_or_404
from kernel.deps import SessionDep, StationId
from kernel.errors import Forbidden
from kernel.pagination import Page
from kernel.registry import BIKE_SHARE
from services.bike_share import domain
from services.bike_share.dependencies import ID_PATTERN, IN_USE, IdPath, Operator, PageAsked, Reporter
from services.bike_share.models import Vehicle
from services.bike_share.schemas import VehicleCreate, VehiclePublic, VehicleUpdate
from services.bike_share.vehicles import service as vehicles

router = APIRouter(prefix=BIKE_SHARE.path_prefix, tags=["mobility"])
VehicleTypeFilter = Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)]


@router.get("/vehicles", summary="Free-floating vehicles near the station, paginated, by type")
async def list_vehicles(
    station_id: StationId,
    session: SessionDep,
    page: PageAsked,
    vehicle_type_id: VehicleTypeFilter = None,
) -> Page[VehiclePublic]:
    rows, next_cursor = await vehicles.page(
        session=session, station_id=station_id, page=page, vehicle_type_id=vehicle_type_id
    )
    return Page(items=[VehiclePublic.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.post(
    "/vehicles", status_code=status.HTTP_201_CREATED, summary="Add a free-floating vehicle", responses=IN_USE
)
async def create_vehicle(
    station_id: StationId, vehicle_in: VehicleCreate, session: SessionDep, reporter: Reporter
) -> VehiclePublic:
    if not domain.may_report(reporter, system_id=vehicle_in.system_id):
        raise Forbidden(f"This device does not report for {vehicle_in.system_id!r}.")
    created = await vehicles.create(session=session, station_id=station_id, vehicle_in=vehicle_in)
    return VehiclePublic.model_validate(created)


@router.get("/vehicles/{vehicle_id}", summary="One free-floating vehicle")
async def get_vehicle(station_id: StationId, vehicle_id: IdPath, session: SessionDep) -> VehiclePublic:
    found = await one_or_404(session, Vehicle, "unknown-vehicle", station_id=station_id, id=vehicle_id)
    return VehiclePublic.model_validate(found)


@router.patch("/vehicles/{vehicle_id}", summary="Move a vehicle, or change its state")
async def update_vehicle(
    station_id: StationId,
    vehicle_id: IdPath,
    vehicle_in: VehicleUpdate,
    session: SessionDep,
    reporter: Reporter,
) -> VehiclePublic:
    found = await one_or_404(session, Vehicle, "unknown-vehicle", station_id=station_id, id=vehicle_id)
    if not domain.may_report(reporter, system_id=found.system_id):
        raise Forbidden(f"This device does not report for {found.system_id!r}.")
    updated = await vehicles.update(
        session=session, station_id=station_id, vehicle_id=vehicle_id, vehicle_in=vehicle_in
    )
    return VehiclePublic.model_validate(updated)


@router.delete("/vehicles/{vehicle_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Remove a vehicle")
async def delete_vehicle(
    station_id: StationId, vehicle_id: IdPath, session: SessionDep, _: Operator
) -> Response:
    await vehicles.delete(session=session, station_id=station_id, vehicle_id=vehicle_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
