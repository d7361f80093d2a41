"""signage's use cases: load, check with domain rules, store, and stage events in one transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from kernel.contracts.kiosk import EquipmentStatusChanged
from kernel.contracts.mobility import VehicleStationStatusChanged
from kernel.db import utcnow
from kernel.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    Problem,
    commit_or_conflict,
)
from kernel.hot_reads import mark_changed
from kernel.i18n import pick
from kernel.limits import check_image_pixels
from kernel.outbox import stage
from kernel.registry import SIGNAGE
from kernel.rules import FieldProblem
from kernel.tasks import item_alone
from services.signage import domain, events
from services.signage.models import (
    OUTBOX,
    Alert,
    AlertAck,
    ContentItem,
    EquipmentStatus,
    Media,
    Play,
    Playlist,
    PlaylistItem,
    Schedule,
    Screen,
    VehicleAvailability,
)
from services.signage.schemas import (
    AlertCreate,
    ContentCreate,
    PlayBatch,
    PlaylistCreate,
    PlaylistEntryIn,
    PlaylistUpdate,
    PlayReportRow,
    ScheduleCreate,
    ScheduleUpdate,
    ScreenCreate,
    ScreenPublic,
    ScreenUpdate,
)

# What the player's document shows, within a station. Content, playlists, schedules and alerts may
# touch any screen: they mark STATION and every screen's document is rendered again; only those whose
# bytes changed get a new ETag. A screen's own edit marks only its tag.
PLAYLISTS = "playlists"
# The name of the sweeper's loop in logs and in gare_loop_item_failures_total.
SWEEP_LOOP = "signage-sweeper"


def screen_tag(code: str) -> str:
    return f"screen:{code}"


def media_url(station_id: str, sha256: str) -> str:
    return f"{SIGNAGE.path_prefix.format(station_id=station_id)}/media/{sha256}"


def _field(field: str, detail: str) -> list[dict[str, str]]:
    return [{"in": "body", "field": field, "detail": detail}]


# -- screens ---------------------------------------------------------------------------------------


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


async def _check_screen_links(
    session: AsyncSession, station_id: str, screen_in: ScreenUpdate, *, screen_id: str | None
) -> None:
    problems = domain.screen_problems(zone=screen_in.zone, tags=screen_in.tags, languages=screen_in.languages)
    if problems:
        raise InvalidInput.from_problems("The screen's zone or tags are not slugs; see `errors`.", problems)
    if screen_in.playlist_id is not None:
        playlist = await session.scalar(
            select(Playlist.id).where(Playlist.id == screen_in.playlist_id, Playlist.station_id == station_id)
        )
        if playlist is None:
            raise InvalidInput(
                "The screen names a playlist this station does not have.",
                errors=_field("playlist_id", f"no playlist {screen_in.playlist_id}"),
            )
    if screen_in.device_client_id is not None:
        bound = await session.scalar(
            select(Screen.id).where(Screen.device_client_id == screen_in.device_client_id)
        )
        if bound is not None and bound != screen_id:
            raise Conflict.taken(
                f"Device {screen_in.device_client_id!r} already plays another screen.",
                "device_client_id",
                slug="device-already-bound",
            )


async def register_screen(*, session: AsyncSession, station_id: str, screen_in: ScreenCreate) -> Screen:
    """Put a screen into service, bound to its player device, and publish screen.registered."""
    await _check_screen_links(session, station_id, screen_in, screen_id=None)
    if await find_screen(session=session, station_id=station_id, code=screen_in.code) is not None:
        raise Conflict.taken(
            f"Screen {screen_in.code!r} already exists at {station_id}.", "code", slug="screen-code-taken"
        )
    screen = Screen(station_id=station_id, registered_at=utcnow(), **screen_in.model_dump())
    session.add(screen)
    mark_changed(session, station_id, screen_tag(screen.code))
    await session.flush()  # a twin request that took the code or device meanwhile: a 409 (the kernel's)
    await stage(session, OUTBOX, events.screen_registered(screen))
    await session.commit()
    return screen


async def update_screen(
    *, session: AsyncSession, station_id: str, code: str, screen_in: ScreenUpdate
) -> Screen:
    """Change a screen's place, zone, tags, languages, playlist or player device."""
    screen = await get_screen_or_raise(session=session, station_id=station_id, code=code)
    await _check_screen_links(session, station_id, screen_in, screen_id=screen.id)
    for name, value in screen_in.model_dump().items():
        setattr(screen, name, value)
    mark_changed(session, station_id, screen_tag(code))
    await commit_or_conflict(session, detail="The device was bound to another screen meanwhile; retry.")
    return screen


