"""Playlists' routes."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from kernel.db import one_or_404
from kernel.deps import SessionDep, StationId
from kernel.openapi import problem_responses
from kernel.pagination import Page
from kernel.registry import SIGNAGE
from services.signage.deps import CodePath, Operator, PageDep
from services.signage.models import Playlist
from services.signage.playlists import service
from services.signage.schemas import PlaylistCreate, PlaylistSummary, PlaylistUpdate

router = APIRouter(prefix=SIGNAGE.path_prefix, tags=["signage"])


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
async def list_playlists(
    station_id: StationId, session: SessionDep, _: Operator, page: PageDep
) -> Page[PlaylistSummary]:
    playlists, next_cursor = await service.page_playlists(session=session, station_id=station_id, page=page)
    return Page(items=[PlaylistSummary.model_validate(p) for p in playlists], next_cursor=next_cursor)


@router.get("/playlists/{code}", summary="One playlist", responses=problem_responses({404: UNKNOWN_PLAYLIST}))
async def get_playlist(
    station_id: StationId, code: CodePath, session: SessionDep, _: Operator
) -> PlaylistSummary:
    return PlaylistSummary.model_validate(
        await one_or_404(session, Playlist, "unknown-playlist", station_id=station_id, code=code)
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
