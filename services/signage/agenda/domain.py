"""Agenda rules: what makes an event valid, whole days in the station's time, and which welcome
(languages, kiosk language, content set) the station shows at a moment. No I/O."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from kernel.i18n import DEFAULT_LANGUAGE, FALLBACK_LANGUAGE, INTERFACE_LANGUAGES, is_interface_language
from kernel.rules import FieldProblem
from services.signage.schedules.domain import STATION_TZ

EventKind = Literal["concert", "performance", "exhibition", "fair", "other"]
EventStatus = Literal["scheduled", "cancelled"]
# An event longer than this is a season, not an event: a typo in a year is refused.
MAX_EVENT_DAYS = 366
# RFC 5646 §4.4.1: a tag of 35 characters at most is enough for every use.
MAX_TAG_LENGTH = 35
# Without an event that sets it, a station welcomes in French, then English; the kiosk starts in French.
DEFAULT_WELCOME_LANGUAGES = (DEFAULT_LANGUAGE, FALLBACK_LANGUAGE)


@dataclass(frozen=True)
class WelcomeSetting:
    """What an event sets for its dates: the languages screens rotate (preferred first), the
    language the kiosk starts in, and a playlist (by code) to welcome with."""

    languages: tuple[str, ...]
    kiosk_language: str | None = None
    playlist: str | None = None

    @property
    def kiosk(self) -> str:
        return self.kiosk_language or self.languages[0]


def event_problems(
    *,
    title: Iterable[str],
    starts_at: datetime,
    ends_at: datetime,
    all_day: bool,
    lat: float | None,
    lon: float | None,
    welcome: WelcomeSetting | None,
) -> list[FieldProblem]:
    """What is wrong with an event, field by field (empty: it may be saved). `title`: the languages
    its title is written in."""
    problems = []
    if not any(tag.lower() == DEFAULT_LANGUAGE for tag in title):
        problems.append(FieldProblem("title", f"a title in `{DEFAULT_LANGUAGE}` is required"))
    start, end = whole_days(starts_at, ends_at) if all_day else (starts_at, ends_at)
    if end <= start:
        problems.append(FieldProblem("ends_at", "an event ends after it starts"))
    elif end - start > timedelta(days=MAX_EVENT_DAYS):
        problems.append(FieldProblem("ends_at", f"an event lasts {MAX_EVENT_DAYS} days at most"))
    if (lat is None) != (lon is None):
        problems.append(FieldProblem("place", "give both `lat` and `lon`, or neither"))
    if welcome is not None:
        unknown = [
            tag for tag in welcome.languages if len(tag) > MAX_TAG_LENGTH or not is_interface_language(tag)
        ]
        if unknown:
            problems.append(
                FieldProblem(
                    "welcome.languages",
                    f"not a language of the station's pages: {', '.join(unknown)} "
                    f"(one of {', '.join(INTERFACE_LANGUAGES)})",
                )
            )
        if welcome.kiosk_language is not None and welcome.kiosk_language.lower() not in {
            tag.lower() for tag in welcome.languages
        }:
            problems.append(FieldProblem("welcome.kiosk_language", "the kiosk starts in one of `languages`"))
    return problems


def whole_days(starts_at: datetime, ends_at: datetime) -> tuple[datetime, datetime]:
    """An all-day event's bounds: from midnight (Europe/Paris) of its first day to midnight after
    its last day, whatever time of those days was given."""
    first, last = local_date(starts_at), local_date(ends_at)
    return midnight(first), midnight(last + timedelta(days=1))


def local_date(moment: datetime) -> date:
    return moment.astimezone(STATION_TZ).date()


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=STATION_TZ)


def changed(before: Mapping[str, object], after: Mapping[str, object]) -> bool:
    """Whether an update changes what the event says (then its iCalendar SEQUENCE moves on)."""
    return any(before.get(name) != value for name, value in after.items())


# -- the welcome -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WelcomeEvent:
    """An event that sets the welcome, as the resolution needs it."""

    code: str
    starts_at: datetime
    ends_at: datetime
    setting: WelcomeSetting


@dataclass(frozen=True)
class Welcome:
    languages: tuple[str, ...]
    kiosk_language: str
    playlist: str | None
    event: str | None
    until: datetime | None


def _winner(events: Iterable[WelcomeEvent], at: datetime) -> WelcomeEvent | None:
    # When welcomes overlap, the one that began last wins (the fair inside the festival); on a tie,
    # the code that sorts first, so every replica agrees.
    running = [e for e in events if e.starts_at <= at < e.ends_at]
    if not running:
        return None
    return min(running, key=lambda e: (-e.starts_at.timestamp(), e.code))


def welcome_at(events: Sequence[WelcomeEvent], at: datetime) -> Welcome:
    """The station's welcome at `at`, and until when it holds (None: no change is coming)."""
    current = _winner(events, at)
    boundaries = sorted({t for e in events for t in (e.starts_at, e.ends_at) if t > at})
    until = next((t for t in boundaries if _winner(events, t) != current), None)
    if current is None:
        return Welcome(
            languages=DEFAULT_WELCOME_LANGUAGES,
            kiosk_language=DEFAULT_LANGUAGE,
            playlist=None,
            event=None,
            until=until,
        )
    setting = current.setting
    return Welcome(
        languages=setting.languages,
        kiosk_language=setting.kiosk,
        playlist=setting.playlist,
        event=current.code,
        until=until,
    )


def welcome_digest(welcome: Welcome) -> str:
    """What a welcome shows, as a short digest: the same welcome, the same digest (`until` aside)."""
    shown = [list(welcome.languages), welcome.kiosk_language, welcome.playlist, welcome.event]
    return hashlib.sha256(json.dumps(shown).encode()).hexdigest()[:32]


# -- the screens' ticker ------------------------------------------------------------------------------

# The events the ticker names: those on now or starting within this many hours (tonight's concert).
TICKER_AHEAD = timedelta(hours=12)
TICKER_SOURCE = "agenda"


def ticker_texts(
    title: Mapping[str, str], *, starts_at: datetime, all_day: bool, place: str | None
) -> dict[str, str]:
    """An event as a ticker line, in each language its title has: the title, its start (station
    time) unless it lasts all day, and its place."""
    when = None if all_day else starts_at.astimezone(STATION_TZ).strftime("%H:%M")
    return {
        language: " · ".join(part for part in (text, when, place) if part)
        for language, text in title.items()
        if text
    }
