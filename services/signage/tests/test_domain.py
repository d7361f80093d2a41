from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from kernel.auth import Principal
from services.signage.domain import (
    Alert,
    Content,
    Playlist,
    Schedule,
    ScreenFacts,
    Slot,
    Targets,
    alerts_for,
    byte_range,
    content_problems,
    digest,
    item_duration,
    may_view_playlist,
    now_and_next,
    played_on,
    playlist_for,
    render,
    sanitise_html,
    screen_health,
    screen_problems,
    sniff_media,
)

WELCOME = Content(
    id="welcome",
    kind="message",
    title="Bienvenue",
    texts={"fr": "Bienvenue", "en": "Welcome", "de": "Willkommen"},
    duration_seconds=12,
)
CLOCK = Content(id="clock", kind="widget", title="Horloge", texts={}, widget="clock", duration_seconds=10)
WORK = Content(
    id="work",
    kind="artwork",
    title="Quai à l'aube",
    texts={},
    artist="Inès Moreau",
    year=2025,
    credit="Collection de la gare",
    media="a" * 64,
    media_type="image/png",
    duration_seconds=8,
)
MAIN_LOOP = Playlist(
    id="main",
    code="main",
    name="Boucle principale",
    is_default=True,
    slots=(
        Slot(position=2, content=CLOCK, transition="slide"),
        Slot(position=1, content=WELCOME, duration_seconds=20),
    ),
)
HALL_ONLY = Playlist(
    id="hall", code="hall", name="Hall", is_default=False, slots=(Slot(position=1, content=CLOCK),)
)

HALL = ScreenFacts(code="hall", zone="hall", tags=frozenset({"expo"}))
QUAI = ScreenFacts(code="quai-1", zone="platform")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# -- content -------------------------------------------------------------------------------------------


def fields(kind: str, **given: object) -> list[str]:
    values = {
        "texts": {},
        "html": {},
        "media": None,
        "media_type": None,
        "artist": None,
        "widget": None,
    } | given
    return [p.field for p in content_problems(kind=kind, **values)]  # type: ignore[arg-type]


def test_complete_content_of_each_kind_has_no_problem() -> None:
    assert fields("message", texts={"fr": "Bonjour"}) == []
    assert fields("html", html={"fr": "<p>Bonjour</p>"}) == []
    assert fields("image", media="a" * 64, media_type="image/jpeg") == []
    assert fields("video", media="a" * 64, media_type="video/mp4") == []
    assert fields("artwork", media="a" * 64, media_type="image/png", artist="Inès Moreau") == []
    assert fields("widget", widget="clock") == []


@pytest.mark.parametrize(
    ("kind", "given", "expected"),
    [
        ("message", {}, ["texts"]),
        ("html", {}, ["html"]),
        ("html", {"html": {"fr": "<script>alert(1)</script>"}}, ["html"]),
        ("image", {}, ["media"]),
        ("image", {"media": "a" * 64}, ["media"]),  # no such upload
        ("video", {"media": "a" * 64, "media_type": "image/png"}, ["media"]),
        ("artwork", {"media": "a" * 64, "media_type": "image/png"}, ["artist"]),
        ("widget", {}, ["widget"]),
        ("message", {"texts": {"fr": "Bonjour"}, "widget": "clock"}, ["widget"]),
        ("widget", {"widget": "clock", "media": "a" * 64}, ["media"]),
        ("message", {"texts": {"fr": "Bonjour"}, "artist": "X"}, ["artist"]),
    ],
)
def test_content_missing_or_foreign_fields_are_named(kind: str, given: dict, expected: list[str]) -> None:
    assert fields(kind, **given) == expected


def test_html_keeps_structure_and_drops_scripts_styles_and_handlers() -> None:
    dirty = '<p onclick="steal()">Quai <strong>2</strong><script>alert(1)</script></p><style>p{}</style><a href="javascript:x">lien</a>'
    assert sanitise_html(dirty) == "<p>Quai <strong>2</strong></p>lien"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 8, "image/png"),
        (b"\xff\xd8\xff\xe0" + b"\0" * 8, "image/jpeg"),
        (b"RIFF\0\0\0\0WEBPVP8 ", "image/webp"),
        (b"\0\0\0\x18ftypmp42", "video/mp4"),
        (b"\x1a\x45\xdf\xa3\0\0", "video/webm"),
        (b"<svg xmlns=", None),
        (b"MZ\x90\0", None),
    ],
)
def test_media_type_comes_from_the_bytes(head: bytes, expected: str | None) -> None:
    assert sniff_media(head) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-99", (0, 99)),
        ("bytes=100-", (100, 999)),
        ("bytes=-100", (900, 999)),
        ("bytes=900-5000", (900, 999)),
        ("bytes=1000-", "unsatisfiable"),
        ("bytes=0-1,5-6", None),  # several ranges: the whole media
        ("items=0-1", None),
        ("bytes=a-b", None),
    ],
)
def test_byte_ranges(header: str | None, expected: object) -> None:
    assert byte_range(header, 1000) == expected


# -- playlists -----------------------------------------------------------------------------------------


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


