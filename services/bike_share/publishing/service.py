"""What a station publishes for travellers and aggregators: its GBFS files' content, and what can
be taken near a point."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.catalog import station_names
from kernel.db import utcnow
from kernel.settings import ServiceSettings
from services.bike_share import domain, gbfs
from services.bike_share.models import PricingPlan, System
from services.bike_share.schemas import NearbyPlace
from services.bike_share.vehicle_stations import service as vehicle_stations
from services.bike_share.vehicle_types import service as vehicle_types
from services.bike_share.vehicles import service as vehicles

# GBFS `last_updated` of the files that show no row: when this process started.
STARTED_AT = utcnow()


async def station_feeds(
    *, session: AsyncSession, station_id: str, settings: ServiceSettings
) -> gbfs.StationFeeds:
    """What the station's GBFS files show, read in one go."""
    stations = await vehicle_stations.of_station(session=session, station_id=station_id)
    found_vehicles = await vehicles.of_station(session=session, station_id=station_id)
    system_ids = {s.system_id for s in stations} | {v.system_id for v in found_vehicles}
    systems = (
        await session.scalars(select(System).where(System.id.in_(system_ids)).order_by(System.id))
    ).all()
    types = await vehicle_types.of_systems(session=session, system_ids=system_ids)
    plans = (
        await session.scalars(
            select(PricingPlan).where(PricingPlan.system_id.in_(system_ids)).order_by(PricingPlan.id)
        )
    ).all()
    return gbfs.StationFeeds(
        station_id=station_id,
        station_name=station_names().get(station_id, station_id),
        base_url=settings.public_base_url,
        contact_email=getattr(settings, "gbfs_contact_email", "open-data@gare-numerique.example.org"),
        timezone="Europe/Paris",
        systems=systems,
        vehicle_types=types,
        pricing_plans=plans,
        vehicle_stations=stations,
        vehicles=found_vehicles,
        started_at=STARTED_AT,
    )


async def nearby(
    *,
    session: AsyncSession,
    station_id: str,
    lat: float,
    lon: float,
    radius_m: int,
    vehicle_type_ids: set[str] | None,
) -> list[NearbyPlace]:
    """What a traveller can take near a point: stations with a vehicle available, free vehicles."""
    stations = {s.id: s for s in await vehicle_stations.of_station(session=session, station_id=station_id)}
    free = {v.id: v for v in await vehicles.of_station(session=session, station_id=station_id)}
    places = [
        domain.Place(
            "vehicle_station",
            s.id,
            s.lat,
            s.lon,
            frozenset(c["vehicle_type_id"] for c in s.status.vehicle_types_available if c["count"] > 0),
        )
        for s in stations.values()
        if s.status is not None and s.status.is_renting and s.status.num_vehicles_available > 0
    ]
    places += [
        domain.Place("vehicle", v.id, v.lat, v.lon, frozenset({v.vehicle_type_id}))
        for v in free.values()
        if not v.is_disabled and not v.is_reserved
    ]
    found = []
    for place, walk in domain.nearby(
        places, lat=lat, lon=lon, radius_m=radius_m, vehicle_type_ids=vehicle_type_ids
    ):
        if place.kind == "vehicle_station":
            s = stations[place.id]
            assert s.status is not None
            found.append(
                NearbyPlace(
                    kind="vehicle_station",
                    id=s.id,
                    system_id=s.system_id,
                    name=s.name,
                    lat=s.lat,
                    lon=s.lon,
                    walking_distance_m=walk,
                    walking_minutes=domain.walking_minutes(walk),
                    vehicle_types_available=s.status.vehicle_types_available,  # type: ignore[arg-type]
                    num_docks_available=s.status.num_docks_available,
                    station_kind=s.kind,  # type: ignore[arg-type]
                )
            )
        else:
            v = free[place.id]
            found.append(
                NearbyPlace(
                    kind="vehicle",
                    id=v.id,
                    system_id=v.system_id,
                    name=None,
                    lat=v.lat,
                    lon=v.lon,
                    walking_distance_m=walk,
                    walking_minutes=domain.walking_minutes(walk),
                    vehicle_types_available=[{"vehicle_type_id": v.vehicle_type_id, "count": 1}],  # type: ignore[list-item]
                )
            )
    return found
