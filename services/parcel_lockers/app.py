"""parcel_lockers' wiring."""

from __future__ import annotations

from fastapi import FastAPI

from services.common.registry import PARCEL_LOCKERS
from services.common.service_app import ServiceDefinition, create_service_app
from services.parcel_lockers import api
from services.parcel_lockers.models import Base
from services.parcel_lockers.settings import Settings

DEFINITION = ServiceDefinition(
    service=PARCEL_LOCKERS,
    title="Gare numérique — parcel lockers",
    description="The station's locker banks and compartments, where couriers deposit and travellers collect.",
    version="0.1.0",
    metadata=Base.metadata,
    routers=[api.router],
    hot_reads=api.HOT_READS,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(DEFINITION, settings or Settings())
