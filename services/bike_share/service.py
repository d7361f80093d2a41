"""bike_share's use cases: load, check with domain rules, store, and stage events in one transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.catalog import network_stations, station_names
from kernel.contracts import mobility
from kernel.db import rows_changed, utcnow
from kernel.errors import Conflict, InvalidInput, NotFound, commit_or_conflict
from kernel.hot_reads import mark_changed
from kernel.outbox import stage
from kernel.rules import FieldProblem
from kernel.settings import ServiceSettings
from services.bike_share import domain, events, gbfs
from services.bike_share.models import (
    OUTBOX,
    Base,
    FeedState,
    PricingPlan,
    System,
    Vehicle,
    VehicleStation,
    VehicleStationStatus,
    VehicleType,
)
from services.bike_share.schemas import (
    NearbyPlace,
    PricingPlanCreate,
    PricingPlanUpdate,
    StatusReportIn,
    SystemCreate,
    SystemUpdate,
    VehicleCreate,
    VehicleStationCreate,
    VehicleStationUpdate,
    VehicleTypeCreate,
    VehicleTypeUpdate,
    VehicleUpdate,
)

# What the hot reads show (api.py), within a station: a commit that changes it marks it.
VEHICLE_STATIONS = "vehicle-stations"
# Every GBFS file of the station (they are small: one tag is simpler than one per file).
GBFS = "gbfs"
T = TypeVar("T", bound=Base)


def vehicle_station_tag(vehicle_station_id: str) -> str:
    return f"vehicle-station:{vehicle_station_id}"


def mark_vehicle_station_changed(session: AsyncSession, station: VehicleStation) -> None:
    mark_changed(session, station.station_id, VEHICLE_STATIONS, GBFS, vehicle_station_tag(station.id))


def mark_stations_changed(session: AsyncSession, stations: Iterable[str]) -> None:
    """Systems, vehicle types and pricing plans are shared: every station shows them."""
    for station_id in stations:
        mark_changed(session, station_id, VEHICLE_STATIONS, GBFS)


async def paged(session: AsyncSession, query: Select[T], *, offset: int, limit: int) -> tuple[list[T], int]:
    """One page of a listing and the number of rows in all."""
    total = await session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = (await session.scalars(query.offset(offset).limit(limit))).unique().all()
    return list(rows), total


def apply(row: Base, changes: dict[str, Any]) -> None:
    for field, value in changes.items():
        setattr(row, field, value)


# -- systems -----------------------------------------------------------------------------------


async def get_system_or_raise(*, session: AsyncSession, system_id: str) -> System:
    found = await session.get(System, system_id)
    if found is None:
        raise NotFound(f"No system {system_id!r}.")
    return found


async def require_system(*, session: AsyncSession, system_id: str, field: str = "system_id") -> System:
    """A system a body names must exist: a 422 on that field otherwise."""
    found = await session.get(System, system_id)
    if found is None:
        raise InvalidInput.from_problems(
            "The body names an unknown system.", [FieldProblem(field, f"no system {system_id!r}")]
        )
    return found


async def configuration_changed(
    session: AsyncSession, stations: Iterable[str], entity: str, verb: str, id: str, system_id: str
) -> None:
    """The notice of a configuration change, in the change's transaction (outbox). Not flushed here:
    the change's own rows (a duplicate id, say) must fail in `commit_or_conflict`, as a 409."""
    with session.no_autoflush:
        await stage(
            session, OUTBOX, *events.configuration_changed(stations, entity, verb, id=id, system_id=system_id)
        )


async def list_systems(*, session: AsyncSession, offset: int, limit: int) -> tuple[list[System], int]:
    return await paged(session, select(System).order_by(System.id), offset=offset, limit=limit)


async def create_system(*, session: AsyncSession, system_in: SystemCreate, stations: Iterable[str]) -> System:
    system = System(**system_in.model_dump())
    session.add(system)
    if system.feed_url:
        session.add(FeedState(system_id=system.id, url=system.feed_url, state="pending", etags={}))
    mark_stations_changed(session, stations)
    await configuration_changed(session, stations, mobility.SYSTEM, mobility.CREATED, system.id, system.id)
    await commit_or_conflict(session, detail=f"System {system.id!r} already exists.")
    return system


