"""The agenda's use cases: events of a station, their feed, and the welcome they set."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.catalog import station_names
from kernel.db import one_or_404, rows_changed, utcnow
from kernel.errors import Conflict, InvalidInput, commit_or_conflict
from kernel.hot_reads import mark_changed
from kernel.outbox import stage
from kernel.pagination import PageRequest, page_of_rows
from kernel.rules import FieldProblem
from services.signage import events
from services.signage.agenda import calendar, domain
from services.signage.agenda.models import Event, WelcomeState
from services.signage.agenda.schemas import EventCreate, EventUpdate
from services.signage.invalidation import PLAYLISTS
from services.signage.layouts.domain import TickerItem
from services.signage.models import OUTBOX, Playlist

# What the feed and the agenda's reads show, within a station.
AGENDA = "agenda"
# How far back the feed goes: calendar apps keep what they already have.
FEED_PAST = timedelta(days=31)
FEED_MAX_EVENTS = 1000


def _mark(session: AsyncSession, station_id: str) -> None:
    # An event may set the welcome, which the screens' documents show: they are rendered again.
    mark_changed(session, station_id, AGENDA, PLAYLISTS)


async def _checked_values(session: AsyncSession, station_id: str, event_in: EventUpdate) -> dict[str, Any]:
    place, welcome = event_in.place, event_in.welcome
    setting = (
        domain.WelcomeSetting(
            languages=tuple(welcome.languages),
            kiosk_language=welcome.kiosk_language,
            playlist=welcome.playlist,
        )
        if welcome is not None
        else None
    )
    problems = domain.event_problems(
        title=event_in.title,
        starts_at=event_in.starts_at,
        ends_at=event_in.ends_at,
        all_day=event_in.all_day,
        lat=place.lat if place else None,
        lon=place.lon if place else None,
        welcome=setting,
    )
    if welcome is not None and welcome.playlist is not None:
        found = await session.scalar(
            select(Playlist.id).where(Playlist.station_id == station_id, Playlist.code == welcome.playlist)
        )
        if found is None:
            problems.append(FieldProblem("welcome.playlist", "no playlist with this code at this station"))
    if problems:
        raise InvalidInput.from_problems("The event cannot be saved; see `errors`.", problems)
    starts_at, ends_at = event_in.starts_at, event_in.ends_at
    if event_in.all_day:
        starts_at, ends_at = domain.whole_days(starts_at, ends_at)
    return {
        "kind": event_in.kind,
        "status": event_in.status,
        "title": dict(event_in.title),
        "description": dict(event_in.description),
        "starts_at": starts_at,
        "ends_at": ends_at,
        "all_day": event_in.all_day,
        "place_name": place.name if place else None,
        "place_lat": place.lat if place else None,
        "place_lon": place.lon if place else None,
        "url": event_in.url,
        "welcome_languages": list(welcome.languages) if welcome else None,
        "welcome_kiosk_language": welcome.kiosk_language if welcome else None,
        "welcome_playlist": welcome.playlist if welcome else None,
    }


async def create_event(*, session: AsyncSession, station_id: str, event_in: EventCreate) -> Event:
    """Put an event on the station's agenda."""
    values = await _checked_values(session, station_id, event_in)
    taken = await session.scalar(
        select(Event.id).where(Event.station_id == station_id, Event.code == event_in.code)
    )
    if taken is not None:
        raise Conflict.taken(f"Event {event_in.code!r} already exists.", "code", slug="event-code-taken")
    now = utcnow()
    event = Event(
        station_id=station_id, code=event_in.code, sequence=0, created_at=now, updated_at=now, **values
    )
    session.add(event)
    _mark(session, station_id)
    await commit_or_conflict(session, detail="An event with this code was saved meanwhile; retry.")
    return event


async def update_event(*, session: AsyncSession, station_id: str, code: str, event_in: EventUpdate) -> Event:
    """Replace what an event says; a real change moves its SEQUENCE on, a repeat changes nothing."""
    event = await one_or_404(session, Event, "unknown-event", station_id=station_id, code=code)
    values = await _checked_values(session, station_id, event_in)
    before = {name: getattr(event, name) for name in values}
    if domain.changed(before, values):
        for name, value in values.items():
            setattr(event, name, value)
        event.sequence += 1
        event.updated_at = utcnow()
        _mark(session, station_id)
        await session.commit()
    return event


async def delete_event(*, session: AsyncSession, station_id: str, code: str) -> None:
    """Take an event off the agenda (to keep it, with STATUS:CANCELLED in feeds, cancel it instead)."""
    event = await one_or_404(session, Event, "unknown-event", station_id=station_id, code=code)
    await session.delete(event)
    _mark(session, station_id)
    await session.commit()


def _between(
    statement: Select[Any], *, since: datetime | None, until: datetime | None, kind: str | None
) -> Select[Any]:
    if since is not None:
        statement = statement.where(Event.ends_at > since)
    if until is not None:
        statement = statement.where(Event.starts_at < until)
    if kind is not None:
        statement = statement.where(Event.kind == kind)
    return statement


