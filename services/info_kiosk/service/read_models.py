"""The live panels' read models, fed by other services' events: vehicle availability, locker
banks, alerts, and when each source last spoke."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.contracts.lockers import BankAvailabilityChanged
from kernel.contracts.mobility import VehicleStationStatusChanged
from kernel.contracts.signage import AlertCleared, AlertRaised
from kernel.db import utcnow
from kernel.hot_reads import mark_changed
from services.info_kiosk.domain import live
from services.info_kiosk.models import LockerAvailability, SourceActivity, StationAlert, VehicleAvailability
from services.info_kiosk.service.tags import LIVE, VEHICLE_AVAILABILITY


async def list_vehicle_availability(
    *, session: AsyncSession, station_id: str
) -> Sequence[VehicleAvailability]:
    """The vehicle stations near the station, by name, as bike_share last reported them."""
    return (
        await session.scalars(
            select(VehicleAvailability)
            .where(VehicleAvailability.station_id == station_id)
            .order_by(VehicleAvailability.name, VehicleAvailability.vehicle_station_id)
        )
    ).all()


async def record_vehicle_status(
    *, session: AsyncSession, station_id: str, status: VehicleStationStatusChanged, event_id: str
) -> None:
    """Keep a status event in the read model unless a newer one is stored; the caller commits."""
    await source_spoke(session, station_id, "vehicles")
    stored = await session.get(VehicleAvailability, status.vehicle_station_id)
    if stored is not None and not live.supersedes(status.last_reported, stored.last_reported):
        return
    mark_changed(session, station_id, VEHICLE_AVAILABILITY)
    # Field by field: a field added to the contract later must not break this consumer.
    values = {
        "station_id": station_id,
        "system_id": status.system_id,
        "name": status.name,
        "lat": status.lat,
        "lon": status.lon,
        "capacity": status.capacity,
        "num_vehicles_available": status.num_vehicles_available,
        "vehicle_types_available": [count.model_dump() for count in status.vehicle_types_available],
        "num_docks_available": status.num_docks_available,
        "is_installed": status.is_installed,
        "is_renting": status.is_renting,
        "is_returning": status.is_returning,
        "last_reported": status.last_reported,
        "updated_at": utcnow(),
        "source_event_id": event_id,
    }
    if stored is None:
        session.add(VehicleAvailability(vehicle_station_id=status.vehicle_station_id, **values))
        await session.flush()
        return
    # Conditional update: a newer status written meanwhile (by another replica) wins.
    await session.execute(
        update(VehicleAvailability)
        .where(
            VehicleAvailability.vehicle_station_id == status.vehicle_station_id,
            VehicleAvailability.last_reported <= status.last_reported,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def source_spoke(session: AsyncSession, station_id: str, source: str) -> None:
    row = await session.get(SourceActivity, (station_id, source))
    if row is None:
        session.add(SourceActivity(station_id=station_id, source=source, last_event_at=utcnow()))
    else:
        row.last_event_at = utcnow()
    mark_changed(session, station_id, LIVE)


async def source_activity(*, session: AsyncSession, station_id: str) -> dict[str, datetime]:
    rows = (
        await session.scalars(select(SourceActivity).where(SourceActivity.station_id == station_id))
    ).all()
    return {row.source: row.last_event_at for row in rows}


async def record_locker_availability(
    *, session: AsyncSession, station_id: str, availability: BankAvailabilityChanged, event_id: str
) -> None:
    """Keep a bank's availability unless a newer one is stored; the caller commits."""
    await source_spoke(session, station_id, "lockers")
    stored = await session.get(LockerAvailability, availability.bank_id)
    if stored is not None and not live.supersedes(availability.changed_at, stored.changed_at):
        return
    values = {
        "station_id": station_id,
        "bank_code": availability.bank_code,
        "name": availability.name,
        "level": availability.level,
        "availability": {size: counts.model_dump() for size, counts in availability.availability.items()},
        "changed_at": availability.changed_at,
        "source_event_id": event_id,
    }
    if stored is None:
        session.add(LockerAvailability(bank_id=availability.bank_id, **values))
    else:
        for name, value in values.items():
            setattr(stored, name, value)


async def record_alert_raised(*, session: AsyncSession, station_id: str, alert: AlertRaised) -> None:
    await source_spoke(session, station_id, "alerts")
    stored = await session.get(StationAlert, alert.alert_id)
    if stored is not None:
        return  # raised once; a redelivery changes nothing, and a clearing that came first stays
    session.add(
        StationAlert(
            alert_id=alert.alert_id,
            station_id=station_id,
            severity=alert.severity,
            text=alert.text,
            raised_at=alert.raised_at,
            expires_at=alert.expires_at,
            cleared_at=None,
        )
    )


async def record_alert_cleared(*, session: AsyncSession, station_id: str, cleared: AlertCleared) -> None:
    await source_spoke(session, station_id, "alerts")
    stored = await session.get(StationAlert, cleared.alert_id)
    if stored is None:
        # Cleared before we saw it raised (events cross): remember, so the late raise stays cleared.
        session.add(
            StationAlert(
                alert_id=cleared.alert_id,
                station_id=station_id,
                severity="info",
                text={},
                raised_at=cleared.cleared_at,
                expires_at=None,
                cleared_at=cleared.cleared_at,
            )
        )
    else:
        stored.cleared_at = cleared.cleared_at


async def list_locker_availability(*, session: AsyncSession, station_id: str) -> Sequence[LockerAvailability]:
    return (
        await session.scalars(
            select(LockerAvailability)
            .where(LockerAvailability.station_id == station_id)
            .order_by(LockerAvailability.bank_code)
        )
    ).all()


async def list_active_alerts(*, session: AsyncSession, station_id: str) -> Sequence[StationAlert]:
    now = utcnow()
    rows = (
        await session.scalars(
            select(StationAlert)
            .where(StationAlert.station_id == station_id, StationAlert.cleared_at.is_(None))
            .order_by(StationAlert.raised_at.desc())
        )
    ).all()
    return [row for row in rows if row.expires_at is None or row.expires_at > now]
