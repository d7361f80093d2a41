"""signage's routes under /api/v1/stations/{station_id}/signage: thin, the rules live elsewhere."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Response, status

from services.common.auth import Principal
from services.common.db import utcnow
from services.common.deps import RuntimeDep, SessionDep, StationId, require_roles
from services.common.errors import Forbidden
from services.common.openapi import problem_responses
from services.common.stations import STATION_SLUG_PATTERN
from services.signage import domain, heartbeats, service
from services.signage.schemas import (
    PlaylistPublic,
    ScreenCreate,
    ScreenList,
    ScreenPlaylist,
    ScreenPublic,
    ScreenStatus,
)

router = APIRouter(prefix="/api/v1/stations/{station_id}/signage", tags=["signage"])
ScreenCodePath = Annotated[str, Path(min_length=1, max_length=64, pattern=STATION_SLUG_PATTERN)]
Operator = Annotated[Principal, Depends(require_roles("operator"))]
Viewer = Annotated[Principal, Depends(require_roles("operator", "device"))]
# Players revalidate on every poll: the ETag makes an unchanged playlist cost a 304.
PLAYLIST_CACHE_CONTROL = "no-cache"


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


@router.get("/screens", summary="The station's screens, with when each player was last seen")
async def list_screens(
    station_id: StationId, session: SessionDep, runtime: RuntimeDep, _: Operator
) -> ScreenList:
    screens = await service.list_screens(session=session, station_id=station_id)
    seen = await heartbeats.last_seen(runtime.redis, station_id=station_id, codes=[s.code for s in screens])
    return ScreenList(
        station_id=station_id,
        screens=[
            ScreenStatus(**ScreenPublic.model_validate(s).model_dump(), last_seen_at=seen.get(s.code))
            for s in screens
        ],
    )


@router.get(
    "/screens/{code}/playlist",
    response_model=ScreenPlaylist,
    summary="What a screen plays; its bound device polls it with If-None-Match",
    responses={
        304: {"description": "The player already has this version (its ETag)"},
        **problem_responses({404: "`unknown-screen`: the station has no screen with this code."}),
    },
)
async def screen_playlist(
    station_id: StationId,
    code: ScreenCodePath,
    session: SessionDep,
    runtime: RuntimeDep,
    caller: Viewer,
    response: Response,
    if_none_match: Annotated[str | None, Header(max_length=1024)] = None,
) -> ScreenPlaylist | Response:
    screen = await service.get_screen_or_raise(session=session, station_id=station_id, code=code)
    if caller.role == "device":
        if not domain.is_player_of(caller.claims.get("client_id"), screen.device_client_id):
            raise Forbidden(f"This device is not the player of screen {code!r}.")
        await heartbeats.record(runtime.redis, station_id=station_id, code=code, at=utcnow())
    rendered = await service.render_screen_playlist(session=session, screen=screen)
    version = domain.version_of(rendered)
    headers = {"ETag": domain.etag(version), "Cache-Control": PLAYLIST_CACHE_CONTROL}
    if domain.has_current_version(if_none_match, version):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    response.headers.update(headers)
    return ScreenPlaylist(
        screen=ScreenPublic.model_validate(screen),
        playlist=PlaylistPublic.model_validate(rendered) if rendered is not None else None,
        generated_at=utcnow(),
    )
