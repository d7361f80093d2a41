"""bike_share's routes under /api/v1/stations/{station_id}/mobility: thin, the rules live elsewhere."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response, status

from services.bike_share import domain, service
from services.bike_share.schemas import (
    StatusReportIn,
    VehicleStationCreate,
    VehicleStationList,
    VehicleStationPublic,
    VehicleTypePublic,
)
from services.common.auth import Principal, Scope
from services.common.deps import RuntimeDep, SessionDep, StationId, require_scopes
from services.common.errors import Forbidden
from services.common.hot_reads import NOT_MODIFIED, HotRead, Rendered
from services.common.openapi import problem_responses
from services.common.registry import BIKE_SHARE
from services.common.stations import STATION_SLUG_PATTERN

router = APIRouter(prefix=BIKE_SHARE.path_prefix, tags=["mobility"])
VEHICLE_STATION_ID_PATTERN = r"^[A-Za-z0-9._-]+$"
VehicleStationPath = Annotated[str, Path(min_length=1, max_length=64, pattern=VEHICLE_STATION_ID_PATTERN)]
Operator = Annotated[Principal, Depends(require_scopes(Scope.OPERATE))]
Reporter = Annotated[Principal, Depends(require_scopes(Scope.OPERATE, Scope.REPORT_MOBILITY))]
# Availability moves every few minutes; apps and aggregators may reuse an answer for 5 s, then
# revalidate with its ETag (GBFS feeds use a `ttl` in the same spirit).
LIVE = "public, max-age=5"

VEHICLE_STATIONS = HotRead(
    name="vehicle-stations",
    path=f"{BIKE_SHARE.path_prefix}/vehicle-stations",
    params={"station_id": STATION_SLUG_PATTERN},
    tags=lambda request: [service.VEHICLE_STATIONS],
    cache_control=LIVE,
)
VEHICLE_STATION = HotRead(
    name="vehicle-station",
    path=f"{BIKE_SHARE.path_prefix}/vehicle-stations/{{vehicle_station_id}}",
    params={"station_id": STATION_SLUG_PATTERN, "vehicle_station_id": VEHICLE_STATION_ID_PATTERN},
    tags=lambda request: [service.vehicle_station_tag(request.params["vehicle_station_id"])],
    cache_control=LIVE,
)
HOT_READS = (VEHICLE_STATIONS, VEHICLE_STATION)


@router.get(
    "/vehicle-stations",
    response_model=VehicleStationList,
    responses=NOT_MODIFIED,
    summary="Vehicle stations near the station, with live availability",
)
async def list_vehicle_stations(
    station_id: StationId, request: Request, session: SessionDep, runtime: RuntimeDep
) -> Response:
    async def render() -> Rendered:
        stations = await service.list_vehicle_stations(session=session, station_id=station_id)
        types = await service.list_vehicle_types(session=session, system_ids={s.system_id for s in stations})
        listing = VehicleStationList(
            station_id=station_id,
            vehicle_stations=[VehicleStationPublic.model_validate(s) for s in stations],
            vehicle_types=[VehicleTypePublic.model_validate(t) for t in types],
        )
        return Rendered.of(listing, last_modified=service.last_change(stations, types))

    entry = await runtime.hot.entry_for(VEHICLE_STATIONS, request, render)
    return entry.response(request)


@router.get(
    "/vehicle-stations/{vehicle_station_id}",
    response_model=VehicleStationPublic,
    responses=NOT_MODIFIED,
    summary="One vehicle station with its availability",
)
async def get_vehicle_station(
    station_id: StationId,
    vehicle_station_id: VehicleStationPath,
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
) -> Response:
    async def render() -> Rendered:
        found = await service.get_vehicle_station_or_raise(
            session=session, station_id=station_id, vehicle_station_id=vehicle_station_id
        )
        return Rendered.of(
            VehicleStationPublic.model_validate(found), last_modified=service.last_change([found])
        )

    entry = await runtime.hot.entry_for(VEHICLE_STATION, request, render)
    return entry.response(request)


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
    reporter: Reporter,
) -> VehicleStationPublic:
    station = await service.get_vehicle_station_or_raise(
        session=session, station_id=station_id, vehicle_station_id=vehicle_station_id
    )
    if not domain.may_report(reporter, system_id=station.system_id):
        raise Forbidden(f"This device does not report for {station.system_id!r} at {station_id}.")
    updated = await service.report_status(
        session=session, station_id=station_id, vehicle_station_id=vehicle_station_id, report_in=report_in
    )
    return VehicleStationPublic.model_validate(updated)
