"""Alert rules: which alerts a screen shows, gravest first, and what an alert needs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from kernel.rules import FieldProblem
from services.signage.screens.domain import ScreenFacts, Targets

Severity = Literal["info", "warning", "emergency"]


@dataclass(frozen=True)
class Alert:
    id: str
    severity: str
    texts: Mapping[str, str]
    targets: Targets
    raised_at: datetime
    expires_at: datetime | None
    cleared_at: datetime | None

    def active_at(self, at: datetime) -> bool:
        return self.cleared_at is None and (self.expires_at is None or at < self.expires_at)


SEVERITY_ORDER = {"emergency": 0, "warning": 1, "info": 2}


def alerts_for(screen: ScreenFacts, alerts: Iterable[Alert], at: datetime) -> list[Alert]:
    """The alerts the screen shows, the gravest and then the newest first."""
    shown = [a for a in alerts if a.active_at(at) and a.targets.include(screen)]
    return sorted(shown, key=lambda a: (SEVERITY_ORDER.get(a.severity, 9), -a.raised_at.timestamp(), a.id))


def alert_problems(
    *, texts: Mapping[str, str], raised_at: datetime, expires_at: datetime | None
) -> list[FieldProblem]:
    problems = []
    if not texts:
        problems.append(FieldProblem("texts", "an alert says something in at least one language"))
    if expires_at is not None and expires_at <= raised_at:
        problems.append(FieldProblem("expires_at", "an alert expires after it is raised"))
    return problems
