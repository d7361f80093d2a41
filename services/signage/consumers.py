"""How signage takes in other services' events: vehicle availability (bike_share) and equipment
outages (info_kiosk) feed the live widgets of the screens that show them."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.consumers import EventConsumer
from kernel.contracts import kiosk, mobility
from kernel.events import STREAMS, CloudEvent
from kernel.runtime import ServiceRuntime
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
    ]
