"""info_kiosk's use cases: points of interest, and the vehicle availability read model fed by events."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.contracts.lockers import BankAvailabilityChanged
from kernel.contracts.mobility import VehicleStationStatusChanged
from kernel.contracts.signage import AlertCleared, AlertRaised
from kernel.db import one_or_404, utcnow
from kernel.errors import Conflict, InvalidInput
from kernel.hot_reads import mark_changed
from kernel.outbox import stage
from services.info_kiosk import events, gtfs
from services.info_kiosk.domain import directory, graph_rules, live, routing
from services.info_kiosk.models import (
    OUTBOX,
    EquipmentOutage,
    Level,
    LockerAvailability,
    Pathway,
    Place,
    PointOfInterest,
    SourceActivity,
    StationAlert,
    StationGraph,
    VehicleAvailability,
)
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
    problems = directory.point_of_interest_problems(names=point_in.names, descriptions=point_in.descriptions)
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


# -- the station graph ------------------------------------------------------------------------------

GRAPH = "graph"
LIVE = "live"
# Each process keeps the routing graphs of the last versions it served: a version is never reused
# (a fresh uuid per write), so an entry is never stale, only unused.
_GRAPHS: OrderedDict[str, routing.RoutingGraph] = OrderedDict()
_GRAPHS_KEPT = 16
# How much of a version names the structure of the graph (the rest changes with the outages).
_STRUCTURE = 16


async def graph_version(*, session: AsyncSession, station_id: str) -> str | None:
    return await session.scalar(select(StationGraph.version).where(StationGraph.station_id == station_id))


async def _graph_changed(session: AsyncSession, station_id: str, *, structure: bool = True) -> None:
    """A new version: every process's routing graph of the station is now out of date.

    The version is two halves: the structure (levels, places, pathways) and the outages. An outage
    keeps the first half, so a process reuses its adjacency and only reads the outages again."""
    row = await session.get(StationGraph, station_id)
    fresh = uuid.uuid4().hex
    if row is None:
        session.add(StationGraph(station_id=station_id, version=fresh, updated_at=utcnow()))
    else:
        keep = row.version[:_STRUCTURE] if not structure else fresh[:_STRUCTURE]
        row.version, row.updated_at = keep + fresh[_STRUCTURE:], utcnow()
    mark_changed(session, station_id, GRAPH, LIVE)


def level_record(level: Level) -> graph_rules.LevelRecord:
    return graph_rules.LevelRecord(level.code, level.index, level.names)


def place_record(place: Place) -> graph_rules.PlaceRecord:
    return graph_rules.PlaceRecord(
        place.code, place.kind, place.names, place.level_code, place.lat, place.lon, place.line
    )


def pathway_record(pathway: Pathway) -> graph_rules.PathwayRecord:
    return graph_rules.PathwayRecord(
        pathway.code,
        pathway.from_code,
        pathway.to_code,
        pathway.mode,
        pathway.bidirectional,
        pathway.length_m,
        pathway.traversal_time_s,
        pathway.stair_count,
    )


async def all_rows(session: AsyncSession, model: type[Any], station_id: str) -> Sequence[Any]:
    return (
        await session.scalars(select(model).where(model.station_id == station_id).order_by(model.code))
    ).all()


async def load_feed(*, session: AsyncSession, station_id: str) -> gtfs.Feed:
    return gtfs.Feed(
        levels=[level_record(level) for level in await all_rows(session, Level, station_id)],
        places=[place_record(place) for place in await all_rows(session, Place, station_id)],
        pathways=[pathway_record(pathway) for pathway in await all_rows(session, Pathway, station_id)],
    )


async def outages(
    *, session: AsyncSession, station_id: str, now: datetime | None = None
) -> Sequence[EquipmentOutage]:
    """The outages that count now: one whose `until` has passed no longer does."""
    now = now or utcnow()
    rows = (
        await session.scalars(
            select(EquipmentOutage)
            .where(EquipmentOutage.station_id == station_id)
            .order_by(EquipmentOutage.place_code)
        )
    ).all()
    return [row for row in rows if graph_rules.outage_counts(row.until, now)]


async def routing_graph(*, session: AsyncSession, station_id: str) -> tuple[str | None, routing.RoutingGraph]:
    """The station's routing graph at its current version: one small query when it is known."""
    version = await graph_version(session=session, station_id=station_id)
    key = f"{station_id}:{version}"
    now = utcnow()
    graph = _GRAPHS.get(key)
    if graph is None:
        closed = {
            outage.place_code: outage.until
            for outage in await outages(session=session, station_id=station_id, now=now)
        }
        structure = f"{station_id}:{(version or '')[:_STRUCTURE]}"
        same = next((g for k, g in reversed(_GRAPHS.items()) if version and k.startswith(structure)), None)
        if same is not None:
            # Only the outages changed: no need to read the graph again nor rebuild its adjacency.
            graph = same.with_outages(closed)
        else:
            feed = await load_feed(session=session, station_id=station_id)
            previous = next((g for k, g in reversed(_GRAPHS.items()) if k.startswith(f"{station_id}:")), None)
            graph = routing.RoutingGraph(feed.levels, feed.places, feed.pathways, closed, same_as=previous)
        _GRAPHS[key] = graph
        while len(_GRAPHS) > _GRAPHS_KEPT:
            _GRAPHS.popitem(last=False)
    else:
        _GRAPHS.move_to_end(key)
        current = graph.current(now)
        if current is not graph:
            _GRAPHS[key] = graph = current
    return version, graph


