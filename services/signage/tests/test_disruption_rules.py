"""Disruption rules: where a disruption shows on screens, and which report about it holds."""

from __future__ import annotations

from services.signage.disruptions.domain import alert_severity, alert_source, applies, shown
from services.signage.tests.examples import utc

AT = utc(2026, 12, 7, 9)


def test_a_disruption_shows_where_its_reach_says_until_it_clears_or_ends():
    texts = {"fr": "Ligne 15 interrompue"}
    common = {"texts": texts, "description": {}, "until": None, "at": AT}
    assert shown(reach="alert", cleared=False, **common).placement == "alert"
    assert shown(reach="ticker", cleared=False, **common).placement == "ticker"
    assert shown(reach="none", cleared=False, **common).placement == "none"
    assert shown(reach="alert", cleared=True, **common).placement == "none"
    ended = common | {"until": utc(2026, 12, 7, 8)}
    assert shown(reach="alert", cleared=False, **ended).placement == "none"
    # No header: the description is said instead; nothing at all cannot take a screen.
    described = shown(reach="alert", cleared=False, texts={}, description={"en": "Works"}, until=None, at=AT)
    assert (described.placement, dict(described.texts)) == ("alert", {"en": "Works"})
    assert (
        shown(reach="alert", cleared=False, texts={}, description={}, until=None, at=AT).placement == "none"
    )


def test_a_late_or_repeated_report_changes_nothing():
    assert applies(stored_at=None, event_at=AT)
    assert applies(stored_at=utc(2026, 12, 7, 8), event_at=AT)
    assert not applies(stored_at=AT, event_at=AT)
    assert not applies(stored_at=AT, event_at=utc(2026, 12, 7, 8))


def test_a_disruption_is_never_an_emergency_and_says_where_it_came_from():
    assert [alert_severity(s) for s in ("info", "warning", "severe")] == ["info", "warning", "warning"]
    assert alert_source("siri-123") == "disruption:siri-123"