# -- schedules ------------------------------------------------------------------------------------------


MORNING = Schedule(code="matin", playlist_id="morning", priority=10, start_time=time(8), end_time=time(12))
EXPO = Schedule(
    code="expo",
    playlist_id="expo",
    priority=50,
    start_time=time(10),
    end_time=time(11),
    targets=Targets(tags=frozenset({"expo"})),
)
NIGHT = Schedule(code="nuit", playlist_id="night", priority=10, start_time=time(22), end_time=time(2))


def test_outside_every_schedule_the_screen_plays_its_fallback_until_the_next_one() -> None:
    # 26 Nov 2026, 07:00 in Paris (UTC+1).
    plan = now_and_next(QUAI, [MORNING], utc(2026, 11, 26, 6), fallback="main")
    assert (plan.now.playlist_id, plan.now.schedule) == ("main", None)
    assert plan.now.ends_at == utc(2026, 11, 26, 7)
    assert plan.next is not None
    assert (plan.next.playlist_id, plan.next.starts_at, plan.next.ends_at) == (
        "morning",
        utc(2026, 11, 26, 7),
        utc(2026, 11, 26, 11),
    )


def test_overlaps_go_to_the_higher_priority_then_back() -> None:
    at = utc(2026, 11, 26, 9, 30)  # 10:30 in Paris
    hall = now_and_next(HALL, [MORNING, EXPO], at, fallback="main")
    assert (hall.now.playlist_id, hall.now.starts_at, hall.now.ends_at) == (
        "expo",
        utc(2026, 11, 26, 9),
        utc(2026, 11, 26, 10),
    )
    assert hall.next is not None and (hall.next.playlist_id, hall.next.ends_at) == (
        "morning",
        utc(2026, 11, 26, 11),
    )
    # The exhibition targets the expo tag: the platform screen keeps the morning loop.
    assert now_and_next(QUAI, [MORNING, EXPO], at, fallback="main").now.playlist_id == "morning"


def test_equal_priorities_are_resolved_by_code_whatever_the_order() -> None:
    other = replace(MORNING, code="aaa-matin", playlist_id="other")
    at = utc(2026, 11, 26, 9)
    assert now_and_next(QUAI, [MORNING, other], at, fallback=None).now.playlist_id == "other"
    assert now_and_next(QUAI, [other, MORNING], at, fallback=None).now.playlist_id == "other"


def test_a_window_across_midnight_runs_into_the_next_day() -> None:
    # Thursday 26 Nov, 01:00 in Paris: inside Wednesday's 22:00-02:00 window.
    plan = now_and_next(QUAI, [NIGHT], utc(2026, 11, 26, 0), fallback="main")
    assert (plan.now.playlist_id, plan.now.starts_at, plan.now.ends_at) == (
        "night",
        utc(2026, 11, 25, 21),
        utc(2026, 11, 26, 1),
    )
    # Only on Wednesdays: Thursday night plays the fallback, and next week's Wednesday comes next.
    wednesdays = replace(NIGHT, weekdays=frozenset({2}))
    later = now_and_next(QUAI, [wednesdays], utc(2026, 11, 26, 22), fallback="main")
    assert later.now.playlist_id == "main"
    assert later.next is not None and later.next.starts_at == utc(2026, 12, 2, 21)


def test_date_ranges_bound_a_schedule() -> None:
    december = replace(MORNING, starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 24))
    assert now_and_next(QUAI, [december], utc(2026, 11, 30, 9), fallback="main").now.playlist_id == "main"
    assert now_and_next(QUAI, [december], utc(2026, 12, 1, 9), fallback="main").now.playlist_id == "morning"
    after = now_and_next(QUAI, [december], utc(2026, 12, 24, 12), fallback="main")
    assert after.now.playlist_id == "main" and after.next is None


def test_local_hours_hold_across_the_spring_change() -> None:
    # 29 Mar 2026: clocks go from 02:00 to 03:00. 08:00 is 07:00 UTC the day before, 06:00 UTC that day.
    before = now_and_next(QUAI, [MORNING], utc(2026, 3, 28, 7, 30), fallback="main")
    assert (before.now.starts_at, before.now.ends_at) == (utc(2026, 3, 28, 7), utc(2026, 3, 28, 11))
    after = now_and_next(QUAI, [MORNING], utc(2026, 3, 29, 6, 30), fallback="main")
    assert (after.now.playlist_id, after.now.starts_at, after.now.ends_at) == (
        "morning",
        utc(2026, 3, 29, 6),
        utc(2026, 3, 29, 10),
    )
    # A window over the skipped hour (01:00-04:00) lasts two real hours that night.
    gap = Schedule(code="gap", playlist_id="gap", priority=1, start_time=time(1), end_time=time(4))
    plan = now_and_next(QUAI, [gap], utc(2026, 3, 29, 0, 30), fallback="main")
    assert plan.now.ends_at is not None and plan.now.starts_at is not None
    assert plan.now.ends_at - plan.now.starts_at == timedelta(hours=2)


