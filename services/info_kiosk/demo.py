"""Demo data: a few places inside each catalog station, and the real Vélib' stations around it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from math import cos, radians
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kernel.catalog import CatalogStation, load_catalog
from kernel.geo import EARTH_RADIUS_M
from kernel.settings import ServiceSettings
from services.info_kiosk import gtfs
from services.info_kiosk.departures.models import DepartureSource, DisruptionRule
from services.info_kiosk.departures.schemas import RuleCreate, SourceCreate
from services.info_kiosk.departures.service import rules as departure_rules
from services.info_kiosk.departures.service import sources as departure_sources
from services.info_kiosk.exits import service as exits
from services.info_kiosk.exits.demo import DEMO_DESTINATIONS
from services.info_kiosk.schemas import Category, PointOfInterestCreate
from services.info_kiosk.service import points_of_interest, station_graph


@dataclass(frozen=True)
class DemoPlace:
    """A place inside the station, set `north_m` and `east_m` metres from the station's point."""

    category: Category
    names: dict[str, str]
    descriptions: dict[str, str]
    level: int
    north_m: float
    east_m: float
    step_free: bool


IN_STATION = [
    DemoPlace(
        category="information",
        names={"fr": "Accueil / Information", "en": "Welcome / Information"},
        descriptions={"fr": "Agents, plans et objets trouvés", "en": "Staff, maps and lost property"},
        level=0,
        north_m=4,
        east_m=-3,
        step_free=True,
    ),
    DemoPlace(
        category="toilets",
        names={"fr": "Toilettes", "en": "Toilets"},
        descriptions={"fr": "Accessibles en fauteuil roulant", "en": "Wheelchair accessible"},
        level=-1,
        north_m=-6,
        east_m=5,
        step_free=True,
    ),
    DemoPlace(
        category="lift",
        names={"fr": "Ascenseur quai", "en": "Platform lift"},
        descriptions={"fr": "De la salle d'échanges aux quais", "en": "From the concourse to the platforms"},
        level=-1,
        north_m=-2,
        east_m=8,
        step_free=True,
    ),
    DemoPlace(
        category="lift",
        names={"fr": "Ascenseur rue", "en": "Street lift"},
        descriptions={"fr": "De la rue à la salle d'échanges", "en": "From the street to the concourse"},
        level=0,
        north_m=9,
        east_m=6,
        step_free=True,
    ),
    DemoPlace(
        category="exit",
        names={"fr": "Sortie 1", "en": "Exit 1"},
        descriptions={},
        level=0,
        north_m=12,
        east_m=-8,
        step_free=False,
    ),
]


def metres_away(lat: float, lon: float, north_m: float, east_m: float) -> tuple[float, float]:
    """The point a few metres north and east of (lat, lon); flat-earth is exact enough at this scale."""
    metres_per_degree = radians(1) * EARTH_RADIUS_M
    return lat + north_m / metres_per_degree, lon + east_m / (metres_per_degree * cos(radians(lat)))


def demo_points(station: CatalogStation) -> list[PointOfInterestCreate]:
    points = []
    for place in IN_STATION:
        lat, lon = metres_away(station.lat, station.lon, place.north_m, place.east_m)
        points.append(
            PointOfInterestCreate(
                category=place.category,
                names=place.names,
                descriptions=place.descriptions,
                level=place.level,
                lat=lat,
                lon=lon,
                step_free=place.step_free,
            )
        )
    for velib in station.vehicle_stations:
        points.append(
            PointOfInterestCreate(
                category="bike_share",
                names={"fr": velib.name},
                descriptions={
                    "fr": f"Station Vélib' à {velib.distance_m} m, {velib.capacity} bornes",
                    "en": f"Vélib' station {velib.distance_m} m away, {velib.capacity} docks",
                },
                level=0,
                lat=velib.lat,
                lon=velib.lon,
                step_free=True,
            )
        )
    return points


DEMO_GTFS = Path(__file__).parent / "demo_gtfs"


def demo_feed(station_id: str) -> gtfs.Feed | None:
    """The shipped GTFS graph of a demo station (levels, stops, pathways, translations), if any."""
    folder = DEMO_GTFS / station_id
    if not folder.is_dir():
        return None
    return gtfs.read_folder({path.name: path.read_bytes() for path in sorted(folder.glob("*.txt"))})


