"""signage's use cases: load, check with domain rules, store, and stage events in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.db import utcnow
from services.common.errors import Conflict, InvalidInput, NotFound
from services.common.hot_reads import mark_changed
from services.common.outbox import stage
from services.signage import domain, events
from services.signage.models import OUTBOX, ContentItem, Playlist, PlaylistItem, Screen
from services.signage.schemas import ContentItemCreate, PlaylistCreate, ScreenCreate

# What the hot reads show (api.py), within a station: a commit that changes it marks it.
PLAYLISTS = "playlists"


def screen_tag(code: str) -> str:
    return f"screen:{code}"


async def list_screens(*, session: AsyncSession, station_id: str) -> Sequence[Screen]:
    """The station's screens, by code."""
    return (
        await session.scalars(select(Screen).where(Screen.station_id == station_id).order_by(Screen.code))
    ).all()


async def find_screen(*, session: AsyncSession, station_id: str, code: str) -> Screen | None:
    """The screen with this code at the station, if any."""
    return await session.scalar(select(Screen).where(Screen.station_id == station_id, Screen.code == code))


async def get_screen_or_raise(*, session: AsyncSession, station_id: str, code: str) -> Screen:
    """The screen with this code at the station, else a 404 problem."""
    screen = await find_screen(session=session, station_id=station_id, code=code)
    if screen is None:
        raise NotFound(f"No screen {code!r} at {station_id}.", slug="unknown-screen")
    return screen


async def register_screen(*, session: AsyncSession, station_id: str, screen_in: ScreenCreate) -> Screen:
    """Put a screen into service, bound to its player device, and publish screen.registered."""
    if screen_in.playlist_id is not None:
        playlist = await session.scalar(
            select(Playlist.id).where(Playlist.id == screen_in.playlist_id, Playlist.station_id == station_id)
        )
        if playlist is None:
            raise InvalidInput(
                "The screen names a playlist this station does not have.",
                errors=[
                    {"in": "body", "field": "playlist_id", "detail": f"no playlist {screen_in.playlist_id}"}
                ],
            )
    if await find_screen(session=session, station_id=station_id, code=screen_in.code) is not None:
        raise Conflict(f"Screen {screen_in.code!r} already exists at {station_id}.", slug="screen-code-taken")
    if screen_in.device_client_id is not None:
        bound = await session.scalar(
            select(Screen.id).where(Screen.device_client_id == screen_in.device_client_id)
        )
        if bound is not None:
            raise Conflict(
                f"Device {screen_in.device_client_id!r} already plays another screen.",
                slug="device-already-bound",
            )
    screen = Screen(station_id=station_id, registered_at=utcnow(), **screen_in.model_dump())
    session.add(screen)
    mark_changed(session, station_id, screen_tag(screen.code))
    try:
        await session.flush()
    except IntegrityError as exc:
        # The checks above passed, so another request took the code or device meanwhile.
        await session.rollback()
        raise Conflict("The screen code or its device was registered meanwhile; retry.") from exc
    await stage(session, OUTBOX, events.screen_registered(screen))
    await session.commit()
    return screen


async def list_content_items(*, session: AsyncSession, station_id: str) -> Sequence[ContentItem]:
    """The station's content, oldest first."""
    return (
        await session.scalars(
            select(ContentItem)
            .where(ContentItem.station_id == station_id)
            .order_by(ContentItem.created_at, ContentItem.id)
        )
    ).all()


async def create_content_item(
    *, session: AsyncSession, station_id: str, content_in: ContentItemCreate
) -> ContentItem:
    """Store a message, image or widget item once it has what its kind needs."""
    media_url = str(content_in.media_url) if content_in.media_url is not None else None
    problems = domain.content_problems(
        kind=content_in.kind, texts=content_in.texts, media_url=media_url, widget=content_in.widget
    )
    if problems:
        raise InvalidInput.from_problems(f"The {content_in.kind} is incomplete; see `errors`.", problems)
    item = ContentItem(
        station_id=station_id,
        created_at=utcnow(),
        **content_in.model_dump(exclude={"media_url"}),
        media_url=media_url,
    )
    session.add(item)
    await session.commit()
    return item