def _refuse(problems: Sequence[graph_rules.GraphProblem], detail: str) -> InvalidInput:
    return InvalidInput.from_problems(detail, list(problems))


async def _check_graph(session: AsyncSession, station_id: str, feed: gtfs.Feed) -> None:
    problems = graph_rules.graph_problems(feed.levels, feed.places, feed.pathways)
    if problems:
        raise _refuse(problems, "The graph would have broken references; see `errors`.")


async def replace_graph(*, session: AsyncSession, station_id: str, feed: gtfs.Feed) -> None:
    """Put a whole graph (a GTFS import) in place of the station's, or refuse it and change nothing."""
    await _check_graph(session, station_id, feed)
    for model in (Pathway, Place, Level):
        await session.execute(delete(model).where(model.station_id == station_id))
    session.add_all(Level(id=_id(), station_id=station_id, **vars(level)) for level in feed.levels)
    session.add_all(Place(id=_id(), station_id=station_id, **vars(place)) for place in feed.places)
    session.add_all(Pathway(id=_id(), station_id=station_id, **vars(pathway)) for pathway in feed.pathways)
    await _graph_changed(session, station_id)
    await session.commit()


def _id() -> str:
    return uuid.uuid4().hex


async def graph_report(
    *, session: AsyncSession, station_id: str
) -> tuple[str | None, routing.RoutingGraph, list]:
    version, graph = await routing_graph(session=session, station_id=station_id)
    return version, graph, routing.graph_warnings(graph)


# Operator CRUD by code: one helper per verb for the three tables.
GraphModel = type[Level] | type[Place] | type[Pathway]


async def _write(session: AsyncSession, station_id: str, proposed: gtfs.Feed) -> None:
    await _check_graph(session, station_id, proposed)
    await _graph_changed(session, station_id)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise Conflict("Another change to the same code was made at the same time; try again.") from None


