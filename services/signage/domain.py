"""signage's rules, without I/O: what content is complete, what a screen plays now and next, which
alerts it shows, and the media and play records it accepts."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import nh3

from kernel.auth import Principal, Scope
from kernel.i18n import pick
from kernel.rules import FieldProblem

ContentKind = Literal["message", "html", "image", "video", "artwork", "widget"]
WidgetName = Literal["clock", "vehicle_availability", "next_departures", "lift_status"]
Orientation = Literal["landscape", "portrait"]
Transition = Literal["cut", "fade", "slide"]
Severity = Literal["info", "warning", "emergency"]

# Under 3 s nobody can read a message; over 5 min the loop stops feeling like one.
MIN_DURATION_SECONDS = 3
MAX_DURATION_SECONDS = 300
# Schedules speak the station's local time, daylight saving included.
STATION_TZ = ZoneInfo("Europe/Paris")
# A player sends a heartbeat every HEARTBEAT_SECONDS; three missed in a row and it is offline.
HEARTBEAT_SECONDS = 15
OFFLINE_AFTER = timedelta(seconds=3 * HEARTBEAT_SECONDS)
# How far ahead "next" looks: a weekly schedule always shows up within that.
LOOKAHEAD = timedelta(days=8)

MEDIA_KINDS: dict[str, frozenset[str]] = {
    "image": frozenset({"image/png", "image/jpeg", "image/webp", "image/gif"}),
    "artwork": frozenset({"image/png", "image/jpeg", "image/webp"}),
    "video": frozenset({"video/mp4", "video/webm"}),
}
# Tags an operator may put in an HTML message; everything else (scripts, styles, handlers) goes.
HTML_TAGS = {"p", "br", "strong", "em", "b", "i", "u", "span", "ul", "ol", "li", "h1", "h2", "h3", "small"}


# -- content ---------------------------------------------------------------------------------------


def sanitise_html(html: str) -> str:
    """Only structure and emphasis survive: no script, style, link, image or attribute."""
    return nh3.clean(html, tags=HTML_TAGS, attributes={}, url_schemes=set(), strip_comments=True).strip()


def content_problems(
    *,
    kind: str,
    texts: Mapping[str, str],
    html: Mapping[str, str],
    media: str | None,
    media_type: str | None,
    artist: str | None,
    widget: str | None,
) -> list[FieldProblem]:
    """What a content of this kind lacks, or carries that belongs to another kind. `media_type` is
    the sniffed type of the uploaded media named by `media` (None when there is no such upload)."""
    problems: list[FieldProblem] = []
    if kind == "message" and not texts:
        problems.append(FieldProblem("texts", "a message needs a text in at least one language"))
    if kind == "html" and not html:
        problems.append(FieldProblem("html", "an HTML message needs its HTML in at least one language"))
    if kind == "html" and html and not any(sanitise_html(value) for value in html.values()):
        problems.append(FieldProblem("html", "nothing is left to show once scripts and styles are removed"))
    if kind != "html" and html:
        problems.append(FieldProblem("html", f"only HTML messages carry HTML, not a {kind}"))
    if kind in MEDIA_KINDS:
        if media is None:
            problems.append(FieldProblem("media", f"a {kind} needs the hash of an uploaded media"))
        elif media_type is None:
            problems.append(FieldProblem("media", "no uploaded media has this hash at the station"))
        elif media_type not in MEDIA_KINDS[kind]:
            problems.append(FieldProblem("media", f"a {kind} cannot show a {media_type}"))
    elif media is not None:
        problems.append(FieldProblem("media", f"only images, videos and artworks have media, not a {kind}"))
    if kind == "artwork" and not artist:
        problems.append(FieldProblem("artist", "an artwork names its artist"))
    if kind != "artwork" and artist:
        problems.append(FieldProblem("artist", f"only artworks name an artist, not a {kind}"))
    if kind == "widget" and not widget:
        problems.append(FieldProblem("widget", "a widget item needs the widget to show"))
    if kind != "widget" and widget:
        problems.append(FieldProblem("widget", f"only widget items name a widget, not a {kind}"))
    return problems


_SLUG = re.compile(r"^[a-z0-9-]+$")


MAX_LANGUAGE_TAG = 35


def screen_problems(*, zone: str, tags: Sequence[str], languages: Sequence[str] = ()) -> list[FieldProblem]:
    """Zones and tags are slugs (`platform`, `expo`): targets name them. Language tags are short."""
    problems = [
        FieldProblem(f"languages.{index}", f"a language tag has at most {MAX_LANGUAGE_TAG} characters")
        for index, tag in enumerate(languages)
        if len(tag) > MAX_LANGUAGE_TAG
    ]
    if not _SLUG.match(zone):
        problems.append(FieldProblem("zone", "lower-case letters, digits and dashes, e.g. platform"))
    problems += [
        FieldProblem(f"tags.{index}", "lower-case letters, digits and dashes, e.g. expo")
        for index, tag in enumerate(tags)
        if not _SLUG.match(tag)
    ]
    return problems


def sniff_media(head: bytes) -> str | None:
    """The media type the bytes really are (never what the client says), or None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[4:8] == b"ftyp":
        return "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    return None


