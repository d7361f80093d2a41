"""Systems (shared by every station) and the state of their ingested feeds."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from kernel.db import one_or_404
from kernel.deps import PublicReader, RuntimeDep, SessionDep, StationId
from kernel.pagination import Page
from kernel.registry import BIKE_SHARE
from services.bike_share import domain
from services.bike_share.dependencies import IN_USE, NetworkAdmin, PageAsked, SystemPath, served
from services.bike_share.models import System
from services.bike_share.schemas import (
    FeedStatePublic,
    SystemCreate,
    SystemPublic,
    SystemUpdate,
)
from services.bike_share.systems import service as systems

router = APIRouter(prefix=BIKE_SHARE.path_prefix, tags=["mobility"])


@router.get("/systems", summary="Vehicle-sharing systems (operators) known here, paginated")
async def list_systems(station_id: StationId, session: SessionDep, page: PageAsked) -> Page[SystemPublic]:
    rows, next_cursor = await systems.page(session=session, page=page)
    return Page(items=[SystemPublic.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.post("/systems", status_code=status.HTTP_201_CREATED, summary="Add a system", responses=IN_USE)
async def create_system(
    station_id: StationId, system_in: SystemCreate, session: SessionDep, runtime: RuntimeDep, _: NetworkAdmin
) -> SystemPublic:
    created = await systems.create(session=session, system_in=system_in, stations=served(runtime))
    return SystemPublic.model_validate(created)


@router.get("/systems/{system_id}", summary="One system")
async def get_system(station_id: StationId, system_id: SystemPath, session: SessionDep) -> SystemPublic:
    return SystemPublic.model_validate(await one_or_404(session, System, "unknown-system", id=system_id))


@router.patch("/systems/{system_id}", summary="Change a system")
async def update_system(
    station_id: StationId,
    system_id: SystemPath,
    system_in: SystemUpdate,
    session: SessionDep,
    runtime: RuntimeDep,
    _: NetworkAdmin,
) -> SystemPublic:
    updated = await systems.update(
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
    await systems.delete(session=session, system_id=system_id, stations=served(runtime))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/feeds",
    summary="State of each external GBFS feed ingested: ok, degraded, stale, failing",
    description="Why a feed fails (`reason`) is shown to the station's operators and administrators only.",
)
async def list_feeds(
    station_id: StationId, session: SessionDep, response: Response, caller: PublicReader, page: PageAsked
) -> Page[FeedStatePublic]:
    rows, next_cursor = await systems.page_of_feeds(session=session, page=page)
    feeds = [FeedStatePublic.model_validate(f) for f in rows]
    # The answer depends on who asks: no shared cache may keep it.
    response.headers["Cache-Control"] = "private, no-store"
    if not domain.may_see_feed_reasons(caller, station_id):
        feeds = [feed.model_copy(update={"reason": None}) for feed in feeds]
    return Page(items=feeds, next_cursor=next_cursor)