async def update_system(
    *, session: AsyncSession, system_id: str, system_in: SystemUpdate, stations: Iterable[str]
) -> System:
    system = await get_system_or_raise(session=session, system_id=system_id)
    changes = system_in.model_dump(exclude_unset=True)
    apply(system, changes)
    if "feed_url" in changes:
        feed = await session.get(FeedState, system_id)
        if system.feed_url is None and feed is not None:
            await session.delete(feed)
        elif system.feed_url is not None and feed is None:
            session.add(FeedState(system_id=system.id, url=system.feed_url, state="pending", etags={}))
        elif system.feed_url is not None and feed is not None:
            feed.url, feed.state, feed.reason, feed.etags = system.feed_url, "pending", None, {}
    system.updated_at = utcnow()
    mark_stations_changed(session, stations)
    await configuration_changed(session, stations, mobility.SYSTEM, mobility.UPDATED, system.id, system.id)
    await commit_or_conflict(session)
    return system


async def delete_system(*, session: AsyncSession, system_id: str, stations: Iterable[str]) -> None:
    """A system goes only once nothing of it is left: its stations, vehicles, types and plans."""
    system = await get_system_or_raise(session=session, system_id=system_id)
    for model in (VehicleStation, Vehicle, VehicleType, PricingPlan):
        used = await session.scalar(select(func.count()).where(model.system_id == system_id))
        if used:
            raise Conflict(
                f"System {system_id!r} still has {used} {model.__tablename__.replace('_', ' ')}(s); remove them first.",
                slug="system-in-use",
            )
    feed = await session.get(FeedState, system_id)
    if feed is not None:
        await session.delete(feed)
    await session.delete(system)
    mark_stations_changed(session, stations)
    await configuration_changed(session, stations, mobility.SYSTEM, mobility.DELETED, system.id, system.id)
    await session.commit()


async def list_feed_states(*, session: AsyncSession) -> Sequence[FeedState]:
    return (await session.scalars(select(FeedState).order_by(FeedState.system_id))).all()


# -- pricing plans -----------------------------------------------------------------------------


async def get_pricing_plan_or_raise(*, session: AsyncSession, plan_id: str) -> PricingPlan:
    found = await session.get(PricingPlan, plan_id)
    if found is None:
        raise NotFound(f"No pricing plan {plan_id!r}.")
    return found


async def list_pricing_plans(
    *, session: AsyncSession, offset: int, limit: int, system_id: str | None = None
) -> tuple[list[PricingPlan], int]:
    query = select(PricingPlan).order_by(PricingPlan.id)
    if system_id is not None:
        query = query.where(PricingPlan.system_id == system_id)
    return await paged(session, query, offset=offset, limit=limit)


async def create_pricing_plan(
    *, session: AsyncSession, plan_in: PricingPlanCreate, stations: Iterable[str]
) -> PricingPlan:
    await require_system(session=session, system_id=plan_in.system_id)
    plan = PricingPlan(**plan_in.model_dump())
    session.add(plan)
    mark_stations_changed(session, stations)
    await configuration_changed(
        session, stations, mobility.PRICING_PLAN, mobility.CREATED, plan.id, plan.system_id
    )
    await commit_or_conflict(session, detail=f"Pricing plan {plan.id!r} already exists.")
    return plan


async def update_pricing_plan(
    *, session: AsyncSession, plan_id: str, plan_in: PricingPlanUpdate, stations: Iterable[str]
) -> PricingPlan:
    plan = await get_pricing_plan_or_raise(session=session, plan_id=plan_id)
    apply(plan, plan_in.model_dump(exclude_unset=True))
    plan.updated_at = utcnow()
    mark_stations_changed(session, stations)
    await configuration_changed(
        session, stations, mobility.PRICING_PLAN, mobility.UPDATED, plan.id, plan.system_id
    )
    await commit_or_conflict(session)
    return plan