async def create_item(*, session: AsyncSession, station_id: str, model: Any, values: dict[str, Any]) -> Any:
    """Add a level, place or pathway, after checking that the graph stays whole with it."""
    feed = await load_feed(session=session, station_id=station_id)
    record_type = {
        Level: graph_rules.LevelRecord,
        Place: graph_rules.PlaceRecord,
        Pathway: graph_rules.PathwayRecord,
    }[model]
    field = {Level: "levels", Place: "places", Pathway: "pathways"}[model]
    existing = getattr(feed, field)
    if any(item.code == values["code"] for item in existing):
        raise Conflict.taken(
            f"{model.__tablename__} {values['code']!r} already exists at {station_id}.", "code"
        )
    existing.append(record_type(**values))
    row = model(id=_id(), station_id=station_id, **values)
    session.add(row)
    await _write(session, station_id, feed)
    return row


async def update_item(
    *, session: AsyncSession, station_id: str, model: Any, code: str, changes: dict[str, Any]
) -> Any:
    row = await one_or_404(session, model, "not-found", station_id=station_id, code=code)
    for name, value in changes.items():
        setattr(row, name, value)
    await session.flush()
    await _write(session, station_id, await load_feed(session=session, station_id=station_id))
    return row


async def remove_item(*, session: AsyncSession, station_id: str, model: Any, code: str) -> None:
    """Delete by code; a level with places or a place with pathways is refused (409) instead of
    leaving references that point nowhere."""
    row = await one_or_404(session, model, "not-found", station_id=station_id, code=code)
    feed = await load_feed(session=session, station_id=station_id)
    if model is Level:
        users = [place.code for place in feed.places if place.level_code == code]
    elif model is Place:
        users = [pathway.code for pathway in feed.pathways if code in (pathway.from_code, pathway.to_code)]
    else:
        users = []
    if users:
        raise Conflict(f"{code!r} is still used by: {', '.join(users[:20])}; change or delete those first.")
    await session.delete(row)
    if model is Place:
        await session.execute(
            delete(EquipmentOutage).where(
                EquipmentOutage.station_id == station_id, EquipmentOutage.place_code == code
            )
        )
    await _graph_changed(session, station_id)
    await session.commit()


# -- equipment -------------------------------------------------------------------------------------


async def set_equipment_status(
    *,
    session: AsyncSession,
    station_id: str,
    place_code: str,
    status: str,
    reason: str | None,
    until: datetime | None,
    reported_by: str,
) -> tuple[Place, EquipmentOutage | None]:
    """Put a lift, escalator or gate out of service or back; routing avoids it from the commit on."""
    place = await one_or_404(session, Place, "not-found", station_id=station_id, code=place_code)
    if place.kind not in graph_rules.EQUIPMENT_KINDS:
        raise InvalidInput(
            f"{place_code!r} is a {place.kind}, not equipment that can be out of service "
            f"({', '.join(sorted(graph_rules.EQUIPMENT_KINDS))}).",
            errors=[{"in": "path", "field": "place_code", "detail": "not equipment"}],
        )
    outage = await session.get(EquipmentOutage, (station_id, place_code))
    now = utcnow()
    if status == "out_of_service":
        if outage is None:
            outage = EquipmentOutage(station_id=station_id, place_code=place_code, reported_by=reported_by)
            session.add(outage)
        outage.reason, outage.until, outage.reported_by, outage.changed_at = reason, until, reported_by, now
    elif outage is not None:
        await session.delete(outage)
        outage = None
    level = await session.scalar(
        select(Level).where(Level.station_id == station_id, Level.code == place.level_code)
    )
    await stage(
        session,
        OUTBOX,
        events.equipment_status_changed(
            place=place,
            level_index=int(level.index) if level else 0,
            status=status,
            reason=reason,
            until=until,
            changed_at=now,
        ),
    )
    await _graph_changed(session, station_id, structure=False)
    await session.commit()
    return place, outage


# -- live panels (read models) ---------------------------------------------------------------------


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


async def station_of_place(*, session: AsyncSession, code: str, not_station: str) -> str | None:
    """Which other station has a place of that code (to tell a traveller who mixed stations up)."""
    return await session.scalar(
        select(Place.station_id).where(Place.code == code, Place.station_id != not_station).limit(1)
    )
