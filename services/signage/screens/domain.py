"""Screen rules: what a screen is (its facts, the targets that reach it), who may play or view it,
and when it counts as online or behind."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from kernel.auth import Principal, Scope
from kernel.rules import FieldProblem

Orientation = Literal["landscape", "portrait"]
# A player sends a heartbeat every HEARTBEAT_SECONDS; three missed in a row and it is offline.
HEARTBEAT_SECONDS = 15
OFFLINE_AFTER = timedelta(seconds=3 * HEARTBEAT_SECONDS)
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


@dataclass(frozen=True)
class ScreenHealth:
    online: bool
    behind: bool


def screen_health(
    *, last_seen: datetime | None, playing_version: str | None, current_version: str, at: datetime
) -> ScreenHealth:
    online = last_seen is not None and at - last_seen <= OFFLINE_AFTER
    return ScreenHealth(online=online, behind=playing_version != current_version)
