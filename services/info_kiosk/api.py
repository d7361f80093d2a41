"""info_kiosk's routes under /api/v1/stations/{station_id}/kiosk: thin, the rules live elsewhere."""

from __future__ import annotations

from typing import Annotated, get_args

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status
from pydantic import TypeAdapter, ValidationError

from services.common.auth import Principal, Scope
from services.common.deps import RuntimeDep, SessionDep, StationId, require_scopes
from services.common.hot_reads import NOT_MODIFIED, HotRead, Key, ReadRequest, Rendered
from services.common.registry import INFO_KIOSK
from services.common.stations import STATION_SLUG_PATTERN
from services.info_kiosk import domain, service
from services.info_kiosk.schemas import (
    Category,
    LanguageTag,
    MobilityBoard,
    PointOfInterestCreate,
    PointOfInterestList,
    PointOfInterestPublic,
    VehicleAvailabilityPublic,
)

router = APIRouter(prefix=INFO_KIOSK.path_prefix, tags=["kiosk"])
Operator = Annotated[Principal, Depends(require_scopes(Scope.OPERATE))]
AcceptLanguage = Annotated[str | None, Header(description="Used when `lang` is not given.")]
CATEGORIES = frozenset(get_args(Category))
_LANGUAGE_TAG = TypeAdapter(LanguageTag)


def points_of_interest_key(request: ReadRequest) -> Key | None:
    """Station, category and the languages the caller prefers; None for what the route must judge."""
    if request.repeats_query("category", "lang"):
        return None
    category, lang = request.query.get("category"), request.query.get("lang")
    if category is not None and category not in CATEGORIES:
        return None
    if lang is not None:
        try:
            _LANGUAGE_TAG.validate_python(lang)
        except ValidationError:
            return None
    preferred = domain.preferred_languages(lang=lang, accept_language=request.headers.get("accept-language"))
    return request.station_id, category, tuple(preferred)


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
HOT_READS = (POINTS_OF_INTEREST, MOBILITY_BOARD)


@router.get(
    "/points-of-interest",
    response_model=PointOfInterestList,
    responses=NOT_MODIFIED,
    summary="The station's points of interest, in the caller's language",
)
async def list_points_of_interest(
    station_id: StationId,
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    category: Annotated[Category | None, Query(description="Only this category.")] = None,
    lang: Annotated[LanguageTag | None, Query(description="BCP 47 tag; else Accept-Language.")] = None,
    accept_language: AcceptLanguage = None,
) -> Response:
    async def render() -> Rendered:
        points = await service.list_points_of_interest(
            session=session, station_id=station_id, category=category
        )
        preferred = domain.preferred_languages(lang=lang, accept_language=accept_language)
        localized = [PointOfInterestPublic.localized(point, preferred) for point in points]
        return Rendered.of(
            PointOfInterestList(
                station_id=station_id, points_of_interest=sorted(localized, key=domain.directory_key)
            )
        )

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
    preferred = domain.preferred_languages(lang=None, accept_language=accept_language)
    return PointOfInterestPublic.localized(point, preferred)


@router.get(
    "/mobility",
    response_model=MobilityBoard,
    responses=NOT_MODIFIED,
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
