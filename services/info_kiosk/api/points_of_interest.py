"""The points of interest of the station and around it: the directory (a hot read, a page at a
time) and operators adding to it."""

from __future__ import annotations

from typing import Annotated, get_args

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import ValidationError

from kernel.deps import RuntimeDep, SessionDep, StationId
from kernel.hot_reads import HotRead, Key, ReadRequest, Rendered, hot_get
from kernel.pagination import MAX_LIMIT, Page, PageRequest, page_of_items, page_request
from kernel.registry import INFO_KIOSK
from kernel.stations import STATION_SLUG_PATTERN
from services.info_kiosk.api.common import LANGUAGE_TAG, AcceptLanguage, Operator
from services.info_kiosk.domain import directory, languages
from services.info_kiosk.schemas import Category, LanguageTag, PointOfInterestCreate, PointOfInterestPublic
from services.info_kiosk.service import points_of_interest, tags

router = APIRouter(prefix=INFO_KIOSK.path_prefix, tags=["kiosk"])
CATEGORIES = frozenset(get_args(Category))


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
            LANGUAGE_TAG.validate_python(lang)
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
    tags=lambda request: [tags.POINTS_OF_INTEREST],
    # The station's map changes a few times a year: a minute of reuse costs nobody anything.
    cache_control="public, max-age=60",
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
        points = await points_of_interest.list_points_of_interest(
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
    point = await points_of_interest.create_point_of_interest(
        session=session, station_id=station_id, point_in=point_in
    )
    preferred = languages.preferred_languages(lang=None, accept_language=accept_language)
    return PointOfInterestPublic.localized(point, preferred)
