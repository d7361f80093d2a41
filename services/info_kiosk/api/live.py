"""The live panels: vehicles, lockers, alerts and outages, and the mobility board (hot reads)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request, Response

from kernel.db import utcnow
from kernel.deps import RuntimeDep, SessionDep, StationId
from kernel.hot_reads import HotRead, Key, ReadRequest, Rendered, hot_get
from kernel.registry import INFO_KIOSK
from kernel.stations import STATION_SLUG_PATTERN
from services.info_kiosk.api.common import AcceptLanguage, Language, language_key, negotiated
from services.info_kiosk.api.equipment import equipment_public
from services.info_kiosk.domain import languages, live
from services.info_kiosk.schemas import (
    AlertPanel,
    AlertPublic,
    LivePanels,
    LockerBankPublic,
    LockerPanel,
    MobilityBoard,
    VehicleAvailabilityPublic,
    VehiclePanel,
)
from services.info_kiosk.service import read_models, station_graph, tags

router = APIRouter(prefix=INFO_KIOSK.path_prefix, tags=["kiosk"])
MOBILITY_BOARD = HotRead(
    name="mobility-board",
    path=f"{INFO_KIOSK.path_prefix}/mobility",
    params={"station_id": STATION_SLUG_PATTERN},
    tags=lambda request: [tags.VEHICLE_AVAILABILITY],
    cache_control="public, max-age=5",
)


@hot_get(
    router,
    MOBILITY_BOARD,
    response_model=MobilityBoard,
    summary="Bikes and vehicles available near the station, live from bike_share",
)
async def mobility_board(
    station_id: StationId, request: Request, session: SessionDep, runtime: RuntimeDep
) -> Response:
    async def render() -> Rendered:
        available = await read_models.list_vehicle_availability(session=session, station_id=station_id)
        board = MobilityBoard(
            station_id=station_id,
            as_of=max((v.updated_at for v in available), default=None),
            vehicle_stations=[VehicleAvailabilityPublic.model_validate(v) for v in available],
        )
        return Rendered.of(board, last_modified=board.as_of)

    entry = await runtime.hot.entry_for(MOBILITY_BOARD, request, render)
    return entry.response(request)


def live_key(request: ReadRequest) -> Key | None:
    return language_key(request)


LIVE_PANELS = HotRead(
    name="live-panels",
    path=f"{INFO_KIOSK.path_prefix}/live",
    params={"station_id": STATION_SLUG_PATTERN},
    key=live_key,
    vary=("Accept-Language",),
    tags=lambda request: [tags.LIVE, tags.VEHICLE_AVAILABILITY],
    cache_control="public, max-age=5",
    # `stale` depends on the clock too: a few seconds late at most.
    ttl_seconds=5,
)


@hot_get(
    router,
    LIVE_PANELS,
    response_model=LivePanels,
    summary="Vehicles, lockers, alerts and outages, each panel marked stale when its source went quiet",
)
async def live_panels(
    station_id: StationId,
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    lang: Language = None,
    accept_language: AcceptLanguage = None,
) -> Response:
    preferred = negotiated(lang, accept_language)
    settings = runtime.settings

    async def render() -> Rendered:
        spoke = await read_models.source_activity(session=session, station_id=station_id)
        now = utcnow()

        vehicles = await read_models.list_vehicle_availability(session=session, station_id=station_id)
        banks = await read_models.list_locker_availability(session=session, station_id=station_id)
        alerts = await read_models.list_active_alerts(session=session, station_id=station_id)

        def state(source: str, limit: float, items: Sequence[object]) -> dict[str, Any]:
            last = spoke.get(source)
            return {"as_of": last, "stale": live.is_stale(last, now, limit, shows_items=bool(items))}

        _, graph = await station_graph.routing_graph(session=session, station_id=station_id)
        rows = await station_graph.outages(session=session, station_id=station_id)
        body = LivePanels(
            station_id=station_id,
            language=preferred[0],
            vehicles=VehiclePanel(
                **state("vehicles", getattr(settings, "vehicles_stale_after_s", 600), vehicles),
                items=[VehicleAvailabilityPublic.model_validate(v) for v in vehicles],
            ),
            lockers=LockerPanel(
                **state("lockers", getattr(settings, "lockers_stale_after_s", 3600), banks),
                items=[LockerBankPublic.model_validate(bank) for bank in banks],
            ),
            alerts=AlertPanel(
                **state("alerts", getattr(settings, "alerts_stale_after_s", 3600), alerts),
                items=[
                    AlertPublic(
                        alert_id=alert.alert_id,
                        severity=alert.severity,
                        text=languages.localized(alert.text, preferred),
                        texts=alert.text,
                        raised_at=alert.raised_at,
                        expires_at=alert.expires_at,
                    )
                    for alert in alerts
                ],
            ),
            outages=[
                equipment_public(graph.places[graph.index[row.place_code]], row, preferred)
                for row in rows
                if row.place_code in graph.index
            ],
        )
        return Rendered.of(body)

    entry = await runtime.hot.entry_for(LIVE_PANELS, request, render)
    return entry.response(request)
