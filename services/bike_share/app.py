"""bike_share's wiring."""

from __future__ import annotations

from fastapi import FastAPI

from services.bike_share import api
from services.bike_share.models import Base
from services.bike_share.settings import Settings
from services.common.contracts.mobility import DOMAIN
from services.common.service_app import ServiceDefinition, create_service_app

DEFINITION = ServiceDefinition(
    name="bike_share",
    domain=DOMAIN,
    title="Gare numérique — vehicle sharing",
    description="Live availability of bikes, e-bikes, cargo bikes and shared cars near the station.",
    version="0.1.0",
    metadata=Base.metadata,
    routers=[api.router],
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(DEFINITION, settings or Settings())