async def retire_screen(*, session: AsyncSession, station_id: str, code: str) -> None:
    """Take a screen out of service; its player's credentials no longer play anything here."""
    screen = await get_screen_or_raise(session=session, station_id=station_id, code=code)
    await session.delete(screen)
    mark_changed(session, station_id, screen_tag(code))
    await session.commit()


# -- media -------------------------------------------------------------------------------------------


async def store_media(*, session: AsyncSession, station_id: str, data: bytes, max_bytes: int) -> Media:
    """Keep uploaded bytes under their SHA-256, once; the type is sniffed, never taken on trust."""
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"A media is at most {max_bytes} bytes; this one has {len(data)}.")
    if not data:
        raise InvalidInput("The upload is empty.", slug="unsupported-media")
    media_type = domain.sniff_media(data[:32])
    if media_type is None:
        raise Problem(
            "Only PNG, JPEG, WebP and GIF images and MP4 and WebM videos are accepted.",
            status=415,
            slug="unsupported-media-type",
        )
    if media_type.startswith("image/"):
        try:
            check_image_pixels(data)  # a screen's browser would decode them all
        except ValueError:
            raise Problem(
                f"The upload starts like {media_type} but is not a readable image.",
                status=415,
                slug="unsupported-media-type",
            ) from None
    sha256 = hashlib.sha256(data).hexdigest()
    existing = await session.get(Media, (station_id, sha256))
    if existing is not None:
        return existing
    media = Media(
        station_id=station_id,
        sha256=sha256,
        media_type=media_type,
        size=len(data),
        data=data,
        uploaded_at=utcnow(),
    )
    session.add(media)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()  # the same bytes uploaded meanwhile: same hash, same media
        found = await session.get(Media, (station_id, sha256))
        assert found is not None
        return found
    return media


async def get_media_or_raise(
    *, session: AsyncSession, station_id: str, sha256: str, with_data: bool
) -> Media:
    """An uploaded media, else a 404 problem."""
    options = [undefer(Media.data)] if with_data else []
    media = await session.get(Media, (station_id, sha256), options=options)
    if media is None:
        raise NotFound(f"No media {sha256} at {station_id}.", slug="unknown-media")
    return media


async def list_media(*, session: AsyncSession, station_id: str) -> Sequence[Media]:
    return (
        await session.scalars(select(Media).where(Media.station_id == station_id).order_by(Media.uploaded_at))
    ).all()


# -- content ------------------------------------------------------------------------------------------


async def list_content_items(
    *, session: AsyncSession, station_id: str, kind: str | None = None, offset: int = 0, limit: int = 1000
) -> Sequence[ContentItem]:
    """The station's content, oldest first."""
    query = select(ContentItem).where(ContentItem.station_id == station_id)
    if kind is not None:
        query = query.where(ContentItem.kind == kind)
    query = query.order_by(ContentItem.created_at, ContentItem.id).offset(offset).limit(limit)
    return (await session.scalars(query)).all()


async def count_content_items(*, session: AsyncSession, station_id: str, kind: str | None) -> int:
    query = select(func.count()).select_from(ContentItem).where(ContentItem.station_id == station_id)
    if kind is not None:
        query = query.where(ContentItem.kind == kind)
    return int(await session.scalar(query) or 0)


async def get_content_or_raise(*, session: AsyncSession, station_id: str, content_id: str) -> ContentItem:
    item = await session.scalar(
        select(ContentItem).where(ContentItem.station_id == station_id, ContentItem.id == content_id)
    )
    if item is None:
        raise NotFound(f"No content {content_id} at {station_id}.", slug="unknown-content")
    return item


