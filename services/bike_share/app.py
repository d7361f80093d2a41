"""bike_share's wiring."""

from __future__ import annotations

from typing import cast

from fastapi import FastAPI

from kernel.background import Background
from kernel.registry import BIKE_SHARE
from kernel.runtime import ServiceRuntime
from kernel.service_app import ServiceDefinition, create_service_app
from services.bike_share.loops import IngestLoop
from services.bike_share.models import Base
from services.bike_share.pricing_plans import api as pricing_plans
from services.bike_share.publishing import api as publishing
from services.bike_share.responders import responders
from services.bike_share.settings import Settings
from services.bike_share.systems import api as systems
from services.bike_share.vehicle_stations import api as vehicle_stations
from services.bike_share.vehicle_types import api as vehicle_types
from services.bike_share.vehicles import api as vehicles


def background(runtime: ServiceRuntime) -> Background:
    """Dock reports over NATS, and the ingest of operators' feeds unless it is switched off."""
    settings = cast(Settings, runtime.settings)
    ingest = IngestLoop(
        sessionmaker=runtime.sessionmaker,
        fetcher=runtime.fetcher,
        stations=list(settings.stations),
        every=settings.ingest_min_interval_seconds,
    )
    return Background(responders=responders(runtime), loops=[ingest] if settings.ingest_enabled else [])


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
    background=background,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(DEFINITION, settings or Settings())