async def page_events(
    *,
    session: AsyncSession,
    station_id: str,
    page: PageRequest,
    since: datetime | None,
    until: datetime | None,
    kind: str | None,
) -> tuple[list[Event], str | None]:
    """One page of the events that end after `since` and start before `until`, soonest first."""
    statement = _between(
        select(Event).where(Event.station_id == station_id), since=since, until=until, kind=kind
    )
    return await page_of_rows(session, statement, [Event.starts_at, Event.code], page)


# -- the feed ------------------------------------------------------------------------------------


def calendar_event(event: Event) -> calendar.CalendarEvent:
    return calendar.CalendarEvent(
        uid=f"{event.id}@{event.station_id}.gare-numerique",
        sequence=event.sequence,
        stamp=event.updated_at,
        created=event.created_at,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        all_day=event.all_day,
        kind=event.kind,
        status=event.status,
        title=event.title,
        description=event.description,
        place=event.place_name,
        lat=event.place_lat,
        lon=event.place_lon,
        url=event.url,
    )


async def feed(*, session: AsyncSession, station_id: str, preferred: list[str]) -> bytes:
    """The station's agenda as iCalendar: from a month ago on, soonest first."""
    statement = _between(
        select(Event).where(Event.station_id == station_id), since=utcnow() - FEED_PAST, until=None, kind=None
    )
    events = (
        await session.scalars(statement.order_by(Event.starts_at, Event.code).limit(FEED_MAX_EVENTS))
    ).all()
    name = f"{station_names().get(station_id, station_id)} — agenda"
    return calendar.calendar([calendar_event(e) for e in events], name=name, preferred=preferred)


# -- the welcome ---------------------------------------------------------------------------------


def welcome_event(event: Event) -> domain.WelcomeEvent:
    assert event.welcome_languages
    return domain.WelcomeEvent(
        code=event.code,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        setting=domain.WelcomeSetting(
            languages=tuple(event.welcome_languages),
            kiosk_language=event.welcome_kiosk_language,
            playlist=event.welcome_playlist,
        ),
    )


async def welcome_events(
    *, session: AsyncSession, station_id: str, at: datetime
) -> Sequence[domain.WelcomeEvent]:
    """The scheduled events that set a welcome, running at `at` or later."""
    statement = select(Event).where(
        Event.station_id == station_id,
        Event.status == "scheduled",
        Event.ends_at > at,
    )
    return [welcome_event(e) for e in await session.scalars(statement) if e.welcome_languages]


async def welcome(*, session: AsyncSession, station_id: str, at: datetime | None = None) -> domain.Welcome:
    """The station's welcome at `at` (now): an event's for its dates, else the station's own."""
    at = at or utcnow()
    return domain.welcome_at(await welcome_events(session=session, station_id=station_id, at=at), at)


async def tell_welcome_change(*, session: AsyncSession, station_id: str, at: datetime | None = None) -> bool:
    """Publish welcome.changed when the station's welcome is not the one last told (an event began or
    ended, or the agenda was edited), and re-render the screens' documents at once. Each change is
    told once: the stored digest moves only for the replica whose update finds the old one."""
    at = at or utcnow()
    current = await welcome(session=session, station_id=station_id, at=at)
    digest = domain.welcome_digest(current)
    told = await session.get(WelcomeState, station_id)
    if told is None:
        session.add(WelcomeState(station_id=station_id, digest=digest, event=current.event, changed_at=at))
        news = current.event is not None  # the station's own welcome, first seen, is no news
    elif told.digest == digest:
        return False
    else:
        moved = await session.execute(
            update(WelcomeState)
            .where(WelcomeState.station_id == station_id, WelcomeState.digest == told.digest)
            .values(digest=digest, event=current.event, changed_at=at)
            .execution_options(synchronize_session=False)
        )
        if rows_changed(moved) != 1:
            await session.rollback()
            return False  # another replica told it
        news = True
    if news:
        await stage(session, OUTBOX, events.welcome_changed(station_id, current, at))
        _mark(session, station_id)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        return False  # another replica saw the station first
    return news


# -- the screens' ticker ------------------------------------------------------------------------------


async def ticker_events(*, session: AsyncSession, station_id: str, at: datetime) -> list[TickerItem]:
    """The station's events the screens' ticker names now: on now or starting soon, not cancelled."""
    rows = await session.scalars(
        select(Event)
        .where(
            Event.station_id == station_id,
            Event.status == "scheduled",
            Event.ends_at > at,
            Event.starts_at < at + domain.TICKER_AHEAD,
        )
        .order_by(Event.starts_at, Event.code)
    )
    return [
        TickerItem(
            id=f"event-{event.code}",
            source=f"{domain.TICKER_SOURCE}:{event.code}",
            severity="info",
            texts=domain.ticker_texts(
                event.title, starts_at=event.starts_at, all_day=event.all_day, place=event.place_name
            ),
            raised_at=event.starts_at,
        )
        for event in rows
    ]
