"""The rules of live departures, without I/O: a source's state, the boards a station shows, where a
disruption is shown, and what a source's configuration may say."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kernel.rules import FieldProblem
from services.info_kiosk.departures.parsers import DepartureRecord

# What a board shows: departures in the next hour, at most six per stop, line and direction.
WINDOW = timedelta(minutes=60)
PER_BOARD = 6
# A departure that left less than this long ago is still shown (the doors may still be open).
GRACE = timedelta(seconds=30)
# A train this late or more is shown as delayed.
DELAYED_AFTER_S = 60
SEVERITIES = ("info", "warning", "severe")
# How long a cleared disruption stays listed (`?state=cleared`) before it is forgotten.
CLEARED_KEPT = timedelta(days=7)
REACHES = ("alert", "ticker", "none")
MODES = ("metro", "rer", "tram", "bus")
# Colours of a line the source's configuration does not colour, by mode.
MODE_COLORS = {
    "metro": "#003CA6",
    "rer": "#E2231A",
    "tram": "#00814F",
    "bus": "#82C8E6",
}


# -- a source's state ------------------------------------------------------------------------


def source_state(
    *, last_success_at: datetime | None, failure: str | None, ttl_seconds: int, now: datetime
) -> str:
    """`failing` when its last pull failed (its last good data is still shown), `stale` when its
    last good pull is older than its ttl (or there was none yet), else `fresh`."""
    if failure is not None:
        return "failing"
    if last_success_at is None or now - last_success_at > timedelta(seconds=ttl_seconds):
        return "stale"
    return "fresh"


def next_attempt(*, now: datetime, poll_seconds: int, failed_in_a_row: bool) -> datetime:
    """After a failure, try again sooner than the poll interval would, but not in a storm."""
    if failed_in_a_row:
        return now + timedelta(seconds=min(poll_seconds, 30))
    return now + timedelta(seconds=poll_seconds)


# -- boards ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StationStop:
    """One of the feed's stops, as the station names it."""

    ref: str
    stop_code: str
    stop_name: str
    mode: str
    exit_code: str | None


@dataclass(frozen=True)
class LineStyle:
    ref: str
    name: str
    color: str | None


@dataclass(frozen=True)
class SourceData:
    """What one source contributes to the boards."""

    stops: Sequence[StationStop]
    lines: Sequence[LineStyle]
    departures: Sequence[DepartureRecord]


@dataclass(frozen=True)
class Filters:
    stop: str | None = None
    line: str | None = None
    mode: str | None = None


def line_name(ref: str, published: str | None, styles: Mapping[str, LineStyle]) -> str:
    """The station's name of a line: the configured one, the feed's published name, else its ref
    (IDFM's `STIF:Line::C01742:` becomes `C01742`)."""
    style = styles.get(ref)
    if style is not None:
        return style.name
    if published:
        return published
    parts = [p for p in ref.split(":") if p]
    return parts[-1] if parts else ref


def status_of(departure: DepartureRecord) -> tuple[str, int]:
    delay = int((departure.expected_at - departure.aimed_at).total_seconds())
    if departure.cancelled:
        return "cancelled", delay
    return ("delayed" if delay >= DELAYED_AFTER_S else "on_time"), delay


def boards(
    sources: Iterable[SourceData], *, now: datetime, filters: Filters = Filters()
) -> list[dict[str, Any]]:
    """The station's boards: one per stop, line and direction, each with its next departures
    (in the next hour, soonest first, at most six), in a stable order."""
    grouped: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for source in sources:
        stops = {s.ref: s for s in source.stops}
        styles = {line.ref: line for line in source.lines}
        for departure in source.departures:
            stop = stops.get(departure.stop_ref)
            if stop is None:
                continue
            if not now - GRACE <= departure.expected_at <= now + WINDOW:
                continue
            line = line_name(departure.line_ref, departure.line_name, styles)
            if filters.stop and stop.stop_code != filters.stop:
                continue
            if filters.mode and stop.mode != filters.mode:
                continue
            if filters.line and line != filters.line:
                continue
            direction = departure.direction or departure.destination
            key = (stop.stop_code, stop.mode, line, direction)
            board = grouped.get(key)
            if board is None:
                style = styles.get(departure.line_ref)
                board = grouped[key] = {
                    "stop_code": stop.stop_code,
                    "stop_name": stop.stop_name,
                    "mode": stop.mode,
                    "line": line,
                    "line_color": (style.color if style and style.color else None)
                    or MODE_COLORS.get(stop.mode, "#555555"),
                    "direction": direction,
                    "exit_code": stop.exit_code,
                    "departures": [],
                }
            status, delay = status_of(departure)
            board["departures"].append(
                {
                    "destination": departure.destination,
                    "aimed_at": departure.aimed_at,
                    "expected_at": departure.expected_at,
                    "delay_seconds": delay,
                    "status": status,
                    "platform": departure.platform,
                }
            )
    for board in grouped.values():
        board["departures"].sort(key=lambda d: (d["expected_at"], d["destination"]))
        # A duplicate (the same train from two sources) is shown once.
        unique: list[dict[str, Any]] = []
        for d in board["departures"]:
            if not any(
                u["aimed_at"] == d["aimed_at"] and u["destination"] == d["destination"] for u in unique
            ):
                unique.append(d)
        board["departures"] = unique[:PER_BOARD]
    return [grouped[key] for key in sorted(grouped)]


