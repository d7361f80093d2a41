"""Equipment out of service: operators and kiosks report it, routes avoid it at once."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from kernel.deps import SessionDep, StationId
from kernel.openapi import problem_responses
from kernel.pagination import Page, PageRequest, page_of_items, page_request
from kernel.registry import INFO_KIOSK
from services.info_kiosk.api.common import AcceptLanguage, Language, OperatorOrKiosk, PlaceCode, negotiated
from services.info_kiosk.domain import graph_rules, languages
from services.info_kiosk.models import EquipmentOutage, Place
from services.info_kiosk.schemas import EquipmentPublic, EquipmentStatusUpdate
from services.info_kiosk.service import equipment_status, station_graph

router = APIRouter(prefix=INFO_KIOSK.path_prefix, tags=["kiosk"])


def equipment_public(
    place: Place | graph_rules.PlaceRecord, outage: EquipmentOutage | None, preferred: list[str]
) -> EquipmentPublic:
    return EquipmentPublic(
        place_code=place.code,
        kind=place.kind,
        name=languages.localized(place.names, preferred),
        names=dict(place.names),
        level_code=place.level_code,
        status="out_of_service" if outage else "in_service",
        reason=outage.reason if outage else None,
        until=outage.until if outage else None,
        changed_at=outage.changed_at if outage else None,
    )


@router.put(
    "/equipment/{code}",
    responses=problem_responses(
        {422: "The place is not equipment (lift, escalator, travelator, fare gate)."}
    ),
    summary="Put a lift, escalator or gate out of service or back; routes avoid it at once",
)
async def set_equipment_status(
    station_id: StationId,
    code: PlaceCode,
    status_in: EquipmentStatusUpdate,
    session: SessionDep,
    caller: OperatorOrKiosk,
) -> EquipmentPublic:
    place, outage = await equipment_status.set_equipment_status(
        session=session,
        station_id=station_id,
        place_code=code,
        status=status_in.status,
        reason=status_in.reason,
        until=status_in.until,
        reported_by=caller.client_id or caller.subject,
    )
    return equipment_public(place, outage, [])


@router.get("/equipment", summary="Equipment out of service now, by place code")
async def list_outages(
    station_id: StationId,
    session: SessionDep,
    lang: Language = None,
    accept_language: AcceptLanguage = None,
    page: PageRequest = Depends(page_request),
) -> Page[EquipmentPublic]:
    preferred = negotiated(lang, accept_language)
    _, graph = await station_graph.routing_graph(session=session, station_id=station_id)
    rows = await station_graph.outages(session=session, station_id=station_id)
    known = [row for row in rows if row.place_code in graph.index]
    chunk, next_cursor = page_of_items(known, lambda row: (row.place_code,), page)
    return Page[EquipmentPublic](
        items=[equipment_public(graph.places[graph.index[row.place_code]], row, preferred) for row in chunk],
        next_cursor=next_cursor,
    )
