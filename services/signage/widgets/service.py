"""Live widgets: what signage keeps from other services' events (never their databases)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.contracts.kiosk import EquipmentStatusChanged
from kernel.contracts.mobility import VehicleStationStatusChanged
from kernel.hot_reads import mark_changed
from services.signage.invalidation import PLAYLISTS
from services.signage.models import EquipmentStatus, VehicleAvailability


async def record_vehicle_status(
    *, session: AsyncSession, station_id: str, status: VehicleStationStatusChanged
) -> None:
    """Keep a vehicle station's availability unless a newer report is stored; the caller commits."""
    stored = await session.get(VehicleAvailability, (station_id, status.vehicle_station_id))
    if stored is not None and stored.last_reported >= status.last_reported:
        return  # redelivered or out of order
    if stored is None:
        stored = VehicleAvailability(station_id=station_id, vehicle_station_id=status.vehicle_station_id)
        session.add(stored)
    stored.name = status.name
    stored.num_vehicles_available = status.num_vehicles_available
    stored.num_docks_available = status.num_docks_available
    stored.is_renting = status.is_renting
    stored.last_reported = status.last_reported
    stored.vehicle_types = [t.model_dump() for t in status.vehicle_types_available]
    mark_changed(session, station_id, PLAYLISTS)


async def record_equipment_status(
    *, session: AsyncSession, station_id: str, change: EquipmentStatusChanged
) -> None:
    """Keep a lift's, escalator's or gate's status unless a newer one is stored; the caller commits."""
    stored = await session.get(EquipmentStatus, (station_id, change.place_code))
    if stored is not None and stored.changed_at >= change.changed_at:
        return
    if stored is None:
        stored = EquipmentStatus(station_id=station_id, place_code=change.place_code)
        session.add(stored)
    stored.kind = change.kind
    stored.names = change.names
    stored.level = change.level
    stored.status = change.status
    stored.reason = change.reason
    stored.until = change.until
    stored.changed_at = change.changed_at
    mark_changed(session, station_id, PLAYLISTS)


async def live_data(*, session: AsyncSession, station_id: str, widgets: set[str]) -> dict[str, Any]:
    """What the screen's live widgets show: only those it plays, so other screens' versions stay."""
    live: dict[str, Any] = {}
    if "vehicle_availability" in widgets:
        rows = await session.scalars(
            select(VehicleAvailability)
            .where(VehicleAvailability.station_id == station_id)
            .order_by(VehicleAvailability.name)
        )
        live["vehicle_availability"] = [
            {
                "name": row.name,
                "vehicles": row.num_vehicles_available,
                "docks": row.num_docks_available,
                "renting": row.is_renting,
                "types": [t for t in row.vehicle_types or [] if t.get("count")],
            }
            for row in rows
        ]
    if "lift_status" in widgets:
        rows_out = await session.scalars(
            select(EquipmentStatus)
            .where(EquipmentStatus.station_id == station_id, EquipmentStatus.status == "out_of_service")
            .order_by(EquipmentStatus.place_code)
        )
        live["lift_status"] = [
            {
                "place_code": row.place_code,
                "kind": row.kind,
                "names": row.names,
                "level": row.level,
                "until": row.until,
            }
            for row in rows_out
        ]
    return live