# -- disruptions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    code: str
    priority: int
    lines: Sequence[str]
    stops: Sequence[str]
    severities: Sequence[str]
    reach: str


def default_reach(severity: str) -> str:
    """Without a rule that matches: a severe disruption takes the screens, a warning the ticker, an
    information stays on the kiosk and in the app."""
    return {"severe": "alert", "warning": "ticker"}.get(severity, "none")


def reach_of(rules: Iterable[Rule], *, lines: Sequence[str], stops: Sequence[str], severity: str) -> str:
    """The first rule (by priority, then code) whose lines, stops and severities all match decides;
    an empty list in a rule matches anything, a disruption about no line matches only such rules."""
    for rule in sorted(rules, key=lambda r: (r.priority, r.code)):
        if rule.lines and not set(rule.lines) & set(lines):
            continue
        if rule.stops and not set(rule.stops) & set(stops):
            continue
        if rule.severities and severity not in rule.severities:
            continue
        return rule.reach
    return default_reach(severity)


def shown_reach(*, rule_reach: str, override_reach: str | None) -> str:
    return override_reach or rule_reach


def mapped_lines(refs: Iterable[str], styles: Sequence[LineStyle]) -> list[str]:
    named = {line.ref: line for line in styles}
    return sorted({line_name(ref, None, named) for ref in refs})


def mapped_stops(refs: Iterable[str], stops: Sequence[StationStop]) -> list[str]:
    by_ref = {s.ref: s.stop_code for s in stops}
    return sorted({by_ref[ref] for ref in refs if ref in by_ref})


def concerns_station(
    *,
    stop_refs: Sequence[str],
    line_refs: Sequence[str],
    stops: Sequence[StationStop],
    lines: Sequence[LineStyle],
) -> bool:
    """A message is the station's when it names one of its stops, or one of the lines it knows, or
    nothing at all (a network-wide message)."""
    if not stop_refs and not line_refs:
        return True
    known_stops = {s.ref for s in stops}
    known_lines = {line.ref for line in lines}
    return bool(set(stop_refs) & known_stops) or bool(set(line_refs) & known_lines)


# -- a source's configuration ------------------------------------------------------------------


def configuration_problems(stops: Sequence[StationStop], lines: Sequence[LineStyle]) -> list[FieldProblem]:
    """What a source's stops and lines may not say: a ref twice, or one stop code with two names
    or modes."""
    problems = []
    seen: set[str] = set()
    for index, stop in enumerate(stops):
        if stop.ref in seen:
            problems.append(FieldProblem(f"stops.{index}.ref", f"{stop.ref!r} is mapped twice"))
        seen.add(stop.ref)
    by_code: dict[str, StationStop] = {}
    for index, stop in enumerate(stops):
        first = by_code.setdefault(stop.stop_code, stop)
        if (first.stop_name, first.mode) != (stop.stop_name, stop.mode):
            problems.append(
                FieldProblem(
                    f"stops.{index}.stop_code",
                    f"stop {stop.stop_code!r} is named or moded differently on another entry",
                )
            )
    line_refs: set[str] = set()
    for index, line in enumerate(lines):
        if line.ref in line_refs:
            problems.append(FieldProblem(f"lines.{index}.ref", f"{line.ref!r} is styled twice"))
        line_refs.add(line.ref)
    return problems