def test_local_hours_hold_across_the_autumn_change() -> None:
    # 25 Oct 2026: clocks go from 03:00 back to 02:00. 08:00 is 06:00 UTC on the 24th, 07:00 UTC on the 25th.
    assert (
        now_and_next(QUAI, [MORNING], utc(2026, 10, 24, 6, 30), fallback="main").now.playlist_id == "morning"
    )
    after = now_and_next(QUAI, [MORNING], utc(2026, 10, 25, 6, 30), fallback="main")
    assert after.now.playlist_id == "main"  # 07:30 local: not yet
    assert after.now.ends_at == utc(2026, 10, 25, 7)
    # The night window over the repeated hour (22:00-04:00) lasts seven real hours.
    long_night = replace(NIGHT, end_time=time(4))
    plan = now_and_next(QUAI, [long_night], utc(2026, 10, 25, 1), fallback="main")
    assert plan.now.ends_at is not None and plan.now.starts_at is not None
    assert plan.now.ends_at - plan.now.starts_at == timedelta(hours=7)


def test_a_whole_day_schedule_is_start_equals_end() -> None:
    all_day = Schedule(code="jour", playlist_id="day", priority=1, start_time=time(0), end_time=time(0))
    plan = now_and_next(QUAI, [all_day], utc(2026, 11, 26, 12), fallback="main")
    assert plan.now.playlist_id == "day"
    assert plan.next is None  # every day, back to back: nothing else comes within the horizon


# -- alerts, health, plays ----------------------------------------------------------------------------------


def alert(id: str, severity: str, minutes_ago: int, **changes: object) -> Alert:
    base = Alert(
        id=id,
        severity=severity,
        texts={"fr": "Évacuez"},
        targets=Targets(),
        raised_at=utc(2026, 11, 26, 12) - timedelta(minutes=minutes_ago),
        expires_at=None,
        cleared_at=None,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_screens_show_their_active_alerts_gravest_first() -> None:
    at = utc(2026, 11, 26, 12)
    alerts = [
        alert("info", "info", 1),
        alert("emergency", "emergency", 10),
        alert("cleared", "emergency", 5, cleared_at=at - timedelta(minutes=1)),
        alert("expired", "warning", 5, expires_at=at),
        alert("platform", "warning", 2, targets=Targets(zones=frozenset({"platform"}))),
    ]
    assert [a.id for a in alerts_for(HALL, alerts, at)] == ["emergency", "info"]
    assert [a.id for a in alerts_for(QUAI, alerts, at)] == ["emergency", "platform", "info"]


def test_targets_match_by_code_zone_or_tag() -> None:
    assert Targets().include(QUAI)
    assert Targets(screens=frozenset({"quai-1"})).include(QUAI)
    assert Targets(tags=frozenset({"expo"})).include(HALL) and not Targets(tags=frozenset({"expo"})).include(
        QUAI
    )


def test_a_silent_or_outdated_screen_is_reported() -> None:
    at = utc(2026, 11, 26, 12)
    assert screen_health(
        last_seen=at - timedelta(seconds=10), playing_version="v1", current_version="v1", at=at
    ).online
    late = screen_health(
        last_seen=at - timedelta(minutes=2), playing_version="v0", current_version="v1", at=at
    )
    assert not late.online and late.behind
    assert not screen_health(last_seen=None, playing_version=None, current_version="v1", at=at).online


def test_plays_belong_to_the_station_day() -> None:
    assert played_on(utc(2026, 11, 26, 23, 30)) == date(2026, 11, 27)  # 00:30 in Paris
    assert played_on(utc(2026, 7, 1, 21, 59)) == date(2026, 7, 1)  # 23:59 in summer


# -- who may see what -------------------------------------------------------------------------------------------


def device(binding: str | None, client_id: str = "p", kind: str = "screen") -> Principal:
    return Principal(
        subject=client_id,
        role="device",
        stations=("s",),
        scopes=frozenset({"signage:play"}),
        client_id=client_id,
        device_kind=kind,  # type: ignore[arg-type]
        device_binding=binding,
    )


def test_a_screen_device_plays_only_its_own_screen() -> None:
    assert may_view_playlist(device("hall"), code="hall", registered_player=None)
    assert not may_view_playlist(device("quai"), code="hall", registered_player=None)
    assert may_view_playlist(device(None), code="hall", registered_player="p")
    assert not may_view_playlist(device("hall", kind="kiosk"), code="hall", registered_player=None)
    operator = Principal(subject="o", role="operator", stations=("s",), scopes=frozenset({"station:operate"}))
    assert may_view_playlist(operator, code="hall", registered_player=None)


def test_zones_and_tags_are_slugs() -> None:
    assert screen_problems(zone="platform", tags=["expo", "quai-2"]) == []
    assert [p.field for p in screen_problems(zone="Quai 2", tags=["ok", "<b>"])] == ["zone", "tags.1"]
    long_tag = "en-" + "-".join(["abcdefgh"] * 4)
    assert [p.field for p in screen_problems(zone="hall", tags=[], languages=["fr", long_tag])] == [
        "languages.1"
    ]
