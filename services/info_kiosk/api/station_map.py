"""The station map: levels, places and pathways to draw, equipment out of service marked (hot read)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from kernel.deps import RuntimeDep, SessionDep, StationId
from kernel.hot_reads import HotRead, Rendered, hot_get
from kernel.registry import INFO_KIOSK
from kernel.stations import STATION_SLUG_PATTERN
from services.info_kiosk.api.common import AcceptLanguage, Language, language_key, negotiated
from services.info_kiosk.api.graph import pathway_public, place_public
from services.info_kiosk.domain import languages
from services.info_kiosk.schemas import LevelPublic, StationMap
from services.info_kiosk.service import station_graph, tags

router = APIRouter(prefix=INFO_KIOSK.path_prefix, tags=["kiosk"])
STATION_MAP = HotRead(
    name="station-map",
    path=f"{INFO_KIOSK.path_prefix}/map",
    params={"station_id": STATION_SLUG_PATTERN},
    key=language_key,
    vary=("Accept-Language",),
    tags=lambda request: [tags.GRAPH],
    cache_control="public, max-age=5",
)


@hot_get(
    router,
    STATION_MAP,
    response_model=StationMap,
    summary="Levels, places and pathways to draw, with equipment out of service marked",
)
async def station_map(
    station_id: StationId,
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    lang: Language = None,
    accept_language: AcceptLanguage = None,
) -> Response:
    preferred = negotiated(lang, accept_language)

    async def render() -> Rendered:
        version, graph = await station_graph.routing_graph(session=session, station_id=station_id)
        levels = sorted(graph.levels.values(), key=lambda level: -level.index)
        body = StationMap(
            station_id=station_id,
            language=preferred[0],
            version=version,
            levels=[
                LevelPublic(
                    code=lv.code,
                    index=lv.index,
                    name=languages.localized(lv.names, preferred),
                    names=dict(lv.names),
                )
                for lv in levels
            ],
            places=[place_public(place, preferred, graph.closed) for place in graph.places],
            pathways=[pathway_public(pathway) for pathway in graph.pathways],
        )
        return Rendered.of(body)

    entry = await runtime.hot.entry_for(STATION_MAP, request, render)
    return entry.response(request)
