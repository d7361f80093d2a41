"""What info_kiosk publishes on NATS."""

from __future__ import annotations

from services.common.contracts import kiosk
from services.common.events import OutgoingEvent, new_event
from services.info_kiosk.models import PointOfInterest


def point_of_interest_published(point: PointOfInterest) -> OutgoingEvent:
    data = kiosk.PointOfInterestPublished(
        id=point.id,
        category=point.category,
        names=point.names,
        descriptions=point.descriptions,
        level=point.level,
        lat=point.lat,
        lon=point.lon,
        step_free=point.step_free,
    )
    return new_event(
        station_id=point.station_id,
        domain=kiosk.DOMAIN,
        entity=kiosk.POINT_OF_INTEREST,
        verb=kiosk.PUBLISHED,
        data=data,
        subject=point.id,
    )