async def find_default_playlist(*, session: AsyncSession, station_id: str) -> Playlist | None:
    """The playlist of the station's screens that have none of their own, if it has one."""
    return await session.scalar(
        select(Playlist).where(Playlist.station_id == station_id, Playlist.is_default.is_(True))
    )


async def create_playlist(*, session: AsyncSession, station_id: str, playlist_in: PlaylistCreate) -> Playlist:
    """Store a playlist of the station's content, in the order given."""
    wanted = {entry.content_item_id for entry in playlist_in.items}
    known = set(
        await session.scalars(
            select(ContentItem.id).where(ContentItem.station_id == station_id, ContentItem.id.in_(wanted))
        )
    )
    unknown = [
        {"in": "body", "field": f"items.{index}.content_item_id", "detail": "no such content at this station"}
        for index, entry in enumerate(playlist_in.items)
        if entry.content_item_id not in known
    ]
    if unknown:
        raise InvalidInput("The playlist names content this station does not have.", errors=unknown)
    taken = await session.scalar(
        select(Playlist.id).where(Playlist.station_id == station_id, Playlist.name == playlist_in.name)
    )
    if taken is not None:
        raise Conflict(f"A playlist named {playlist_in.name!r} already exists.", slug="playlist-name-taken")
    if playlist_in.is_default and await find_default_playlist(session=session, station_id=station_id):
        raise Conflict(f"{station_id} already has a default playlist.", slug="default-playlist-taken")
    playlist = Playlist(
        station_id=station_id,
        name=playlist_in.name,
        is_default=playlist_in.is_default,
        updated_at=utcnow(),
        items=[
            PlaylistItem(
                position=position,
                content_item_id=entry.content_item_id,
                duration_seconds=entry.duration_seconds,
            )
            for position, entry in enumerate(playlist_in.items, start=1)
        ],
    )
    session.add(playlist)
    # Every screen of the station may play it (its own, or the default).
    mark_changed(session, station_id, PLAYLISTS)
    try:
        await session.commit()
    except IntegrityError as exc:
        await session.rollback()
        raise Conflict("A playlist with this name, or a default one, was saved meanwhile; retry.") from exc
    await session.refresh(playlist, ["items"])
    return playlist


async def render_screen_playlist(
    *, session: AsyncSession, screen: Screen
) -> tuple[domain.RenderedPlaylist | None, datetime]:
    """What the screen shows now: its playlist (else the default), rendered in its languages, and
    when what it shows last changed (the screen, its playlist or their content)."""
    candidates = {
        playlist.id: playlist
        for playlist in await session.scalars(
            select(Playlist).where(
                Playlist.station_id == screen.station_id,
                or_(Playlist.id == screen.playlist_id, Playlist.is_default.is_(True)),
            )
        )
    }
    chosen = domain.playlist_for(screen.playlist_id, [_as_domain(p) for p in candidates.values()])
    if chosen is None:
        return None, screen.registered_at
    stored = candidates[chosen.id]
    changed_at = max(
        [screen.registered_at, stored.updated_at, *(item.content.created_at for item in stored.items)]
    )
    return domain.render(chosen, screen.languages), changed_at


def _as_domain(playlist: Playlist) -> domain.Playlist:
    return domain.Playlist(
        id=playlist.id,
        name=playlist.name,
        is_default=playlist.is_default,
        slots=tuple(
            domain.Slot(
                position=item.position,
                duration_seconds=item.duration_seconds,
                content=domain.Content(
                    id=item.content.id,
                    kind=item.content.kind,
                    title=item.content.title,
                    texts=item.content.texts,
                    media_url=item.content.media_url,
                    credit=item.content.credit,
                    widget=item.content.widget,
                    duration_seconds=item.content.duration_seconds,
                ),
            )
            for item in playlist.items
        ),
    )
