"""signage's rules, without I/O: what content is complete, what a screen plays, and its version."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Literal

from services.common.auth import Principal, Scope
from services.common.i18n import pick
from services.common.rules import FieldProblem

ContentKind = Literal["message", "image", "widget"]
WidgetName = Literal["clock", "vehicle_availability", "next_departures"]
Orientation = Literal["landscape", "portrait"]

# Under 3 s nobody can read a message; over 5 min the loop stops feeling like one.
MIN_DURATION_SECONDS = 3
MAX_DURATION_SECONDS = 300


@dataclass(frozen=True)
class Content:
    id: str
    kind: str
    title: str
    texts: Mapping[str, str]
    media_url: str | None
    credit: str | None
    widget: str | None
    duration_seconds: int


@dataclass(frozen=True)
class Slot:
    """A content's place in a playlist, with the time it stays on screen there if not its own."""

    position: int
    content: Content
    duration_seconds: int | None = None


@dataclass(frozen=True)
class Playlist:
    id: str
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
    media_url: str | None
    credit: str | None
    widget: str | None
    duration_seconds: int


@dataclass(frozen=True)
class RenderedPlaylist:
    id: str
    name: str
    version: str
    items: tuple[RenderedItem, ...]


def content_problems(
    *, kind: str, texts: Mapping[str, str], media_url: str | None, widget: str | None
) -> list[FieldProblem]:
    """What a content of this kind lacks, or carries that belongs to another kind."""
    problems: list[FieldProblem] = []
    if kind == "message" and not texts:
        problems.append(FieldProblem("texts", "a message needs a text in at least one language"))
    if kind == "image" and not media_url:
        problems.append(FieldProblem("media_url", "an image needs the URL of its media"))
    if kind != "image" and media_url:
        problems.append(FieldProblem("media_url", f"only images have a media URL, not a {kind}"))
    if kind == "widget" and not widget:
        problems.append(FieldProblem("widget", "a widget item needs the widget to show"))
    if kind != "widget" and widget:
        problems.append(FieldProblem("widget", f"only widget items name a widget, not a {kind}"))
    return problems


def may_view_playlist(viewer: Principal, *, code: str, registered_player: str | None) -> bool:
    """Operators preview any screen of their station; a screen device plays only its own screen: the
    one the gateway bound it to, or the one registered with it as player (`device_client_id`)."""
    if viewer.has_any_scope(Scope.OPERATE):
        return True
    if not viewer.has_any_scope(Scope.PLAY_SIGNAGE) or viewer.device_kind != "screen":
        return False
    registered = registered_player is not None and viewer.client_id == registered_player
    return viewer.is_device_bound_to("screen", code) or registered


def item_duration(slot: Slot) -> int:
    """How long the item stays on screen: the playlist's override, else the content's own."""
    return slot.duration_seconds if slot.duration_seconds is not None else slot.content.duration_seconds


def playlist_for(screen_playlist_id: str | None, candidates: Iterable[Playlist]) -> Playlist | None:
    """A screen plays its own playlist, else the station's default one, else nothing."""
    candidates = list(candidates)
    own = next((p for p in candidates if p.id == screen_playlist_id), None)
    return own or next((p for p in candidates if p.is_default), None)


def render(playlist: Playlist, languages: list[str]) -> RenderedPlaylist:
    """The items as a screen shows them: each text in the screen's best language, all texts kept."""
    items = []
    for slot in sorted(playlist.slots, key=lambda s: s.position):
        chosen = pick(slot.content.texts, languages)
        items.append(
            RenderedItem(
                position=slot.position,
                content_item_id=slot.content.id,
                kind=slot.content.kind,
                title=slot.content.title,
                language=chosen[0] if chosen else None,
                text=chosen[1] if chosen else None,
                texts=dict(slot.content.texts),
                media_url=slot.content.media_url,
                credit=slot.content.credit,
                widget=slot.content.widget,
                duration_seconds=item_duration(slot),
            )
        )
    shown = {"id": playlist.id, "name": playlist.name, "items": [asdict(item) for item in items]}
    return RenderedPlaylist(id=playlist.id, name=playlist.name, version=_digest(shown), items=tuple(items))


def _digest(shown: object) -> str:
    canonical = json.dumps(shown, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
