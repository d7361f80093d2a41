"""What live departures publish: a disruption raised (or changed) and cleared, as the station shows it."""

from __future__ import annotations

from datetime import datetime

from kernel.contracts import kiosk
from kernel.events import OutgoingEvent, new_event
from services.info_kiosk.departures.models import Disruption


def disruption_raised(disruption: Disruption) -> OutgoingEvent:
    data = kiosk.DisruptionRaised(
        disruption_id=disruption.id,
        source_code=disruption.source_code,
        source_ref=disruption.source_ref,
        severity=disruption.severity,  # type: ignore[arg-type]  # checked by the parser's mapping
        reach=(disruption.override_reach or disruption.rule_reach),  # type: ignore[arg-type]  # a Reach
        text=disruption.override_text or disruption.text,
        description=disruption.description,
        lines=list(disruption.lines),
        stops=list(disruption.stops),
        raised_at=disruption.raised_at,
        until=disruption.until,
    )
    return new_event(
        station_id=disruption.station_id,
        domain=kiosk.DOMAIN,
        entity=kiosk.DISRUPTION,
        verb=kiosk.PUBLISHED,
        data=data,
        subject=disruption.id,
    )


def disruption_cleared(disruption: Disruption, at: datetime) -> OutgoingEvent:
    return new_event(
        station_id=disruption.station_id,
        domain=kiosk.DOMAIN,
        entity=kiosk.DISRUPTION,
        verb=kiosk.CLEARED,
        data=kiosk.DisruptionCleared(disruption_id=disruption.id, cleared_at=at),
        subject=disruption.id,
    )
