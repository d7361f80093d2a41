"""The station graph: its versions, the routing graph each process keeps per version, GTFS
import, and operators' edits level by level, place by place, pathway by pathway."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.db import one_or_404, utcnow
from kernel.errors import Conflict, InvalidInput
from kernel.hot_reads import mark_changed
from services.info_kiosk import gtfs
from services.info_kiosk.domain import graph_rules, routing
from services.info_kiosk.models import EquipmentOutage, ExitDestination, Level, Pathway, Place, StationGraph
from services.info_kiosk.service.tags import GRAPH, LIVE

# Each process keeps the routing graphs of the last versions it served: a version is never reused
# (a fresh uuid per write), so an entry is never stale, only unused.
_GRAPHS: OrderedDict[str, routing.RoutingGraph] = OrderedDict()
_GRAPHS_KEPT = 16
# How much of a version names the structure of the graph (the rest changes with the outages).
_STRUCTURE = 16


async def graph_version(*, session: AsyncSession, station_id: str) -> str | None:
    return await session.scalar(select(StationGraph.version).where(StationGraph.station_id == station_id))


async def graph_changed(session: AsyncSession, station_id: str, *, structure: bool = True) -> None:
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
    await graph_changed(session, station_id)
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
    await graph_changed(session, station_id)
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
        # What the exit leads to outside would lead nowhere.
        users += (
            await session.scalars(
                select(ExitDestination.code).where(
                    ExitDestination.station_id == station_id, ExitDestination.exit_code == code
                )
            )
        ).all()
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
    await graph_changed(session, station_id)
    await session.commit()


async def station_of_place(*, session: AsyncSession, code: str, not_station: str) -> str | None:
    """Which other station has a place of that code (to tell a traveller who mixed stations up)."""
    return await session.scalar(
        select(Place.station_id).where(Place.code == code, Place.station_id != not_station).limit(1)
    )
