"""info_kiosk's use cases: points of interest, and the vehicle availability read model fed by events."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.contracts.mobility import VehicleStationStatusChanged
from services.common.db import utcnow
from services.common.errors import InvalidInput
from services.common.hot_reads import mark_changed
from services.common.outbox import stage
from services.info_kiosk import domain, events
from services.info_kiosk.models import OUTBOX, PointOfInterest, VehicleAvailability
from services.info_kiosk.schemas import PointOfInterestCreate

# What the hot reads show (api.py), within a station: a commit that changes it marks it.
POINTS_OF_INTEREST = "points-of-interest"
VEHICLE_AVAILABILITY = "vehicle-availability"


async def list_points_of_interest(
    *, session: AsyncSession, station_id: str, category: str | None = None
) -> Sequence[PointOfInterest]:
    """The station's points of interest, of one category or all, from street level down."""
    query = select(PointOfInterest).where(PointOfInterest.station_id == station_id)
    if category is not None:
        query = query.where(PointOfInterest.category == category)
    query = query.order_by(PointOfInterest.level.desc(), PointOfInterest.category, PointOfInterest.id)
    return (await session.scalars(query)).all()


async def create_point_of_interest(
    *, session: AsyncSession, station_id: str, point_in: PointOfInterestCreate
) -> PointOfInterest:
    """Add a point of interest to the station's map and publish it."""
    problems = domain.point_of_interest_problems(names=point_in.names, descriptions=point_in.descriptions)
    if problems:
        raise InvalidInput.from_problems("The point of interest is inconsistent; see `errors`.", problems)
    point = PointOfInterest(id=uuid.uuid4().hex, station_id=station_id, **point_in.model_dump())
    session.add(point)
    await stage(session, OUTBOX, events.point_of_interest_published(point))
    mark_changed(session, station_id, POINTS_OF_INTEREST)
    await session.commit()
    return point


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
    stored = await session.get(VehicleAvailability, status.vehicle_station_id)
    if stored is not None and not domain.supersedes(status.last_reported, stored.last_reported):
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