async def _checked_content(
    session: AsyncSession, station_id: str, content_in: ContentCreate
) -> dict[str, Any]:
    media_type = None
    if content_in.media is not None:
        media_type = await session.scalar(
            select(Media.media_type).where(Media.station_id == station_id, Media.sha256 == content_in.media)
        )
    html = {tag: domain.sanitise_html(value) for tag, value in content_in.html.items()}
    problems = domain.content_problems(
        kind=content_in.kind,
        texts=content_in.texts,
        html=content_in.html,
        media=content_in.media,
        media_type=media_type,
        artist=content_in.artist,
        widget=content_in.widget,
    )
    if problems:
        raise InvalidInput.from_problems(f"The {content_in.kind} is incomplete; see `errors`.", problems)
    return {**content_in.model_dump(), "html": {k: v for k, v in html.items() if v}, "media_type": media_type}


async def create_content_item(
    *, session: AsyncSession, station_id: str, content_in: ContentCreate
) -> ContentItem:
    """Store a message, HTML message, image, video, artwork or widget once it has what its kind needs."""
    values = await _checked_content(session, station_id, content_in)
    now = utcnow()
    item = ContentItem(station_id=station_id, created_at=now, updated_at=now, **values)
    session.add(item)
    await session.commit()
    return item


async def update_content_item(
    *, session: AsyncSession, station_id: str, content_id: str, content_in: ContentCreate
) -> ContentItem:
    """Replace a content; every screen that shows it gets the new version."""
    item = await get_content_or_raise(session=session, station_id=station_id, content_id=content_id)
    for name, value in (await _checked_content(session, station_id, content_in)).items():
        setattr(item, name, value)
    item.updated_at = utcnow()
    mark_changed(session, station_id, PLAYLISTS)
    await session.commit()
    return item


async def delete_content_item(*, session: AsyncSession, station_id: str, content_id: str) -> None:
    """Delete a content no playlist uses."""
    item = await get_content_or_raise(session=session, station_id=station_id, content_id=content_id)
    used = await session.scalar(
        select(Playlist.code)
        .join(PlaylistItem, PlaylistItem.playlist_id == Playlist.id)
        .where(PlaylistItem.content_item_id == content_id)
        .limit(1)
    )
    if used is not None:
        raise Conflict(f"Playlist {used!r} still shows this content.", slug="content-in-use")
    await session.delete(item)
    await session.commit()


# -- playlists -----------------------------------------------------------------------------------------


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


async def get_playlist_or_raise(*, session: AsyncSession, station_id: str, code: str) -> Playlist:
    playlist = await session.scalar(
        select(Playlist).where(Playlist.station_id == station_id, Playlist.code == code)
    )
    if playlist is None:
        raise NotFound(f"No playlist {code!r} at {station_id}.", slug="unknown-playlist")
    return playlist


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
    playlist = await get_playlist_or_raise(session=session, station_id=station_id, code=code)
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
    playlist = await get_playlist_or_raise(session=session, station_id=station_id, code=code)
    used = await session.scalar(select(Schedule.code).where(Schedule.playlist_id == playlist.id).limit(1))
    if used is not None:
        raise Conflict(f"Schedule {used!r} still plays this playlist.", slug="playlist-in-use")
    for screen in await session.scalars(select(Screen).where(Screen.playlist_id == playlist.id)):
        screen.playlist_id = None
    await session.delete(playlist)
    mark_changed(session, station_id, PLAYLISTS)
    await session.commit()


# -- schedules ----------------------------------------------------------------------------------------


async def list_schedules(*, session: AsyncSession, station_id: str) -> Sequence[Schedule]:
    return (
        await session.scalars(
            select(Schedule).where(Schedule.station_id == station_id).order_by(Schedule.code)
        )
    ).all()


async def get_schedule_or_raise(*, session: AsyncSession, station_id: str, code: str) -> Schedule:
    schedule = await session.scalar(
        select(Schedule).where(Schedule.station_id == station_id, Schedule.code == code)
    )
    if schedule is None:
        raise NotFound(f"No schedule {code!r} at {station_id}.", slug="unknown-schedule")
    return schedule


