"""bike_share's routes under /api/v1/stations/{station_id}/mobility: thin, the rules live elsewhere."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, status

from services.bike_share import service
from services.bike_share.schemas import (
    StatusReportIn,
    VehicleStationCreate,
    VehicleStationList,
    VehicleStationPublic,
    VehicleTypePublic,
)
from services.common.auth import Principal
from services.common.deps import SessionDep, StationId, require_roles
from services.common.openapi import problem_responses

router = APIRouter(prefix="/api/v1/stations/{station_id}/mobility", tags=["mobility"])
VehicleStationPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
Operator = Annotated[Principal, Depends(require_roles("operator"))]
Reporter = Annotated[Principal, Depends(require_roles("operator", "device"))]


@router.get("/vehicle-stations", summary="Vehicle stations near the station, with live availability")
async def list_vehicle_stations(station_id: StationId, session: SessionDep) -> VehicleStationList:
    stations = await service.list_vehicle_stations(session=session, station_id=station_id)
    types = await service.list_vehicle_types(session=session, system_ids={s.system_id for s in stations})
    return VehicleStationList(
        station_id=station_id,
        vehicle_stations=[VehicleStationPublic.model_validate(s) for s in stations],
        vehicle_types=[VehicleTypePublic.model_validate(t) for t in types],
    )


@router.get("/vehicle-stations/{vehicle_station_id}", summary="One vehicle station with its availability")
async def get_vehicle_station(
    station_id: StationId, vehicle_station_id: VehicleStationPath, session: SessionDep
) -> VehicleStationPublic:
    found = await service.get_vehicle_station_or_raise(
        session=session, station_id=station_id, vehicle_station_id=vehicle_station_id
    )
    return VehicleStationPublic.model_validate(found)


@router.post(
    "/vehicle-stations",
    status_code=status.HTTP_201_CREATED,
    summary="Register a vehicle station of an operator near the station",
    responses=problem_responses({409: "`conflict`: this vehicle station is already registered."}),
)
async def register_vehicle_station(
    station_id: StationId, station_in: VehicleStationCreate, session: SessionDep, _: Operator
) -> VehicleStationPublic:
    created = await service.register_vehicle_station(
        session=session, station_id=station_id, station_in=station_in
    )
    return VehicleStationPublic.model_validate(created)


@router.put(
    "/vehicle-stations/{vehicle_station_id}/status",
    summary="Report a vehicle station's availability; publishes vehicle_station.status_changed",
    responses=problem_responses({409: "`stale-report`: a newer report is already recorded."}),
)
async def report_status(
    station_id: StationId,
    vehicle_station_id: VehicleStationPath,
    report_in: StatusReportIn,
    session: SessionDep,
    _: Reporter,
) -> VehicleStationPublic:
    updated = await service.report_status(
        session=session, station_id=station_id, vehicle_station_id=vehicle_station_id, report_in=report_in
    )
    return VehicleStationPublic.model_validate(updated)
