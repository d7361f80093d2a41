"""Disruption rules: where a disruption shows on screens, and which report about it holds."""

from __future__ import annotations

from datetime import datetime

from services.signage.disruptions.domain import alert_severity, alert_source, applies, shown
from services.signage.tests.examples import utc

AT = utc(2026, 12, 7, 9)


def placement(reach: str, *, cleared: bool = False, until: datetime | None = None) -> str:
    texts = {"fr": "Ligne 15 interrompue"}
    return shown(reach=reach, texts=texts, description={}, cleared=cleared, until=until, at=AT).placement


def test_a_disruption_shows_where_its_reach_says_until_it_clears_or_ends():
    assert placement("alert") == "alert"
    assert placement("ticker") == "ticker"
    assert placement("none") == "none"
    assert placement("alert", cleared=True) == "none"
    assert placement("alert", until=utc(2026, 12, 7, 8)) == "none"
    assert placement("alert", until=utc(2026, 12, 7, 10)) == "alert"
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
