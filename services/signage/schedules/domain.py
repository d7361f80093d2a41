"""Schedule rules: what a screen plays now and next, in Europe/Paris wall-clock time (midnight and
daylight saving changes included), the highest priority winning."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.signage.screens.domain import ScreenFacts, Targets

# Schedules speak the station's local time, daylight saving included.
STATION_TZ = ZoneInfo("Europe/Paris")
# How far ahead "next" looks: a weekly schedule always shows up within that.
LOOKAHEAD = timedelta(days=8)


@dataclass(frozen=True)
class Schedule:
    """A playlist on some days (dates and weekdays, 0 = Monday) between two local times. An end at or
    before the start runs past midnight into the next day; start == end is the whole day."""

    code: str
    playlist_id: str
    priority: int
    start_time: time
    end_time: time
    weekdays: frozenset[int] = frozenset(range(7))
    starts_on: date | None = None
    ends_on: date | None = None
    targets: Targets = field(default_factory=Targets)
    # The layout its screens show while it plays (None: each screen's own).
    layout: str | None = None

    def occurrences(self, since: datetime, until: datetime) -> list[tuple[datetime, datetime]]:
        """Its windows, in UTC, that overlap [since, until)."""
        windows = []
        day = since.astimezone(STATION_TZ).date() - timedelta(days=1)
        last_day = until.astimezone(STATION_TZ).date()
        while day <= last_day:
            if self._runs_on(day):
                start = _utc(day, self.start_time)
                end_day = day if self.end_time > self.start_time else day + timedelta(days=1)
                end = _utc(end_day, self.end_time)
                if start < until and end > since:
                    windows.append((start, end))
            day += timedelta(days=1)
        return windows

    def _runs_on(self, day: date) -> bool:
        if self.starts_on is not None and day < self.starts_on:
            return False
        if self.ends_on is not None and day > self.ends_on:
            return False
        return day.weekday() in self.weekdays


def _utc(day: date, at: time) -> datetime:
    # A local time skipped in spring is read with the winter offset (02:30 is 03:30 CEST); a time
    # lived twice in autumn is its first occurrence (fold=0).
    return datetime.combine(day, at, tzinfo=STATION_TZ).astimezone(UTC)


@dataclass(frozen=True)
class Segment:
    """One stretch of a screen's day: a playlist (None: the screen's fallback) and its schedule."""

    playlist_id: str | None
    schedule: str | None
    starts_at: datetime | None
    ends_at: datetime | None
    layout: str | None = None


@dataclass(frozen=True)
class NowAndNext:
    now: Segment
    next: Segment | None


def _winner(active: Iterable[tuple[Schedule, datetime, datetime]]) -> Schedule | None:
    # Highest priority first; on a tie the schedule whose code sorts first, so every replica agrees.
    ranked = sorted(active, key=lambda entry: (-entry[0].priority, entry[0].code))
    return ranked[0][0] if ranked else None


def now_and_next(
    screen: ScreenFacts, schedules: Sequence[Schedule], at: datetime, *, fallback: str | None
) -> NowAndNext:
    """What the screen plays at `at` and what comes after it. Overlaps go to the higher priority;
    outside every schedule the screen plays `fallback` (its own playlist, else the default)."""
    mine = [s for s in schedules if s.targets.include(screen)]
    # Windows are read beyond the horizon on both sides, so its edges are never taken for changes.
    margin = timedelta(days=2)
    windows = [
        (s, start, end) for s in mine for start, end in s.occurrences(at - margin, at + LOOKAHEAD + margin)
    ]

    def winner_at(moment: datetime) -> Schedule | None:
        return _winner(w for w in windows if w[1] <= moment < w[2])

    horizon = (at - timedelta(days=1), at + LOOKAHEAD)
    boundaries = sorted({t for _, a, b in windows for t in (a, b) if horizon[0] <= t <= horizon[1]})
    current = winner_at(at)
    since = None
    # Where the current stretch began: the last boundary with another winner just before it.
    for t in reversed([b for b in boundaries if b <= at]):
        before = t - timedelta(microseconds=1)
        if winner_at(before) != current:
            since = t
            break
    later = [t for t in boundaries if t > at]
    change = next((t for t in later if winner_at(t) != current), None)
    now = Segment(
        playlist_id=current.playlist_id if current else fallback,
        schedule=current.code if current else None,
        starts_at=since,
        ends_at=change,
        layout=current.layout if current else None,
    )
    if change is None:
        return NowAndNext(now=now, next=None)
    following = winner_at(change)
    after = next((t for t in later if t > change and winner_at(t) != following), None)
    return NowAndNext(
        now=now,
        next=Segment(
            playlist_id=following.playlist_id if following else fallback,
            schedule=following.code if following else None,
            starts_at=change,
            ends_at=after,
            layout=following.layout if following else None,
        ),
    )
