"""Playlist rules: how a playlist renders for a screen's languages, and which playlist a screen falls
back to."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Literal

from kernel.i18n import pick
from services.signage.content.domain import DEFAULT_TEMPLATE, MESSAGE_KINDS

Transition = Literal["cut", "fade", "slide"]


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
    template: str | None = None


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
    # Messages: how they look (banner when the content says nothing); None for other kinds.
    template: str | None
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
                template=(content.template or DEFAULT_TEMPLATE) if content.kind in MESSAGE_KINDS else None,
                duration_seconds=item_duration(slot),
                transition=slot.transition,
            )
        )
    return RenderedPlaylist(id=playlist.id, code=playlist.code, name=playlist.name, items=tuple(items))


def playlist_for(screen_playlist_id: str | None, candidates: Iterable[Playlist]) -> Playlist | None:
    """A screen plays its own playlist, else the station's default one, else nothing."""
    candidates = list(candidates)
    own = next((p for p in candidates if p.id == screen_playlist_id), None)
    return own or next((p for p in candidates if p.is_default), None)


def rendered_as_dict(playlist: RenderedPlaylist) -> dict[str, object]:
    return asdict(playlist)
