"""Playlists: ordered content with durations and transitions; at most one default per station."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.db import one_or_404, utcnow
from kernel.errors import Conflict, InvalidInput, commit_or_conflict
from kernel.hot_reads import mark_changed
from kernel.pagination import PageRequest, page_of_rows
from services.signage.invalidation import PLAYLISTS
from services.signage.models import ContentItem, Playlist, PlaylistItem, Schedule, Screen
from services.signage.playlists import domain
from services.signage.schemas import PlaylistCreate, PlaylistEntryIn, PlaylistUpdate


async def find_default_playlist(*, session: AsyncSession, station_id: str) -> Playlist | None:
    """The playlist of the station's screens that have none of their own, if it has one."""
    return await session.scalar(
        select(Playlist).where(Playlist.station_id == station_id, Playlist.is_default.is_(True))
    )


async def list_playlists(*, session: AsyncSession, station_id: str) -> Sequence[Playlist]:
    return (
        await session.scalars(
            select(Playlist).where(Playlist.station_id == station_id).order_by(Playlist.code)
        )
    ).all()


async def page_playlists(
    *, session: AsyncSession, station_id: str, page: PageRequest
) -> tuple[list[Playlist], str | None]:
    """One page of the station's playlists, by code."""
    statement = select(Playlist).where(Playlist.station_id == station_id)
    return await page_of_rows(session, statement, [Playlist.code], page)


async def _check_entries(session: AsyncSession, station_id: str, entries: list[PlaylistEntryIn]) -> None:
    wanted = {entry.content_item_id for entry in entries}
    known = set(
        await session.scalars(
            select(ContentItem.id).where(ContentItem.station_id == station_id, ContentItem.id.in_(wanted))
        )
    )
    unknown = [
        {"in": "body", "field": f"items.{index}.content_item_id", "detail": "no such content at this station"}
        for index, entry in enumerate(entries)
        if entry.content_item_id not in known
    ]
    if unknown:
        raise InvalidInput("The playlist names content this station does not have.", errors=unknown)


async def _check_default(
    session: AsyncSession, station_id: str, is_default: bool, playlist_id: str | None
) -> None:
    if is_default:
        current = await find_default_playlist(session=session, station_id=station_id)
        if current is not None and current.id != playlist_id:
            raise Conflict.taken(
                f"{station_id} already has a default playlist.", "is_default", slug="default-playlist-taken"
            )


def _items(entries: list[PlaylistEntryIn]) -> list[PlaylistItem]:
    return [
        PlaylistItem(
            position=position,
            content_item_id=entry.content_item_id,
            duration_seconds=entry.duration_seconds,
            transition=entry.transition,
        )
        for position, entry in enumerate(entries, start=1)
    ]


async def create_playlist(*, session: AsyncSession, station_id: str, playlist_in: PlaylistCreate) -> Playlist:
    """Store a playlist of the station's content, in the order given."""
    await _check_entries(session, station_id, playlist_in.items)
    taken = (
        await session.execute(
            select(Playlist.code, Playlist.name).where(
                Playlist.station_id == station_id,
                or_(Playlist.name == playlist_in.name, Playlist.code == playlist_in.code),
            )
        )
    ).all()
    if taken:
        fields = [
            f for f in ("code", "name") if any(getattr(row, f) == getattr(playlist_in, f) for row in taken)
        ]
        raise Conflict.taken(
            "A playlist with this code or name already exists.", *fields, slug="playlist-name-taken"
        )
    await _check_default(session, station_id, playlist_in.is_default, None)
    playlist = Playlist(
        station_id=station_id,
        code=playlist_in.code,
        name=playlist_in.name,
        is_default=playlist_in.is_default,
        updated_at=utcnow(),
        items=_items(playlist_in.items),
    )
    session.add(playlist)
    mark_changed(session, station_id, PLAYLISTS)
    await commit_or_conflict(
        session, detail="A playlist with this code or name, or a default one, was saved meanwhile."
    )
    await session.refresh(playlist, ["items"])
    return playlist


async def update_playlist(
    *, session: AsyncSession, station_id: str, code: str, playlist_in: PlaylistUpdate
) -> Playlist:
    """Replace a playlist's name, default flag and items."""
    playlist = await one_or_404(session, Playlist, "unknown-playlist", station_id=station_id, code=code)
    await _check_entries(session, station_id, playlist_in.items)
    await _check_default(session, station_id, playlist_in.is_default, playlist.id)
    playlist.name = playlist_in.name
    playlist.is_default = playlist_in.is_default
    playlist.items.clear()
    await session.flush()  # the old positions go before the new ones take them
    playlist.items.extend(_items(playlist_in.items))
    playlist.updated_at = utcnow()
    mark_changed(session, station_id, PLAYLISTS)
    await commit_or_conflict(
        session, detail="A playlist with this name, or a default one, was saved meanwhile."
    )
    await session.refresh(playlist, ["items"])
    return playlist


async def delete_playlist(*, session: AsyncSession, station_id: str, code: str) -> None:
    """Delete a playlist no schedule uses; its screens fall back to the default."""
    playlist = await one_or_404(session, Playlist, "unknown-playlist", station_id=station_id, code=code)
    used = await session.scalar(select(Schedule.code).where(Schedule.playlist_id == playlist.id).limit(1))
    if used is not None:
        raise Conflict(f"Schedule {used!r} still plays this playlist.", slug="playlist-in-use")
    for screen in await session.scalars(select(Screen).where(Screen.playlist_id == playlist.id)):
        screen.playlist_id = None
    await session.delete(playlist)
    mark_changed(session, station_id, PLAYLISTS)
    await session.commit()


def playlist_of(playlist: Playlist) -> domain.Playlist:
    return domain.Playlist(
        id=playlist.id,
        code=playlist.code,
        name=playlist.name,
        is_default=playlist.is_default,
        slots=tuple(
            domain.Slot(
                position=item.position,
                duration_seconds=item.duration_seconds,
                transition=item.transition,
                content=domain.Content(
                    id=item.content.id,
                    kind=item.content.kind,
                    title=item.content.title,
                    texts=item.content.texts,
                    html=item.content.html,
                    media=item.content.media,
                    media_type=item.content.media_type,
                    artist=item.content.artist,
                    year=item.content.year,
                    credit=item.content.credit,
                    widget=item.content.widget,
                    template=item.content.template,
                    duration_seconds=item.content.duration_seconds,
                ),
            )
            for item in playlist.items
        ),
    )
