"""info_kiosk's rules: which status report wins, the directory's order, language choice and tags."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pytest

from services.info_kiosk.domain import directory, languages, live

NOON = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@dataclass
class Entry:
    level: int
    category: str
    name: str


def test_first_report_of_a_vehicle_station_is_kept() -> None:
    assert live.supersedes(NOON, None)


def test_newer_report_replaces_the_stored_one() -> None:
    assert live.supersedes(NOON + timedelta(seconds=1), NOON)


def test_late_report_does_not_overwrite_a_newer_one() -> None:
    assert not live.supersedes(NOON - timedelta(seconds=1), NOON)


def test_redelivered_report_is_applied_again() -> None:
    # Same last_reported: bike_share accepts a correction at the same instant, so must we.
    assert live.supersedes(NOON, NOON)


def test_reports_compare_as_instants_whatever_their_offset() -> None:
    paris = NOON.astimezone(timezone(timedelta(hours=1)))
    assert live.supersedes(paris, NOON)
    assert not live.supersedes(paris - timedelta(microseconds=1), NOON)


def test_directory_goes_from_street_level_down_then_by_category_and_name() -> None:
    entries = [
        Entry(-1, "toilets", "Toilettes"),
        Entry(0, "lift", "Ascenseur rue"),
        Entry(-1, "lift", "Ascenseur quai"),
        Entry(0, "exit", "Sortie 2"),
        Entry(0, "exit", "Sortie 1"),
        Entry(2, "shop", "Kiosque"),
    ]
    ordered = [(e.level, e.name) for e in sorted(entries, key=directory.directory_key)]
    assert ordered == [
        (2, "Kiosque"),
        (0, "Sortie 1"),
        (0, "Sortie 2"),
        (0, "Ascenseur rue"),
        (-1, "Ascenseur quai"),
        (-1, "Toilettes"),
    ]


def test_names_sort_as_people_read_them_not_by_code_point() -> None:
    entries = [Entry(0, "bike_share", n) for n in ("Zola", "Étoiles", "eglise", "Faubourg")]
    names = [e.name for e in sorted(entries, key=directory.directory_key)]
    assert names == ["eglise", "Étoiles", "Faubourg", "Zola"]


def test_lang_parameter_wins_over_accept_language() -> None:
    assert languages.preferred_languages(lang="de", accept_language="en;q=0.9, es") == ["de"]


def test_accept_language_is_used_best_first_without_lang() -> None:
    preferred = languages.preferred_languages(lang=None, accept_language="en;q=0.5, es, fr;q=0.8")
    assert preferred == ["es", "fr", "en"]


def test_no_preference_at_all_gives_an_empty_list() -> None:
    assert languages.preferred_languages(lang=None, accept_language=None) == []


def test_tags_differing_only_by_case_are_reported() -> None:
    assert languages.repeated_language_tags({"fr": "Sortie", "FR": "Sortie", "en": "Exit"}) == ["FR", "fr"]


def test_distinct_tags_are_not_reported() -> None:
    assert languages.repeated_language_tags({"fr": "Sortie", "fr-CA": "Sortie", "en": "Exit"}) == []


def test_point_of_interest_problems_name_the_field() -> None:
    problems = directory.point_of_interest_problems(
        names={"fr": "Sortie 1"}, descriptions={"en": "Exit", "EN": "Way out"}
    )
    assert [p.field for p in problems] == ["descriptions"]
    assert "EN" in problems[0].detail


def test_a_clean_point_of_interest_has_no_problem() -> None:
    assert (
        directory.point_of_interest_problems(names={"fr": "Sortie 1", "en": "Exit 1"}, descriptions={}) == []
    )


NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
QUIET_LIMIT_S = 600


@pytest.mark.parametrize("shows_items", [False, True])
@pytest.mark.parametrize(
    ("last_spoke", "quiet_too_long"),
    [(None, True), (NOW - timedelta(seconds=10), False), (NOW - timedelta(seconds=QUIET_LIMIT_S + 1), True)],
    ids=["never-spoke", "spoke-recently", "quiet-too-long"],
)
def test_only_a_panel_that_shows_something_can_be_stale(shows_items, last_spoke, quiet_too_long) -> None:
    # Every live panel (vehicles, lockers, alerts): no data yet or nothing left is "nothing to report".
    stale = live.is_stale(last_spoke, NOW, QUIET_LIMIT_S, shows_items=shows_items)
    assert stale is (shows_items and quiet_too_long)
