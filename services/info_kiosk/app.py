"""info_kiosk's wiring."""

from __future__ import annotations

from fastapi import FastAPI

from kernel.background import Background
from kernel.contracts import lockers, mobility, signage
from kernel.events import STREAMS
from kernel.registry import INFO_KIOSK
from kernel.service_app import ServiceDefinition, create_service_app
from services.info_kiosk import api, consumers
from services.info_kiosk.models import Base
from services.info_kiosk.settings import Settings

DEFINITION = ServiceDefinition(
    service=INFO_KIOSK,
    title="Gare numérique — information kiosk",
    description="Points of interest of the station and around it, and live availability of shared vehicles.",
    version="0.1.0",
    metadata=Base.metadata,
    routers=[api.router],
    hot_reads=api.HOT_READS,
    consumed_streams=[STREAMS[mobility.DOMAIN], STREAMS[lockers.DOMAIN], STREAMS[signage.DOMAIN]],
    background=lambda runtime: Background(consumers=consumers.consumers(runtime)),
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(DEFINITION, settings or Settings())