async def _checked_schedule(
    session: AsyncSession, station_id: str, schedule_in: ScheduleUpdate
) -> dict[str, Any]:
    playlist = await session.scalar(
        select(Playlist.id).where(Playlist.id == schedule_in.playlist_id, Playlist.station_id == station_id)
    )
    problems = []
    if playlist is None:
        problems.append(FieldProblem("playlist_id", "no such playlist at this station"))
    if schedule_in.starts_on and schedule_in.ends_on and schedule_in.ends_on < schedule_in.starts_on:
        problems.append(FieldProblem("ends_on", "a schedule ends on or after the day it starts"))
    if problems:
        raise InvalidInput.from_problems("The schedule cannot be saved; see `errors`.", problems)
    values = schedule_in.model_dump()
    values["weekdays"] = sorted(set(schedule_in.weekdays))
    values["targets"] = schedule_in.targets.model_dump()
    return values


async def create_schedule(*, session: AsyncSession, station_id: str, schedule_in: ScheduleCreate) -> Schedule:
    """Play a playlist on some days and hours on some screens."""
    values = await _checked_schedule(session, station_id, schedule_in)
    taken = await session.scalar(
        select(Schedule.id).where(Schedule.station_id == station_id, Schedule.code == schedule_in.code)
    )
    if taken is not None:
        raise Conflict.taken(
            f"Schedule {schedule_in.code!r} already exists.", "code", slug="schedule-code-taken"
        )
    schedule = Schedule(station_id=station_id, **values)
    session.add(schedule)
    mark_changed(session, station_id, PLAYLISTS)
    await commit_or_conflict(session, detail="A schedule with this code was saved meanwhile; retry.")
    return schedule


async def update_schedule(
    *, session: AsyncSession, station_id: str, code: str, schedule_in: ScheduleUpdate
) -> Schedule:
    schedule = await get_schedule_or_raise(session=session, station_id=station_id, code=code)
    for name, value in (await _checked_schedule(session, station_id, schedule_in)).items():
        setattr(schedule, name, value)
    mark_changed(session, station_id, PLAYLISTS)
    await session.commit()
    return schedule


async def delete_schedule(*, session: AsyncSession, station_id: str, code: str) -> None:
    schedule = await get_schedule_or_raise(session=session, station_id=station_id, code=code)
    await session.delete(schedule)
    mark_changed(session, station_id, PLAYLISTS)
    await session.commit()


# -- alerts ---------------------------------------------------------------------------------------------


async def raise_alert(*, session: AsyncSession, station_id: str, alert_in: AlertCreate) -> Alert:
    """Put an alert on the targeted screens at once, and publish alert.raised."""
    now = utcnow()
    problems = domain.alert_problems(texts=alert_in.texts, raised_at=now, expires_at=alert_in.expires_at)
    if problems:
        raise InvalidInput.from_problems("The alert cannot be raised; see `errors`.", problems)
    alert = Alert(
        station_id=station_id,
        severity=alert_in.severity,
        texts=alert_in.texts,
        targets=alert_in.targets.model_dump(),
        raised_at=now,
        expires_at=alert_in.expires_at,
    )
    session.add(alert)
    await session.flush()
    await stage(session, OUTBOX, events.alert_raised(alert))
    mark_changed(session, station_id, PLAYLISTS)
    await session.commit()
    return alert


async def list_alerts(*, session: AsyncSession, station_id: str, active_only: bool) -> Sequence[Alert]:
    query = select(Alert).where(Alert.station_id == station_id)
    if active_only:
        now = utcnow()
        query = query.where(
            Alert.cleared_at.is_(None), or_(Alert.expires_at.is_(None), Alert.expires_at > now)
        )
    return (await session.scalars(query.order_by(Alert.raised_at.desc()).limit(200))).all()


async def get_alert_or_raise(*, session: AsyncSession, station_id: str, alert_id: str) -> Alert:
    alert = await session.scalar(select(Alert).where(Alert.station_id == station_id, Alert.id == alert_id))
    if alert is None:
        raise NotFound(f"No alert {alert_id} at {station_id}.", slug="unknown-alert")
    return alert


async def clear_alert(*, session: AsyncSession, station_id: str, alert_id: str) -> Alert:
    """Take an alert off the screens (they go back to their schedule) and publish alert.cleared."""
    alert = await get_alert_or_raise(session=session, station_id=station_id, alert_id=alert_id)
    if alert.cleared_at is not None:
        return alert  # clearing twice is harmless
    alert.cleared_at = utcnow()
    await stage(session, OUTBOX, events.alert_cleared(alert))
    mark_changed(session, station_id, PLAYLISTS)
    await session.commit()
    return alert


