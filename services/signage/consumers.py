"""How signage takes in other services' events: vehicle availability (bike_share) and equipment
outages (info_kiosk) feed the live widgets of the screens that show them; info_kiosk's disruptions
become alerts or ticker lines."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.consumers import EventConsumer
from kernel.contracts import kiosk, mobility
from kernel.events import STREAMS, CloudEvent, event_type
from kernel.runtime import ServiceRuntime
from services.signage.disruptions.service import record_clearance, record_disruption
from services.signage.widgets.service import record_equipment_status, record_vehicle_status

log = logging.getLogger(__name__)

Payload = TypeVar("Payload", bound=BaseModel)


def _handler(
    stations: Collection[str],
    contract: type[Payload],
    record: Callable[[AsyncSession, str, Payload], Awaitable[None]],
) -> Callable[[AsyncSession, CloudEvent], Awaitable[None]]:
    async def handle(session: AsyncSession, event: CloudEvent) -> None:
        if event.station_id not in stations:
            return  # the stream holds every station's events; this deployment shows only its own
        try:
            payload = contract.model_validate(event.data)
        except ValidationError:
            # Redelivering a payload that breaks the contract cannot fix it.
            log.error("dropping an event that breaks its contract", extra={"event_id": event.id})
            return
        await record(session, event.station_id, payload)

    return handle


def _disruptions(stations: Collection[str]) -> Callable[[AsyncSession, CloudEvent], Awaitable[None]]:
    """Published and cleared share one consumer, so they are handled in the order they were sent."""

    async def handle(session: AsyncSession, event: CloudEvent) -> None:
        if event.station_id not in stations:
            return
        try:
            if event.type == event_type(kiosk.DOMAIN, kiosk.DISRUPTION, kiosk.PUBLISHED):
                raised = kiosk.DisruptionRaised.model_validate(event.data)
                await record_disruption(
                    session=session, station_id=event.station_id, disruption=raised, at=event.time
                )
            elif event.type == event_type(kiosk.DOMAIN, kiosk.DISRUPTION, kiosk.CLEARED):
                cleared = kiosk.DisruptionCleared.model_validate(event.data)
                await record_clearance(
                    session=session, station_id=event.station_id, cleared=cleared, at=event.time
                )
        except ValidationError:
            log.error("dropping an event that breaks its contract", extra={"event_id": event.id})

    return handle


async def _vehicles(
    session: AsyncSession, station_id: str, status: mobility.VehicleStationStatusChanged
) -> None:
    await record_vehicle_status(session=session, station_id=station_id, status=status)


async def _equipment(session: AsyncSession, station_id: str, change: kiosk.EquipmentStatusChanged) -> None:
    await record_equipment_status(session=session, station_id=station_id, change=change)


def consumers(runtime: ServiceRuntime) -> list[EventConsumer]:
    """Every consumer of signage, made once the runtime (its settings) exists."""
    stations = runtime.settings.stations
    return [
        EventConsumer(
            durable="signage-vehicle-availability",
            stream=STREAMS[mobility.DOMAIN],
            filter_subject=mobility.status_changed_subject_filter(),
            handler=_handler(stations, mobility.VehicleStationStatusChanged, _vehicles),
        ),
        EventConsumer(
            durable="signage-equipment-status",
            stream=STREAMS[kiosk.DOMAIN],
            filter_subject=f"gare.*.{kiosk.DOMAIN}.{kiosk.EQUIPMENT}.{kiosk.STATUS_CHANGED}",
            handler=_handler(stations, kiosk.EquipmentStatusChanged, _equipment),
        ),
        EventConsumer(
            durable="signage-disruptions",
            stream=STREAMS[kiosk.DOMAIN],
            filter_subject=f"gare.*.{kiosk.DOMAIN}.{kiosk.DISRUPTION}.*",
            handler=_disruptions(stations),
        ),
    ]
