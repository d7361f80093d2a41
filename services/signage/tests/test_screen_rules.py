"""Screen and proof of play rules: health, the station's day of a play, who plays which screen, slugs."""

from datetime import date, timedelta

from kernel.auth import Principal
from services.signage.plays.domain import played_on
from services.signage.screens.domain import may_view_playlist, screen_health, screen_problems
from services.signage.tests.examples import utc


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
