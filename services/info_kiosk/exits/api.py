"""The way out, under /kiosk/exits: each exit with what it leads to (public), and operators
saying what is outside which exit, addressed by exit code and destination code."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from kernel.deps import SessionDep, StationId
from kernel.openapi import problem_responses
from kernel.pagination import Page, PageRequest, page_of_items, page_request
from kernel.registry import INFO_KIOSK
from services.info_kiosk.api.common import AcceptLanguage, Language, Operator, PlaceCode, negotiated
from services.info_kiosk.domain import languages
from services.info_kiosk.exits import domain, service
from services.info_kiosk.exits.domain import DestinationKind
from services.info_kiosk.exits.schemas import DestinationCreate, DestinationUpdate, LineCode
from services.info_kiosk.models import ExitDestination
from services.info_kiosk.schemas import DestinationPublic, ExitPublic
from services.info_kiosk.service import station_graph

router = APIRouter(prefix=INFO_KIOSK.path_prefix, tags=["kiosk"])

UNKNOWN_EXIT = problem_responses(
    {404: "The station has no exit, or the exit no destination, with this code."}
)


def destination_public(
    row: ExitDestination, exit_point: domain.ExitPoint | None, preferred: list[str]
) -> DestinationPublic:
    metres = (
        domain.walking_m(service.record(row), exit_point)
        if exit_point is not None
        else (row.walking_m or 0.0)
    )
    return DestinationPublic(
        exit_code=row.exit_code,
        code=row.code,
        kind=row.kind,  # type: ignore[arg-type]  # stored from a validated DestinationKind
        name=languages.localized(row.names, preferred),
        names=dict(row.names),
        lines=list(row.lines),
        lat=row.lat,
        lon=row.lon,
        walking_m=metres,
        walking_estimated=row.walking_m is None,
        walking_s=domain.walking_s(metres),
        source=row.source,
        vehicle_station_id=row.vehicle_station_id,
    )


@router.get("/exits", summary="The station's exits and what each leads to: streets, stops, docks, taxis…")
async def list_exits(
    station_id: StationId,
    session: SessionDep,
    leads_to: Annotated[
        DestinationKind | None, Query(description="Only exits that lead to this kind.")
    ] = None,
    line: Annotated[LineCode | None, Query(description="Only exits near a stop of this line.")] = None,
    lang: Language = None,
    accept_language: AcceptLanguage = None,
    page: PageRequest = Depends(page_request),
) -> Page[ExitPublic]:
    preferred = negotiated(lang, accept_language)
    _, graph = await station_graph.routing_graph(session=session, station_id=station_id)
    exits = service.exit_points(graph)
    rows = await service.destinations(session=session, station_id=station_id, kind=leads_to, line=line)
    by_exit: dict[str, list[ExitDestination]] = {}
    for row in rows:
        by_exit.setdefault(row.exit_code, []).append(row)
    codes = [code for code in exits if (leads_to is None and line is None) or code in by_exit]
    page_codes, next_cursor = page_of_items(sorted(codes), lambda code: (code,), page)
    items = []
    for code in page_codes:
        place = graph.places[graph.index[code]]
        items.append(
            ExitPublic(
                code=code,
                name=languages.localized(place.names, preferred),
                names=dict(place.names),
                level_code=place.level_code,
                lat=place.lat,
                lon=place.lon,
                out_of_service=code in graph.closed,
                destinations=[
                    destination_public(row, exits[code], preferred) for row in by_exit.get(code, [])
                ],
            )
        )
    return Page[ExitPublic](items=items, next_cursor=next_cursor)


@router.get(
    "/exits/{exit_code}/destinations",
    responses=UNKNOWN_EXIT,
    summary="What one exit leads to, a page at a time",
)
async def list_destinations(
    station_id: StationId,
    exit_code: PlaceCode,
    session: SessionDep,
    kind: Annotated[DestinationKind | None, Query(description="Only this kind.")] = None,
    line: Annotated[LineCode | None, Query(description="Only stops of this line.")] = None,
    lang: Language = None,
    accept_language: AcceptLanguage = None,
    page: PageRequest = Depends(page_request),
) -> Page[DestinationPublic]:
    preferred = negotiated(lang, accept_language)
    rows, next_cursor = await service.page_of_destinations(
        session=session, station_id=station_id, exit_code=exit_code, kind=kind, line=line, page=page
    )
    exit_point = await service.known_exit(session=session, station_id=station_id, exit_code=exit_code)
    return Page[DestinationPublic](
        items=[destination_public(row, exit_point, preferred) for row in rows], next_cursor=next_cursor
    )


@router.post(
    "/exits/{exit_code}/destinations",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses({404: "No exit with this code.", 409: "The exit already has this code."}),
    summary="Say what an exit leads to (a street, a bus stop and its lines, a dock, a taxi rank…)",
)
async def create_destination(
    station_id: StationId,
    exit_code: PlaceCode,
    destination_in: DestinationCreate,
    session: SessionDep,
    _: Operator,
) -> DestinationPublic:
    row = await service.create_destination(
        session=session, station_id=station_id, exit_code=exit_code, destination_in=destination_in
    )
    exit_point = await service.known_exit(session=session, station_id=station_id, exit_code=exit_code)
    return destination_public(row, exit_point, [])


@router.get(
    "/exits/{exit_code}/destinations/{code}", responses=UNKNOWN_EXIT, summary="One destination of an exit"
)
async def read_destination(
    station_id: StationId,
    exit_code: PlaceCode,
    code: PlaceCode,
    session: SessionDep,
    lang: Language = None,
    accept_language: AcceptLanguage = None,
) -> DestinationPublic:
    row = await service.one_destination(
        session=session, station_id=station_id, exit_code=exit_code, code=code
    )
    exit_point = await service.known_exit(session=session, station_id=station_id, exit_code=exit_code)
    return destination_public(row, exit_point, negotiated(lang, accept_language))


@router.patch(
    "/exits/{exit_code}/destinations/{code}", responses=UNKNOWN_EXIT, summary="Change a destination"
)
async def update_destination(
    station_id: StationId,
    exit_code: PlaceCode,
    code: PlaceCode,
    destination_in: DestinationUpdate,
    session: SessionDep,
    _: Operator,
) -> DestinationPublic:
    row = await service.update_destination(
        session=session,
        station_id=station_id,
        exit_code=exit_code,
        code=code,
        changes=destination_in.model_dump(exclude_unset=True),
    )
    exit_point = await service.known_exit(session=session, station_id=station_id, exit_code=exit_code)
    return destination_public(row, exit_point, [])


@router.delete(
    "/exits/{exit_code}/destinations/{code}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=UNKNOWN_EXIT,
    summary="Remove a destination from an exit",
)
async def delete_destination(
    station_id: StationId, exit_code: PlaceCode, code: PlaceCode, session: SessionDep, _: Operator
) -> None:
    await service.delete_destination(session=session, station_id=station_id, exit_code=exit_code, code=code)
