"""What info_kiosk publishes on NATS, and how it takes in bike_share's availability events."""

from __future__ import annotations

import logging
from collections.abc import Collection

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.consumers import EventConsumer
from services.common.contracts import kiosk, mobility
from services.common.events import MOBILITY, STREAMS, CloudEvent, OutgoingEvent, new_event
from services.info_kiosk import service
from services.info_kiosk.models import PointOfInterest

log = logging.getLogger(__name__)

VEHICLE_AVAILABILITY_CONSUMER = "info_kiosk-vehicle-availability"


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


def vehicle_availability_consumer(stations: Collection[str]) -> EventConsumer:
    """Feeds the vehicle_availability read model from bike_share's status_changed events."""

    async def handle(session: AsyncSession, event: CloudEvent) -> None:
        station_id = event.station_id
        if station_id not in stations:
            return  # the stream holds every station's events; this deployment shows only its own
        try:
            status = mobility.VehicleStationStatusChanged.model_validate(event.data)
        except ValidationError:
            status = None
        # Redelivering a payload that breaks the contract cannot fix it.
        if status is None:
            log.error("dropping a status event that breaks the contract", extra={"event_id": event.id})
            return
        await service.record_vehicle_status(
            session=session, station_id=station_id, status=status, event_id=event.id
        )

    return EventConsumer(
        durable=VEHICLE_AVAILABILITY_CONSUMER,
        stream=STREAMS[MOBILITY],
        filter_subject=mobility.status_changed_subject_filter(),
        handler=handle,
    )
