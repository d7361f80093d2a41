"""signage's routes under /api/v1/stations/{station_id}/signage: thin, the rules live elsewhere."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from fastapi.responses import StreamingResponse

from kernel.auth import Principal, Scope
from kernel.db import utcnow
from kernel.deps import RuntimeDep, SessionDep, StationId, require_scopes
from kernel.errors import Forbidden, InvalidInput, Problem
from kernel.hot_reads import NOT_MODIFIED, HotRead, ReadRequest, Rendered
from kernel.openapi import problem_responses
from kernel.registry import SIGNAGE
from kernel.runtime import ServiceRuntime
from kernel.stations import STATION_SLUG_PATTERN
from kernel.streams import TOO_MANY_STREAMS, event_stream_response
from services.signage import domain, heartbeats, live, service, sweeper
from services.signage.models import Screen
from services.signage.schemas import (
    AlertCreate,
    AlertList,
    AlertPublic,
    AlertReach,
    AlertStatus,
    ContentCreate,
    ContentList,
    ContentPublic,
    Heartbeat,
    MediaPublic,
    PlayBatch,
    PlayBatchResult,
    PlaylistCreate,
    PlaylistSummary,
    PlaylistUpdate,
    PlayReport,
    ScheduleCreate,
    SchedulePublic,
    ScheduleUpdate,
    ScreenCreate,
    ScreenList,
    ScreenPlaylist,
    ScreenPublic,
    ScreenStatus,
    ScreenUpdate,
    Targets,
)
from services.signage.settings import Settings

router = APIRouter(prefix=SIGNAGE.path_prefix, tags=["signage"], lifespan=sweeper.lifespan)
CodePath = Annotated[str, Path(min_length=1, max_length=64, pattern=STATION_SLUG_PATTERN)]
IdPath = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
ShaPath = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")]
Operator = Annotated[Principal, Depends(require_scopes(Scope.OPERATE))]
Viewer = Annotated[Principal, Depends(require_scopes(Scope.OPERATE, Scope.PLAY_SIGNAGE))]
Player = Annotated[Principal, Depends(require_scopes(Scope.PLAY_SIGNAGE))]

UNKNOWN_SCREEN = "`unknown-screen`: the station has no screen with this code."
NOT_ITS_PLAYER = "`forbidden`: the token is not this screen's player."
IMMUTABLE = "public, max-age=31536000, immutable"


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
    # Players revalidate on every poll: an unchanged document costs a 304. Only for its viewer.
    cache_control="private, no-cache",
    authorize=may_view,
    on_serve=note_fetch,
    # What plays "now" moves with the clock: at worst this late after a schedule's boundary (the
    # document also says what comes next and when, so players switch on time by themselves).
    ttl_seconds=10.0,
)
HOT_READS = (PLAYLIST,)


async def own_screen(session: SessionDep, station_id: str, code: str, player: Principal) -> Screen:
    """The screen, when the caller is its player device."""
    screen = await service.get_screen_or_raise(session=session, station_id=station_id, code=code)
    if not domain.is_player_of(player, code=code, registered_player=screen.device_client_id):
        raise Forbidden(f"This device is not the player of screen {code!r}.")
    return screen


# -- screens --------------------------------------------------------------------------------------------


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


@router.get("/screens", summary="The station's screens: last seen, online, and behind on content or not")
async def list_screens(
    station_id: StationId,
    session: SessionDep,
    runtime: RuntimeDep,
    _: Operator,
    behind: Annotated[bool | None, Query(description="Only the screens behind on content (or not)")] = None,
    online: Annotated[bool | None, Query(description="Only the screens online (or offline)")] = None,
) -> ScreenList:
    screens = await service.list_screens(session=session, station_id=station_id)
    codes = [s.code for s in screens]
    seen = await heartbeats.last_seen(runtime.redis, station_id=station_id, codes=codes)
    playing = await heartbeats.playing_versions(runtime.redis, station_id=station_id, codes=codes)
    now = utcnow()
    shown = []
    for screen in screens:
        current = (await service.screen_document(session=session, screen=screen, at=now))["version"]
        health = domain.screen_health(
            last_seen=seen.get(screen.code),
            playing_version=playing.get(screen.code),
            current_version=current,
            at=now,
        )
        if (behind is not None and health.behind != behind) or (
            online is not None and health.online != online
        ):
            continue
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
    return ScreenList(station_id=station_id, screens=shown)


@router.get("/screens/{code}", summary="One screen", responses=problem_responses({404: UNKNOWN_SCREEN}))
async def get_screen(station_id: StationId, code: CodePath, session: SessionDep, _: Operator) -> ScreenPublic:
    return ScreenPublic.model_validate(
        await service.get_screen_or_raise(session=session, station_id=station_id, code=code)
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


@router.get(
    "/screens/{code}/playlist",
    response_model=ScreenPlaylist,
    summary="What a screen plays now and next, and its alerts; its player polls it with If-None-Match",
    responses={**NOT_MODIFIED, **problem_responses({404: UNKNOWN_SCREEN})},
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
        screen = await service.get_screen_or_raise(session=session, station_id=station_id, code=code)
        document = ScreenPlaylist.model_validate(
            await service.screen_document(session=session, screen=screen)
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
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "An event stream"},
        **problem_responses({404: UNKNOWN_SCREEN, 403: NOT_ITS_PLAYER, 429: TOO_MANY_STREAMS}),
    },
)
async def screen_events(
    station_id: StationId,
    code: CodePath,
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    viewer: Viewer,
) -> StreamingResponse:
    screen = await service.get_screen_or_raise(session=session, station_id=station_id, code=code)
    if not domain.may_view_playlist(viewer, code=code, registered_player=screen.device_client_id):
        raise Forbidden(f"This device is not the player of screen {code!r}.")
    await session.close()  # the stream lives long; it must not hold a connection
    channel = live.channel_of(runtime)
    stream = live.screen_events(
        channel,
        station_id=station_id,
        code=code,
        disconnected=request.is_disconnected,
        # EventSource and sse.js ask for a stream; a client that buffers whole answers gets one.
        follow="text/event-stream" in request.headers.get("accept", ""),
    )
    return event_stream_response(request, stream, caller=viewer)


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


@router.post(
    "/screens/{code}/alerts/{alert_id}/ack",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="The screen's player shows the alert",
    responses=problem_responses(
        {404: [UNKNOWN_SCREEN, "`unknown-alert`: no such alert here."], 403: NOT_ITS_PLAYER}
    ),
)
async def acknowledge_alert(
    station_id: StationId, code: CodePath, alert_id: IdPath, session: SessionDep, player: Player
) -> Response:
    screen = await own_screen(session, station_id, code, player)
    await service.acknowledge_alert(session=session, screen=screen, alert_id=alert_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/screens/{code}/plays",
    summary="Proof of play: a batch of play records, each counted once however often it is sent",
    responses=problem_responses(
        {404: UNKNOWN_SCREEN, 403: NOT_ITS_PLAYER, 409: "`conflict`: sent meanwhile."}
    ),
)
async def record_plays(
    station_id: StationId, code: CodePath, batch: PlayBatch, session: SessionDep, player: Player
) -> PlayBatchResult:
    screen = await own_screen(session, station_id, code, player)
    accepted, duplicates = await service.record_plays(session=session, screen=screen, batch=batch)
    return PlayBatchResult(accepted=accepted, duplicates=duplicates)


@router.get(
    "/plays/report",
    summary="Plays and seconds per day (Europe/Paris), screen and content",
    responses=problem_responses(422),
)
async def play_report(
    station_id: StationId,
    session: SessionDep,
    _: Operator,
    since: Annotated[date, Query(description="First day, YYYY-MM-DD")],
    until: Annotated[date, Query(description="Last day, YYYY-MM-DD")],
    screen: Annotated[str | None, Query(max_length=64, pattern=STATION_SLUG_PATTERN)] = None,
) -> PlayReport:
    if until < since or until - since > timedelta(days=366):
        raise InvalidInput(
            "A report covers one day to a year, `until` not before `since`.",
            errors=[{"in": "query", "field": "until", "detail": "from `since` to a year after it"}],
        )
    rows = await service.play_report(
        session=session, station_id=station_id, since=since, until=until, screen=screen
    )
    return PlayReport(rows=rows)


# -- media ----------------------------------------------------------------------------------------------


def media_public(media: Any) -> MediaPublic:
    return MediaPublic(
        sha256=media.sha256,
        media_type=media.media_type,
        size=media.size,
        url=service.media_url(media.station_id, media.sha256),
        uploaded_at=media.uploaded_at,
    )


@router.post(
    "/media",
    status_code=status.HTTP_201_CREATED,
    summary="Upload an image or a video (the raw bytes as the body); stored once by its SHA-256",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
    responses=problem_responses(
        {
            413: "`payload-too-large`: over the media size limit, or an image of more than 40 million pixels.",
            415: "`unsupported-media-type`: not a readable PNG, JPEG, WebP or GIF image nor an MP4 or WebM video.",
            422: "`unsupported-media`: the body is empty.",
        }
    ),
)
async def upload_media(
    station_id: StationId, request: Request, session: SessionDep, runtime: RuntimeDep, _: Operator
) -> MediaPublic:
    settings = runtime.settings
    limit = settings.max_media_bytes if isinstance(settings, Settings) else settings.max_body_bytes
    media = await service.store_media(
        session=session, station_id=station_id, data=await request.body(), max_bytes=limit
    )
    return media_public(media)


@router.get("/media", summary="The station's uploaded media")
async def list_media(station_id: StationId, session: SessionDep, _: Operator) -> list[MediaPublic]:
    return [media_public(m) for m in await service.list_media(session=session, station_id=station_id)]


@router.get(
    "/media/{sha256}",
    summary="A media's bytes: public, immutable (the address is the hash), with byte ranges for video",
    response_class=Response,
    responses={
        200: {
            "content": {t: {} for t in sorted(set().union(*domain.MEDIA_KINDS.values()))},
            "description": "The bytes",
        },
        206: {
            "content": {t: {} for t in sorted(set().union(*domain.MEDIA_KINDS.values()))},
            "description": "A byte range",
        },
        **NOT_MODIFIED,
        **problem_responses({404: "`unknown-media`: no such media here.", 416: "`range-not-satisfiable`."}),
    },
)
async def get_media(
    station_id: StationId, sha256: ShaPath, request: Request, session: SessionDep
) -> Response:
    etag = f'"{sha256}"'
    # Vary: a shared cache (the gateway's) keeps the whole media apart from its ranges.
    headers = {"etag": etag, "cache-control": IMMUTABLE, "accept-ranges": "bytes", "vary": "range"}
    if request.headers.get("if-none-match") in (etag, "*"):
        await service.get_media_or_raise(
            session=session, station_id=station_id, sha256=sha256, with_data=False
        )
        return Response(status_code=304, headers=headers)
    media = await service.get_media_or_raise(
        session=session, station_id=station_id, sha256=sha256, with_data=True
    )
    wanted = domain.byte_range(request.headers.get("range"), media.size)
    if wanted == "unsatisfiable":
        raise Problem(
            f"The media has {media.size} bytes.",
            status=416,
            slug="range-not-satisfiable",
            headers={"content-range": f"bytes */{media.size}"},
        )
    if wanted is None:
        return Response(media.data, media_type=media.media_type, headers=headers)
    first, last = wanted
    headers["content-range"] = f"bytes {first}-{last}/{media.size}"
    return Response(
        media.data[first : last + 1], status_code=206, media_type=media.media_type, headers=headers
    )


# -- content ----------------------------------------------------------------------------------------------

UNKNOWN_CONTENT = "`unknown-content`: no such content here."


@router.post(
    "/content",
    status_code=status.HTTP_201_CREATED,
    summary="Add a message, HTML message, image, video, artwork or widget",
)
async def create_content(
    station_id: StationId, content_in: ContentCreate, session: SessionDep, _: Operator
) -> ContentPublic:
    item = await service.create_content_item(session=session, station_id=station_id, content_in=content_in)
    return ContentPublic.model_validate(item)


@router.get("/content", summary="The station's content, oldest first, by kind")
async def list_content(
    station_id: StationId,
    session: SessionDep,
    _: Operator,
    kind: Annotated[domain.ContentKind | None, Query()] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ContentList:
    items = await service.list_content_items(
        session=session, station_id=station_id, kind=kind, offset=offset, limit=limit
    )
    total = await service.count_content_items(session=session, station_id=station_id, kind=kind)
    return ContentList(
        items=[ContentPublic.model_validate(i) for i in items], total=total, offset=offset, limit=limit
    )


@router.get(
    "/content/{content_id}", summary="One content", responses=problem_responses({404: UNKNOWN_CONTENT})
)
async def get_content(
    station_id: StationId, content_id: IdPath, session: SessionDep, _: Operator
) -> ContentPublic:
    return ContentPublic.model_validate(
        await service.get_content_or_raise(session=session, station_id=station_id, content_id=content_id)
    )


@router.put(
    "/content/{content_id}",
    summary="Replace a content; the screens that show it get it at once",
    responses=problem_responses({404: UNKNOWN_CONTENT}),
)
async def update_content(
    station_id: StationId, content_id: IdPath, content_in: ContentCreate, session: SessionDep, _: Operator
) -> ContentPublic:
    item = await service.update_content_item(
        session=session, station_id=station_id, content_id=content_id, content_in=content_in
    )
    return ContentPublic.model_validate(item)


@router.delete(
    "/content/{content_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a content no playlist shows",
    responses=problem_responses({404: UNKNOWN_CONTENT, 409: "`content-in-use`: a playlist shows it."}),
)
async def delete_content(
    station_id: StationId, content_id: IdPath, session: SessionDep, _: Operator
) -> Response:
    await service.delete_content_item(session=session, station_id=station_id, content_id=content_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- playlists ----------------------------------------------------------------------------------------------

UNKNOWN_PLAYLIST = "`unknown-playlist`: no playlist with this code here."
PLAYLIST_CONFLICTS = [
    "`playlist-name-taken`: a playlist has this code or name.",
    "`default-playlist-taken`: the station has a default playlist.",
    "`conflict`: either was saved meanwhile; retry.",
]


@router.post(
    "/playlists",
    status_code=status.HTTP_201_CREATED,
    summary="Add a playlist: ordered content with durations and transitions",
    responses=problem_responses({409: PLAYLIST_CONFLICTS}),
)
async def create_playlist(
    station_id: StationId, playlist_in: PlaylistCreate, session: SessionDep, _: Operator
) -> PlaylistSummary:
    playlist = await service.create_playlist(session=session, station_id=station_id, playlist_in=playlist_in)
    return PlaylistSummary.model_validate(playlist)


@router.get("/playlists", summary="The station's playlists, by code")
async def list_playlists(station_id: StationId, session: SessionDep, _: Operator) -> list[PlaylistSummary]:
    return [
        PlaylistSummary.model_validate(p)
        for p in await service.list_playlists(session=session, station_id=station_id)
    ]


@router.get("/playlists/{code}", summary="One playlist", responses=problem_responses({404: UNKNOWN_PLAYLIST}))
async def get_playlist(
    station_id: StationId, code: CodePath, session: SessionDep, _: Operator
) -> PlaylistSummary:
    return PlaylistSummary.model_validate(
        await service.get_playlist_or_raise(session=session, station_id=station_id, code=code)
    )


@router.put(
    "/playlists/{code}",
    summary="Replace a playlist's name, default flag and items",
    responses=problem_responses({404: UNKNOWN_PLAYLIST, 409: PLAYLIST_CONFLICTS}),
)
async def update_playlist(
    station_id: StationId, code: CodePath, playlist_in: PlaylistUpdate, session: SessionDep, _: Operator
) -> PlaylistSummary:
    playlist = await service.update_playlist(
        session=session, station_id=station_id, code=code, playlist_in=playlist_in
    )
    return PlaylistSummary.model_validate(playlist)


@router.delete(
    "/playlists/{code}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a playlist no schedule plays; its screens fall back to the default",
    responses=problem_responses({404: UNKNOWN_PLAYLIST, 409: "`playlist-in-use`: a schedule plays it."}),
)
async def delete_playlist(
    station_id: StationId, code: CodePath, session: SessionDep, _: Operator
) -> Response:
    await service.delete_playlist(session=session, station_id=station_id, code=code)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- schedules --------------------------------------------------------------------------------------------------

UNKNOWN_SCHEDULE = "`unknown-schedule`: no schedule with this code here."


def schedule_public(schedule: Any) -> SchedulePublic:
    return SchedulePublic.model_validate(schedule)


@router.post(
    "/schedules",
    status_code=status.HTTP_201_CREATED,
    summary="Play a playlist on some dates, weekdays and hours (Europe/Paris) on some screens",
    responses=problem_responses({409: "`schedule-code-taken`: a schedule has this code."}),
)
async def create_schedule(
    station_id: StationId, schedule_in: ScheduleCreate, session: SessionDep, _: Operator
) -> SchedulePublic:
    return schedule_public(
        await service.create_schedule(session=session, station_id=station_id, schedule_in=schedule_in)
    )


@router.get("/schedules", summary="The station's schedules, by code")
async def list_schedules(station_id: StationId, session: SessionDep, _: Operator) -> list[SchedulePublic]:
    return [schedule_public(s) for s in await service.list_schedules(session=session, station_id=station_id)]


@router.get("/schedules/{code}", summary="One schedule", responses=problem_responses({404: UNKNOWN_SCHEDULE}))
async def get_schedule(
    station_id: StationId, code: CodePath, session: SessionDep, _: Operator
) -> SchedulePublic:
    return schedule_public(
        await service.get_schedule_or_raise(session=session, station_id=station_id, code=code)
    )


@router.put(
    "/schedules/{code}", summary="Replace a schedule", responses=problem_responses({404: UNKNOWN_SCHEDULE})
)
async def update_schedule(
    station_id: StationId, code: CodePath, schedule_in: ScheduleUpdate, session: SessionDep, _: Operator
) -> SchedulePublic:
    return schedule_public(
        await service.update_schedule(
            session=session, station_id=station_id, code=code, schedule_in=schedule_in
        )
    )


@router.delete(
    "/schedules/{code}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a schedule",
    responses=problem_responses({404: UNKNOWN_SCHEDULE}),
)
async def delete_schedule(
    station_id: StationId, code: CodePath, session: SessionDep, _: Operator
) -> Response:
    await service.delete_schedule(session=session, station_id=station_id, code=code)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- alerts --------------------------------------------------------------------------------------------------------

UNKNOWN_ALERT = "`unknown-alert`: no such alert here."


async def alert_status(session: SessionDep, alert: Any) -> AlertStatus:
    screens, acks = await service.alert_status(session=session, alert=alert)
    return AlertStatus(
        **AlertPublic.model_validate(alert).model_dump(),
        screens=screens,
        acknowledged=acks,
        not_acknowledged=[code for code in screens if code not in acks],
    )


@router.post(
    "/alerts",
    status_code=status.HTTP_201_CREATED,
    summary="Raise an alert: the targeted screens show it within seconds; publishes alert.raised",
    responses=problem_responses(422),
)
async def raise_alert(
    station_id: StationId, alert_in: AlertCreate, session: SessionDep, _: Operator
) -> AlertStatus:
    alert = await service.raise_alert(session=session, station_id=station_id, alert_in=alert_in)
    return await alert_status(session, alert)


@router.post(
    "/alerts/reach",
    summary="The screens an alert with these targets would reach now; nothing is raised",
    description="For the confirmation an operator sees before raising an alert: the same rule as the alert's.",
    responses=problem_responses(422),
)
async def alert_reach(
    station_id: StationId, targets: Targets, session: SessionDep, _: Operator
) -> AlertReach:
    screens = await service.screens_reached(
        session=session, station_id=station_id, targets=targets.model_dump()
    )
    return AlertReach(screens=screens)


@router.get("/alerts", summary="The station's alerts, newest first (the last 200)")
async def list_alerts(
    station_id: StationId,
    session: SessionDep,
    _: Operator,
    active: Annotated[bool, Query(description="Only those on screens now")] = False,
) -> AlertList:
    alerts = await service.list_alerts(session=session, station_id=station_id, active_only=active)
    return AlertList(alerts=[AlertPublic.model_validate(a) for a in alerts])


@router.get(
    "/alerts/{alert_id}",
    summary="An alert, with the screens that showed it and those that have not",
    responses=problem_responses({404: UNKNOWN_ALERT}),
)
async def get_alert(station_id: StationId, alert_id: IdPath, session: SessionDep, _: Operator) -> AlertStatus:
    alert = await service.get_alert_or_raise(session=session, station_id=station_id, alert_id=alert_id)
    return await alert_status(session, alert)


@router.post(
    "/alerts/{alert_id}/clear",
    summary="Clear an alert: screens return to their schedule; publishes alert.cleared",
    responses=problem_responses({404: UNKNOWN_ALERT}),
)
async def clear_alert(
    station_id: StationId, alert_id: IdPath, session: SessionDep, _: Operator
) -> AlertStatus:
    alert = await service.clear_alert(session=session, station_id=station_id, alert_id=alert_id)
    return await alert_status(session, alert)
