"""bike_share's routes, one module per entity, under /api/v1/stations/{station_id}/mobility and
/gbfs/{station_id}: thin, the rules live in `service/` and `domain.py`."""

from __future__ import annotations

from services.bike_share.api import (
    gbfs_files,
    nearby,
    pricing_plans,
    systems,
    vehicle_stations,
    vehicle_types,
    vehicles,
)

ROUTERS = (
    systems.router,
    pricing_plans.router,
    vehicle_types.router,
    vehicle_stations.router,
    vehicles.router,
    nearby.router,
    gbfs_files.router,
)
HOT_READS = (vehicle_stations.VEHICLE_STATIONS, vehicle_stations.VEHICLE_STATION, gbfs_files.GBFS_FILE)
