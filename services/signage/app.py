"""signage's wiring."""

from __future__ import annotations

from fastapi import FastAPI

from kernel.background import Background
from kernel.contracts import kiosk, mobility
from kernel.events import STREAMS
from kernel.registry import SIGNAGE
from kernel.service_app import ServiceDefinition, create_service_app
from services.signage import consumers, loops
from services.signage.agenda import api as agenda
from services.signage.alerts import api as alerts
from services.signage.content import api as content
from services.signage.exhibitions import api as exhibitions
from services.signage.layouts import api as layouts
from services.signage.media import api as media
from services.signage.models import Base
from services.signage.player import api as player
from services.signage.playlists import api as playlists
from services.signage.plays import api as plays
from services.signage.schedules import api as schedules
from services.signage.screens import api as screens
from services.signage.settings import Settings

DEFINITION = ServiceDefinition(
    service=SIGNAGE,
    title="Gare numérique — signage",
    description="The station's screens, their layouts and the content they rotate: messages, artworks, live widgets, departures.",
    version="0.1.0",
    metadata=Base.metadata,
    routers=[
        screens.router,
        player.router,
        plays.router,
        media.router,
        content.router,
        playlists.router,
        schedules.router,
        layouts.router,
        alerts.router,
        agenda.router,
        exhibitions.router,
    ],
    consumed_streams=[STREAMS[mobility.DOMAIN], STREAMS[kiosk.DOMAIN]],
    background=lambda runtime: Background(consumers=consumers.consumers(runtime), loops=loops.loops(runtime)),
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(DEFINITION, settings or Settings())
