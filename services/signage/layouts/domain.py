"""Layout rules: how a screen is divided into regions (a CSS grid), the built-in templates, which
layout a screen shows now, and what each region shows (the "what plays now" resolver, no I/O)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlencode

from kernel.i18n import pick
from kernel.rules import FieldProblem

LayoutOrientation = Literal["landscape", "portrait", "any"]
RegionKind = Literal["content", "departures", "ticker", "clock"]
REGION_KINDS: tuple[str, ...] = ("content", "departures", "ticker", "clock")
MAX_REGIONS = 8
MAX_TRACKS = 6
_NAME = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
# A grid track: a fraction, a percentage, pixels, or auto (what the region needs).
_TRACK = re.compile(r"^(?:[1-9][0-9]{0,2}(?:\.[0-9])?fr|[1-9][0-9]?%|[1-9][0-9]{0,3}px|auto)$")
TICKER_SEVERITY_ORDER = {"severe": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Region:
    """A named area of the layout's grid and what it shows. Departures regions pick their stops,
    lines and modes (none: every one) and how many rows they show."""

    name: str
    kind: str
    stops: tuple[str, ...] = ()
    lines: tuple[str, ...] = ()
    modes: tuple[str, ...] = ()
    rows: int = 6


@dataclass(frozen=True)
class Layout:
    """A screen divided by a CSS grid: `columns` and `rows` are the tracks, `areas` one string per
    row naming the region in each cell (`grid-template-areas`)."""

    code: str
    name: str
    orientation: str
    columns: tuple[str, ...]
    rows: tuple[str, ...]
    areas: tuple[str, ...]
    regions: tuple[Region, ...]
    builtin: bool = False


def _template(
    code: str,
    name: str,
    orientation: str,
    columns: str,
    rows: str,
    areas: Sequence[str],
    regions: Sequence[Region],
) -> Layout:
    return Layout(
        code,
        name,
        orientation,
        tuple(columns.split()),
        tuple(rows.split()),
        tuple(areas),
        tuple(regions),
        builtin=True,
    )


# The built-in templates. `fullscreen` is what a screen without a layout shows: the rotation alone.
FULLSCREEN = _template(
    "fullscreen", "Plein écran", "any", "1fr", "1fr", ["content"], [Region("content", "content")]
)
LANDSCAPE = _template(
    "landscape",
    "Paysage : contenu, départs, bandeau",
    "landscape",
    "2fr 1fr",
    "auto 1fr auto",
    ["content clock", "content departures", "ticker ticker"],
    [
        Region("content", "content"),
        Region("clock", "clock"),
        Region("departures", "departures", rows=8),
        Region("ticker", "ticker"),
    ],
)
PORTRAIT = _template(
    "portrait",
    "Portrait : contenu, départs, bandeau",
    "portrait",
    "1fr",
    "auto 9fr 8fr auto",
    ["clock", "content", "departures", "ticker"],
    [
        Region("clock", "clock"),
        Region("content", "content"),
        Region("departures", "departures", rows=8),
        Region("ticker", "ticker"),
    ],
)
TEMPLATES: dict[str, Layout] = {t.code: t for t in (FULLSCREEN, LANDSCAPE, PORTRAIT)}


def layout_problems(
    *, columns: Sequence[str], rows: Sequence[str], areas: Sequence[str], regions: Sequence[Region]
) -> list[FieldProblem]:
    """What makes a grid unusable: tracks that are not tracks, areas that are not rectangles, names
    in the grid without a region (or the reverse), more than one content region."""
    problems: list[FieldProblem] = []
    for label, tracks in (("columns", columns), ("rows", rows)):
        if not 1 <= len(tracks) <= MAX_TRACKS:
            problems.append(FieldProblem(label, f"1 to {MAX_TRACKS} tracks"))
        problems += [
            FieldProblem(f"{label}.{i}", "a track is `Nfr`, `N%`, `Npx` or `auto`")
            for i, track in enumerate(tracks)
            if not _TRACK.match(track)
        ]
    cells = [row.split() for row in areas]
    if len(cells) != len(rows):
        problems.append(FieldProblem("areas", f"one string per row: {len(rows)} rows"))
    for i, row in enumerate(cells):
        if len(row) != len(columns):
            problems.append(FieldProblem(f"areas.{i}", f"one name per column: {len(columns)} columns"))
    names = [r.name for r in regions]
    if not 1 <= len(regions) <= MAX_REGIONS:
        problems.append(FieldProblem("regions", f"1 to {MAX_REGIONS} regions"))
    for i, region in enumerate(regions):
        if not _NAME.match(region.name):
            problems.append(FieldProblem(f"regions.{i}.name", "lower-case letters, digits and dashes"))
        if region.kind not in REGION_KINDS:
            problems.append(FieldProblem(f"regions.{i}.kind", f"one of {', '.join(REGION_KINDS)}"))
        if names.count(region.name) > 1:
            problems.append(FieldProblem(f"regions.{i}.name", "two regions have this name"))
    if sum(1 for r in regions if r.kind == "content") > 1:
        problems.append(FieldProblem("regions", "at most one content region (the rotation)"))
    if problems:
        return problems
    in_grid = {name for row in cells for name in row if name != "."}
    for name in sorted(in_grid - set(names)):
        problems.append(FieldProblem("areas", f"{name!r} is in the grid but is no region"))
    for name in sorted(set(names) - in_grid):
        problems.append(FieldProblem("regions", f"region {name!r} has no cell in the grid"))
    for name in sorted(in_grid & set(names)):
        spots = [(r, c) for r, row in enumerate(cells) for c, cell in enumerate(row) if cell == name]
        top, bottom = min(r for r, _ in spots), max(r for r, _ in spots)
        left, right = min(c for _, c in spots), max(c for _, c in spots)
        if len(spots) != (bottom - top + 1) * (right - left + 1):
            problems.append(FieldProblem("areas", f"region {name!r} is not a rectangle"))
    return problems


def layout_now(
    *, schedule_layout: str | None, screen_layout: str | None, layouts: Mapping[str, Layout]
) -> Layout:
    """The layout a screen shows: its schedule's if the schedule playing now sets one, else its own,
    else the whole screen for the rotation. A code that no longer names a layout is skipped."""
    for code in (schedule_layout, screen_layout):
        if code is not None:
            found = layouts.get(code) or TEMPLATES.get(code)
            if found is not None:
                return found
    return FULLSCREEN


@dataclass(frozen=True)
class TickerItem:
    """A line of the ticker: a disruption placed there by the station's rules, or one of the station's
    events (its agenda) on now or soon."""

    id: str
    source: str
    severity: str
    texts: Mapping[str, str]
    raised_at: datetime
    lines: tuple[str, ...] = field(default_factory=tuple)


def departures_query(region: Region) -> str:
    """The query of the departures hot read (and its live stream) this region shows."""
    pairs = [("stop", s) for s in region.stops] + [("line", v) for v in region.lines]
    pairs += [("mode", m) for m in region.modes]
    return urlencode(pairs)


def regions_now(
    layout: Layout,
    *,
    station_id: str,
    languages: Sequence[str],
    playlist_code: str | None,
    ticker: Sequence[TickerItem],
) -> list[dict[str, Any]]:
    """What each region of the layout shows now: the content region the rotation (its playlist
    code; the document's `now` and `next` hold the items), a departures region where to read its
    board, the ticker its lines (gravest, then newest first), the clock its time zone."""
    shown: list[dict[str, Any]] = []
    lines = sorted(
        ticker, key=lambda t: (TICKER_SEVERITY_ORDER.get(t.severity, 9), -t.raised_at.timestamp(), t.id)
    )
    for region in layout.regions:
        entry: dict[str, Any] = {"name": region.name, "kind": region.kind}
        if region.kind == "content":
            entry["playlist"] = playlist_code
        elif region.kind == "departures":
            query = departures_query(region)
            path = f"/api/v1/stations/{station_id}/kiosk/departures"
            entry |= {
                "stops": list(region.stops),
                "lines": list(region.lines),
                "modes": list(region.modes),
                "rows": region.rows,
                "url": f"{path}?{query}" if query else path,
                "live_url": f"{path}/live?{query}" if query else f"{path}/live",
            }
        elif region.kind == "ticker":
            items = []
            for item in lines:
                language, text = pick(item.texts, list(languages)) or ("", "")
                items.append(
                    {
                        "id": item.id,
                        "source": item.source,
                        "severity": item.severity,
                        "language": language,
                        "text": text,
                        "texts": dict(item.texts),
                        "lines": list(item.lines),
                    }
                )
            entry["items"] = items
        elif region.kind == "clock":
            entry["time_zone"] = "Europe/Paris"
        shown.append(entry)
    return shown


def layout_shape(layout: Layout) -> dict[str, Any]:
    """The grid the player draws."""
    return {
        "code": layout.code,
        "name": layout.name,
        "orientation": layout.orientation,
        "columns": list(layout.columns),
        "rows": list(layout.rows),
        "areas": list(layout.areas),
    }
