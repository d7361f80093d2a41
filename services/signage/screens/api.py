"""Screens' routes: register, list with their health, change, retire; the players' heartbeats."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from kernel.db import one_or_404, utcnow
from kernel.deps import RuntimeDep, SessionDep, StationId
from kernel.openapi import problem_responses
from kernel.pagination import Page, page_of_items
from kernel.registry import SIGNAGE
from services.signage import heartbeats
from services.signage.deps import (
    NOT_ITS_PLAYER,
    UNKNOWN_SCREEN,
    CodePath,
    Operator,
    PageDep,
    Player,
    own_screen,
)
from services.signage.models import Screen
from services.signage.player.service import screen_document
from services.signage.schemas import (
    Heartbeat,
    ScreenCreate,
    ScreenPublic,
    ScreenStatus,
    ScreenUpdate,
)
from services.signage.screens import domain, service

router = APIRouter(prefix=SIGNAGE.path_prefix, tags=["signage"])


@router.post(
    "/screens",
    status_code=status.HTTP_201_CREATED,
    summary="Register a screen of the station; publishes screen.registered",
    responses=problem_responses(
        {
            409: [
                "`screen-code-taken`: the station has a screen with this code.",
                "`device-already-bound`: the device plays another screen.",
                "`conflict`: either was registered meanwhile; retry.",
            ]
        }
    ),
)
async def register_screen(
    station_id: StationId, screen_in: ScreenCreate, session: SessionDep, _: Operator
) -> ScreenPublic:
    screen = await service.register_screen(session=session, station_id=station_id, screen_in=screen_in)
    return ScreenPublic.model_validate(screen)


async def statuses(
    session: SessionDep, runtime: RuntimeDep, station_id: str, screens: Sequence[Screen]
) -> list[ScreenStatus]:
    """Each screen with its health: when it was last heard, what it plays, what it should."""
    codes = [s.code for s in screens]
    seen = await heartbeats.last_seen(runtime.redis, station_id=station_id, codes=codes)
    playing = await heartbeats.playing_versions(runtime.redis, station_id=station_id, codes=codes)
    now = utcnow()
    shown = []
    for screen in screens:
        current = (
            await screen_document(
                session=session, screen=screen, at=now, public_url=runtime.settings.public_base_url
            )
        )["version"]
        health = domain.screen_health(
            last_seen=seen.get(screen.code),
            playing_version=playing.get(screen.code),
            current_version=current,
            at=now,
        )
        shown.append(
            ScreenStatus(
                **ScreenPublic.model_validate(screen).model_dump(),
                last_seen_at=seen.get(screen.code),
                playing_version=playing.get(screen.code),
                current_version=current,
                online=health.online,
                behind=health.behind,
            )
        )
    return shown


@router.get(
    "/screens", summary="The station's screens by code: last seen, online, and behind on content or not"
)
async def list_screens(
    station_id: StationId,
    session: SessionDep,
    runtime: RuntimeDep,
    _: Operator,
    page: PageDep,
    behind: Annotated[bool | None, Query(description="Only the screens behind on content (or not)")] = None,
    online: Annotated[bool | None, Query(description="Only the screens online (or offline)")] = None,
) -> Page[ScreenStatus]:
    if behind is None and online is None:
        screens, next_cursor = await service.page_screens(session=session, station_id=station_id, page=page)
        return Page(items=await statuses(session, runtime, station_id, screens), next_cursor=next_cursor)
    # Health lives in Redis, not in a column: the filter runs over the station's screens in memory.
    every = await statuses(
        session, runtime, station_id, await service.list_screens(session=session, station_id=station_id)
    )
    wanted = [
        status
        for status in every
        if (behind is None or status.behind == behind) and (online is None or status.online == online)
    ]
    items, next_cursor = page_of_items(wanted, lambda status: (status.code,), page)
    return Page(items=items, next_cursor=next_cursor)


@router.get("/screens/{code}", summary="One screen", responses=problem_responses({404: UNKNOWN_SCREEN}))
async def get_screen(station_id: StationId, code: CodePath, session: SessionDep, _: Operator) -> ScreenPublic:
    return ScreenPublic.model_validate(
        await one_or_404(session, Screen, "unknown-screen", station_id=station_id, code=code)
    )


@router.put(
    "/screens/{code}",
    summary="Change a screen (zone, tags, languages, playlist, player device)",
    responses=problem_responses(
        {404: UNKNOWN_SCREEN, 409: "`device-already-bound`: the device plays another screen."}
    ),
)
async def update_screen(
    station_id: StationId, code: CodePath, screen_in: ScreenUpdate, session: SessionDep, _: Operator
) -> ScreenPublic:
    screen = await service.update_screen(
        session=session, station_id=station_id, code=code, screen_in=screen_in
    )
    return ScreenPublic.model_validate(screen)


@router.delete(
    "/screens/{code}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Retire a screen; its player plays nothing here any more",
    responses=problem_responses({404: UNKNOWN_SCREEN}),
)
async def retire_screen(station_id: StationId, code: CodePath, session: SessionDep, _: Operator) -> Response:
    await service.retire_screen(session=session, station_id=station_id, code=code)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/screens/{code}/heartbeat",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="The screen's player is alive and plays this content version",
    responses=problem_responses({404: UNKNOWN_SCREEN, 403: NOT_ITS_PLAYER}),
)
async def heartbeat(
    station_id: StationId,
    code: CodePath,
    beat: Heartbeat,
    session: SessionDep,
    runtime: RuntimeDep,
    player: Player,
) -> Response:
    await own_screen(session, station_id, code, player)
    await heartbeats.record(
        runtime.redis, station_id=station_id, code=code, at=utcnow(), version=beat.version
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
