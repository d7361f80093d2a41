"""How info_kiosk takes in other services' events: bike_share's availability feeds the mobility board."""

from __future__ import annotations

import logging
from collections.abc import Collection

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.consumers import EventConsumer
from services.common.contracts import mobility
from services.common.events import STREAMS, CloudEvent
from services.common.runtime import ServiceRuntime
from services.info_kiosk import service

log = logging.getLogger(__name__)

VEHICLE_AVAILABILITY_CONSUMER = "info_kiosk-vehicle-availability"


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
        stream=STREAMS[mobility.DOMAIN],
        filter_subject=mobility.status_changed_subject_filter(),
        handler=handle,
    )


def consumers(runtime: ServiceRuntime) -> list[EventConsumer]:
    """Every consumer of info_kiosk, made once the runtime (its settings) exists."""
    return [vehicle_availability_consumer(runtime.settings.stations)]
