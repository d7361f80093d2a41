"""Vehicle stations (docks, car-sharing spots, charging points) of one station, and their status
reports."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy import update as update_rows
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.db import one_or_404, rows_changed, utcnow
from kernel.errors import Conflict, InvalidInput, commit_or_conflict
from kernel.outbox import stage
from kernel.pagination import PageRequest, page_of_rows
from kernel.rules import FieldProblem
from services.bike_share import domain, events
from services.bike_share.models import OUTBOX, VehicleStation, VehicleStationStatus
from services.bike_share.schemas import StatusReportIn, VehicleStationCreate, VehicleStationUpdate
from services.bike_share.shared import apply, mark_vehicle_station_changed, vehicle_type_kinds
from services.bike_share.systems import service as systems
from services.bike_share.vehicle_types import service as vehicle_types


async def of_station(*, session: AsyncSession, station_id: str) -> Sequence[VehicleStation]:
    """The station's vehicle stations, nearest first, each with its latest status."""
    result = await session.scalars(
        select(VehicleStation)
        .where(VehicleStation.station_id == station_id)
        .order_by(VehicleStation.distance_m.is_(None), VehicleStation.distance_m, VehicleStation.name)
    )
    return result.unique().all()


# Nearest first; a vehicle station without a distance after every other.
NEAREST_FIRST = (func.coalesce(VehicleStation.distance_m, domain.UNKNOWN_DISTANCE_M), VehicleStation.id)


async def page(
    *, session: AsyncSession, station_id: str, page: PageRequest
) -> tuple[list[VehicleStation], str | None]:
    """One page of the station's vehicle stations, nearest first, each with its latest status."""
    query = select(VehicleStation).where(VehicleStation.station_id == station_id)
    return await page_of_rows(session, query, NEAREST_FIRST, page)


def last_change(stations: Iterable[VehicleStation]) -> datetime | None:
    """When what a listing shows last changed: a registration, a change, or a status report."""
    moments = [s.updated_at or s.created_at for s in stations]
    moments += [s.status.updated_at for s in stations if s.status is not None]
    return max(moments, default=None)


async def register(
    *, session: AsyncSession, station_id: str, station_in: VehicleStationCreate
) -> VehicleStation:
    await systems.require(session=session, system_id=station_in.system_id)
    station = VehicleStation(
        id=domain.vehicle_station_id(station_in.system_id, station_in.external_id),
        station_id=station_id,
        **station_in.model_dump(),
    )
    session.add(station)
    mark_vehicle_station_changed(session, station)
    await commit_or_conflict(session, detail=f"Vehicle station {station.id!r} is already registered.")
    return await one_or_404(
        session, VehicleStation, "unknown-vehicle-station", station_id=station_id, id=station.id
    )


async def report_status(
    *,
    session: AsyncSession,
    station_id: str,
    vehicle_station_id: str,
    report_in: StatusReportIn,
    now: datetime | None = None,
) -> VehicleStation:
    """Accept a status report: validate it, keep it if newer than what we have, publish the change."""
    station = await one_or_404(
        session, VehicleStation, "unknown-vehicle-station", station_id=station_id, id=vehicle_station_id
    )
    report = domain.StatusReport(
        num_vehicles_available=report_in.num_vehicles_available,
        vehicle_types_available=tuple(
            (c.vehicle_type_id, c.count) for c in report_in.vehicle_types_available
        ),
        num_docks_available=report_in.num_docks_available,
        num_vehicles_disabled=report_in.num_vehicles_disabled,
        num_docks_disabled=report_in.num_docks_disabled,
        is_installed=report_in.is_installed,
        is_renting=report_in.is_renting,
        is_returning=report_in.is_returning,
        last_reported=report_in.last_reported,
    )
    known = {t.id for t in await vehicle_types.of_systems(session=session, system_ids={station.system_id})}
    problems = domain.status_report_problems(
        report, capacity=station.capacity, known_vehicle_types=known, now=now or utcnow()
    )
    if problems:
        raise InvalidInput.from_problems("The status report is inconsistent; see `errors`.", problems)
    previous = station.status.last_reported if station.status else None
    if previous is not None and domain.is_stale(report, previous):
        raise Conflict(
            f"A newer report (last_reported {previous.isoformat()}) is already recorded.", slug="stale-report"
        )
    values = {
        "num_vehicles_available": report.num_vehicles_available,
        "vehicle_types_available": [
            {"vehicle_type_id": type_id, "count": count}
            for type_id, count in sorted(report.vehicle_types_available)
        ],
        "num_docks_available": report.num_docks_available,
        "num_vehicles_disabled": report.num_vehicles_disabled,
        "num_docks_disabled": report.num_docks_disabled,
        "is_installed": report.is_installed,
        "is_renting": report.is_renting,
        "is_returning": report.is_returning,
        "last_reported": report.last_reported,
        "updated_at": utcnow(),
    }
    if station.status is None:
        station.status = VehicleStationStatus(vehicle_station_id=station.id, **values)
        try:
            await session.flush()
        except IntegrityError as exc:
            await session.rollback()
            raise Conflict(
                "Another first report was recorded meanwhile; retry.", slug="stale-report"
            ) from exc
    else:
        # Conditional update: a newer report committed meanwhile wins, whatever the backend.
        result = await session.execute(
            update_rows(VehicleStationStatus)
            .where(
                VehicleStationStatus.vehicle_station_id == station.id,
                VehicleStationStatus.last_reported <= report.last_reported,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if rows_changed(result) == 0:
            await session.rollback()
            raise Conflict("A newer report was recorded meanwhile.", slug="stale-report")
        await session.refresh(station.status)
    kinds = await vehicle_type_kinds(session, station.system_id)
    await stage(session, OUTBOX, events.status_changed(station, station.status, kinds))
    mark_vehicle_station_changed(session, station)
    await session.commit()
    return station


async def update(
    *, session: AsyncSession, station_id: str, vehicle_station_id: str, station_in: VehicleStationUpdate
) -> VehicleStation:
    station = await one_or_404(
        session, VehicleStation, "unknown-vehicle-station", station_id=station_id, id=vehicle_station_id
    )
    changes = station_in.model_dump(exclude_unset=True)
    capacity = changes.get("capacity", station.capacity)
    if capacity is not None and station.status is not None:
        held = station.status.num_vehicles_available + (station.status.num_docks_available or 0)
        if held > capacity:
            raise InvalidInput.from_problems(
                "The station holds more than that.",
                [FieldProblem("capacity", f"its last report counts {held} vehicles and free docks")],
            )
    apply(station, changes)
    station.updated_at = utcnow()
    mark_vehicle_station_changed(session, station)
    await session.commit()
    return station


async def delete(*, session: AsyncSession, station_id: str, vehicle_station_id: str) -> None:
    station = await one_or_404(
        session, VehicleStation, "unknown-vehicle-station", station_id=station_id, id=vehicle_station_id
    )
    mark_vehicle_station_changed(session, station)
    await session.delete(station)
    await session.commit()