async def screens_reached(
    *, session: AsyncSession, station_id: str, targets: dict[str, list[str]]
) -> list[str]:
    """The codes of the station's screens that targets reach (all empty: every screen)."""
    wanted = targets_of(targets)
    return [
        s.code
        for s in await list_screens(session=session, station_id=station_id)
        if wanted.include(facts_of(s))
    ]


async def alert_status(*, session: AsyncSession, alert: Alert) -> tuple[list[str], dict[str, datetime]]:
    """The screens an alert targets, and those whose player showed it."""
    targeted = await screens_reached(session=session, station_id=alert.station_id, targets=alert.targets)
    acks = {
        ack.screen_code: ack.acknowledged_at
        for ack in await session.scalars(select(AlertAck).where(AlertAck.alert_id == alert.id))
    }
    return targeted, acks


async def acknowledge_alert(*, session: AsyncSession, screen: Screen, alert_id: str) -> None:
    """The screen's player showed the alert; saying so twice keeps the first time."""
    await get_alert_or_raise(session=session, station_id=screen.station_id, alert_id=alert_id)
    if await session.get(AlertAck, (alert_id, screen.code)) is not None:
        return
    session.add(AlertAck(alert_id=alert_id, screen_code=screen.code, acknowledged_at=utcnow()))
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()  # acknowledged meanwhile by a retry of the same player


# -- proof of play -----------------------------------------------------------------------------------------


async def record_plays(*, session: AsyncSession, screen: Screen, batch: PlayBatch) -> tuple[int, int]:
    """Store a batch of play records once each (players resend until they get an answer)."""
    now = utcnow()
    problems = [
        FieldProblem(f"plays.{index}.{p.field}", p.detail)
        for index, record in enumerate(batch.plays)
        for p in domain.play_problems(started_at=record.started_at, at=now)
    ]
    if problems:
        raise InvalidInput.from_problems("Some play records cannot be right; see `errors`.", problems)
    ids = {record.play_id for record in batch.plays}
    seen = set(
        await session.scalars(
            select(Play.play_id).where(
                Play.station_id == screen.station_id, Play.screen_code == screen.code, Play.play_id.in_(ids)
            )
        )
    )
    new = {r.play_id: r for r in batch.plays if r.play_id not in seen}  # a batch may repeat itself too
    for record in new.values():
        session.add(
            Play(
                station_id=screen.station_id,
                screen_code=screen.code,
                play_id=record.play_id,
                content_item_id=record.content_item_id,
                started_at=record.started_at,
                duration_seconds=record.duration_seconds,
                played_on=domain.played_on(record.started_at),
            )
        )
    await commit_or_conflict(session, detail="The same plays were sent meanwhile; send the batch again.")
    return len(new), len(batch.plays) - len(new)


async def play_report(
    *, session: AsyncSession, station_id: str, since: date, until: date, screen: str | None
) -> list[PlayReportRow]:
    """Plays and seconds per day, screen and content."""
    query = (
        select(
            Play.played_on,
            Play.screen_code,
            Play.content_item_id,
            func.count(),
            func.coalesce(func.sum(Play.duration_seconds), 0),
        )
        .where(Play.station_id == station_id, Play.played_on >= since, Play.played_on <= until)
        .group_by(Play.played_on, Play.screen_code, Play.content_item_id)
        .order_by(Play.played_on, Play.screen_code, Play.content_item_id)
    )
    if screen is not None:
        query = query.where(Play.screen_code == screen)
    return [
        PlayReportRow(day=day, screen=code, content_item_id=content, plays=int(count), seconds=int(seconds))
        for day, code, content, count, seconds in (await session.execute(query)).all()
    ]


# -- what a screen plays ------------------------------------------------------------------------------------


def targets_of(stored: dict[str, list[str]]) -> domain.Targets:
    return domain.Targets(
        screens=frozenset(stored.get("screens", [])),
        zones=frozenset(stored.get("zones", [])),
        tags=frozenset(stored.get("tags", [])),
    )


