"""Schedule rules: now and next, overlaps, midnight, date ranges, both daylight saving changes."""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from services.signage.schedules.domain import Schedule, now_and_next
from services.signage.screens.domain import Targets
from services.signage.tests.examples import HALL, QUAI, utc

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


def test_a_welcome_s_content_set_plays_now_and_hands_back_to_the_schedules_when_it_ends():
    from services.signage.player.domain import with_welcome
    from services.signage.schedules.domain import NowAndNext, Segment

    start = datetime(2026, 12, 7, 8, tzinfo=UTC)
    usual = NowAndNext(
        now=Segment("expo", "expo-jour", start, start + timedelta(hours=12), layout="bandeau"),
        next=Segment("soir", "soiree", start + timedelta(hours=12), None),
    )
    # The fair's welcome ends within the day's stretch: the day's playlist comes back at its end.
    until = start + timedelta(hours=4)
    during = with_welcome(usual, "salon", until=until)
    assert during.now == Segment("salon", None, None, until, layout="bandeau")
    assert during.next == Segment("expo", "expo-jour", until, start + timedelta(hours=12), layout="bandeau")
    # It ends after the day's stretch: what plays then is the evening's.
    later = start + timedelta(hours=20)
    assert with_welcome(usual, "salon", until=later).next == Segment("soir", "soiree", later, None)
    # No end in sight: nothing comes next.
    assert with_welcome(usual, "salon", until=None).next is None
