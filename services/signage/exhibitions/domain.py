"""Exhibition rules, without I/O: which exhibitions and visits concern this station, when a work may
be shown (its rights, by the station's own clock), how a visit is named and answered, and the link
a screen's QR code opens."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from urllib.parse import quote

from kernel.contracts.culture import ExhibitionPublished, Visit, Work, WorkRights
from kernel.i18n import pick
from services.signage.schedules.domain import STATION_TZ

Answer = Literal["accepted", "declined"]
AnswerState = Literal["pending", "accepted", "declined"]
Phase = Literal["past", "current", "coming"]


def visits_of(exhibition: ExhibitionPublished, station: str) -> list[Visit]:
    """The exhibition's visits of this station, in time order."""
    return sorted((v for v in exhibition.tour if v.station == station), key=lambda v: v.starts_at)


def concerns(exhibition: ExhibitionPublished, station: str) -> bool:
    """The station keeps an exhibition that visits it (retired or not: a retired one stops playing)."""
    return bool(visits_of(exhibition, station))


def content_item_id(exhibition: str, work: str) -> str:
    """The id the players report a work's plays under: 32 hex digits, like a content item's."""
    return hashlib.sha256(f"exhibition:{exhibition}/{work}".encode()).hexdigest()[:32]


def visit_code(starts_at: datetime) -> str:
    """A visit's human code: its first day at the station (Europe/Paris), `2026-12-01`."""
    return starts_at.astimezone(STATION_TZ).date().isoformat()


def phase(starts_at: datetime, ends_at: datetime, at: datetime) -> Phase:
    if at < starts_at:
        return "coming"
    return "current" if at < ends_at else "past"


def answer_problem(*, ends_at: datetime, removed: bool, retired: bool, at: datetime) -> str | None:
    """Why a visit cannot be answered (None: it can, again and again until it ends)."""
    if retired:
        return "The exhibition was retired by its curators."
    if removed:
        return "The curators removed this visit from the tour."
    if ends_at <= at:
        return "The visit is over."
    return None


def rights_allow(rights: WorkRights, station: str, at: datetime) -> bool:
    """Within the work's rights at `at`: its dates (end exclusive) and its stations."""
    return rights.shown_from <= at < rights.shown_until and (
        not rights.stations or station in rights.stations
    )


@dataclass(frozen=True)
class VisitFacts:
    starts_at: datetime
    ends_at: datetime
    answer: str
    removed: bool


def visit_plays(visit: VisitFacts, at: datetime) -> bool:
    return visit.answer == "accepted" and not visit.removed and visit.starts_at <= at < visit.ends_at


def boundaries(times: Iterable[datetime], at: datetime) -> datetime | None:
    """The next moment after `at` when what plays may change by the clock alone."""
    later = [t for t in times if t > at]
    return min(later) if later else None


def texts(localized: Mapping[str, str], languages: list[str]) -> tuple[str | None, str | None]:
    """(language, text) in the best of `languages`, falling back to French, English, then any."""
    chosen = pick(localized, languages)
    return (chosen[0], chosen[1]) if chosen else (None, None)


def work_link(*, station: str, exhibition: str, work: str, screen: str | None) -> str:
    """The traveller app's page of a work, as a screen's QR code opens it (relative to the gateway)."""
    path = f"/app/#/work/{quote(station)}/{quote(exhibition)}/{quote(work)}"
    return f"{path}?screen={quote(screen)}" if screen else path


def coming_stops(exhibition: ExhibitionPublished, at: datetime) -> list[Visit]:
    """Where the tour goes next: the visits not over yet, in time order."""
    return sorted((v for v in exhibition.tour if v.ends_at > at), key=lambda v: v.starts_at)


def work_named(exhibition: ExhibitionPublished, code: str) -> Work | None:
    return next((w for w in exhibition.works if w.code == code), None)
