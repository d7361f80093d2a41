"""info_kiosk's routes under /api/v1/stations/{station_id}/kiosk, one module per entity: thin, the
rules live in the domain, the use cases in the service."""

from services.info_kiosk.api import (
    equipment,
    graph,
    graph_files,
    live,
    points_of_interest,
    station_map,
    wayfinding,
)
from services.info_kiosk.exits import api as exits

ROUTERS = [
    points_of_interest.router,
    live.router,
    graph.router,
    graph_files.router,
    station_map.router,
    wayfinding.router,
    equipment.router,
    exits.router,
]
