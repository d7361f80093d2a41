from dataclasses import replace

import pytest

from services.common.auth import Principal
from services.signage.domain import (
    Content,
    Playlist,
    Slot,
    content_problems,
    item_duration,
    may_view_playlist,
    playlist_for,
    render,
)

WELCOME = Content(
    id="welcome",
    kind="message",
    title="Bienvenue",
    texts={"fr": "Bienvenue", "en": "Welcome", "de": "Willkommen"},
    media_url=None,
    credit=None,
    widget=None,
    duration_seconds=12,
)
CLOCK = Content(
    id="clock",
    kind="widget",
    title="Horloge",
    texts={},
    media_url=None,
    credit=None,
    widget="clock",
    duration_seconds=10,
)
MAIN_LOOP = Playlist(
    id="main",
    name="Boucle principale",
    is_default=True,
    slots=(Slot(position=2, content=CLOCK), Slot(position=1, content=WELCOME, duration_seconds=20)),
)
HALL_ONLY = Playlist(id="hall", name="Hall", is_default=False, slots=(Slot(position=1, content=CLOCK),))


def fields(kind: str, **given: object) -> list[str]:
    values = {"texts": {}, "media_url": None, "widget": None} | given
    return [p.field for p in content_problems(kind=kind, **values)]  # type: ignore[arg-type]


def test_complete_content_of_each_kind_has_no_problem() -> None:
    assert fields("message", texts={"fr": "Bonjour"}) == []
    assert fields("image", media_url="https://example.org/oeuvre.jpg") == []
    assert fields("widget", widget="clock") == []


@pytest.mark.parametrize(
    ("kind", "given", "expected"),
    [
        ("message", {}, ["texts"]),
        ("image", {}, ["media_url"]),
        ("widget", {}, ["widget"]),
        ("message", {"texts": {"fr": "Bonjour"}, "widget": "clock"}, ["widget"]),
        ("widget", {"widget": "clock", "media_url": "https://example.org/a.jpg"}, ["media_url"]),
        ("image", {"widget": "clock"}, ["media_url", "widget"]),
    ],
)
def test_content_missing_or_foreign_fields_are_named(kind: str, given: dict, expected: list[str]) -> None:
    assert fields(kind, **given) == expected


def test_item_duration_is_the_override_else_the_content_own() -> None:
    assert item_duration(Slot(position=1, content=WELCOME, duration_seconds=20)) == 20
    assert item_duration(Slot(position=1, content=WELCOME)) == 12


def test_screen_plays_its_own_playlist_before_the_default() -> None:
    assert playlist_for("hall", [MAIN_LOOP, HALL_ONLY]) is HALL_ONLY


def test_screen_without_its_own_playlist_plays_the_default() -> None:
    assert playlist_for(None, [HALL_ONLY, MAIN_LOOP]) is MAIN_LOOP
    assert playlist_for("gone", [MAIN_LOOP]) is MAIN_LOOP


def test_screen_plays_nothing_without_own_or_default_playlist() -> None:
    assert playlist_for(None, [HALL_ONLY]) is None
    assert playlist_for(None, []) is None


def screen_device(client_id: str, binding: str | None) -> Principal:
    return Principal(
        subject=f"device:{client_id}",
        role="device",
        stations=("saint-denis-pleyel",),
        scopes=frozenset({"signage:play"}),
        client_id=client_id,
        device_kind="screen",
        device_binding=binding,
    )


def test_a_screen_device_plays_only_its_own_screen() -> None:
    assert may_view_playlist(screen_device("player-1", "hall"), code="hall", registered_player=None)
    assert may_view_playlist(screen_device("player-1", None), code="hall", registered_player="player-1")
    assert not may_view_playlist(screen_device("player-1", "quai-1"), code="hall", registered_player=None)
    assert not may_view_playlist(screen_device("player-2", None), code="hall", registered_player="player-1")
    assert not may_view_playlist(screen_device("player-1", None), code="hall", registered_player=None)


def test_operators_preview_every_screen_and_other_devices_none() -> None:
    operator = Principal(
        subject="operator:x", role="operator", stations=("*",), scopes=frozenset({"station:operate"})
    )
    assert may_view_playlist(operator, code="hall", registered_player="player-1")
    kiosk = replace(
        screen_device("kiosk-1", "hall"), device_kind="kiosk", scopes=frozenset({"kiosk:display"})
    )
    assert not may_view_playlist(kiosk, code="hall", registered_player="kiosk-1")


def test_render_orders_items_and_applies_durations() -> None:
    items = render(MAIN_LOOP, ["fr"]).items
    assert [(i.position, i.content_item_id, i.duration_seconds) for i in items] == [
        (1, "welcome", 20),
        (2, "clock", 10),
    ]


def test_render_picks_the_screen_language_and_keeps_every_text() -> None:
    welcome = render(MAIN_LOOP, ["de", "fr"]).items[0]
    assert (welcome.language, welcome.text) == ("de", "Willkommen")
    assert welcome.texts == {"fr": "Bienvenue", "en": "Welcome", "de": "Willkommen"}


def test_render_falls_back_when_the_screen_language_is_missing() -> None:
    welcome = render(MAIN_LOOP, ["es"]).items[0]
    assert (welcome.language, welcome.text) == ("fr", "Bienvenue")


def test_items_without_text_have_no_language() -> None:
    clock = render(MAIN_LOOP, ["fr"]).items[1]
    assert (clock.language, clock.text, clock.widget) == (None, None, "clock")


def test_version_is_stable_when_nothing_changed() -> None:
    same_loop = replace(MAIN_LOOP, slots=tuple(reversed(MAIN_LOOP.slots)))
    assert render(MAIN_LOOP, ["fr"]).version == render(same_loop, ["fr"]).version


@pytest.mark.parametrize(
    "changed",
    [
        replace(MAIN_LOOP, name="Boucle du soir"),
        replace(MAIN_LOOP, slots=(Slot(position=1, content=replace(WELCOME, texts={"fr": "Salut"})),)),
        replace(MAIN_LOOP, slots=(Slot(position=1, content=CLOCK), Slot(position=2, content=WELCOME))),
        replace(MAIN_LOOP, slots=(MAIN_LOOP.slots[0], replace(MAIN_LOOP.slots[1], duration_seconds=None))),
        replace(
            MAIN_LOOP,
            slots=(MAIN_LOOP.slots[0], replace(MAIN_LOOP.slots[1], content=replace(WELCOME, credit="X"))),
        ),
    ],
    ids=["name", "text", "order", "duration", "credit"],
)
def test_version_changes_when_anything_shown_changes(changed: Playlist) -> None:
    assert render(changed, ["fr"]).version != render(MAIN_LOOP, ["fr"]).version


def test_version_follows_the_screen_language() -> None:
    assert render(MAIN_LOOP, ["fr"]).version != render(MAIN_LOOP, ["en"]).version