def facts_of(screen: Screen) -> domain.ScreenFacts:
    return domain.ScreenFacts(code=screen.code, zone=screen.zone, tags=frozenset(screen.tags))


def schedule_of(schedule: Schedule) -> domain.Schedule:
    start, end = schedule.local_times()
    return domain.Schedule(
        code=schedule.code,
        playlist_id=schedule.playlist_id,
        priority=schedule.priority,
        start_time=start,
        end_time=end,
        weekdays=frozenset(schedule.weekdays),
        starts_on=schedule.starts_on,
        ends_on=schedule.ends_on,
        targets=targets_of(schedule.targets),
    )


def alert_of(alert: Alert) -> domain.Alert:
    return domain.Alert(
        id=alert.id,
        severity=alert.severity,
        texts=alert.texts,
        targets=targets_of(alert.targets),
        raised_at=alert.raised_at,
        expires_at=alert.expires_at,
        cleared_at=alert.cleared_at,
    )


async def active_alerts(*, session: AsyncSession, station_id: str) -> list[domain.Alert]:
    return [alert_of(a) for a in await list_alerts(session=session, station_id=station_id, active_only=True)]


async def screen_document(
    *, session: AsyncSession, screen: Screen, at: datetime | None = None
) -> dict[str, Any]:
    """The player's document: what the screen plays now and next, and the alerts it shows. The same
    state gives the same bytes, so its ETag changes exactly when something it shows changes."""
    at = at or utcnow()
    schedules = [schedule_of(s) for s in await list_schedules(session=session, station_id=screen.station_id)]
    default = await find_default_playlist(session=session, station_id=screen.station_id)
    fallback = screen.playlist_id or (default.id if default else None)
    plan = domain.now_and_next(facts_of(screen), schedules, at, fallback=fallback)
    wanted = {s.playlist_id for s in (plan.now, plan.next) if s is not None and s.playlist_id}
    playlists = {
        p.id: p
        for p in await session.scalars(select(Playlist).where(Playlist.id.in_(wanted)))
        if p.station_id == screen.station_id
    }

    def segment(part: domain.Segment | None) -> dict[str, Any] | None:
        if part is None:
            return None
        stored = playlists.get(part.playlist_id or "")
        shown = None
        if stored is not None:
            rendered = domain.render(playlist_of(stored), screen.languages)
            shown = domain.rendered_as_dict(rendered)
            for item in shown["items"]:  # type: ignore[attr-defined]
                item["media_url"] = media_url(screen.station_id, item["media"]) if item["media"] else None
        return {
            "playlist": shown,
            "schedule": part.schedule,
            "starts_at": part.starts_at,
            "ends_at": part.ends_at,
        }

    widgets = {
        item.content.widget
        for stored in playlists.values()
        for item in stored.items
        if item.content.widget is not None
    }
    alerts = domain.alerts_for(
        facts_of(screen), await active_alerts(session=session, station_id=screen.station_id), at
    )
    document: dict[str, Any] = {
        "screen": screen_public(screen),
        "now": segment(plan.now),
        "next": segment(plan.next),
        "alerts": [shown_alert(a, screen.languages) for a in alerts],
        "live": await live_data(session=session, station_id=screen.station_id, widgets=widgets),
    }
    document["version"] = domain.digest(document)
    return document


def shown_alert(alert: domain.Alert, languages: list[str]) -> dict[str, Any]:
    language, text = pick(alert.texts, languages) or ("", "")
    return {
        "id": alert.id,
        "severity": alert.severity,
        "language": language,
        "text": text,
        "texts": dict(alert.texts),
        "raised_at": alert.raised_at,
        "expires_at": alert.expires_at,
    }


def screen_public(screen: Screen) -> dict[str, Any]:
    return ScreenPublic.model_validate(screen).model_dump()


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
                    duration_seconds=item.content.duration_seconds,
                ),
            )
            for item in playlist.items
        ),
    )


# -- live widgets ---------------------------------------------------------------------------------------


