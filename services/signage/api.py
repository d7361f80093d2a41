"""signage's routes under /api/v1/stations/{station_id}/signage: thin, the rules live elsewhere."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response, status

from services.common.auth import Principal, Scope
from services.common.deps import RuntimeDep, SessionDep, StationId, require_scopes
from services.common.errors import Forbidden
from services.common.hot_reads import NOT_MODIFIED, HotRead, ReadRequest, Rendered
from services.common.openapi import problem_responses
from services.common.registry import SIGNAGE
from services.common.runtime import ServiceRuntime
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

router = APIRouter(prefix=SIGNAGE.path_prefix, tags=["signage"])
ScreenCodePath = Annotated[str, Path(min_length=1, max_length=64, pattern=STATION_SLUG_PATTERN)]
Operator = Annotated[Principal, Depends(require_scopes(Scope.OPERATE))]
Viewer = Annotated[Principal, Depends(require_scopes(Scope.OPERATE, Scope.PLAY_SIGNAGE))]


def may_view(viewer: Principal, request: ReadRequest, facts: Mapping[str, Any]) -> bool:
    return viewer.may_act_on(request.station_id) and domain.may_view_playlist(
        viewer, code=request.params["code"], registered_player=facts.get("registered_player")
    )


def note_fetch(runtime: ServiceRuntime, request: ReadRequest, viewer: Principal | None) -> None:
    """A screen's own fetch is its heartbeat; an operator's preview is not."""
    if viewer is not None and viewer.device_kind == "screen":
        heartbeats.note(runtime.redis, station_id=request.station_id, code=request.params["code"])


PLAYLIST = HotRead(
    name="screen-playlist",
    path=f"{SIGNAGE.path_prefix}/screens/{{code}}/playlist",
    params={"station_id": STATION_SLUG_PATTERN, "code": STATION_SLUG_PATTERN},
    tags=lambda request: [service.screen_tag(request.params["code"]), service.PLAYLISTS],
    # Players revalidate on every poll: an unchanged playlist costs a 304. Only for its viewer.
    cache_control="private, no-cache",
    authorize=may_view,
    on_serve=note_fetch,
)
HOT_READS = (PLAYLIST,)


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
        **NOT_MODIFIED,
        **problem_responses({404: "`unknown-screen`: the station has no screen with this code."}),
    },
)
async def screen_playlist(
    station_id: StationId,
    code: ScreenCodePath,
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    viewer: Viewer,
) -> Response:
    async def render() -> Rendered:
        screen = await service.get_screen_or_raise(session=session, station_id=station_id, code=code)
        rendered, changed_at = await service.render_screen_playlist(session=session, screen=screen)
        shown = ScreenPlaylist(
            screen=ScreenPublic.model_validate(screen),
            playlist=PlaylistPublic.model_validate(rendered) if rendered is not None else None,
            generated_at=changed_at,
        )
        return Rendered.of(shown, registered_player=screen.device_client_id)

    entry = await runtime.hot.entry_for(PLAYLIST, request, render)
    read_request = ReadRequest.of(request)
    if not may_view(viewer, read_request, entry.meta):
        raise Forbidden(f"This device is not the player of screen {code!r}.")
    note_fetch(runtime, read_request, viewer)
    return entry.response(request)
