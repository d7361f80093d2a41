"""The station graph as a whole: GTFS export and import, and its validation report."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from kernel.catalog import station_names
from kernel.deps import RuntimeDep, SessionDep, StationId
from kernel.errors import InvalidInput, Problem
from kernel.i18n import DEFAULT_LANGUAGE
from kernel.openapi import problem_responses
from kernel.registry import INFO_KIOSK
from services.info_kiosk import gtfs
from services.info_kiosk.api.common import Operator
from services.info_kiosk.domain import routing
from services.info_kiosk.schemas import GraphReport, GraphWarningPublic
from services.info_kiosk.service import station_graph
from services.info_kiosk.settings import Settings

router = APIRouter(prefix=INFO_KIOSK.path_prefix, tags=["kiosk"])
ZIP = "application/zip"


def report_of(station_id: str, version: str | None, graph: routing.RoutingGraph) -> GraphReport:
    return GraphReport(
        station_id=station_id,
        version=version,
        levels=len(graph.levels),
        places=len(graph.places),
        pathways=len(graph.pathways),
        warnings=[GraphWarningPublic(**vars(warning)) for warning in routing.graph_warnings(graph)],
    )


@router.get(
    "/graph/gtfs",
    response_class=Response,
    responses={
        200: {"content": {ZIP: {}}, "description": "levels.txt, stops.txt, pathways.txt, translations.txt"}
    },
    summary="The station graph as a GTFS zip",
)
async def export_gtfs(station_id: StationId, session: SessionDep, runtime: RuntimeDep) -> Response:
    feed = await station_graph.load_feed(session=session, station_id=station_id)
    settings = runtime.settings
    publisher = (
        gtfs.Publisher(settings.gtfs_publisher_name, settings.gtfs_publisher_base_url)
        if isinstance(settings, Settings)
        else gtfs.Publisher("Gare numérique", settings.jwks_url.removesuffix(".well-known/jwks.json"))
    )
    station_name = station_names().get(station_id, station_id)
    body = gtfs.write_feed(station_id, {DEFAULT_LANGUAGE: station_name}, feed, publisher)
    return Response(
        body, media_type=ZIP, headers={"Content-Disposition": f'attachment; filename="{station_id}-gtfs.zip"'}
    )


@router.put(
    "/graph/gtfs",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {ZIP: {"schema": {"type": "string", "format": "binary"}}},
        }
    },
    responses=problem_responses(
        {
            413: "The zip would expand past its limits (members, sizes, compression ratio).",
            415: "The body is not a zip.",
            422: "The feed has broken references; see `errors`.",
        }
    ),
    summary="Replace the station graph with a GTFS zip; broken references refuse it whole",
)
async def import_gtfs(
    station_id: StationId, request: Request, session: SessionDep, _: Operator
) -> GraphReport:
    if request.headers.get("content-type", "").split(";")[0].strip() != ZIP:
        raise Problem("Send the GTFS feed as application/zip.", status=415, slug="unsupported-media-type")
    try:
        feed = gtfs.read_feed(await request.body())
    except gtfs.FeedError as error:
        raise InvalidInput.from_problems(
            "The GTFS feed cannot be read; see `errors`.", error.problems
        ) from None
    await station_graph.replace_graph(session=session, station_id=station_id, feed=feed)
    version, graph = await station_graph.routing_graph(session=session, station_id=station_id)
    return report_of(station_id, version, graph)


@router.get("/graph/validation", summary="Exits and platforms unreachable under a profile, one-way traps")
async def validate_graph(station_id: StationId, session: SessionDep, _: Operator) -> GraphReport:
    version, graph = await station_graph.routing_graph(session=session, station_id=station_id)
    return report_of(station_id, version, graph)
