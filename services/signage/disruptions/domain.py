"""Disruption rules: how a disruption of the real-time sources shows on screens (a whole-screen alert,
a ticker line, or nothing), and which of two reports about it holds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

SOURCE_PREFIX = "disruption:"

# A disruption is never an evacuation: `emergency` (red) stays the operators' word for the station's
# safety; a severe disruption (a line interrupted) is a warning over the whole screen.
ALERT_SEVERITY: Mapping[str, str] = {"info": "info", "warning": "warning", "severe": "warning"}


def alert_source(disruption_id: str) -> str:
    """What the alert a disruption raised records as its source, visible to operators."""
    return f"{SOURCE_PREFIX}{disruption_id}"


def alert_severity(severity: str) -> str:
    return ALERT_SEVERITY.get(severity, "warning")


def applies(*, stored_at: datetime | None, event_at: datetime) -> bool:
    """An event changes the disruption only if it is newer than the last one applied: a redelivery
    or a late report changes nothing."""
    return stored_at is None or event_at > stored_at


Placement = Literal["alert", "ticker", "none"]


@dataclass(frozen=True)
class Shown:
    """Where a disruption is on screens now."""

    placement: Placement
    texts: Mapping[str, str]


def shown(
    *,
    reach: str,
    texts: Mapping[str, str],
    description: Mapping[str, str],
    cleared: bool,
    until: datetime | None,
    at: datetime,
) -> Shown:
    """Cleared or over: nowhere. Else where its reach says; a disruption with no text at all cannot
    take a screen and goes to the ticker only if it has a description to show."""
    said = dict(texts) or dict(description)
    if cleared or (until is not None and until <= at) or not said or reach not in ("alert", "ticker"):
        return Shown("none", said)
    return Shown("alert" if reach == "alert" else "ticker", said)
