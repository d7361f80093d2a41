"""Playlist rules: durations, fallbacks, rendering for a screen's languages, the document's version."""

from services.signage.player.domain import digest
from services.signage.playlists.domain import Playlist, Slot, item_duration, playlist_for, render
from services.signage.tests.examples import HALL_ONLY, MAIN_LOOP, WELCOME, WORK


def test_item_duration_is_the_override_else_the_content_own() -> None:
    assert item_duration(Slot(position=1, content=WELCOME, duration_seconds=20)) == 20
    assert item_duration(Slot(position=1, content=WELCOME)) == 12


def test_screen_plays_its_own_playlist_before_the_default() -> None:
    assert playlist_for("hall", [MAIN_LOOP, HALL_ONLY]) is HALL_ONLY
    assert playlist_for(None, [HALL_ONLY, MAIN_LOOP]) is MAIN_LOOP
    assert playlist_for("gone", [MAIN_LOOP]) is MAIN_LOOP
    assert playlist_for(None, [HALL_ONLY]) is None


def test_render_orders_items_applies_durations_and_transitions() -> None:
    rendered = render(MAIN_LOOP, ["fr"])
    assert [(i.content_item_id, i.duration_seconds, i.transition) for i in rendered.items] == [
        ("welcome", 20, "fade"),
        ("clock", 10, "slide"),
    ]


def test_render_picks_the_screen_language_and_falls_back() -> None:
    assert render(MAIN_LOOP, ["en", "fr"]).items[0].text == "Welcome"
    first = render(MAIN_LOOP, ["it"]).items[0]
    assert (first.language, first.text) == ("fr", "Bienvenue")  # fr is the station's fallback
    assert render(MAIN_LOOP, ["fr"]).items[1].language is None  # a widget has no text


def test_an_artwork_carries_its_credits() -> None:
    playlist = Playlist(
        id="x", code="x", name="Expo", is_default=False, slots=(Slot(position=1, content=WORK),)
    )
    item = render(playlist, ["fr"]).items[0]
    assert (item.artist, item.title, item.year, item.credit) == (
        "Inès Moreau",
        "Quai à l'aube",
        2025,
        "Collection de la gare",
    )


def test_digest_is_stable_and_follows_any_change() -> None:
    assert digest({"a": 1, "b": [1, 2]}) == digest({"b": [1, 2], "a": 1})
    assert digest({"a": 1}) != digest({"a": 2})
