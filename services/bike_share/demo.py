"""Demo data: the real Vélib' stations near each catalog station, with their snapshot counts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kernel.catalog import load_catalog
from kernel.db import one_or_404, utcnow
from kernel.settings import ServiceSettings
from services.bike_share import domain
from services.bike_share.models import System, VehicleStation, VehicleType
from services.bike_share.schemas import StatusReportIn, VehicleStationCreate, VehicleTypeCountIn
from services.bike_share.systems import service as systems
from services.bike_share.vehicle_stations import service as vehicle_stations
from services.bike_share.vehicle_types import service as vehicle_types

VELIB_SYSTEM: dict[str, Any] = {
    "id": "velib-metropole",
    "name": {"fr": "Vélib' Métropole", "en": "Vélib' Métropole"},
    "operator": {"fr": "Smovengo"},
    "url": "https://www.velib-metropole.fr",
    "timezone": "Europe/Paris",
}
VELIB_TYPES: list[dict[str, Any]] = [
    {
        "id": "velib-mechanical",
        "system_id": "velib-metropole",
        "form_factor": "bicycle",
        "propulsion_type": "human",
        "name": {"fr": "Vélib' mécanique", "en": "Vélib' bike"},
    },
    {
        "id": "velib-ebike",
        "system_id": "velib-metropole",
        "form_factor": "bicycle",
        "propulsion_type": "electric_assist",
        "name": {"fr": "Vélib' électrique", "en": "Vélib' e-bike"},
        "max_range_meters": 50_000,
    },
]


async def load_demo(
    sessionmaker: async_sessionmaker[AsyncSession], settings: ServiceSettings, catalog: Path
) -> None:
    async with sessionmaker() as session:
        await systems.ensure(session=session, system=System(**VELIB_SYSTEM))
        for vehicle_type in VELIB_TYPES:
            await vehicle_types.ensure(session=session, vehicle_type=VehicleType(**vehicle_type))
        for station in load_catalog(catalog):
            if station.slug not in settings.stations:
                continue
            for velib in station.vehicle_stations:
                vs_id = domain.vehicle_station_id(velib.system_id, velib.external_id)
                if await session.get(VehicleStation, vs_id) is None:
                    await vehicle_stations.register(
                        session=session,
                        station_id=station.slug,
                        station_in=VehicleStationCreate(
                            system_id=velib.system_id,
                            external_id=velib.external_id,
                            name=velib.name,
                            lat=velib.lat,
                            lon=velib.lon,
                            capacity=velib.capacity,
                            distance_m=velib.distance_m,
                        ),
                    )
                existing = await one_or_404(
                    session, VehicleStation, "unknown-vehicle-station", station_id=station.slug, id=vs_id
                )
                if existing.status is None:
                    # The snapshot's counts, reported now: the demo starts "live".
                    await vehicle_stations.report_status(
                        session=session,
                        station_id=station.slug,
                        vehicle_station_id=vs_id,
                        report_in=StatusReportIn(
                            num_vehicles_available=velib.mechanical_available + velib.ebike_available,
                            vehicle_types_available=[
                                VehicleTypeCountIn(
                                    vehicle_type_id="velib-mechanical", count=velib.mechanical_available
                                ),
                                VehicleTypeCountIn(
                                    vehicle_type_id="velib-ebike", count=velib.ebike_available
                                ),
                            ],
                            num_docks_available=velib.docks_available,
                            is_installed=velib.is_installed,
                            is_renting=velib.is_renting,
                            is_returning=velib.is_returning,
                            last_reported=utcnow(),
                        ),
                    )
