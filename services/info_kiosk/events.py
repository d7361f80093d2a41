"""What info_kiosk publishes on NATS."""

from __future__ import annotations

from datetime import datetime

from kernel.contracts import kiosk
from kernel.events import OutgoingEvent, new_event
from services.info_kiosk.models import Place, PointOfInterest


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


def equipment_status_changed(
    *,
    place: Place,
    level_index: int,
    status: str,
    reason: str | None,
    until: datetime | None,
    changed_at: datetime,
) -> OutgoingEvent:
    data = kiosk.EquipmentStatusChanged(
        place_code=place.code,
        kind=place.kind,  # type: ignore[arg-type]  # checked against EQUIPMENT_KINDS by the service
        names=place.names,
        level=level_index,
        status=status,  # type: ignore[arg-type]  # an EquipmentStatus from the request schema
        reason=reason,
        until=until,
        changed_at=changed_at,
    )
    return new_event(
        station_id=place.station_id,
        domain=kiosk.DOMAIN,
        entity=kiosk.EQUIPMENT,
        verb=kiosk.STATUS_CHANGED,
        data=data,
        subject=place.code,
    )
