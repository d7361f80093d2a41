"""parcel_lockers' wiring."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from kernel.registry import PARCEL_LOCKERS
from kernel.service_app import ServiceDefinition, create_service_app
from kernel.tasks import stop_task
from services.parcel_lockers import api
from services.parcel_lockers.deps import tools_of
from services.parcel_lockers.models import Base
from services.parcel_lockers.settings import Settings
from services.parcel_lockers.sweeps.service import sweep

log = logging.getLogger(__name__)

DEFINITION = ServiceDefinition(
    service=PARCEL_LOCKERS,
    title="Gare numérique — parcel lockers",
    description="The station's locker banks and compartments, where couriers deposit and travellers collect.",
    version="0.2.0",
    metadata=Base.metadata,
    routers=api.ROUTERS,
    hot_reads=api.HOT_READS,
)


async def sweep_forever(app: FastAPI, interval: float) -> None:
    """Expiry, reminders and doors left open, for every station served, on a timer."""
    while True:
        await asyncio.sleep(interval)
        tools = tools_of(app)
        for station_id in tools.settings.stations:
            try:
                async with app.state.runtime.sessionmaker() as session:
                    await sweep(session=session, tools=tools, station_id=station_id)
            except Exception:
                log.exception("locker sweep failed", extra={"station": station_id})


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = create_service_app(DEFINITION, settings)
    kernel_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with kernel_lifespan(app):
            tools_of(app)  # the signing key exists before the first request
            task = asyncio.create_task(sweep_forever(app, settings.sweep_interval_seconds))
            try:
                yield
            finally:
                await stop_task(task)

    app.router.lifespan_context = lifespan
    return app
