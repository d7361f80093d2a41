"""Alert rules: which alerts a screen shows, and the targets that reach it."""

from dataclasses import replace
from datetime import timedelta

from services.signage.alerts.domain import Alert, alerts_for
from services.signage.screens.domain import Targets
from services.signage.tests.examples import HALL, QUAI, utc


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
