"""The player's routes: its document (a hot read) and its push channel."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from kernel.auth import Principal
from kernel.db import one_or_404
from kernel.deps import RuntimeDep, SessionDep, StationId
from kernel.errors import Forbidden
from kernel.hot_reads import HotRead, ReadRequest, Rendered, hot_get
from kernel.openapi import problem_responses
from kernel.registry import SIGNAGE
from kernel.runtime import ServiceRuntime
from kernel.stations import STATION_SLUG_PATTERN
from kernel.streams import event_stream_response, event_stream_responses, follows
from services.signage import heartbeats, invalidation
from services.signage.deps import NOT_ITS_PLAYER, UNKNOWN_SCREEN, CodePath, Viewer
from services.signage.models import Screen
from services.signage.player import live, service
from services.signage.schemas import ScreenPlaylist
from services.signage.screens.domain import may_view_playlist

router = APIRouter(prefix=SIGNAGE.path_prefix, tags=["signage"])


def may_view(viewer: Principal, request: ReadRequest, facts: Mapping[str, Any]) -> bool:
    return viewer.may_act_on(request.station_id) and may_view_playlist(
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
    tags=lambda request: [invalidation.screen_tag(request.params["code"]), invalidation.PLAYLISTS],
    # Players revalidate on every poll: an unchanged document costs a 304. Only for its viewer.
    cache_control="private, no-cache",
    authorize=may_view,
    on_serve=note_fetch,
    # What plays "now" moves with the clock: at worst this late after a schedule's boundary (the
    # document also says what comes next and when, so players switch on time by themselves).
    ttl_seconds=10.0,
)


@hot_get(
    router,
    PLAYLIST,
    response_model=ScreenPlaylist,
    summary="What a screen plays now and next, and its alerts; its player polls it with If-None-Match",
    responses=problem_responses({404: UNKNOWN_SCREEN}),
)
async def screen_playlist(
    station_id: StationId,
    code: CodePath,
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    viewer: Viewer,
) -> Response:
    async def render() -> Rendered:
        screen = await one_or_404(session, Screen, "unknown-screen", station_id=station_id, code=code)
        document = ScreenPlaylist.model_validate(
            await service.screen_document(
                session=session, screen=screen, public_url=runtime.settings.public_base_url
            )
        )
        return Rendered.of(document, registered_player=screen.device_client_id)

    entry = await runtime.hot.entry_for(PLAYLIST, request, render)
    read_request = ReadRequest.of(request)
    if not may_view(viewer, read_request, entry.meta):
        raise Forbidden(f"This device is not the player of screen {code!r}.")
    note_fetch(runtime, read_request, viewer)
    return entry.response(request)


@router.get(
    "/screens/{code}/events",
    summary="Push channel (Server-Sent Events): `alerts` at once and on change, `changed` to revalidate",
    description=(
        "With `Accept: text/event-stream` the stream stays open (through the gateway too): `alerts` "
        "(the screen's alerts) at once and whenever they change, `changed` when the screen's "
        "document may have changed (revalidate it with If-None-Match), keep-alive comments every "
        "15 s. Any other client gets the current `alerts` event and the end of the answer."
    ),
    response_class=StreamingResponse,
    responses=event_stream_responses({404: UNKNOWN_SCREEN, 403: NOT_ITS_PLAYER}),
)
async def screen_events(
    station_id: StationId,
    code: CodePath,
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    viewer: Viewer,
) -> StreamingResponse:
    screen = await one_or_404(session, Screen, "unknown-screen", station_id=station_id, code=code)
    if not may_view_playlist(viewer, code=code, registered_player=screen.device_client_id):
        raise Forbidden(f"This device is not the player of screen {code!r}.")
    await session.close()  # the stream lives long; it must not hold a connection
    channel = live.channel_of(runtime)
    stream = live.screen_events(
        channel,
        station_id=station_id,
        code=code,
        disconnected=request.is_disconnected,
        follow=follows(request),
    )
    return event_stream_response(request, stream, caller=viewer)
