"""Vehicle stations of one station: the live listing (hot reads), registration, status reports,
and the availability stream."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response, status
from fastapi.responses import StreamingResponse

from kernel.db import one_or_404
from kernel.deps import PublicReader, RuntimeDep, SessionDep, StationId
from kernel.errors import Forbidden
from kernel.hot_reads import HotRead, Rendered, hot_get
from kernel.openapi import problem_responses
from kernel.pagination import Page
from kernel.registry import BIKE_SHARE
from kernel.stations import STATION_SLUG_PATTERN
from kernel.streams import event_stream_response, event_stream_responses, follows
from services.bike_share import domain, live, shared
from services.bike_share.dependencies import ID_PATTERN, LIVE, IdPath, Operator, PageAsked, Reporter, page_key
from services.bike_share.models import VehicleStation
from services.bike_share.schemas import (
    StatusReportIn,
    VehicleStationCreate,
    VehicleStationPublic,
    VehicleStationUpdate,
)
from services.bike_share.vehicle_stations import service as vehicle_stations

router = APIRouter(prefix=BIKE_SHARE.path_prefix, tags=["mobility"])

VEHICLE_STATIONS = HotRead(
    name="vehicle-stations",
    path=f"{BIKE_SHARE.path_prefix}/vehicle-stations",
    params={"station_id": STATION_SLUG_PATTERN},
    key=page_key,
    tags=lambda request: [shared.VEHICLE_STATIONS],
    cache_control=LIVE,
)
VEHICLE_STATION = HotRead(
    name="vehicle-station",
    path=f"{BIKE_SHARE.path_prefix}/vehicle-stations/{{vehicle_station_id}}",
    params={"station_id": STATION_SLUG_PATTERN, "vehicle_station_id": ID_PATTERN},
    tags=lambda request: [shared.vehicle_station_tag(request.params["vehicle_station_id"])],
    cache_control=LIVE,
)


@hot_get(
    router,
    VEHICLE_STATIONS,
    response_model=Page[VehicleStationPublic],
    summary="Vehicle stations near the station, nearest first, with live availability",
)
async def list_vehicle_stations(
    station_id: StationId, request: Request, session: SessionDep, runtime: RuntimeDep, page: PageAsked
) -> Response:
    async def render() -> Rendered:
        stations, next_cursor = await vehicle_stations.page(session=session, station_id=station_id, page=page)
        listing = Page(
            items=[VehicleStationPublic.model_validate(s) for s in stations], next_cursor=next_cursor
        )
        return Rendered.of(listing, last_modified=vehicle_stations.last_change(stations))

    entry = await runtime.hot.entry_for(VEHICLE_STATIONS, request, render)
    return entry.response(request)


@hot_get(
    router,
    VEHICLE_STATION,
    response_model=VehicleStationPublic,
    summary="One vehicle station with its availability",
)
async def get_vehicle_station(
    station_id: StationId,
    vehicle_station_id: IdPath,
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
) -> Response:
    async def render() -> Rendered:
        found = await one_or_404(
            session, VehicleStation, "unknown-vehicle-station", station_id=station_id, id=vehicle_station_id
        )
        return Rendered.of(
            VehicleStationPublic.model_validate(found), last_modified=vehicle_stations.last_change([found])
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
    created = await vehicle_stations.register(session=session, station_id=station_id, station_in=station_in)
    return VehicleStationPublic.model_validate(created)


@router.put(
    "/vehicle-stations/{vehicle_station_id}/status",
    summary="Report a vehicle station's availability; publishes vehicle_station.status_changed",
    responses=problem_responses({409: "`stale-report`: a newer report is already recorded."}),
)
async def report_status(
    station_id: StationId,
    vehicle_station_id: IdPath,
    report_in: StatusReportIn,
    session: SessionDep,
    reporter: Reporter,
) -> VehicleStationPublic:
    station = await one_or_404(
        session, VehicleStation, "unknown-vehicle-station", station_id=station_id, id=vehicle_station_id
    )
    if not domain.may_report(reporter, system_id=station.system_id, vehicle_station_id=station.id):
        raise Forbidden(f"This device does not report for {station.id!r} at {station_id}.")
    updated = await vehicle_stations.report_status(
        session=session, station_id=station_id, vehicle_station_id=vehicle_station_id, report_in=report_in
    )
    return VehicleStationPublic.model_validate(updated)


@router.patch("/vehicle-stations/{vehicle_station_id}", summary="Change a vehicle station")
async def update_vehicle_station(
    station_id: StationId,
    vehicle_station_id: IdPath,
    station_in: VehicleStationUpdate,
    session: SessionDep,
    _: Operator,
) -> VehicleStationPublic:
    updated = await vehicle_stations.update(
        session=session, station_id=station_id, vehicle_station_id=vehicle_station_id, station_in=station_in
    )
    return VehicleStationPublic.model_validate(updated)


@router.delete(
    "/vehicle-stations/{vehicle_station_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Retire a vehicle station",
)
async def delete_vehicle_station(
    station_id: StationId, vehicle_station_id: IdPath, session: SessionDep, _: Operator
) -> Response:
    await vehicle_stations.delete(
        session=session, station_id=station_id, vehicle_station_id=vehicle_station_id
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/events",
    summary="Server-Sent Events: availability of each vehicle station as it changes (Last-Event-ID resumes)",
    description=(
        "With `Accept: text/event-stream` the stream stays open and pushes each change; otherwise it "
        "answers the changes since `Last-Event-ID` (all current states without it) and ends."
    ),
    response_class=StreamingResponse,
    responses=event_stream_responses(),
)
async def availability_events(
    station_id: StationId,
    request: Request,
    runtime: RuntimeDep,
    caller: PublicReader,
    last_event_id: Annotated[str | None, Header(max_length=64)] = None,
) -> StreamingResponse:
    return event_stream_response(
        request,
        live.stream(
            sessionmaker=runtime.sessionmaker,
            pulse=live.pulse_of(runtime),
            station_id=station_id,
            last_event_id=last_event_id,
            # A client that does not follow gets the changes since its Last-Event-ID and the end.
            follow=follows(request),
        ),
        caller=caller,
    )
