"""Agenda rules without I/O: which welcome holds when, what makes an event valid, the feed's lines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, get_args

from kernel.i18n import INTERFACE_LANGUAGES
from services.signage.agenda.calendar import escape_text, fold
from services.signage.agenda.domain import (
    WelcomeEvent,
    WelcomeSetting,
    event_problems,
    welcome_at,
    whole_days,
)
from services.signage.agenda.schemas import InterfaceLanguage

T0 = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)


def event(code: str, start_hours: float, end_hours: float, *languages: str, **setting) -> WelcomeEvent:
    return WelcomeEvent(
        code=code,
        starts_at=T0 + timedelta(hours=start_hours),
        ends_at=T0 + timedelta(hours=end_hours),
        setting=WelcomeSetting(languages=languages, **setting),
    )


FAIR = event("salon", 0, 48, "en", "zh", "fr", kiosk_language="zh", playlist="accueil-salon")
CONCERT = event("concert", 10, 12, "es", "fr")


def test_without_an_event_the_station_welcomes_in_french_then_english():
    welcome = welcome_at([], T0)
    assert (welcome.languages, welcome.kiosk_language, welcome.playlist, welcome.event, welcome.until) == (
        ("fr", "en"),
        "fr",
        None,
        None,
        None,
    )


def test_before_an_event_the_default_holds_until_it_starts():
    welcome = welcome_at([FAIR], T0 - timedelta(hours=2))
    assert welcome.event is None and welcome.until == FAIR.starts_at


def test_an_event_sets_the_welcome_for_its_dates_and_not_after():
    during = welcome_at([FAIR], T0 + timedelta(hours=1))
    assert during.languages == ("en", "zh", "fr") and during.kiosk_language == "zh"
    assert during.playlist == "accueil-salon" and during.event == "salon" and during.until == FAIR.ends_at
    assert welcome_at([FAIR], FAIR.ends_at).event is None  # the end is exclusive


def test_the_kiosk_starts_in_the_first_language_unless_told():
    assert welcome_at([CONCERT], T0 + timedelta(hours=11)).kiosk_language == "es"


def test_overlapping_welcomes_go_to_the_one_that_began_last_and_hand_back_after_it():
    events = [FAIR, CONCERT]
    assert welcome_at(events, T0 + timedelta(hours=9)).until == CONCERT.starts_at
    inside = welcome_at(events, T0 + timedelta(hours=11))
    assert inside.event == "concert" and inside.until == CONCERT.ends_at
    after = welcome_at(events, T0 + timedelta(hours=12))
    assert after.event == "salon" and after.until == FAIR.ends_at


def test_two_welcomes_starting_together_resolve_by_code_the_same_everywhere():
    twin = event("alpha", 0, 5, "de")
    assert welcome_at([FAIR, twin], T0).event == "alpha"
    assert welcome_at([twin, FAIR], T0).event == "alpha"


def problems(**overrides) -> list[str]:
    given: dict[str, Any] = {
        "title": {"fr": "Concert"},
        "starts_at": T0,
        "ends_at": T0 + timedelta(hours=2),
        "all_day": False,
        "lat": None,
        "lon": None,
        "welcome": None,
    } | overrides
    return [p.field for p in event_problems(**given)]


def test_an_event_needs_a_french_title_an_end_after_its_start_and_a_whole_position():
    assert problems() == []
    assert problems(title={"en": "Concert"}) == ["title"]
    assert problems(title={"FR": "Concert"}) == []
    assert problems(ends_at=T0) == ["ends_at"]
    assert problems(ends_at=T0 - timedelta(minutes=1)) == ["ends_at"]
    assert problems(ends_at=T0 + timedelta(days=400)) == ["ends_at"]
    assert problems(lat=48.9) == ["place"]
    assert problems(lat=48.9, lon=2.3) == []


def test_a_welcome_speaks_only_languages_the_station_has():
    assert problems(welcome=WelcomeSetting(languages=("en", "pt-BR", "zh"))) == []
    assert problems(welcome=WelcomeSetting(languages=("en", "ja"))) == ["welcome.languages"]
    too_long = "en-" + "-".join(["abcdefgh"] * 4)
    assert problems(welcome=WelcomeSetting(languages=(too_long,))) == ["welcome.languages"]
    assert problems(welcome=WelcomeSetting(languages=("en",), kiosk_language="de")) == [
        "welcome.kiosk_language"
    ]


def test_whole_days_run_from_paris_midnight_to_the_midnight_after_the_last_day():
    # 29 March 2026: clocks go forward in Paris; the day is 23 hours long.
    start, end = whole_days(datetime(2026, 3, 28, 15, tzinfo=UTC), datetime(2026, 3, 29, 8, tzinfo=UTC))
    assert start == datetime(2026, 3, 27, 23, tzinfo=UTC)
    assert end == datetime(2026, 3, 29, 22, tzinfo=UTC)
    # A single day: the same date at both ends is that day.
    one = whole_days(T0, T0)
    assert one[1] - one[0] == timedelta(days=1)
    assert problems(all_day=True, ends_at=T0) == []


def test_feed_text_is_escaped_and_lines_fold_at_75_octets_without_splitting_a_character():
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    line = "DESCRIPTION:" + "é" * 100
    folded = fold(line).split("\r\n")
    assert all(len(part.encode()) <= 75 for part in folded)
    assert all(part.startswith(" ") for part in folded[1:])
    assert "".join(part[1:] if i else part for i, part in enumerate(folded)) == line


def test_an_events_texts_are_in_the_languages_of_the_stations_pages():
    assert get_args(InterfaceLanguage) == INTERFACE_LANGUAGES


def test_an_event_on_the_ticker_says_its_title_its_start_in_station_time_and_its_place():
    from services.signage.agenda.domain import ticker_texts

    # 17:00 UTC in December is 18:00 in Paris.
    starts = datetime(2026, 12, 8, 17, 0, tzinfo=UTC)
    texts = ticker_texts(
        {"fr": "Jazz sur le parvis", "en": "Jazz on the square", "de": ""},
        starts_at=starts,
        all_day=False,
        place="Parvis nord",
    )
    assert texts == {
        "fr": "Jazz sur le parvis · 18:00 · Parvis nord",
        "en": "Jazz on the square · 18:00 · Parvis nord",
    }
    whole_day = ticker_texts({"fr": "Salon"}, starts_at=starts, all_day=True, place=None)
    assert whole_day == {"fr": "Salon"}