async def record_vehicle_status(
    *, session: AsyncSession, station_id: str, status: VehicleStationStatusChanged
) -> None:
    """Keep a vehicle station's availability unless a newer report is stored; the caller commits."""
    stored = await session.get(VehicleAvailability, (station_id, status.vehicle_station_id))
    if stored is not None and stored.last_reported >= status.last_reported:
        return  # redelivered or out of order
    if stored is None:
        stored = VehicleAvailability(station_id=station_id, vehicle_station_id=status.vehicle_station_id)
        session.add(stored)
    stored.name = status.name
    stored.num_vehicles_available = status.num_vehicles_available
    stored.num_docks_available = status.num_docks_available
    stored.is_renting = status.is_renting
    stored.last_reported = status.last_reported
    mark_changed(session, station_id, PLAYLISTS)


async def record_equipment_status(
    *, session: AsyncSession, station_id: str, change: EquipmentStatusChanged
) -> None:
    """Keep a lift's, escalator's or gate's status unless a newer one is stored; the caller commits."""
    stored = await session.get(EquipmentStatus, (station_id, change.place_code))
    if stored is not None and stored.changed_at >= change.changed_at:
        return
    if stored is None:
        stored = EquipmentStatus(station_id=station_id, place_code=change.place_code)
        session.add(stored)
    stored.kind = change.kind
    stored.names = change.names
    stored.level = change.level
    stored.status = change.status
    stored.reason = change.reason
    stored.until = change.until
    stored.changed_at = change.changed_at
    mark_changed(session, station_id, PLAYLISTS)


async def live_data(*, session: AsyncSession, station_id: str, widgets: set[str]) -> dict[str, Any]:
    """What the screen's live widgets show: only those it plays, so other screens' versions stay."""
    live: dict[str, Any] = {}
    if "vehicle_availability" in widgets:
        rows = await session.scalars(
            select(VehicleAvailability)
            .where(VehicleAvailability.station_id == station_id)
            .order_by(VehicleAvailability.name)
        )
        live["vehicle_availability"] = [
            {
                "name": row.name,
                "vehicles": row.num_vehicles_available,
                "docks": row.num_docks_available,
                "renting": row.is_renting,
            }
            for row in rows
        ]
    if "lift_status" in widgets:
        rows_out = await session.scalars(
            select(EquipmentStatus)
            .where(EquipmentStatus.station_id == station_id, EquipmentStatus.status == "out_of_service")
            .order_by(EquipmentStatus.place_code)
        )
        live["lift_status"] = [
            {
                "place_code": row.place_code,
                "kind": row.kind,
                "names": row.names,
                "level": row.level,
                "until": row.until,
            }
            for row in rows_out
        ]
    return live


# -- what time does by itself: expiries and silences ------------------------------------------------------


async def clear_expired_alerts(*, session: AsyncSession, station_id: str, at: datetime) -> list[str]:
    """Clear the alerts whose expiry has passed, each once across replicas, with alert.cleared.
    Each alert alone: one that cannot be cleared is recorded and the others still are."""
    due = (
        await session.scalars(
            select(Alert.id).where(
                Alert.station_id == station_id, Alert.cleared_at.is_(None), Alert.expires_at <= at
            )
        )
    ).all()
    cleared = []
    for alert_id in due:
        async with item_alone(SWEEP_LOOP, f"alert {alert_id}", session=session):
            alert = await session.get_one(Alert, alert_id)
            assert alert.expires_at is not None
            # Conditional: another replica's sweep may have cleared it meanwhile.
            result = await session.execute(
                update(Alert)
                .where(Alert.id == alert.id, Alert.cleared_at.is_(None))
                .values(cleared_at=alert.expires_at)
                .execution_options(synchronize_session=False)
            )
            if getattr(result, "rowcount", 0) == 1:
                alert.cleared_at = alert.expires_at
                await stage(session, OUTBOX, events.alert_cleared(alert))
                mark_changed(session, station_id, PLAYLISTS)
                await session.commit()
                cleared.append(alert.id)
    await session.commit()
    return cleared


async def report_silent_screens(
    *, session: AsyncSession, station_id: str, last_seen: dict[str, datetime], newly_silent: set[str]
) -> None:
    """Publish screen.offline for the screens that just went silent."""
    for screen in await list_screens(session=session, station_id=station_id):
        if screen.code in newly_silent:
            await stage(session, OUTBOX, events.screen_offline(screen, last_seen[screen.code]))
    await session.commit()
