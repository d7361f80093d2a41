"""parcel_lockers' wiring."""

from __future__ import annotations

from fastapi import FastAPI

from services.common.events import LOCKERS
from services.common.service_app import ServiceDefinition, create_service_app
from services.parcel_lockers import api
from services.parcel_lockers.models import Base
from services.parcel_lockers.settings import Settings

DEFINITION = ServiceDefinition(
    name="parcel_lockers",
    domain=LOCKERS,
    title="Gare numérique — parcel lockers",
    description="The station's locker banks and compartments, where couriers deposit and travellers collect.",
    version="0.1.0",
    metadata=Base.metadata,
    routers=[api.router],
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(DEFINITION, settings or Settings())
