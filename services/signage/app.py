"""signage's wiring."""

from __future__ import annotations

from fastapi import FastAPI

from services.common.events import SIGNAGE
from services.common.service_app import ServiceDefinition, create_service_app
from services.signage import api
from services.signage.models import Base
from services.signage.settings import Settings

DEFINITION = ServiceDefinition(
    name="signage",
    domain=SIGNAGE,
    title="Gare numérique — signage",
    description="The station's screens and the content they rotate: messages, artworks and live widgets.",
    version="0.1.0",
    metadata=Base.metadata,
    routers=[api.router],
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(DEFINITION, settings or Settings())