async def delete_pricing_plan(*, session: AsyncSession, plan_id: str, stations: Iterable[str]) -> None:
    plan = await get_pricing_plan_or_raise(session=session, plan_id=plan_id)
    used = await session.scalar(select(func.count()).where(VehicleType.pricing_plan_id == plan_id))
    if used:
        raise Conflict(
            f"{used} vehicle type(s) still use pricing plan {plan_id!r}.", slug="pricing-plan-in-use"
        )
    await session.delete(plan)
    mark_stations_changed(session, stations)
    await configuration_changed(
        session, stations, mobility.PRICING_PLAN, mobility.DELETED, plan.id, plan.system_id
    )
    await session.commit()


# -- vehicle types -----------------------------------------------------------------------------


async def get_vehicle_type_or_raise(*, session: AsyncSession, vehicle_type_id: str) -> VehicleType:
    found = await session.get(VehicleType, vehicle_type_id)
    if found is None:
        raise NotFound(f"No vehicle type {vehicle_type_id!r}.")
    return found


async def check_pricing_plan(session: AsyncSession, plan_id: str | None, system_id: str) -> None:
    if plan_id is None:
        return
    plan = await session.get(PricingPlan, plan_id)
    if plan is None or plan.system_id != system_id:
        raise InvalidInput.from_problems(
            "The body names an unknown pricing plan.",
            [FieldProblem("pricing_plan_id", f"no pricing plan {plan_id!r} in system {system_id!r}")],
        )


async def page_vehicle_types(
    *, session: AsyncSession, offset: int, limit: int, system_id: str | None = None
) -> tuple[list[VehicleType], int]:
    query = select(VehicleType).order_by(VehicleType.id)
    if system_id is not None:
        query = query.where(VehicleType.system_id == system_id)
    return await paged(session, query, offset=offset, limit=limit)


async def create_vehicle_type(
    *, session: AsyncSession, type_in: VehicleTypeCreate, stations: Iterable[str]
) -> VehicleType:
    await require_system(session=session, system_id=type_in.system_id)
    await check_pricing_plan(session, type_in.pricing_plan_id, type_in.system_id)
    vehicle_type = VehicleType(**type_in.model_dump())
    session.add(vehicle_type)
    mark_stations_changed(session, stations)
    await configuration_changed(
        session, stations, mobility.VEHICLE_TYPE, mobility.CREATED, vehicle_type.id, vehicle_type.system_id
    )
    await commit_or_conflict(session, detail=f"Vehicle type {vehicle_type.id!r} already exists.")
    return vehicle_type


async def update_vehicle_type(
    *, session: AsyncSession, vehicle_type_id: str, type_in: VehicleTypeUpdate, stations: Iterable[str]
) -> VehicleType:
    vehicle_type = await get_vehicle_type_or_raise(session=session, vehicle_type_id=vehicle_type_id)
    changes = type_in.model_dump(exclude_unset=True)
    await check_pricing_plan(session, changes.get("pricing_plan_id"), vehicle_type.system_id)
    propulsion = changes.get("propulsion_type", vehicle_type.propulsion_type)
    max_range = changes.get("max_range_meters", vehicle_type.max_range_meters)
    if propulsion != "human" and max_range is None:
        raise InvalidInput.from_problems(
            "A vehicle with a motor needs its range.",
            [FieldProblem("max_range_meters", "is required for a vehicle with a motor (GBFS 3.0)")],
        )
    apply(vehicle_type, changes)
    vehicle_type.updated_at = utcnow()
    mark_stations_changed(session, stations)
    await configuration_changed(
        session, stations, mobility.VEHICLE_TYPE, mobility.UPDATED, vehicle_type.id, vehicle_type.system_id
    )
    await commit_or_conflict(session)
    return vehicle_type


