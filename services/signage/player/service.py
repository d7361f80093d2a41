"""The player's document: what a screen plays now and next, its alerts and its live widgets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.db import utcnow
from services.signage.agenda.service import ticker_events, welcome
from services.signage.alerts.domain import alerts_for
from services.signage.alerts.service import active_alerts, shown_alert
from services.signage.disruptions.service import ticker_items
from services.signage.exhibitions.rotation import playing_works, with_visit_works
from services.signage.layouts import domain as layouts
from services.signage.layouts.service import station_layouts
from services.signage.media.service import media_url
from services.signage.models import Playlist, Screen
from services.signage.player import domain
from services.signage.playlists.domain import render, rendered_as_dict
from services.signage.playlists.service import find_default_playlist, playlist_of
from services.signage.schedules.domain import Segment, now_and_next
from services.signage.schedules.service import list_schedules, schedule_of
from services.signage.schemas import ScreenPublic
from services.signage.screens.service import facts_of
from services.signage.widgets.service import live_data


async def screen_document(
    *, session: AsyncSession, screen: Screen, at: datetime | None = None, public_url: str = ""
) -> dict[str, Any]:
    """The player's document: what the screen plays now and next, and the alerts it shows. The same
    state gives the same bytes, so its ETag changes exactly when something it shows changes."""
    at = at or utcnow()
    # An event that sets the station's welcome sets the languages its screens rotate.
    greeting = await welcome(session=session, station_id=screen.station_id, at=at)
    languages = list(greeting.languages) if greeting.event else screen.languages
    schedules = [schedule_of(s) for s in await list_schedules(session=session, station_id=screen.station_id)]
    default = await find_default_playlist(session=session, station_id=screen.station_id)
    fallback = screen.playlist_id or (default.id if default else None)
    plan = now_and_next(facts_of(screen), schedules, at, fallback=fallback)
    if greeting.event and greeting.playlist:
        welcome_set = await session.scalar(
            select(Playlist).where(
                Playlist.station_id == screen.station_id, Playlist.code == greeting.playlist
            )
        )
        if welcome_set is not None:
            plan = domain.with_welcome(plan, welcome_set.id, until=greeting.until)
    wanted = {s.playlist_id for s in (plan.now, plan.next) if s is not None and s.playlist_id}
    playlists = {
        p.id: p
        for p in await session.scalars(select(Playlist).where(Playlist.id.in_(wanted)))
        if p.station_id == screen.station_id
    }

    # An accepted exhibition visit's works join what plays now, within their rights.
    works = await playing_works(session=session, screen=screen, at=at, public_url=public_url)

    def segment(part: Segment | None) -> dict[str, Any] | None:
        if part is None:
            return None
        stored = playlists.get(part.playlist_id or "")
        shown = None
        if stored is not None:
            rendered = render(playlist_of(stored), languages)
            shown = rendered_as_dict(rendered)
            for item in shown["items"]:  # type: ignore[attr-defined]
                item["media_url"] = media_url(screen.station_id, item["media"]) if item["media"] else None
        if part is plan.now:
            shown = with_visit_works(shown, works)
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
    alerts = alerts_for(
        facts_of(screen), await active_alerts(session=session, station_id=screen.station_id), at
    )
    document: dict[str, Any] = {
        "screen": {**screen_public(screen), "languages": languages},
        "now": segment(plan.now),
        "next": segment(plan.next),
        "alerts": [shown_alert(a, languages) for a in alerts],
        "live": await live_data(session=session, station_id=screen.station_id, widgets=widgets),
        "layout": await _layout(
            session, screen, plan.now, playlists.get(plan.now.playlist_id or ""), at, languages
        ),
    }
    document["version"] = domain.digest(document)
    return document


async def _layout(
    session: AsyncSession,
    screen: Screen,
    now: Segment,
    playing: Playlist | None,
    at: datetime,
    languages: list[str],
) -> dict[str, Any]:
    """The screen's layout now (its schedule's, else its own, else the whole screen) and what each of
    its regions shows."""
    wanted = {code for code in (now.layout, screen.layout) if code and code not in layouts.TEMPLATES}
    own = await station_layouts(session=session, station_id=screen.station_id) if wanted else {}
    layout = layouts.layout_now(schedule_layout=now.layout, screen_layout=screen.layout, layouts=own)
    has_ticker = any(region.kind == "ticker" for region in layout.regions)
    ticker = (
        [
            *await ticker_items(session=session, station_id=screen.station_id, at=at),
            *await ticker_events(session=session, station_id=screen.station_id, at=at),
        ]
        if has_ticker
        else []
    )
    regions = layouts.regions_now(
        layout,
        station_id=screen.station_id,
        languages=languages,
        playlist_code=playing.code if playing else None,
        ticker=ticker,
    )
    return layouts.layout_shape(layout) | {"regions": regions}


def screen_public(screen: Screen) -> dict[str, Any]:
    return ScreenPublic.model_validate(screen).model_dump()
