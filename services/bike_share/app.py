"""bike_share's wiring."""

from __future__ import annotations

from fastapi import FastAPI

from services.bike_share import api
from services.bike_share.models import Base
from services.bike_share.settings import Settings
from services.common.registry import BIKE_SHARE
from services.common.service_app import ServiceDefinition, create_service_app

DEFINITION = ServiceDefinition(
    service=BIKE_SHARE,
    title="Gare numérique — vehicle sharing",
    description="Live availability of bikes, e-bikes, cargo bikes and shared cars near the station.",
    version="0.1.0",
    metadata=Base.metadata,
    routers=[api.router, api.gbfs_router],
    hot_reads=api.HOT_READS,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(DEFINITION, settings or Settings())