async def load_demo(
    sessionmaker: async_sessionmaker[AsyncSession], settings: ServiceSettings, catalog: Path
) -> None:
    async with sessionmaker() as session:
        for station in load_catalog(catalog):
            if station.slug not in settings.stations:
                continue
            feed = demo_feed(station.slug)
            if (
                feed is not None
                and await station_graph.graph_version(session=session, station_id=station.slug) is None
            ):
                await station_graph.replace_graph(session=session, station_id=station.slug, feed=feed)
            # Identified by category and French name, so a second run adds nothing.
            existing = {
                (point.category, point.names.get("fr"))
                for point in await points_of_interest.list_points_of_interest(
                    session=session, station_id=station.slug
                )
            }
            for point_in in demo_points(station):
                if (point_in.category, point_in.names.get("fr")) not in existing:
                    await points_of_interest.create_point_of_interest(
                        session=session, station_id=station.slug, point_in=point_in
                    )
            await load_way_out(session, station)
            feeds_url = getattr(settings, "demo_departures_url", None)
            if feeds_url:
                await seed_departures(session, station.slug, catalog, feeds_url)


async def load_way_out(session: AsyncSession, station: CatalogStation) -> None:
    """The catalog's docks at their nearest exit, and the demo's streets, stops and landmarks."""
    await exits.import_catalog(session=session, station=station)
    existing = {
        (row.exit_code, row.code)
        for row in await exits.destinations(session=session, station_id=station.slug)
    }
    for exit_code, destinations in DEMO_DESTINATIONS.get(station.slug, {}).items():
        for destination_in in destinations:
            if (exit_code, destination_in.code) not in existing:
                await exits.create_destination(
                    session=session,
                    station_id=station.slug,
                    exit_code=exit_code,
                    destination_in=destination_in,
                )


# Where the demo shows disruptions: a severe one, or any on the RER, takes the screens; the others go
# by their severity (a warning to the ticker, an information to the kiosk and the app only).
DEMO_RULES = [
    RuleCreate(
        code="severe-alert", name="Grave : plein écran", priority=10, severities=["severe"], reach="alert"
    ),
    RuleCreate(code="rer-d-alert", name="RER D : plein écran", priority=20, lines=["RER D"], reach="alert"),
]


def demo_sources(slug: str, catalog: Path, feeds_url: str) -> list[SourceCreate]:
    """A SIRI Lite source (metro, RER) and a GTFS-Realtime one (buses) per demo station, as the
    simulated producer serves them (devices/departures_feed.py, deploy/stations/departures/)."""
    path = catalog / "departures" / f"{slug}.json"
    if not path.exists():
        return []
    lines = json.loads(path.read_text(encoding="utf-8"))["lines"]
    base = feeds_url.rstrip("/")
    sources = []
    for kind, code, name, url, messages in (
        (
            "siri-lite",
            "idfm-siri-lite",
            "IDFM SIRI Lite (simulé)",
            f"{base}/siri-lite/{slug}/stop-monitoring",
            f"{base}/siri-lite/{slug}/general-message",
        ),
        (
            "gtfs-rt",
            "bus-gtfs-rt",
            "Bus GTFS-Realtime (simulé)",
            f"{base}/gtfs-rt/{slug}/trip-updates",
            f"{base}/gtfs-rt/{slug}/alerts",
        ),
    ):
        mine = [line for line in lines if line["feed"] == kind]
        if not mine:
            continue
        sources.append(
            SourceCreate.model_validate(
                {
                    "code": code,
                    "name": name,
                    "kind": kind,
                    "url": url,
                    "messages_url": messages,
                    "stops": list(
                        {
                            line["stop_ref"]: {
                                "ref": line["stop_ref"],
                                "stop_code": line["stop_code"],
                                "stop_name": line["stop_name"],
                                "mode": line["mode"],
                                "exit_code": line["exit_code"],
                            }
                            for line in mine
                        }.values()
                    ),
                    "lines": [
                        {"ref": line["ref"], "name": line["name"], "color": line["color"]} for line in mine
                    ],
                    "poll_seconds": 10,
                    "ttl_seconds": 60,
                },
                strict=False,
            )
        )
    return sources


async def seed_departures(session: AsyncSession, slug: str, catalog: Path, feeds_url: str) -> None:
    """The station's demo sources and rules, unless it has them (a second run adds nothing)."""
    for source_in in demo_sources(slug, catalog, feeds_url):
        exists = await session.scalar(
            select(DepartureSource.id).where(
                DepartureSource.station_id == slug, DepartureSource.code == source_in.code
            )
        )
        if exists is None:
            await departure_sources.create_source(session=session, station_id=slug, source_in=source_in)
        else:
            # The producer may listen elsewhere this run: follow it.
            source = await session.get(DepartureSource, exists)
            if source is not None and (source.url, source.messages_url) != (
                source_in.url,
                source_in.messages_url,
            ):
                source.url, source.messages_url, source.validators, source.next_attempt_at = (
                    source_in.url,
                    source_in.messages_url,
                    {},
                    None,
                )
                await session.commit()
    for rule_in in DEMO_RULES:
        exists = await session.scalar(
            select(DisruptionRule.id).where(
                DisruptionRule.station_id == slug, DisruptionRule.code == rule_in.code
            )
        )
        if exists is None:
            await departure_rules.create_rule(session=session, station_id=slug, rule_in=rule_in)
