"""Vehicle types (shared by every station)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from kernel.db import one_or_404
from kernel.deps import RuntimeDep, SessionDep, StationId
from kernel.pagination import Page
from kernel.registry import BIKE_SHARE
from services.bike_share.dependencies import IN_USE, IdPath, NetworkAdmin, PageAsked, SystemFilter, served
from services.bike_share.models import VehicleType
from services.bike_share.schemas import (
    VehicleTypeCreate,
    VehicleTypePublic,
    VehicleTypeUpdate,
)
from services.bike_share.vehicle_types import service as vehicle_types

router = APIRouter(prefix=BIKE_SHARE.path_prefix, tags=["mobility"])


@router.get("/vehicle-types", summary="Vehicle types, paginated, by system")
async def list_vehicle_types(
    station_id: StationId,
    session: SessionDep,
    page: PageAsked,
    system_id: SystemFilter = None,
) -> Page[VehicleTypePublic]:
    rows, next_cursor = await vehicle_types.page(session=session, page=page, system_id=system_id)
    return Page(items=[VehicleTypePublic.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.post(
    "/vehicle-types", status_code=status.HTTP_201_CREATED, summary="Add a vehicle type", responses=IN_USE
)
async def create_vehicle_type(
    station_id: StationId,
    type_in: VehicleTypeCreate,
    session: SessionDep,
    runtime: RuntimeDep,
    _: NetworkAdmin,
) -> VehicleTypePublic:
    created = await vehicle_types.create(session=session, type_in=type_in, stations=served(runtime))
    return VehicleTypePublic.model_validate(created)


@router.get("/vehicle-types/{vehicle_type_id}", summary="One vehicle type")
async def get_vehicle_type(
    station_id: StationId, vehicle_type_id: IdPath, session: SessionDep
) -> VehicleTypePublic:
    found = await one_or_404(session, VehicleType, "unknown-vehicle-type", id=vehicle_type_id)
    return VehicleTypePublic.model_validate(found)


@router.patch("/vehicle-types/{vehicle_type_id}", summary="Change a vehicle type")
async def update_vehicle_type(
    station_id: StationId,
    vehicle_type_id: IdPath,
    type_in: VehicleTypeUpdate,
    session: SessionDep,
    runtime: RuntimeDep,
    _: NetworkAdmin,
) -> VehicleTypePublic:
    updated = await vehicle_types.update(
        session=session, vehicle_type_id=vehicle_type_id, type_in=type_in, stations=served(runtime)
    )
    return VehicleTypePublic.model_validate(updated)


@router.delete(
    "/vehicle-types/{vehicle_type_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a vehicle type",
    responses=IN_USE,
)
async def delete_vehicle_type(
    station_id: StationId, vehicle_type_id: IdPath, session: SessionDep, runtime: RuntimeDep, _: NetworkAdmin
) -> Response:
    await vehicle_types.delete(session=session, vehicle_type_id=vehicle_type_id, stations=served(runtime))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