def byte_range(header: str | None, size: int) -> tuple[int, int] | Literal["unsatisfiable"] | None:
    """RFC 9110 §14.1.2, one range: (first, last) inclusive; None to send everything."""
    if not header or not header.startswith("bytes=") or "," in header:
        return None
    first_text, _, last_text = header.removeprefix("bytes=").strip().partition("-")
    try:
        if first_text == "":  # a suffix: the last N bytes
            length = int(last_text)
            if length <= 0:
                return "unsatisfiable"
            return max(size - length, 0), size - 1
        first = int(first_text)
        last = int(last_text) if last_text else size - 1
    except ValueError:
        return None
    if first >= size or first < 0:
        return "unsatisfiable"
    if last < first:
        return None
    return first, min(last, size - 1)


# -- playlists ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Content:
    id: str
    kind: str
    title: str
    texts: Mapping[str, str]
    duration_seconds: int
    html: Mapping[str, str] = field(default_factory=dict)
    media: str | None = None
    media_type: str | None = None
    artist: str | None = None
    year: int | None = None
    credit: str | None = None
    widget: str | None = None


@dataclass(frozen=True)
class Slot:
    """A content's place in a playlist, with the time it stays on screen there if not its own."""

    position: int
    content: Content
    duration_seconds: int | None = None
    transition: str = "fade"


@dataclass(frozen=True)
class Playlist:
    id: str
    code: str
    name: str
    is_default: bool
    slots: tuple[Slot, ...]


@dataclass(frozen=True)
class RenderedItem:
    position: int
    content_item_id: str
    kind: str
    title: str
    language: str | None
    text: str | None
    texts: dict[str, str]
    html: str | None
    media: str | None
    media_type: str | None
    artist: str | None
    year: int | None
    credit: str | None
    widget: str | None
    duration_seconds: int
    transition: str


@dataclass(frozen=True)
class RenderedPlaylist:
    id: str
    code: str
    name: str
    items: tuple[RenderedItem, ...]


def item_duration(slot: Slot) -> int:
    """How long the item stays on screen: the playlist's override, else the content's own."""
    return slot.duration_seconds if slot.duration_seconds is not None else slot.content.duration_seconds


def render(playlist: Playlist, languages: list[str]) -> RenderedPlaylist:
    """The items as a screen shows them: each text in the screen's best language, all texts kept."""
    items = []
    for slot in sorted(playlist.slots, key=lambda s: s.position):
        content = slot.content
        chosen = pick(content.texts, languages)
        chosen_html = pick(content.html, languages)
        items.append(
            RenderedItem(
                position=slot.position,
                content_item_id=content.id,
                kind=content.kind,
                title=content.title,
                language=chosen[0] if chosen else (chosen_html[0] if chosen_html else None),
                text=chosen[1] if chosen else None,
                texts=dict(content.texts),
                html=chosen_html[1] if chosen_html else None,
                media=content.media,
                media_type=content.media_type,
                artist=content.artist,
                year=content.year,
                credit=content.credit,
                widget=content.widget,
                duration_seconds=item_duration(slot),
                transition=slot.transition,
            )
        )
    return RenderedPlaylist(id=playlist.id, code=playlist.code, name=playlist.name, items=tuple(items))


