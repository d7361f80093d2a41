"""bike_share's routes under /api/v1/stations/{station_id}/mobility: thin, the rules live elsewhere."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response, status
from fastapi.responses import StreamingResponse

from kernel.auth import Principal, Scope
from kernel.deps import PublicReader, RuntimeDep, SessionDep, StationId, require_scopes
from kernel.errors import Forbidden, InvalidInput, NotFound
from kernel.hot_reads import NOT_MODIFIED, HotRead, Rendered
from kernel.openapi import declares, problem_responses
from kernel.registry import BIKE_SHARE
from kernel.rules import FieldProblem
from kernel.runtime import ServiceRuntime
from kernel.stations import STATION_SLUG_PATTERN
from kernel.streams import TOO_MANY_STREAMS, event_stream_response
from services.bike_share import domain, gbfs, live, service
from services.bike_share.schemas import (
    FeedStatePublic,
    NearbyList,
    Page,
    PricingPlanCreate,
    PricingPlanList,
    PricingPlanPublic,
    PricingPlanUpdate,
    StatusReportIn,
    SystemCreate,
    SystemList,
    SystemPublic,
    SystemUpdate,
    VehicleCreate,
    VehicleList,
    VehiclePublic,
    VehicleStationCreate,
    VehicleStationList,
    VehicleStationPublic,
    VehicleStationUpdate,
    VehicleTypeCreate,
    VehicleTypeList,
    VehicleTypePublic,
    VehicleTypeUpdate,
    VehicleUpdate,
)

router = APIRouter(prefix=BIKE_SHARE.path_prefix, tags=["mobility"])
VEHICLE_STATION_ID_PATTERN = r"^[A-Za-z0-9._-]+$"
VehicleStationPath = Annotated[str, Path(min_length=1, max_length=64, pattern=VEHICLE_STATION_ID_PATTERN)]
Operator = Annotated[Principal, Depends(require_scopes(Scope.OPERATE))]
Reporter = Annotated[Principal, Depends(require_scopes(Scope.OPERATE, Scope.REPORT_MOBILITY))]


SHARED_BY_STATIONS = (
    "`shared-by-stations`: systems, vehicle types and pricing plans are changed by a network "
    "administrator only."
)


@declares({403: SHARED_BY_STATIONS})
async def network_admin(principal: Operator) -> Principal:
    if not domain.may_change_shared(principal):
        raise Forbidden(
            "Systems, vehicle types and pricing plans are shared by every station: "
            "only a network administrator (network:admin) changes them.",
            slug="shared-by-stations",
        )
    return principal


# Who changes what every station shows: systems, vehicle types, pricing plans.
NetworkAdmin = Annotated[Principal, Depends(network_admin)]
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
    if not domain.may_report(reporter, system_id=station.system_id, vehicle_station_id=station.id):
        raise Forbidden(f"This device does not report for {station.id!r} at {station_id}.")
    updated = await service.report_status(
        session=session, station_id=station_id, vehicle_station_id=vehicle_station_id, report_in=report_in
    )
    return VehicleStationPublic.model_validate(updated)


# -- operator configuration: systems, pricing plans, vehicle types, vehicle stations, vehicles ---

Offset = Annotated[int, Query(ge=0, le=100_000, description="Rows to skip.")]
Limit = Annotated[int, Query(ge=1, le=200, description="Rows to return at most.")]
SystemPath = Annotated[str, Path(min_length=1, max_length=24, pattern=VEHICLE_STATION_ID_PATTERN)]
IdPath = Annotated[str, Path(min_length=1, max_length=64, pattern=VEHICLE_STATION_ID_PATTERN)]
SystemFilter = Annotated[str | None, Query(max_length=24, pattern=VEHICLE_STATION_ID_PATTERN)]
IN_USE = problem_responses({409: "`conflict`: it exists already, or it is still in use."})


def served(runtime: ServiceRuntime) -> list[str]:
    return list(runtime.settings.stations)


@router.get("/systems", summary="Vehicle-sharing systems (operators) known here, paginated")
async def list_systems(
    station_id: StationId, session: SessionDep, offset: Offset = 0, limit: Limit = 50
) -> SystemList:
    rows, total = await service.list_systems(session=session, offset=offset, limit=limit)
    return SystemList(
        systems=[SystemPublic.model_validate(r) for r in rows],
        page=Page(offset=offset, limit=limit, total=total),
    )


@router.post("/systems", status_code=status.HTTP_201_CREATED, summary="Add a system", responses=IN_USE)
async def create_system(
    station_id: StationId, system_in: SystemCreate, session: SessionDep, runtime: RuntimeDep, _: NetworkAdmin
) -> SystemPublic:
    created = await service.create_system(session=session, system_in=system_in, stations=served(runtime))
    return SystemPublic.model_validate(created)


@router.get("/systems/{system_id}", summary="One system")
async def get_system(station_id: StationId, system_id: SystemPath, session: SessionDep) -> SystemPublic:
    return SystemPublic.model_validate(
        await service.get_system_or_raise(session=session, system_id=system_id)
    )


@router.patch("/systems/{system_id}", summary="Change a system")
async def update_system(
    station_id: StationId,
    system_id: SystemPath,
    system_in: SystemUpdate,
    session: SessionDep,
    runtime: RuntimeDep,
    _: NetworkAdmin,
) -> SystemPublic:
    updated = await service.update_system(
        session=session, system_id=system_id, system_in=system_in, stations=served(runtime)
    )
    return SystemPublic.model_validate(updated)


@router.delete(
    "/systems/{system_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a system",
    responses=IN_USE,
)
async def delete_system(
    station_id: StationId, system_id: SystemPath, session: SessionDep, runtime: RuntimeDep, _: NetworkAdmin
) -> Response:
    await service.delete_system(session=session, system_id=system_id, stations=served(runtime))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/feeds",
    summary="State of each external GBFS feed ingested: ok, degraded, stale, failing",
    description="Why a feed fails (`reason`) is shown to the station's operators and administrators only.",
)
async def list_feeds(
    station_id: StationId, session: SessionDep, response: Response, caller: PublicReader
) -> list[FeedStatePublic]:
    feeds = [FeedStatePublic.model_validate(f) for f in await service.list_feed_states(session=session)]
    # The answer depends on who asks: no shared cache may keep it.
    response.headers["Cache-Control"] = "private, no-store"
    if domain.may_see_feed_reasons(caller, station_id):
        return feeds
    return [feed.model_copy(update={"reason": None}) for feed in feeds]


@router.get("/pricing-plans", summary="Pricing plans, paginated, by system")
async def list_pricing_plans(
    station_id: StationId,
    session: SessionDep,
    system_id: SystemFilter = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> PricingPlanList:
    rows, total = await service.list_pricing_plans(
        session=session, offset=offset, limit=limit, system_id=system_id
    )
    return PricingPlanList(
        pricing_plans=[PricingPlanPublic.model_validate(r) for r in rows],
        page=Page(offset=offset, limit=limit, total=total),
    )


@router.post(
    "/pricing-plans", status_code=status.HTTP_201_CREATED, summary="Add a pricing plan", responses=IN_USE
)
async def create_pricing_plan(
    station_id: StationId,
    plan_in: PricingPlanCreate,
    session: SessionDep,
    runtime: RuntimeDep,
    _: NetworkAdmin,
) -> PricingPlanPublic:
    created = await service.create_pricing_plan(session=session, plan_in=plan_in, stations=served(runtime))
    return PricingPlanPublic.model_validate(created)


@router.get("/pricing-plans/{plan_id}", summary="One pricing plan")
async def get_pricing_plan(station_id: StationId, plan_id: IdPath, session: SessionDep) -> PricingPlanPublic:
    return PricingPlanPublic.model_validate(
        await service.get_pricing_plan_or_raise(session=session, plan_id=plan_id)
    )


@router.patch("/pricing-plans/{plan_id}", summary="Change a pricing plan")
async def update_pricing_plan(
    station_id: StationId,
    plan_id: IdPath,
    plan_in: PricingPlanUpdate,
    session: SessionDep,
    runtime: RuntimeDep,
    _: NetworkAdmin,
) -> PricingPlanPublic:
    updated = await service.update_pricing_plan(
        session=session, plan_id=plan_id, plan_in=plan_in, stations=served(runtime)
    )
    return PricingPlanPublic.model_validate(updated)


@router.delete(
    "/pricing-plans/{plan_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a pricing plan",
    responses=IN_USE,
)
async def delete_pricing_plan(
    station_id: StationId, plan_id: IdPath, session: SessionDep, runtime: RuntimeDep, _: NetworkAdmin
) -> Response:
    await service.delete_pricing_plan(session=session, plan_id=plan_id, stations=served(runtime))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/vehicle-types", summary="Vehicle types, paginated, by system")
async def list_vehicle_types(
    station_id: StationId,
    session: SessionDep,
    system_id: SystemFilter = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> VehicleTypeList:
    rows, total = await service.page_vehicle_types(
        session=session, offset=offset, limit=limit, system_id=system_id
    )
    return VehicleTypeList(
        vehicle_types=[VehicleTypePublic.model_validate(r) for r in rows],
        page=Page(offset=offset, limit=limit, total=total),
    )


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
    created = await service.create_vehicle_type(session=session, type_in=type_in, stations=served(runtime))
    return VehicleTypePublic.model_validate(created)


@router.get("/vehicle-types/{vehicle_type_id}", summary="One vehicle type")
async def get_vehicle_type(
    station_id: StationId, vehicle_type_id: IdPath, session: SessionDep
) -> VehicleTypePublic:
    found = await service.get_vehicle_type_or_raise(session=session, vehicle_type_id=vehicle_type_id)
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
    updated = await service.update_vehicle_type(
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
    await service.delete_vehicle_type(
        session=session, vehicle_type_id=vehicle_type_id, stations=served(runtime)
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.patch("/vehicle-stations/{vehicle_station_id}", summary="Change a vehicle station")
async def update_vehicle_station(
    station_id: StationId,
    vehicle_station_id: VehicleStationPath,
    station_in: VehicleStationUpdate,
    session: SessionDep,
    _: Operator,
) -> VehicleStationPublic:
    updated = await service.update_vehicle_station(
        session=session, station_id=station_id, vehicle_station_id=vehicle_station_id, station_in=station_in
    )
    return VehicleStationPublic.model_validate(updated)


@router.delete(
    "/vehicle-stations/{vehicle_station_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Retire a vehicle station",
)
async def delete_vehicle_station(
    station_id: StationId, vehicle_station_id: VehicleStationPath, session: SessionDep, _: Operator
) -> Response:
    await service.delete_vehicle_station(
        session=session, station_id=station_id, vehicle_station_id=vehicle_station_id
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/vehicles", summary="Free-floating vehicles near the station, paginated, by type")
async def list_vehicles(
    station_id: StationId,
    session: SessionDep,
    vehicle_type_id: Annotated[str | None, Query(max_length=64, pattern=VEHICLE_STATION_ID_PATTERN)] = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> VehicleList:
    rows, total = await service.page_vehicles(
        session=session, station_id=station_id, offset=offset, limit=limit, vehicle_type_id=vehicle_type_id
    )
    return VehicleList(
        vehicles=[VehiclePublic.model_validate(r) for r in rows],
        page=Page(offset=offset, limit=limit, total=total),
    )


@router.post(
    "/vehicles", status_code=status.HTTP_201_CREATED, summary="Add a free-floating vehicle", responses=IN_USE
)
async def create_vehicle(
    station_id: StationId, vehicle_in: VehicleCreate, session: SessionDep, reporter: Reporter
) -> VehiclePublic:
    if not domain.may_report(reporter, system_id=vehicle_in.system_id):
        raise Forbidden(f"This device does not report for {vehicle_in.system_id!r}.")
    created = await service.create_vehicle(session=session, station_id=station_id, vehicle_in=vehicle_in)
    return VehiclePublic.model_validate(created)


@router.get("/vehicles/{vehicle_id}", summary="One free-floating vehicle")
async def get_vehicle(station_id: StationId, vehicle_id: IdPath, session: SessionDep) -> VehiclePublic:
    found = await service.get_vehicle_or_raise(session=session, station_id=station_id, vehicle_id=vehicle_id)
    return VehiclePublic.model_validate(found)


@router.patch("/vehicles/{vehicle_id}", summary="Move a vehicle, or change its state")
async def update_vehicle(
    station_id: StationId,
    vehicle_id: IdPath,
    vehicle_in: VehicleUpdate,
    session: SessionDep,
    reporter: Reporter,
) -> VehiclePublic:
    found = await service.get_vehicle_or_raise(session=session, station_id=station_id, vehicle_id=vehicle_id)
    if not domain.may_report(reporter, system_id=found.system_id):
        raise Forbidden(f"This device does not report for {found.system_id!r}.")
    updated = await service.update_vehicle(
        session=session, station_id=station_id, vehicle_id=vehicle_id, vehicle_in=vehicle_in
    )
    return VehiclePublic.model_validate(updated)


@router.delete("/vehicles/{vehicle_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Remove a vehicle")
async def delete_vehicle(
    station_id: StationId, vehicle_id: IdPath, session: SessionDep, _: Operator
) -> Response:
    await service.delete_vehicle(session=session, station_id=station_id, vehicle_id=vehicle_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- GBFS 3.0 publisher ------------------------------------------------------------------------

gbfs_router = APIRouter(prefix="/gbfs/{station_id}", tags=["gbfs"])
# One path segment per file (`station_status.json`): the gateway matches whole segments.
FILE_PATTERN = r"^(" + "|".join(gbfs.RENDERERS) + r")\.json$"
GBFS_FILE = HotRead(
    name="gbfs",
    path="/gbfs/{station_id}/{file}",
    params={"station_id": STATION_SLUG_PATTERN, "file": FILE_PATTERN},
    tags=lambda request: [service.GBFS],
    cache_control=LIVE,
)
HOT_READS = (VEHICLE_STATIONS, VEHICLE_STATION, GBFS_FILE)
FileName = Annotated[
    str,
    Path(
        max_length=40,
        pattern=r"^[a-z_]+\.json$",
        description="A GBFS 3.0 file: `gbfs.json`, `station_status.json`...",
    ),
]


@gbfs_router.get(
    "/{file}",
    responses=NOT_MODIFIED,
    summary="A GBFS 3.0 file of the station (manifest.json, gbfs.json, station_status.json, ...)",
)
async def gbfs_file(
    station_id: StationId, file: FileName, request: Request, session: SessionDep, runtime: RuntimeDep
) -> Response:
    feed = file.removesuffix(".json")
    if feed not in gbfs.RENDERERS:
        raise NotFound(f"GBFS has no {file} here.")

    async def render() -> Rendered:
        feeds = await service.station_feeds(session=session, station_id=station_id, settings=runtime.settings)
        if feed not in (*feeds.feeds(), "manifest"):
            raise NotFound(f"Station {station_id} publishes no {feed}.json.")
        document = gbfs.RENDERERS[feed](feeds)
        return Rendered(
            json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode(),
            last_modified=feeds.last_updated(feed),
        )

    entry = await runtime.hot.entry_for(GBFS_FILE, request, render)
    return entry.response(request)


# -- live push and nearby ----------------------------------------------------------------------


@router.get(
    "/events",
    summary="Server-Sent Events: availability of each vehicle station as it changes (Last-Event-ID resumes)",
    description=(
        "With `Accept: text/event-stream` the stream stays open and pushes each change; otherwise it "
        "answers the changes since `Last-Event-ID` (all current states without it) and ends."
    ),
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "An event stream"},
        **problem_responses({429: TOO_MANY_STREAMS}),
    },
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
            # EventSource and sse.js ask for an event stream; any other client gets the changes
            # since its Last-Event-ID and the end of the answer (proxies that buffer whole
            # answers, the gateway among them, can then poll it).
            follow="text/event-stream" in request.headers.get("accept", ""),
        ),
        caller=caller,
    )


@router.get("/nearby", summary="Vehicle stations and vehicles within a radius, nearest walk first")
async def nearby(
    station_id: StationId,
    session: SessionDep,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    radius_m: Annotated[int, Query(ge=10, le=5000)] = 500,
    vehicle_type_id: Annotated[list[str] | None, Query(max_length=20)] = None,
) -> NearbyList:
    origin = (lat, lon) if lat is not None and lon is not None else service.station_position(station_id)
    if origin is None:
        raise InvalidInput.from_problems(
            "This station's position is unknown: give lat and lon.", [FieldProblem("lat", "required here")]
        )
    places = await service.nearby(
        session=session,
        station_id=station_id,
        lat=origin[0],
        lon=origin[1],
        radius_m=radius_m,
        vehicle_type_ids=set(vehicle_type_id) if vehicle_type_id else None,
    )
    return NearbyList(station_id=station_id, lat=origin[0], lon=origin[1], radius_m=radius_m, places=places)
