"""signage's wiring."""

from __future__ import annotations

from fastapi import FastAPI

from kernel.background import Background
from kernel.contracts import kiosk, mobility
from kernel.events import STREAMS
from kernel.registry import SIGNAGE
from kernel.service_app import ServiceDefinition, create_service_app
from services.signage import api, consumers
from services.signage.models import Base
from services.signage.settings import Settings

DEFINITION = ServiceDefinition(
    service=SIGNAGE,
    title="Gare numérique — signage",
    description="The station's screens and the content they rotate: messages, artworks and live widgets.",
    version="0.1.0",
    metadata=Base.metadata,
    routers=[api.router],
    hot_reads=api.HOT_READS,
    consumed_streams=[STREAMS[mobility.DOMAIN], STREAMS[kiosk.DOMAIN]],
    background=lambda runtime: Background(consumers=consumers.consumers(runtime)),
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(DEFINITION, settings or Settings())