async def delete_vehicle_type(
    *, session: AsyncSession, vehicle_type_id: str, stations: Iterable[str]
) -> None:
    vehicle_type = await get_vehicle_type_or_raise(session=session, vehicle_type_id=vehicle_type_id)
    vehicles = await session.scalar(select(func.count()).where(Vehicle.vehicle_type_id == vehicle_type_id))
    if vehicles:
        raise Conflict(f"{vehicles} vehicle(s) are of type {vehicle_type_id!r}.", slug="vehicle-type-in-use")
    await session.delete(vehicle_type)
    mark_stations_changed(session, stations)
    await configuration_changed(
        session, stations, mobility.VEHICLE_TYPE, mobility.DELETED, vehicle_type.id, vehicle_type.system_id
    )
    await session.commit()


def last_change(stations: Iterable[VehicleStation], types: Iterable[VehicleType] = ()) -> datetime | None:
    """When what a listing shows last changed: a registration, a type, or a status report."""
    moments = [s.created_at for s in stations]
    moments += [s.status.updated_at for s in stations if s.status is not None]
    moments += [t.created_at for t in types]
    return max(moments, default=None)


async def list_vehicle_stations(*, session: AsyncSession, station_id: str) -> Sequence[VehicleStation]:
    """The station's vehicle stations, nearest first, each with its latest status."""
    result = await session.scalars(
        select(VehicleStation)
        .where(VehicleStation.station_id == station_id)
        .order_by(VehicleStation.distance_m.is_(None), VehicleStation.distance_m, VehicleStation.name)
    )
    return result.unique().all()


async def list_vehicle_types(
    *, session: AsyncSession, system_ids: set[str] | None = None
) -> Sequence[VehicleType]:
    query = select(VehicleType).order_by(VehicleType.id)
    if system_ids is not None:
        query = query.where(VehicleType.system_id.in_(system_ids))
    return (await session.scalars(query)).all()


async def get_vehicle_station_or_raise(
    *, session: AsyncSession, station_id: str, vehicle_station_id: str
) -> VehicleStation:
    found = await session.scalar(
        select(VehicleStation).where(
            VehicleStation.id == vehicle_station_id, VehicleStation.station_id == station_id
        )
    )
    if found is None:
        raise NotFound(f"No vehicle station {vehicle_station_id!r} at {station_id}.")
    return found


async def ensure_system(*, session: AsyncSession, system: System) -> None:
    """Add a system unless it exists (demo data, tests)."""
    if await session.get(System, system.id) is None:
        session.add(system)
        await session.commit()


async def ensure_vehicle_type(*, session: AsyncSession, vehicle_type: VehicleType) -> None:
    """Add a vehicle type unless it exists; every station listing its system shows it."""
    if await session.get(VehicleType, vehicle_type.id) is None:
        session.add(vehicle_type)
        showing = await session.scalars(
            select(VehicleStation.station_id)
            .where(VehicleStation.system_id == vehicle_type.system_id)
            .distinct()
        )
        for station_id in showing:
            mark_changed(session, station_id, VEHICLE_STATIONS)
        await session.commit()


