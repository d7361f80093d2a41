"""Reading real-format feeds (recorded samples), and the rules of boards, states and disruptions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.info_kiosk.departures import domain, parsers
from services.info_kiosk.tests.departures_support import (
    B153,
    B173,
    M14,
    RECORDED_AT,
    RERD,
    S14,
    S_PLEYEL,
    SD,
    sample,
)

NOW = RECORDED_AT


def test_siri_lite_stop_monitoring_gives_departures_and_skips_a_broken_visit_alone():
    parsed = parsers.siri_stop_monitoring(sample("siri_lite_stop_monitoring.json"))
    assert len(parsed.departures) == 7  # six of ours, one at another station's stop
    assert (
        parsed.skipped == 1 and "7.broken" in parsed.problems[0] and "Time is missing" in parsed.problems[0]
    )
    first = parsed.departures[0]
    assert (first.stop_ref, first.line_ref, first.destination) == (S14, M14, "Aéroport d'Orly")
    assert first.expected_at == NOW + timedelta(minutes=2)
    delayed = next(d for d in parsed.departures if d.destination == "Melun")
    assert delayed.expected_at - delayed.aimed_at == timedelta(minutes=3)
    assert delayed.platform == "2" and delayed.direction == "Melun / Corbeil-Essonnes"
    assert next(d for d in parsed.departures if d.destination == "Corbeil-Essonnes").cancelled


def test_siri_lite_general_message_reads_channels_texts_and_validity():
    parsed = parsers.siri_general_message(sample("siri_lite_general_message.json"), now=NOW)
    assert parsed.messages is not None
    by_ref = {m.ref: m for m in parsed.messages}
    rer = by_ref["IDFM:Message::RERD-travaux:LOC"]
    assert rer.severity == "warning" and rer.line_refs == (RERD,) and rer.stop_refs == (SD,)
    assert (
        rer.text["fr"].startswith("RER D : trafic perturbé") and "incident technique" in rer.description["fr"]
    )
    assert by_ref["IDFM:Message::M14-info:LOC"].severity == "info"
    assert parsed.skipped == 1 and "no message text" in parsed.problems[0]
    # Past its ValidUntilTime, a message no longer holds.
    later = parsers.siri_general_message(
        sample("siri_lite_general_message.json"), now=NOW + timedelta(hours=5)
    )
    assert "IDFM:Message::RERD-travaux:LOC" not in {m.ref for m in later.messages or []}


def test_gtfs_realtime_trip_updates_and_alerts():
    parsed = parsers.gtfs_trip_updates(sample("gtfs_rt_trip_updates.pb"), with_alerts=True, now=NOW)
    assert parsed.skipped == 1 and "route_id" in parsed.problems[0]
    first = next(
        d for d in parsed.departures if d.stop_ref == S_PLEYEL and d.aimed_at == NOW + timedelta(minutes=14)
    )
    assert first.line_ref == B153 and first.destination == "Porte de la Chapelle"
    assert first.expected_at - first.aimed_at == timedelta(seconds=120)
    assert [d.cancelled for d in parsed.departures if d.line_ref == B173] == [False, True]
    alerts = {m.ref: m for m in parsed.messages or []}
    assert set(alerts) == {"alert-153-deviation", "alert-173-no-service"}  # the ended one is gone
    assert alerts["alert-153-deviation"].severity == "warning"
    assert alerts["alert-153-deviation"].text == {
        "fr": "Bus 153 : arrêt Pleyel déplacé rue Ampère",
        "en": "Bus 153: Pleyel stop moved to rue Ampère",
    }
    assert alerts["alert-153-deviation"].until == NOW + timedelta(hours=4)
    assert alerts["alert-173-no-service"].severity == "severe"  # NO_SERVICE without a severity level
    assert (
        parsers.gtfs_trip_updates(sample("gtfs_rt_trip_updates.pb"), with_alerts=False, now=NOW).messages
        is None
    )


@pytest.mark.parametrize(
    ("kind", "content", "reason"),
    [
        ("siri-lite", b"<html>502 Bad Gateway</html>", "not JSON"),
        ("siri-lite", b'{"Siri": {}}', "ServiceDelivery"),
        ("siri-lite", b'{"data": []}', "not a SIRI Lite document"),
        (
            "siri-lite",
            b'{"Siri": {"ServiceDelivery": {"StopMonitoringDelivery": [{"Status": "false", "ErrorCondition": {"x": 1}}]}}}',
            "Status false",
        ),
        ("gtfs-rt", b"\xff\xfe garbage", "GTFS-Realtime"),
        ("gtfs-rt", b"", "GTFS-Realtime"),
    ],
)
def test_a_document_that_cannot_be_read_is_rejected_with_a_reason(kind, content, reason):
    with pytest.raises(parsers.FeedRejected) as caught:
        parsers.parse(kind, content, messages_apart=False, now=NOW)
    assert reason in caught.value.reason


# -- boards ------------------------------------------------------------------------------------


STOPS = [
    domain.StationStop(S14, "quai-14", "Ligne 14", "metro", None),
    domain.StationStop(SD, "rer-d", "Stade de France", "rer", "exit-stade"),
]
LINES = [domain.LineStyle(M14, "14", "#62259D")]


def departure(
    stop: str, line: str, minutes: float, *, delay: int = 0, cancelled: bool = False, dest: str = "Orly"
):
    aimed = NOW + timedelta(minutes=minutes)
    return parsers.DepartureRecord(
        stop, line, None, None, dest, aimed, aimed + timedelta(seconds=delay), cancelled, None
    )


def test_boards_group_by_stop_line_and_direction_keep_the_next_hour_and_six_at_most():
    departures = [departure(S14, M14, m) for m in (9, 1, 3, 5, 7, 11, 13, 70)] + [
        departure(S14, M14, -5),  # gone
        departure(SD, RERD, 4, delay=180, dest="Melun"),
        departure(SD, RERD, 6, cancelled=True, dest="Melun"),
        departure("elsewhere", M14, 2),
    ]
    boards = domain.boards([domain.SourceData(STOPS, LINES, departures)], now=NOW)
    assert [(b["stop_code"], b["line"], b["direction"]) for b in boards] == [
        ("quai-14", "14", "Orly"),
        ("rer-d", "C01728", "Melun"),
    ]
    metro = boards[0]["departures"]
    assert [d["expected_at"] for d in metro] == [NOW + timedelta(minutes=m) for m in (1, 3, 5, 7, 9, 11)]
    assert boards[0]["line_color"] == "#62259D" and boards[1]["line_color"] == domain.MODE_COLORS["rer"]
    # By expected time: the cancelled 6-minute train before the delayed one (4 minutes + 3 late).
    assert [(d["status"], d["delay_seconds"]) for d in boards[1]["departures"]] == [
        ("cancelled", 0),
        ("delayed", 180),
    ]
    assert boards[1]["exit_code"] == "exit-stade"
    only_rer = domain.boards(
        [domain.SourceData(STOPS, LINES, departures)], now=NOW, filters=domain.Filters(mode="rer")
    )
    assert [b["stop_code"] for b in only_rer] == ["rer-d"]
    assert (
        domain.boards(
            [domain.SourceData(STOPS, LINES, departures)], now=NOW, filters=domain.Filters(line="14")
        )[0]["line"]
        == "14"
    )


def test_a_source_is_fresh_then_stale_past_its_ttl_and_failing_after_a_failed_pull():
    state = domain.source_state
    assert (
        state(last_success_at=NOW, failure=None, ttl_seconds=60, now=NOW + timedelta(seconds=59)) == "fresh"
    )
    assert (
        state(last_success_at=NOW, failure=None, ttl_seconds=60, now=NOW + timedelta(seconds=61)) == "stale"
    )
    assert state(last_success_at=None, failure=None, ttl_seconds=60, now=NOW) == "stale"
    assert state(last_success_at=NOW, failure="HTTP 500", ttl_seconds=60, now=NOW) == "failing"


def test_the_first_matching_rule_places_a_disruption_else_its_severity_does():
    rules = [
        domain.Rule("rer-all", 10, ["RER D"], [], [], "alert"),
        domain.Rule("bus-info", 5, [], ["bus-pleyel"], ["info"], "none"),
        domain.Rule("any-warning", 50, [], [], ["warning"], "ticker"),
    ]
    assert domain.reach_of(rules, lines=["RER D"], stops=[], severity="info") == "alert"
    assert domain.reach_of(rules, lines=["153"], stops=["bus-pleyel"], severity="info") == "none"
    assert domain.reach_of(rules, lines=["14"], stops=[], severity="warning") == "ticker"
    assert domain.reach_of(rules, lines=["14"], stops=[], severity="severe") == "alert"  # by default
    assert domain.reach_of([], lines=[], stops=[], severity="info") == "none"


def test_a_source_may_not_map_a_ref_twice_nor_name_one_stop_two_ways():
    problems = domain.configuration_problems(
        [
            domain.StationStop("a", "quai", "Quai", "metro", None),
            domain.StationStop("a", "quai", "Quai", "metro", None),
            domain.StationStop("b", "quai", "Autre", "metro", None),
        ],
        [domain.LineStyle("x", "1", None), domain.LineStyle("x", "2", None)],
    )
    assert [p.field for p in problems] == ["stops.1.ref", "stops.2.stop_code", "lines.1.ref"]
