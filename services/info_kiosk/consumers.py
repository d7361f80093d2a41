"""How info_kiosk takes in other services' events: bike_share's availability feeds the mobility board."""

from __future__ import annotations

import logging
from collections.abc import Collection

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.consumers import EventConsumer
from kernel.contracts import lockers, mobility, signage
from kernel.events import STREAMS, CloudEvent, event_type
from kernel.runtime import ServiceRuntime
from services.info_kiosk.service import read_models

log = logging.getLogger(__name__)

VEHICLE_AVAILABILITY_CONSUMER = "info_kiosk-vehicle-availability"
LOCKER_AVAILABILITY_CONSUMER = "info_kiosk-locker-availability"
ALERTS_CONSUMER = "info_kiosk-alerts"


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
        await read_models.record_vehicle_status(
            session=session, station_id=station_id, status=status, event_id=event.id
        )

    return EventConsumer(
        durable=VEHICLE_AVAILABILITY_CONSUMER,
        stream=STREAMS[mobility.DOMAIN],
        filter_subject=mobility.status_changed_subject_filter(),
        handler=handle,
    )


def locker_availability_consumer(stations: Collection[str]) -> EventConsumer:
    """Feeds the locker panel from parcel_lockers' bank.availability_changed events."""

    async def handle(session: AsyncSession, event: CloudEvent) -> None:
        if event.station_id not in stations:
            return
        try:
            availability = lockers.BankAvailabilityChanged.model_validate(event.data)
        except ValidationError:
            log.error("dropping a locker event that breaks the contract", extra={"event_id": event.id})
            return
        await read_models.record_locker_availability(
            session=session, station_id=event.station_id, availability=availability, event_id=event.id
        )

    return EventConsumer(
        durable=LOCKER_AVAILABILITY_CONSUMER,
        stream=STREAMS[lockers.DOMAIN],
        filter_subject=f"gare.*.{lockers.DOMAIN}.{lockers.BANK}.{lockers.AVAILABILITY_CHANGED}",
        handler=handle,
    )


def alerts_consumer(stations: Collection[str]) -> EventConsumer:
    """Feeds the alert panel from signage's alert.raised and alert.cleared events."""

    async def handle(session: AsyncSession, event: CloudEvent) -> None:
        if event.station_id not in stations:
            return
        try:
            if event.type == event_type(signage.DOMAIN, signage.ALERT, signage.RAISED):
                raised = signage.AlertRaised.model_validate(event.data)
                await read_models.record_alert_raised(
                    session=session, station_id=event.station_id, alert=raised
                )
            elif event.type == event_type(signage.DOMAIN, signage.ALERT, signage.CLEARED):
                cleared = signage.AlertCleared.model_validate(event.data)
                await read_models.record_alert_cleared(
                    session=session, station_id=event.station_id, cleared=cleared
                )
        except ValidationError:
            log.error("dropping an alert event that breaks the contract", extra={"event_id": event.id})

    return EventConsumer(
        durable=ALERTS_CONSUMER,
        stream=STREAMS[signage.DOMAIN],
        filter_subject=f"gare.*.{signage.DOMAIN}.{signage.ALERT}.*",
        handler=handle,
    )


def consumers(runtime: ServiceRuntime) -> list[EventConsumer]:
    """Every consumer of info_kiosk, made once the runtime (its settings) exists."""
    stations = runtime.settings.stations
    return [
        vehicle_availability_consumer(stations),
        locker_availability_consumer(stations),
        alerts_consumer(stations),
    ]
