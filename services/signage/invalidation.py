"""What marks the players' documents stale: the hot-read tags every edit names."""

from __future__ import annotations

# What the player's document shows, within a station. Content, playlists, schedules and alerts may
# touch any screen: they mark PLAYLISTS and every screen's document is rendered again; only those whose
# bytes changed get a new ETag. A screen's own edit marks only its tag.
PLAYLISTS = "playlists"
# What shows exhibitions: the app's pages of works (the player documents are also marked PLAYLISTS).
EXHIBITIONS = "exhibitions"


def screen_tag(code: str) -> str:
    return f"screen:{code}"
