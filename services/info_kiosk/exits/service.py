"""The way out's use cases: an exit's destinations listed, added, changed, removed; the catalog's
open data placed at the nearest exit; destinations found by what a traveller types."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.catalog import CatalogStation
from kernel.db import one_or_404
from kernel.errors import InvalidInput, NotFound
from kernel.pagination import PageRequest, page_of_items
from services.info_kiosk.domain.routing import RoutingGraph
from services.info_kiosk.exits import domain
from services.info_kiosk.exits.schemas import DestinationCreate
from services.info_kiosk.models import ExitDestination
from services.info_kiosk.service import station_graph

EXIT_KIND = "entrance_exit"


def exit_points(graph: RoutingGraph) -> dict[str, domain.ExitPoint]:
    """The station's exits, by code, from its graph."""
    return {
        place.code: domain.ExitPoint(place.code, place.lat, place.lon)
        for place in graph.places
        if place.kind == EXIT_KIND
    }


def record(row: ExitDestination) -> domain.DestinationRecord:
    return domain.DestinationRecord(
        row.exit_code, row.code, row.kind, dict(row.names), tuple(row.lines), row.lat, row.lon, row.walking_m
    )


async def known_exit(*, session: AsyncSession, station_id: str, exit_code: str) -> domain.ExitPoint:
    """The exit by its code, else 404 `unknown-exit` (a place that is not an exit is not one either)."""
    _, graph = await station_graph.routing_graph(session=session, station_id=station_id)
    found = exit_points(graph).get(exit_code)
    if found is None:
        raise NotFound(f"The station {station_id} has no exit {exit_code!r}.", slug="unknown-exit")
    return found


async def destinations(
    *,
    session: AsyncSession,
    station_id: str,
    exit_code: str | None = None,
    kind: str | None = None,
    line: str | None = None,
    code: str | None = None,
) -> Sequence[ExitDestination]:
    """The destinations of the station (or of one exit), of one kind, served by one line, or by code."""
    query = select(ExitDestination).where(ExitDestination.station_id == station_id)
    if code is not None:
        query = query.where(ExitDestination.code == code)
    if exit_code is not None:
        query = query.where(ExitDestination.exit_code == exit_code)
    if kind is not None:
        query = query.where(ExitDestination.kind == kind)
    rows = (await session.scalars(query.order_by(ExitDestination.exit_code, ExitDestination.code))).all()
    if line is not None:
        rows = [row for row in rows if line in row.lines]
    return rows


async def page_of_destinations(
    *,
    session: AsyncSession,
    station_id: str,
    exit_code: str,
    kind: str | None,
    line: str | None,
    page: PageRequest,
) -> tuple[list[ExitDestination], str | None]:
    await known_exit(session=session, station_id=station_id, exit_code=exit_code)
    rows = await destinations(
        session=session, station_id=station_id, exit_code=exit_code, kind=kind, line=line
    )
    return page_of_items(list(rows), lambda row: (row.code,), page)


def _check(kind: str, lines: Sequence[str]) -> None:
    problems = domain.destination_problems(kind=kind, lines=lines)
    if problems:
        raise InvalidInput.from_problems("The destination is inconsistent; see `errors`.", problems)


async def create_destination(
    *,
    session: AsyncSession,
    station_id: str,
    exit_code: str,
    destination_in: DestinationCreate,
    source: str = "operator",
) -> ExitDestination:
    """Say that an exit leads somewhere; the code is unique under its exit (409 otherwise)."""
    await known_exit(session=session, station_id=station_id, exit_code=exit_code)
    _check(destination_in.kind, destination_in.lines)
    row = ExitDestination(
        id=uuid.uuid4().hex,
        station_id=station_id,
        exit_code=exit_code,
        source=source,
        **destination_in.model_dump(),
    )
    session.add(row)
    await session.commit()
    return row


async def one_destination(
    *, session: AsyncSession, station_id: str, exit_code: str, code: str
) -> ExitDestination:
    await known_exit(session=session, station_id=station_id, exit_code=exit_code)
    return await one_or_404(
        session, ExitDestination, "unknown-destination", station_id=station_id, exit_code=exit_code, code=code
    )


async def update_destination(
    *, session: AsyncSession, station_id: str, exit_code: str, code: str, changes: dict[str, Any]
) -> ExitDestination:
    row = await one_destination(session=session, station_id=station_id, exit_code=exit_code, code=code)
    _check(changes.get("kind", row.kind), changes.get("lines", row.lines))
    for name, value in changes.items():
        setattr(row, name, value)
    await session.commit()
    return row


async def delete_destination(*, session: AsyncSession, station_id: str, exit_code: str, code: str) -> None:
    row = await one_destination(session=session, station_id=station_id, exit_code=exit_code, code=code)
    await session.delete(row)
    await session.commit()


async def import_catalog(*, session: AsyncSession, station: CatalogStation) -> int:
    """Place the catalog's open-data vehicle stations at their nearest exit; those already there stay.
    Returns how many were added."""
    _, graph = await station_graph.routing_graph(session=session, station_id=station.slug)
    exits = list(exit_points(graph).values())
    existing = {
        (row.exit_code, row.code) for row in await destinations(session=session, station_id=station.slug)
    }
    added = 0
    for dock in station.vehicle_stations:
        nearest = domain.nearest_exit(exits, dock.lat, dock.lon)
        code = f"{dock.system_id}-{dock.code or dock.external_id}"
        if nearest is None or (nearest.code, code) in existing:
            continue
        session.add(
            ExitDestination(
                id=uuid.uuid4().hex,
                station_id=station.slug,
                exit_code=nearest.code,
                code=code,
                kind="vehicle_station",
                names={"fr": f"Vélib' {dock.name}" if dock.system_id == "velib-metropole" else dock.name},
                lines=[],
                lat=dock.lat,
                lon=dock.lon,
                walking_m=None,
                source="catalog",
                vehicle_station_id=f"{dock.system_id}-{dock.external_id}",
            )
        )
        added += 1
    await session.commit()
    return added
