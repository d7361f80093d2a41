"""parcel_lockers' wiring."""

from __future__ import annotations

from fastapi import FastAPI

from kernel.background import Background
from kernel.registry import PARCEL_LOCKERS
from kernel.runtime import ServiceRuntime
from kernel.service_app import ServiceDefinition, create_service_app
from services.parcel_lockers import api
from services.parcel_lockers.loops import SweepLoop
from services.parcel_lockers.models import Base
from services.parcel_lockers.settings import Settings
from services.parcel_lockers.tools import LockersBackground, build_tools


def background(runtime: ServiceRuntime) -> Background:
    """The process's tools (a missing signing key stops the start), then the sweep that uses them."""
    tools = build_tools(runtime)
    return LockersBackground(loops=[SweepLoop(runtime.sessionmaker, tools)], tools=tools)


DEFINITION = ServiceDefinition(
    service=PARCEL_LOCKERS,
    title="Gare numérique — parcel lockers",
    description="The station's locker banks and compartments, where couriers deposit and travellers collect.",
    version="0.2.0",
    metadata=Base.metadata,
    routers=api.ROUTERS,
    background=background,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(DEFINITION, settings or Settings())
