"""info_kiosk's routes under /api/v1/stations/{station_id}/kiosk: thin, the rules live elsewhere."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, get_args
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response, status
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import or_, select

from kernel.auth import Principal, Scope
from kernel.catalog import station_names
from kernel.db import one_or_404, utcnow
from kernel.deps import RuntimeDep, SessionDep, StationId, require_scopes
from kernel.errors import InvalidInput, NotFound, Problem
from kernel.hot_reads import HotRead, Key, ReadRequest, Rendered, hot_get
from kernel.i18n import DEFAULT_LANGUAGE
from kernel.openapi import problem_responses
from kernel.pagination import MAX_LIMIT, Page, PageRequest, page_of_items, page_of_rows, page_request
from kernel.qr import SVG, qr_svg
from kernel.registry import INFO_KIOSK
from kernel.stations import STATION_SLUG_PATTERN
from services.info_kiosk import gtfs, service
from services.info_kiosk.domain import directory, graph_rules, languages, live, routes, routing, search
from services.info_kiosk.domain.graph_rules import PlaceKind, Profile
from services.info_kiosk.models import EquipmentOutage, Level, Pathway, Place
from services.info_kiosk.schemas import (
    CODE_PATTERN,
    AlertPanel,
    AlertPublic,
    Category,
    Code,
    EquipmentPublic,
    EquipmentStatusUpdate,
    ExplanationPublic,
    GraphReport,
    GraphWarningPublic,
    LanguageTag,
    LevelCreate,
    LevelPublic,
    LevelUpdate,
    LivePanels,
    LockerBankPublic,
    LockerPanel,
    MobilityBoard,
    PathwayCreate,
    PathwayPublic,
    PathwayUpdate,
    PlaceCreate,
    PlacePublic,
    PlaceUpdate,
    PointOfInterestCreate,
    PointOfInterestPublic,
    RouteAnswerPublic,
    RoutePublic,
    RouteStepPublic,
    SearchHitPublic,
    SearchResults,
    StationMap,
    VehicleAvailabilityPublic,
    VehiclePanel,
)
from services.info_kiosk.settings import Settings

router = APIRouter(prefix=INFO_KIOSK.path_prefix, tags=["kiosk"])
Operator = Annotated[Principal, Depends(require_scopes(Scope.OPERATE))]
# Outages come from operators, and from kiosks whose staff report a lift they see stopped.
OperatorOrKiosk = Annotated[Principal, Depends(require_scopes(Scope.OPERATE, Scope.DISPLAY_KIOSK))]
AcceptLanguage = Annotated[str | None, Header(description="Used when `lang` is not given.")]
CATEGORIES = frozenset(get_args(Category))
_LANGUAGE_TAG = TypeAdapter(LanguageTag)


def points_of_interest_key(request: ReadRequest) -> Key | None:
    """Station, category and the languages the caller prefers; None for what the route must judge."""
    if request.repeats_query("category", "lang", "cursor", "limit"):
        return None
    category, lang = request.query.get("category"), request.query.get("lang")
    cursor, limit = request.query.get("cursor"), request.query.get("limit")
    if limit is not None and not (limit.isdigit() and 1 <= int(limit) <= MAX_LIMIT):
        return None
    if category is not None and category not in CATEGORIES:
        return None
    if lang is not None:
        try:
            _LANGUAGE_TAG.validate_python(lang)
        except ValidationError:
            return None
    preferred = languages.preferred_languages(
        lang=lang, accept_language=request.headers.get("accept-language")
    )
    return request.station_id, category, tuple(preferred), cursor, limit


POINTS_OF_INTEREST = HotRead(
    name="points-of-interest",
    path=f"{INFO_KIOSK.path_prefix}/points-of-interest",
    params={"station_id": STATION_SLUG_PATTERN},
    key=points_of_interest_key,
    vary=("Accept-Language",),
    tags=lambda request: [service.POINTS_OF_INTEREST],
    # The station's map changes a few times a year: a minute of reuse costs nobody anything.
    cache_control="public, max-age=60",
)
MOBILITY_BOARD = HotRead(
    name="mobility-board",
    path=f"{INFO_KIOSK.path_prefix}/mobility",
    params={"station_id": STATION_SLUG_PATTERN},
    tags=lambda request: [service.VEHICLE_AVAILABILITY],
    cache_control="public, max-age=5",
)


@hot_get(
    router,
    POINTS_OF_INTEREST,
    response_model=Page[PointOfInterestPublic],
    summary="The station's points of interest, in the caller's language, in directory order",
)
async def list_points_of_interest(
    station_id: StationId,
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    category: Annotated[Category | None, Query(description="Only this category.")] = None,
    lang: Annotated[LanguageTag | None, Query(description="BCP 47 tag; else Accept-Language.")] = None,
    accept_language: AcceptLanguage = None,
    page: PageRequest = Depends(page_request),
) -> Response:
    async def render() -> Rendered:
        points = await service.list_points_of_interest(
            session=session, station_id=station_id, category=category
        )
        preferred = languages.preferred_languages(lang=lang, accept_language=accept_language)
        localized = [PointOfInterestPublic.localized(point, preferred) for point in points]
        # The directory's order (street level first, by category, by name), the id to make it unique.
        items, next_cursor = page_of_items(
            localized, lambda point: (*directory.directory_key(point), point.id), page
        )
        return Rendered.of(Page[PointOfInterestPublic](items=items, next_cursor=next_cursor))

    entry = await runtime.hot.entry_for(POINTS_OF_INTEREST, request, render)
    return entry.response(request)


@router.post(
    "/points-of-interest",
    status_code=status.HTTP_201_CREATED,
    summary="Add a point of interest; publishes point_of_interest.published",
)
async def create_point_of_interest(
    station_id: StationId,
    point_in: PointOfInterestCreate,
    session: SessionDep,
    _: Operator,
    accept_language: AcceptLanguage = None,
) -> PointOfInterestPublic:
    point = await service.create_point_of_interest(session=session, station_id=station_id, point_in=point_in)
    preferred = languages.preferred_languages(lang=None, accept_language=accept_language)
    return PointOfInterestPublic.localized(point, preferred)


@hot_get(
    router,
    MOBILITY_BOARD,
    response_model=MobilityBoard,
    summary="Bikes and vehicles available near the station, live from bike_share",
)
async def mobility_board(
    station_id: StationId, request: Request, session: SessionDep, runtime: RuntimeDep
) -> Response:
    async def render() -> Rendered:
        available = await service.list_vehicle_availability(session=session, station_id=station_id)
        board = MobilityBoard(
            station_id=station_id,
            as_of=max((v.updated_at for v in available), default=None),
            vehicle_stations=[VehicleAvailabilityPublic.model_validate(v) for v in available],
        )
        return Rendered.of(board, last_modified=board.as_of)

    entry = await runtime.hot.entry_for(MOBILITY_BOARD, request, render)
    return entry.response(request)


# -- the station graph: operator CRUD by code -------------------------------------------------------

Language = Annotated[LanguageTag | None, Query(description="BCP 47 tag; else Accept-Language.")]
PlaceCode = Annotated[str, Path(pattern=CODE_PATTERN, max_length=64, description="e.g. exit-rue-pleyel")]


def negotiated(lang: str | None, accept_language: str | None) -> list[str]:
    """The caller's languages, the supported one that fits best first (unsupported: the station's)."""
    preferred = languages.preferred_languages(lang=lang, accept_language=accept_language)
    return [languages.negotiate_language(preferred), *preferred]


def level_public(level: Level, preferred: list[str]) -> LevelPublic:
    return LevelPublic(
        code=level.code,
        index=level.index,
        name=languages.localized(level.names, preferred),
        names=level.names,
    )


def place_public(
    place: Place | graph_rules.PlaceRecord, preferred: list[str], closed: frozenset[str] = frozenset()
) -> PlacePublic:
    return PlacePublic(
        code=place.code,
        kind=place.kind,
        name=languages.localized(place.names, preferred),
        names=dict(place.names),
        level_code=place.level_code,
        lat=place.lat,
        lon=place.lon,
        line=place.line,
        out_of_service=place.code in closed,
    )


def pathway_public(pathway: Pathway | graph_rules.PathwayRecord) -> PathwayPublic:
    record = pathway if isinstance(pathway, graph_rules.PathwayRecord) else service.pathway_record(pathway)
    return PathwayPublic(**vars(record), step_free=graph_rules.is_step_free(record))


@router.get("/levels", summary="The station's levels, from the street down")
async def list_levels(
    station_id: StationId,
    session: SessionDep,
    lang: Language = None,
    accept_language: AcceptLanguage = None,
    page: PageRequest = Depends(page_request),
) -> Page[LevelPublic]:
    preferred = negotiated(lang, accept_language)
    levels = await service.all_rows(session, Level, station_id)
    # A station has a handful of levels: ordered in memory, street level first.
    rows, next_cursor = page_of_items(levels, lambda level: (-level.index, level.code), page)
    return Page[LevelPublic](
        items=[level_public(level, preferred) for level in rows], next_cursor=next_cursor
    )


@router.post(
    "/levels", status_code=status.HTTP_201_CREATED, responses=problem_responses({409: "The code exists."})
)
async def create_level(
    station_id: StationId, level_in: LevelCreate, session: SessionDep, _: Operator
) -> LevelPublic:
    level = await service.create_item(
        session=session, station_id=station_id, model=Level, values=level_in.model_dump()
    )
    return level_public(level, [])


@router.get("/levels/{code}", summary="One level by its code")
async def read_level(
    station_id: StationId,
    code: PlaceCode,
    session: SessionDep,
    lang: Language = None,
    accept_language: AcceptLanguage = None,
) -> LevelPublic:
    level = await one_or_404(session, Level, "not-found", station_id=station_id, code=code)
    return level_public(level, negotiated(lang, accept_language))


@router.patch("/levels/{code}", summary="Change a level's index or names")
async def update_level(
    station_id: StationId, code: PlaceCode, level_in: LevelUpdate, session: SessionDep, _: Operator
) -> LevelPublic:
    changes = level_in.model_dump(exclude_unset=True)
    level = await service.update_item(
        session=session, station_id=station_id, model=Level, code=code, changes=changes
    )
    return level_public(level, [])


@router.delete(
    "/levels/{code}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses({409: "Places are still on this level."}),
)
async def delete_level(station_id: StationId, code: PlaceCode, session: SessionDep, _: Operator) -> None:
    await service.remove_item(session=session, station_id=station_id, model=Level, code=code)


@router.get("/places", summary="The station's places, by code, a page at a time")
async def list_places(
    station_id: StationId,
    session: SessionDep,
    kind: Annotated[PlaceKind | None, Query(description="Only this kind.")] = None,
    level: Annotated[Code | None, Query(description="Only this level's places.")] = None,
    lang: Language = None,
    accept_language: AcceptLanguage = None,
    page: PageRequest = Depends(page_request),
) -> Page[PlacePublic]:
    where = [*([Place.kind == kind] if kind else []), *([Place.level_code == level] if level else [])]
    statement = select(Place).where(Place.station_id == station_id, *where)
    rows, next_cursor = await page_of_rows(session, statement, [Place.code], page)
    preferred = negotiated(lang, accept_language)
    return Page[PlacePublic](
        items=[place_public(place, preferred) for place in rows], next_cursor=next_cursor
    )


@router.post(
    "/places",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses({409: "The code exists."}),
    summary="Add a place; its level must exist",
)
async def create_place(
    station_id: StationId, place_in: PlaceCreate, session: SessionDep, _: Operator
) -> PlacePublic:
    place = await service.create_item(
        session=session, station_id=station_id, model=Place, values=place_in.model_dump()
    )
    return place_public(place, [])


@router.get("/places/{code}", summary="One place by its code")
async def read_place(
    station_id: StationId,
    code: PlaceCode,
    session: SessionDep,
    lang: Language = None,
    accept_language: AcceptLanguage = None,
) -> PlacePublic:
    place = await one_or_404(session, Place, "not-found", station_id=station_id, code=code)
    return place_public(place, negotiated(lang, accept_language))


@router.patch("/places/{code}", summary="Change a place")
async def update_place(
    station_id: StationId, code: PlaceCode, place_in: PlaceUpdate, session: SessionDep, _: Operator
) -> PlacePublic:
    changes = place_in.model_dump(exclude_unset=True)
    place = await service.update_item(
        session=session, station_id=station_id, model=Place, code=code, changes=changes
    )
    return place_public(place, [])


@router.delete(
    "/places/{code}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses({409: "Pathways still lead to this place."}),
)
async def delete_place(station_id: StationId, code: PlaceCode, session: SessionDep, _: Operator) -> None:
    await service.remove_item(session=session, station_id=station_id, model=Place, code=code)


@router.get("/pathways", summary="The station's pathways, by code, a page at a time")
async def list_pathways(
    station_id: StationId,
    session: SessionDep,
    place: Annotated[Code | None, Query(description="Only pathways from or to this place.")] = None,
    page: PageRequest = Depends(page_request),
) -> Page[PathwayPublic]:
    where = [or_(Pathway.from_code == place, Pathway.to_code == place)] if place else []
    statement = select(Pathway).where(Pathway.station_id == station_id, *where)
    rows, next_cursor = await page_of_rows(session, statement, [Pathway.code], page)
    return Page[PathwayPublic](items=[pathway_public(pathway) for pathway in rows], next_cursor=next_cursor)


@router.post(
    "/pathways",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses({409: "The code exists."}),
    summary="Add a pathway; both its places must exist (a dangling pathway is refused)",
)
async def create_pathway(
    station_id: StationId, pathway_in: PathwayCreate, session: SessionDep, _: Operator
) -> PathwayPublic:
    values = pathway_in.model_dump()
    pathway = await service.create_item(session=session, station_id=station_id, model=Pathway, values=values)
    return pathway_public(pathway)


@router.get("/pathways/{code}", summary="One pathway by its code")
async def read_pathway(station_id: StationId, code: PlaceCode, session: SessionDep) -> PathwayPublic:
    return pathway_public(await one_or_404(session, Pathway, "not-found", station_id=station_id, code=code))


@router.patch("/pathways/{code}", summary="Change a pathway")
async def update_pathway(
    station_id: StationId, code: PlaceCode, pathway_in: PathwayUpdate, session: SessionDep, _: Operator
) -> PathwayPublic:
    changes = pathway_in.model_dump(exclude_unset=True)
    pathway = await service.update_item(
        session=session, station_id=station_id, model=Pathway, code=code, changes=changes
    )
    return pathway_public(pathway)


@router.delete("/pathways/{code}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_pathway(station_id: StationId, code: PlaceCode, session: SessionDep, _: Operator) -> None:
    await service.remove_item(session=session, station_id=station_id, model=Pathway, code=code)


# -- GTFS and validation ------------------------------------------------------------------------------

ZIP = "application/zip"


def report_of(station_id: str, version: str | None, graph: routing.RoutingGraph) -> GraphReport:
    return GraphReport(
        station_id=station_id,
        version=version,
        levels=len(graph.levels),
        places=len(graph.places),
        pathways=len(graph.pathways),
        warnings=[GraphWarningPublic(**vars(warning)) for warning in routing.graph_warnings(graph)],
    )


@router.get(
    "/graph/gtfs",
    response_class=Response,
    responses={
        200: {"content": {ZIP: {}}, "description": "levels.txt, stops.txt, pathways.txt, translations.txt"}
    },
    summary="The station graph as a GTFS zip",
)
async def export_gtfs(station_id: StationId, session: SessionDep, runtime: RuntimeDep) -> Response:
    feed = await service.load_feed(session=session, station_id=station_id)
    settings = runtime.settings
    publisher = (
        gtfs.Publisher(settings.gtfs_publisher_name, settings.gtfs_publisher_base_url)
        if isinstance(settings, Settings)
        else gtfs.Publisher("Gare numérique", settings.jwks_url.removesuffix(".well-known/jwks.json"))
    )
    station_name = station_names().get(station_id, station_id)
    body = gtfs.write_feed(station_id, {DEFAULT_LANGUAGE: station_name}, feed, publisher)
    return Response(
        body, media_type=ZIP, headers={"Content-Disposition": f'attachment; filename="{station_id}-gtfs.zip"'}
    )


@router.put(
    "/graph/gtfs",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {ZIP: {"schema": {"type": "string", "format": "binary"}}},
        }
    },
    responses=problem_responses(
        {
            413: "The zip would expand past its limits (members, sizes, compression ratio).",
            415: "The body is not a zip.",
            422: "The feed has broken references; see `errors`.",
        }
    ),
    summary="Replace the station graph with a GTFS zip; broken references refuse it whole",
)
async def import_gtfs(
    station_id: StationId, request: Request, session: SessionDep, _: Operator
) -> GraphReport:
    if request.headers.get("content-type", "").split(";")[0].strip() != ZIP:
        raise Problem("Send the GTFS feed as application/zip.", status=415, slug="unsupported-media-type")
    try:
        feed = gtfs.read_feed(await request.body())
    except gtfs.FeedError as error:
        raise InvalidInput.from_problems(
            "The GTFS feed cannot be read; see `errors`.", error.problems
        ) from None
    await service.replace_graph(session=session, station_id=station_id, feed=feed)
    version, graph = await service.routing_graph(session=session, station_id=station_id)
    return report_of(station_id, version, graph)


@router.get("/graph/validation", summary="Exits and platforms unreachable under a profile, one-way traps")
async def validate_graph(station_id: StationId, session: SessionDep, _: Operator) -> GraphReport:
    version, graph = await service.routing_graph(session=session, station_id=station_id)
    return report_of(station_id, version, graph)


def map_key(request: ReadRequest) -> Key | None:
    if request.repeats_query("lang"):
        return None
    lang = request.query.get("lang")
    if lang is not None:
        try:
            _LANGUAGE_TAG.validate_python(lang)
        except ValidationError:
            return None
    return request.station_id, negotiated(lang, request.headers.get("accept-language"))[0]


STATION_MAP = HotRead(
    name="station-map",
    path=f"{INFO_KIOSK.path_prefix}/map",
    params={"station_id": STATION_SLUG_PATTERN},
    key=map_key,
    vary=("Accept-Language",),
    tags=lambda request: [service.GRAPH],
    cache_control="public, max-age=5",
)


@hot_get(
    router,
    STATION_MAP,
    response_model=StationMap,
    summary="Levels, places and pathways to draw, with equipment out of service marked",
)
async def station_map(
    station_id: StationId,
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    lang: Language = None,
    accept_language: AcceptLanguage = None,
) -> Response:
    preferred = negotiated(lang, accept_language)

    async def render() -> Rendered:
        version, graph = await service.routing_graph(session=session, station_id=station_id)
        levels = sorted(graph.levels.values(), key=lambda level: -level.index)
        body = StationMap(
            station_id=station_id,
            language=preferred[0],
            version=version,
            levels=[
                LevelPublic(
                    code=lv.code,
                    index=lv.index,
                    name=languages.localized(lv.names, preferred),
                    names=dict(lv.names),
                )
                for lv in levels
            ],
            places=[place_public(place, preferred, graph.closed) for place in graph.places],
            pathways=[pathway_public(pathway) for pathway in graph.pathways],
        )
        return Rendered.of(body)

    entry = await runtime.hot.entry_for(STATION_MAP, request, render)
    return entry.response(request)


# -- routes, nearest, search ----------------------------------------------------------------------


def route_public(route: routes.Route | None) -> RoutePublic | None:
    if route is None:
        return None
    return RoutePublic(
        profile=route.profile,
        places=list(route.places),
        steps=[RouteStepPublic(**{**vars(step), "pathways": list(step.pathways)}) for step in route.steps],
        length_m=route.length_m,
        time_s=route.time_s,
        level_changes=route.level_changes,
    )


async def _known_place(
    session: SessionDep, station_id: str, graph: routing.RoutingGraph, code: str, field: str
) -> None:
    if code in graph.index:
        return
    elsewhere = await service.station_of_place(session=session, code=code, not_station=station_id)
    where = f" (it is a place of {elsewhere})" if elsewhere else ""
    raise NotFound(
        f"No place {code!r} at {station_id}{where}.",
        slug="unknown-place",
        errors=[{"in": "query", "field": field, "detail": f"unknown place{where}"}],
    )


@router.get(
    "/route",
    responses=problem_responses({404: "A place is not one of this station's."}),
    summary="A route from place to place under a profile; when none, why, and the best alternative",
)
async def find_route(
    station_id: StationId,
    session: SessionDep,
    response: Response,
    from_code: Annotated[Code, Query(alias="from", description="Where the traveller is.")],
    to_code: Annotated[Code, Query(alias="to", description="Where they go.")],
    profile: Annotated[Profile, Query(description="How they move.")] = "fastest",
    lang: Language = None,
    accept_language: AcceptLanguage = None,
) -> RouteAnswerPublic:
    preferred = negotiated(lang, accept_language)
    _, graph = await service.routing_graph(session=session, station_id=station_id)
    await _known_place(session, station_id, graph, from_code, "from")
    await _known_place(session, station_id, graph, to_code, "to")
    answer = routes.route(graph, from_code, to_code, profile, preferred)
    response.headers["Content-Language"] = preferred[0]
    return RouteAnswerPublic(
        station_id=station_id,
        language=preferred[0],
        from_code=from_code,
        to_code=to_code,
        profile=profile,
        found=answer.route is not None,
        route=route_public(answer.route),
        explanation=ExplanationPublic(
            code=answer.explanation.code,
            message=answer.explanation.message,
            equipment=list(answer.explanation.equipment),
        )
        if answer.explanation
        else None,
        alternative=route_public(answer.alternative),
    )


@router.get(
    "/places/{code}/nearest",
    responses=problem_responses({404: "No such place, or none of that kind within reach."}),
    summary="The nearest place of a kind from a place, and the route to it",
)
async def nearest_place(
    station_id: StationId,
    code: PlaceCode,
    session: SessionDep,
    kind: Annotated[PlaceKind, Query(description="The kind looked for, e.g. toilets.")],
    profile: Annotated[Profile, Query()] = "fastest",
    lang: Language = None,
    accept_language: AcceptLanguage = None,
) -> RouteAnswerPublic:
    preferred = negotiated(lang, accept_language)
    _, graph = await service.routing_graph(session=session, station_id=station_id)
    if code not in graph.index:
        raise NotFound(f"No place {code!r} at {station_id}.", slug="unknown-place")
    target = routes.nearest(graph, code, {kind}, profile)
    if target is None:
        raise NotFound(
            f"No {kind} can be reached from {code!r} under profile {profile}.", slug="none-within-reach"
        )
    answer = routes.route(graph, code, target, profile, preferred)
    return RouteAnswerPublic(
        station_id=station_id,
        language=preferred[0],
        from_code=code,
        to_code=target,
        profile=profile,
        found=True,
        route=route_public(answer.route),
        explanation=None,
        alternative=None,
    )


@router.get("/search", summary="Places by name or kind in any language, tolerant of accents and typos")
async def search_places(
    station_id: StationId,
    session: SessionDep,
    q: Annotated[str, Query(min_length=1, max_length=100, description="What the traveller typed.")],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    lang: Language = None,
    accept_language: AcceptLanguage = None,
) -> SearchResults:
    preferred = negotiated(lang, accept_language)
    _, graph = await service.routing_graph(session=session, station_id=station_id)
    hits = search.search(graph.places, q, limit=limit)
    return SearchResults(
        station_id=station_id,
        language=preferred[0],
        query=q,
        hits=[
            SearchHitPublic(
                place=place_public(graph.places[graph.index[hit.code]], preferred, graph.closed),
                score=hit.score,
            )
            for hit in hits
        ],
    )


# -- equipment ----------------------------------------------------------------------------------


def equipment_public(
    place: Place | graph_rules.PlaceRecord, outage: EquipmentOutage | None, preferred: list[str]
) -> EquipmentPublic:
    return EquipmentPublic(
        place_code=place.code,
        kind=place.kind,
        name=languages.localized(place.names, preferred),
        names=dict(place.names),
        level_code=place.level_code,
        status="out_of_service" if outage else "in_service",
        reason=outage.reason if outage else None,
        until=outage.until if outage else None,
        changed_at=outage.changed_at if outage else None,
    )


@router.put(
    "/equipment/{code}",
    responses=problem_responses(
        {422: "The place is not equipment (lift, escalator, travelator, fare gate)."}
    ),
    summary="Put a lift, escalator or gate out of service or back; routes avoid it at once",
)
async def set_equipment_status(
    station_id: StationId,
    code: PlaceCode,
    status_in: EquipmentStatusUpdate,
    session: SessionDep,
    caller: OperatorOrKiosk,
) -> EquipmentPublic:
    place, outage = await service.set_equipment_status(
        session=session,
        station_id=station_id,
        place_code=code,
        status=status_in.status,
        reason=status_in.reason,
        until=status_in.until,
        reported_by=caller.client_id or caller.subject,
    )
    return equipment_public(place, outage, [])


@router.get("/equipment", summary="Equipment out of service now, by place code")
async def list_outages(
    station_id: StationId,
    session: SessionDep,
    lang: Language = None,
    accept_language: AcceptLanguage = None,
    page: PageRequest = Depends(page_request),
) -> Page[EquipmentPublic]:
    preferred = negotiated(lang, accept_language)
    _, graph = await service.routing_graph(session=session, station_id=station_id)
    rows = await service.outages(session=session, station_id=station_id)
    known = [row for row in rows if row.place_code in graph.index]
    chunk, next_cursor = page_of_items(known, lambda row: (row.place_code,), page)
    return Page[EquipmentPublic](
        items=[equipment_public(graph.places[graph.index[row.place_code]], row, preferred) for row in chunk],
        next_cursor=next_cursor,
    )


# -- live panels ---------------------------------------------------------------------------------


def live_key(request: ReadRequest) -> Key | None:
    return map_key(request)


LIVE_PANELS = HotRead(
    name="live-panels",
    path=f"{INFO_KIOSK.path_prefix}/live",
    params={"station_id": STATION_SLUG_PATTERN},
    key=live_key,
    vary=("Accept-Language",),
    tags=lambda request: [service.LIVE, service.VEHICLE_AVAILABILITY],
    cache_control="public, max-age=5",
    # `stale` depends on the clock too: a few seconds late at most.
    ttl_seconds=5,
)


@hot_get(
    router,
    LIVE_PANELS,
    response_model=LivePanels,
    summary="Vehicles, lockers, alerts and outages, each panel marked stale when its source went quiet",
)
async def live_panels(
    station_id: StationId,
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    lang: Language = None,
    accept_language: AcceptLanguage = None,
) -> Response:
    preferred = negotiated(lang, accept_language)
    settings = runtime.settings

    async def render() -> Rendered:
        spoke = await service.source_activity(session=session, station_id=station_id)
        now = utcnow()

        vehicles = await service.list_vehicle_availability(session=session, station_id=station_id)
        banks = await service.list_locker_availability(session=session, station_id=station_id)
        alerts = await service.list_active_alerts(session=session, station_id=station_id)

        def state(source: str, limit: float, items: Sequence[object]) -> dict[str, Any]:
            last = spoke.get(source)
            return {"as_of": last, "stale": live.is_stale(last, now, limit, shows_items=bool(items))}

        _, graph = await service.routing_graph(session=session, station_id=station_id)
        rows = await service.outages(session=session, station_id=station_id)
        body = LivePanels(
            station_id=station_id,
            language=preferred[0],
            vehicles=VehiclePanel(
                **state("vehicles", getattr(settings, "vehicles_stale_after_s", 600), vehicles),
                items=[VehicleAvailabilityPublic.model_validate(v) for v in vehicles],
            ),
            lockers=LockerPanel(
                **state("lockers", getattr(settings, "lockers_stale_after_s", 3600), banks),
                items=[LockerBankPublic.model_validate(bank) for bank in banks],
            ),
            alerts=AlertPanel(
                **state("alerts", getattr(settings, "alerts_stale_after_s", 3600), alerts),
                items=[
                    AlertPublic(
                        alert_id=alert.alert_id,
                        severity=alert.severity,
                        text=languages.localized(alert.text, preferred),
                        texts=alert.text,
                        raised_at=alert.raised_at,
                        expires_at=alert.expires_at,
                    )
                    for alert in alerts
                ],
            ),
            outages=[
                equipment_public(graph.places[graph.index[row.place_code]], row, preferred)
                for row in rows
                if row.place_code in graph.index
            ],
        )
        return Rendered.of(body)

    entry = await runtime.hot.entry_for(LIVE_PANELS, request, render)
    return entry.response(request)


# -- hand-off to a phone --------------------------------------------------------------------------


@router.get(
    "/route/qr",
    response_class=Response,
    responses={
        200: {"content": {SVG: {}}, "description": "A QR code of the route's link in the traveller app"}
    },
    summary="A QR code that opens this route in the traveller app (/app/) on a phone",
)
async def route_qr(
    station_id: StationId,
    session: SessionDep,
    runtime: RuntimeDep,
    from_code: Annotated[Code, Query(alias="from")],
    to_code: Annotated[Code, Query(alias="to")],
    profile: Annotated[Profile, Query()] = "fastest",
    lang: Language = None,
) -> Response:
    _, graph = await service.routing_graph(session=session, station_id=station_id)
    await _known_place(session, station_id, graph, from_code, "from")
    await _known_place(session, station_id, graph, to_code, "to")
    query = {"station": station_id, "from": from_code, "to": to_code, "profile": profile}
    if lang:
        query["lang"] = lang
    # The station's public URL, never the request's Host: a phone scans it away from this request.
    link = f"{runtime.settings.public_base_url}/app/#/route?{urlencode(query)}"
    return Response(qr_svg(link), media_type=SVG, headers={"X-Route-Link": link, "Cache-Control": "no-cache"})
