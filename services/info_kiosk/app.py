"""info_kiosk's wiring."""

from __future__ import annotations

from typing import cast

from fastapi import FastAPI

from kernel.background import Background, Loop
from kernel.contracts import lockers, mobility, signage
from kernel.events import STREAMS
from kernel.registry import INFO_KIOSK
from kernel.runtime import ServiceRuntime
from kernel.service_app import ServiceDefinition, create_service_app
from services.info_kiosk import api, consumers
from services.info_kiosk.departures import api as departures
from services.info_kiosk.departures.loops import IngestLoop, PushWatcher
from services.info_kiosk.models import Base
from services.info_kiosk.settings import Settings


def background(runtime: ServiceRuntime) -> Background:
    """Events of the other services; the departures' push watcher, and their ingest unless switched off."""
    settings = cast(Settings, runtime.settings)
    loops: list[Loop] = [PushWatcher(runtime)]
    if settings.departures_ingest_enabled:
        loops.append(IngestLoop(runtime, every=settings.departures_ingest_every_s))
    return Background(consumers=consumers.consumers(runtime), loops=loops)


DEFINITION = ServiceDefinition(
    service=INFO_KIOSK,
    title="Gare numérique — information kiosk",
    description=(
        "Points of interest of the station and around it, live availability of shared vehicles, "
        "live departures and disruptions."
    ),
    version="0.1.0",
    metadata=Base.metadata,
    routers=[*api.ROUTERS, departures.router],
    consumed_streams=[STREAMS[mobility.DOMAIN], STREAMS[lockers.DOMAIN], STREAMS[signage.DOMAIN]],
    background=background,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(DEFINITION, settings or Settings())
