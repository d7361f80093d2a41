"""The station graph edited by operators, entity by entity: levels, places and pathways by code."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from sqlalchemy import or_, select

from kernel.db import one_or_404
from kernel.deps import SessionDep, StationId
from kernel.openapi import problem_responses
from kernel.pagination import Page, PageRequest, page_of_items, page_of_rows, page_request
from kernel.registry import INFO_KIOSK
from services.info_kiosk.api.common import AcceptLanguage, Language, Operator, PlaceCode, negotiated
from services.info_kiosk.domain import graph_rules, languages
from services.info_kiosk.domain.graph_rules import PlaceKind
from services.info_kiosk.models import Level, Pathway, Place
from services.info_kiosk.schemas import (
    Code,
    LevelCreate,
    LevelPublic,
    LevelUpdate,
    PathwayCreate,
    PathwayPublic,
    PathwayUpdate,
    PlaceCreate,
    PlacePublic,
    PlaceUpdate,
)
from services.info_kiosk.service import station_graph

router = APIRouter(prefix=INFO_KIOSK.path_prefix, tags=["kiosk"])


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
    record = (
        pathway if isinstance(pathway, graph_rules.PathwayRecord) else station_graph.pathway_record(pathway)
    )
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
    levels = await station_graph.all_rows(session, Level, station_id)
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
    level = await station_graph.create_item(
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
    level = await station_graph.update_item(
        session=session, station_id=station_id, model=Level, code=code, changes=changes
    )
    return level_public(level, [])


@router.delete(
    "/levels/{code}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses({409: "Places are still on this level."}),
)
async def delete_level(station_id: StationId, code: PlaceCode, session: SessionDep, _: Operator) -> None:
    await station_graph.remove_item(session=session, station_id=station_id, model=Level, code=code)


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
    place = await station_graph.create_item(
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
    place = await station_graph.update_item(
        session=session, station_id=station_id, model=Place, code=code, changes=changes
    )
    return place_public(place, [])


@router.delete(
    "/places/{code}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses({409: "Pathways still lead to this place."}),
)
async def delete_place(station_id: StationId, code: PlaceCode, session: SessionDep, _: Operator) -> None:
    await station_graph.remove_item(session=session, station_id=station_id, model=Place, code=code)


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
    pathway = await station_graph.create_item(
        session=session, station_id=station_id, model=Pathway, values=values
    )
    return pathway_public(pathway)


@router.get("/pathways/{code}", summary="One pathway by its code")
async def read_pathway(station_id: StationId, code: PlaceCode, session: SessionDep) -> PathwayPublic:
    return pathway_public(await one_or_404(session, Pathway, "not-found", station_id=station_id, code=code))


@router.patch("/pathways/{code}", summary="Change a pathway")
async def update_pathway(
    station_id: StationId, code: PlaceCode, pathway_in: PathwayUpdate, session: SessionDep, _: Operator
) -> PathwayPublic:
    changes = pathway_in.model_dump(exclude_unset=True)
    pathway = await station_graph.update_item(
        session=session, station_id=station_id, model=Pathway, code=code, changes=changes
    )
    return pathway_public(pathway)


@router.delete("/pathways/{code}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_pathway(station_id: StationId, code: PlaceCode, session: SessionDep, _: Operator) -> None:
    await station_graph.remove_item(session=session, station_id=station_id, model=Pathway, code=code)