# -- screens, targets and schedules ---------------------------------------------------------------


@dataclass(frozen=True)
class ScreenFacts:
    code: str
    zone: str
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Targets:
    """Screens by code, zone or tag; all empty means every screen of the station."""

    screens: frozenset[str] = frozenset()
    zones: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()

    def include(self, screen: ScreenFacts) -> bool:
        if not (self.screens or self.zones or self.tags):
            return True
        return screen.code in self.screens or screen.zone in self.zones or bool(self.tags & screen.tags)


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
    targets: Targets = Targets()

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
        ),
    )


def playlist_for(screen_playlist_id: str | None, candidates: Iterable[Playlist]) -> Playlist | None:
    """A screen plays its own playlist, else the station's default one, else nothing."""
    candidates = list(candidates)
    own = next((p for p in candidates if p.id == screen_playlist_id), None)
    return own or next((p for p in candidates if p.is_default), None)


# -- alerts -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Alert:
    id: str
    severity: str
    texts: Mapping[str, str]
    targets: Targets
    raised_at: datetime
    expires_at: datetime | None
    cleared_at: datetime | None

    def active_at(self, at: datetime) -> bool:
        return self.cleared_at is None and (self.expires_at is None or at < self.expires_at)


SEVERITY_ORDER = {"emergency": 0, "warning": 1, "info": 2}


def alerts_for(screen: ScreenFacts, alerts: Iterable[Alert], at: datetime) -> list[Alert]:
    """The alerts the screen shows, the gravest and then the newest first."""
    shown = [a for a in alerts if a.active_at(at) and a.targets.include(screen)]
    return sorted(shown, key=lambda a: (SEVERITY_ORDER.get(a.severity, 9), -a.raised_at.timestamp(), a.id))


def alert_problems(
    *, texts: Mapping[str, str], raised_at: datetime, expires_at: datetime | None
) -> list[FieldProblem]:
    problems = []
    if not texts:
        problems.append(FieldProblem("texts", "an alert says something in at least one language"))
    if expires_at is not None and expires_at <= raised_at:
        problems.append(FieldProblem("expires_at", "an alert expires after it is raised"))
    return problems


# -- who may see what --------------------------------------------------------------------------------


def may_view_playlist(viewer: Principal, *, code: str, registered_player: str | None) -> bool:
    """Operators preview any screen of their station; a screen device plays only its own screen: the
    one the gateway bound it to, or the one registered with it as player (`device_client_id`)."""
    if viewer.has_any_scope(Scope.OPERATE):
        return True
    if not viewer.has_any_scope(Scope.PLAY_SIGNAGE) or viewer.device_kind != "screen":
        return False
    registered = registered_player is not None and viewer.client_id == registered_player
    return viewer.is_device_bound_to("screen", code) or registered


def is_player_of(viewer: Principal, *, code: str, registered_player: str | None) -> bool:
    """The screen's own device (not an operator): what heartbeats, acknowledgements and plays need."""
    if not viewer.has_any_scope(Scope.PLAY_SIGNAGE) or viewer.device_kind != "screen":
        return False
    registered = registered_player is not None and viewer.client_id == registered_player
    return viewer.is_device_bound_to("screen", code) or registered


# -- heartbeats and proof of play ----------------------------------------------------------------------


@dataclass(frozen=True)
class ScreenHealth:
    online: bool
    behind: bool


def screen_health(
    *, last_seen: datetime | None, playing_version: str | None, current_version: str, at: datetime
) -> ScreenHealth:
    online = last_seen is not None and at - last_seen <= OFFLINE_AFTER
    return ScreenHealth(online=online, behind=playing_version != current_version)


def played_on(started_at: datetime) -> date:
    """The station's day a play belongs to."""
    return started_at.astimezone(STATION_TZ).date()


def play_problems(*, started_at: datetime, at: datetime) -> list[FieldProblem]:
    if started_at > at + timedelta(minutes=5):
        return [FieldProblem("started_at", "a play cannot start in the future")]
    return []


def digest(shown: object) -> str:
    """A version for anything JSON-shaped: the same content gives the same version everywhere."""
    canonical = json.dumps(shown, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def rendered_as_dict(playlist: RenderedPlaylist) -> dict[str, object]:
    return asdict(playlist)
