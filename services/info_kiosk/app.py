"""info_kiosk's wiring."""

from __future__ import annotations

from fastapi import FastAPI

from services.common.events import KIOSK, MOBILITY, STREAMS
from services.common.service_app import ServiceDefinition, create_service_app
from services.info_kiosk import api, events
from services.info_kiosk.models import Base
from services.info_kiosk.settings import Settings

DEFINITION = ServiceDefinition(
    name="info_kiosk",
    domain=KIOSK,
    title="Gare numérique — information kiosk",
    description="Points of interest of the station and around it, and live availability of shared vehicles.",
    version="0.1.0",
    metadata=Base.metadata,
    routers=[api.router],
    consumed_streams=[STREAMS[MOBILITY]],
    consumers=lambda runtime: [events.vehicle_availability_consumer(runtime.settings.stations)],
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(DEFINITION, settings or Settings())