async def register_vehicle_station(
    *, session: AsyncSession, station_id: str, station_in: VehicleStationCreate
) -> VehicleStation:
    await require_system(session=session, system_id=station_in.system_id)
    station = VehicleStation(
        id=domain.vehicle_station_id(station_in.system_id, station_in.external_id),
        station_id=station_id,
        **station_in.model_dump(),
    )
    session.add(station)
    mark_vehicle_station_changed(session, station)
    await commit_or_conflict(session, detail=f"Vehicle station {station.id!r} is already registered.")
    return await get_vehicle_station_or_raise(
        session=session, station_id=station_id, vehicle_station_id=station.id
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
    station = await get_vehicle_station_or_raise(
        session=session, station_id=station_id, vehicle_station_id=vehicle_station_id
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
    known = {t.id for t in await list_vehicle_types(session=session, system_ids={station.system_id})}
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
            update(VehicleStationStatus)
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
    await stage(session, OUTBOX, events.status_changed(station, station.status))
    mark_vehicle_station_changed(session, station)
    await session.commit()
    return station


async def page_vehicle_stations(
    *, session: AsyncSession, station_id: str, offset: int, limit: int, system_id: str | None = None
) -> tuple[list[VehicleStation], int]:
    query = (
        select(VehicleStation)
        .where(VehicleStation.station_id == station_id)
        .order_by(VehicleStation.distance_m.is_(None), VehicleStation.distance_m, VehicleStation.id)
    )
    if system_id is not None:
        query = query.where(VehicleStation.system_id == system_id)
    return await paged(session, query, offset=offset, limit=limit)


async def update_vehicle_station(
    *, session: AsyncSession, station_id: str, vehicle_station_id: str, station_in: VehicleStationUpdate
) -> VehicleStation:
    station = await get_vehicle_station_or_raise(
        session=session, station_id=station_id, vehicle_station_id=vehicle_station_id
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


async def delete_vehicle_station(*, session: AsyncSession, station_id: str, vehicle_station_id: str) -> None:
    station = await get_vehicle_station_or_raise(
        session=session, station_id=station_id, vehicle_station_id=vehicle_station_id
    )
    mark_vehicle_station_changed(session, station)
    await session.delete(station)
    await session.commit()


# -- free-floating vehicles --------------------------------------------------------------------


async def get_vehicle_or_raise(*, session: AsyncSession, station_id: str, vehicle_id: str) -> Vehicle:
    found = await session.scalar(
        select(Vehicle).where(Vehicle.id == vehicle_id, Vehicle.station_id == station_id)
    )
    if found is None:
        raise NotFound(f"No vehicle {vehicle_id!r} at {station_id}.")
    return found


async def page_vehicles(
    *, session: AsyncSession, station_id: str, offset: int, limit: int, vehicle_type_id: str | None = None
) -> tuple[list[Vehicle], int]:
    query = select(Vehicle).where(Vehicle.station_id == station_id).order_by(Vehicle.id)
    if vehicle_type_id is not None:
        query = query.where(Vehicle.vehicle_type_id == vehicle_type_id)
    return await paged(session, query, offset=offset, limit=limit)


async def list_vehicles(*, session: AsyncSession, station_id: str) -> Sequence[Vehicle]:
    return (
        await session.scalars(select(Vehicle).where(Vehicle.station_id == station_id).order_by(Vehicle.id))
    ).all()


async def create_vehicle(*, session: AsyncSession, station_id: str, vehicle_in: VehicleCreate) -> Vehicle:
    await require_system(session=session, system_id=vehicle_in.system_id)
    vehicle_type = await session.get(VehicleType, vehicle_in.vehicle_type_id)
    if vehicle_type is None or vehicle_type.system_id != vehicle_in.system_id:
        raise InvalidInput.from_problems(
            "The body names an unknown vehicle type.",
            [
                FieldProblem(
                    "vehicle_type_id", f"no vehicle type {vehicle_in.vehicle_type_id!r} in this system"
                )
            ],
        )
    values = vehicle_in.model_dump(exclude={"external_id"})
    vehicle = Vehicle(
        id=domain.vehicle_station_id(vehicle_in.system_id, vehicle_in.external_id),
        station_id=station_id,
        **values,
    )
    session.add(vehicle)
    mark_changed(session, station_id, GBFS)
    await commit_or_conflict(session, detail=f"Vehicle {vehicle.id!r} is already registered.")
    return vehicle


async def update_vehicle(
    *, session: AsyncSession, station_id: str, vehicle_id: str, vehicle_in: VehicleUpdate
) -> Vehicle:
    vehicle = await get_vehicle_or_raise(session=session, station_id=station_id, vehicle_id=vehicle_id)
    apply(vehicle, vehicle_in.model_dump(exclude_unset=True))
    vehicle.updated_at = utcnow()
    mark_changed(session, station_id, GBFS)
    await session.commit()
    return vehicle


async def delete_vehicle(*, session: AsyncSession, station_id: str, vehicle_id: str) -> None:
    vehicle = await get_vehicle_or_raise(session=session, station_id=station_id, vehicle_id=vehicle_id)
    await session.delete(vehicle)
    mark_changed(session, station_id, GBFS)
    await session.commit()


STARTED_AT = utcnow()


def station_position(station_id: str) -> tuple[float, float] | None:
    found = network_stations().get(station_id)
    if found is None or found.get("lat") is None:
        return None
    return float(found["lat"]), float(found["lon"])


async def station_feeds(
    *, session: AsyncSession, station_id: str, settings: ServiceSettings
) -> gbfs.StationFeeds:
    """What the station's GBFS files show, read in one go."""
    stations = await list_vehicle_stations(session=session, station_id=station_id)
    vehicles = await list_vehicles(session=session, station_id=station_id)
    system_ids = {s.system_id for s in stations} | {v.system_id for v in vehicles}
    systems = (
        await session.scalars(select(System).where(System.id.in_(system_ids)).order_by(System.id))
    ).all()
    types = await list_vehicle_types(session=session, system_ids=system_ids)
    plans = (
        await session.scalars(
            select(PricingPlan).where(PricingPlan.system_id.in_(system_ids)).order_by(PricingPlan.id)
        )
    ).all()
    return gbfs.StationFeeds(
        station_id=station_id,
        station_name=station_names().get(station_id, station_id),
        base_url=settings.public_base_url,
        contact_email=getattr(settings, "gbfs_contact_email", "open-data@gare-numerique.example.org"),
        timezone="Europe/Paris",
        systems=systems,
        vehicle_types=types,
        pricing_plans=plans,
        vehicle_stations=stations,
        vehicles=vehicles,
        started_at=STARTED_AT,
    )


async def nearby(
    *,
    session: AsyncSession,
    station_id: str,
    lat: float,
    lon: float,
    radius_m: int,
    vehicle_type_ids: set[str] | None,
) -> list[NearbyPlace]:
    """What a traveller can take near a point: stations with a vehicle available, free vehicles."""
    stations = {s.id: s for s in await list_vehicle_stations(session=session, station_id=station_id)}
    vehicles = {v.id: v for v in await list_vehicles(session=session, station_id=station_id)}
    places = [
        domain.Place(
            "vehicle_station",
            s.id,
            s.lat,
            s.lon,
            frozenset(c["vehicle_type_id"] for c in s.status.vehicle_types_available if c["count"] > 0),
        )
        for s in stations.values()
        if s.status is not None and s.status.is_renting and s.status.num_vehicles_available > 0
    ]
    places += [
        domain.Place("vehicle", v.id, v.lat, v.lon, frozenset({v.vehicle_type_id}))
        for v in vehicles.values()
        if not v.is_disabled and not v.is_reserved
    ]
    found = []
    for place, walk in domain.nearby(
        places, lat=lat, lon=lon, radius_m=radius_m, vehicle_type_ids=vehicle_type_ids
    ):
        if place.kind == "vehicle_station":
            s = stations[place.id]
            assert s.status is not None
            found.append(
                NearbyPlace(
                    kind="vehicle_station",
                    id=s.id,
                    system_id=s.system_id,
                    name=s.name,
                    lat=s.lat,
                    lon=s.lon,
                    walking_distance_m=walk,
                    walking_minutes=domain.walking_minutes(walk),
                    vehicle_types_available=s.status.vehicle_types_available,  # type: ignore[arg-type]
                    num_docks_available=s.status.num_docks_available,
                    station_kind=s.kind,  # type: ignore[arg-type]
                )
            )
        else:
            v = vehicles[place.id]
            found.append(
                NearbyPlace(
                    kind="vehicle",
                    id=v.id,
                    system_id=v.system_id,
                    name=None,
                    lat=v.lat,
                    lon=v.lon,
                    walking_distance_m=walk,
                    walking_minutes=domain.walking_minutes(walk),
                    vehicle_types_available=[{"vehicle_type_id": v.vehicle_type_id, "count": 1}],  # type: ignore[list-item]
                )
            )
    return found
