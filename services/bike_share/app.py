"""bike_share's wiring."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from kernel.registry import BIKE_SHARE
from kernel.runtime import ServiceRuntime
from kernel.service_app import ServiceDefinition, create_service_app
from services.bike_share.consumers import DockReports
from services.bike_share.feeds import IngestLoop
from services.bike_share.models import Base
from services.bike_share.pricing_plans import api as pricing_plans
from services.bike_share.publishing import api as publishing
from services.bike_share.settings import Settings
from services.bike_share.systems import api as systems
from services.bike_share.vehicle_stations import api as vehicle_stations
from services.bike_share.vehicle_types import api as vehicle_types
from services.bike_share.vehicles import api as vehicles

DEFINITION = ServiceDefinition(
    service=BIKE_SHARE,
    title="Gare numérique — vehicle sharing",
    description="Live availability of bikes, e-bikes, cargo bikes and shared cars near the station.",
    version="0.1.0",
    metadata=Base.metadata,
    routers=[
        systems.router,
        pricing_plans.router,
        vehicle_types.router,
        vehicle_stations.router,
        vehicles.router,
        publishing.router,
        publishing.gbfs_router,
    ],
    hot_reads=(vehicle_stations.VEHICLE_STATIONS, vehicle_stations.VEHICLE_STATION, publishing.GBFS_FILE),
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = create_service_app(DEFINITION, settings)
    kernel = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The kernel's lifespan builds the runtime; the ingest of external feeds runs inside it.
        async with kernel(app):
            runtime: ServiceRuntime = app.state.runtime
            app.state.dock_reports = DockReports(runtime)
            loop = IngestLoop(
                sessionmaker=runtime.sessionmaker,
                fetcher=runtime.fetcher,
                stations=list(settings.stations),
                min_interval=settings.ingest_min_interval_seconds,
            )
            if settings.ingest_enabled:
                loop.start()
            app.state.ingest = loop
            try:
                yield
            finally:
                await loop.stop()

    app.router.lifespan_context = lifespan
    return app
