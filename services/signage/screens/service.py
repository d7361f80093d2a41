"""Screens: registered, changed, retired; and the silences the sweeper reports."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.db import one_or_404, utcnow
from kernel.errors import Conflict, InvalidInput, commit_or_conflict
from kernel.hot_reads import mark_changed
from kernel.outbox import stage
from kernel.pagination import PageRequest, page_of_rows
from services.signage import events
from services.signage.invalidation import screen_tag
from services.signage.layouts.service import check_layout_exists
from services.signage.models import OUTBOX, Playlist, Screen
from services.signage.schemas import ScreenCreate, ScreenUpdate
from services.signage.screens import domain


def _field(field: str, detail: str) -> list[dict[str, str]]:
    return [{"in": "body", "field": field, "detail": detail}]


async def list_screens(*, session: AsyncSession, station_id: str) -> Sequence[Screen]:
    """The station's screens, by code."""
    return (
        await session.scalars(select(Screen).where(Screen.station_id == station_id).order_by(Screen.code))
    ).all()


async def page_screens(
    *, session: AsyncSession, station_id: str, page: PageRequest
) -> tuple[list[Screen], str | None]:
    """One page of the station's screens, by code."""
    return await page_of_rows(
        session, select(Screen).where(Screen.station_id == station_id), [Screen.code], page
    )


async def find_screen(*, session: AsyncSession, station_id: str, code: str) -> Screen | None:
    """The screen with this code at the station, if any."""
    return await session.scalar(select(Screen).where(Screen.station_id == station_id, Screen.code == code))


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
    await check_layout_exists(session=session, station_id=station_id, code=screen_in.layout, field="layout")
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
    screen = await one_or_404(session, Screen, "unknown-screen", station_id=station_id, code=code)
    await _check_screen_links(session, station_id, screen_in, screen_id=screen.id)
    for name, value in screen_in.model_dump().items():
        setattr(screen, name, value)
    mark_changed(session, station_id, screen_tag(code))
    await commit_or_conflict(session, detail="The device was bound to another screen meanwhile; retry.")
    return screen


async def retire_screen(*, session: AsyncSession, station_id: str, code: str) -> None:
    """Take a screen out of service; its player's credentials no longer play anything here."""
    screen = await one_or_404(session, Screen, "unknown-screen", station_id=station_id, code=code)
    await session.delete(screen)
    mark_changed(session, station_id, screen_tag(code))
    await session.commit()


def targets_of(stored: dict[str, list[str]]) -> domain.Targets:
    return domain.Targets(
        screens=frozenset(stored.get("screens", [])),
        zones=frozenset(stored.get("zones", [])),
        tags=frozenset(stored.get("tags", [])),
    )


def facts_of(screen: Screen) -> domain.ScreenFacts:
    return domain.ScreenFacts(code=screen.code, zone=screen.zone, tags=frozenset(screen.tags))


async def report_silent_screens(
    *, session: AsyncSession, station_id: str, last_seen: dict[str, datetime], newly_silent: set[str]
) -> None:
    """Publish screen.offline for the screens that just went silent."""
    for screen in await list_screens(session=session, station_id=station_id):
        if screen.code in newly_silent:
            await stage(session, OUTBOX, events.screen_offline(screen, last_seen[screen.code]))
    await session.commit()
