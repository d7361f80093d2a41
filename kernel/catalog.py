"""The station catalog: which stations exist, where they are, and the demo data derived from open data."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from kernel.stations import STATION_SLUG_PATTERN


class CatalogVehicleStation(BaseModel):
    """A docking station of a vehicle-sharing system near the metro station (snapshot of open data)."""

    system_id: str
    external_id: str
    code: str | None = None
    name: str
    lat: float
    lon: float
    capacity: int = Field(ge=0)
    distance_m: int = Field(ge=0)
    mechanical_available: int = Field(ge=0)
    ebike_available: int = Field(ge=0)
    docks_available: int = Field(ge=0)
    is_installed: bool
    is_renting: bool
    is_returning: bool
    last_reported: int


class CatalogStation(BaseModel):
    slug: str = Field(pattern=STATION_SLUG_PATTERN)
    name: str
    lat: float
    lon: float
    lines: list[str]
    idfm_id_gares: str
    idfm_zdc: str
    timezone: str = "Europe/Paris"
    vehicle_stations: list[CatalogVehicleStation] = []
    sources: list[str] = []


def load_catalog(folder: Path) -> list[CatalogStation]:
    return [
        CatalogStation.model_validate_json(path.read_text(encoding="utf-8"))
        for path in sorted(folder.glob("*.json"))
    ]


def demo_device_ids(station_slug: str) -> dict[str, str]:
    """Client ids of the simulated devices of a station, by device kind (demo and tests)."""
    return {
        "screen": f"screen-{station_slug}-hall",
        "kiosk": f"kiosk-{station_slug}-entrance",
        "locker_controller": f"lockers-{station_slug}-bank-a",
        "mobility_feed": f"mobility-feed-{station_slug}",
    }


# The screen the demo's simulated player drives at each station (signage demo data registers it).
DEMO_SCREEN_CODE = "hall"


NETWORK = Path(__file__).resolve().parents[1] / "deploy" / "stations" / "network" / "gpe-stations.json"


@functools.cache
def network_stations() -> dict[str, dict[str, Any]]:
    """The Grand Paris Express stations by slug (name, and position where open data gives it)."""
    try:
        return {s["slug"]: s for s in json.loads(NETWORK.read_text(encoding="utf-8"))["stations"]}
    except (OSError, ValueError, KeyError):
        return {}


CATALOG = NETWORK.parents[1]


@functools.cache
def station_names() -> dict[str, str]:
    """Each station's name as travellers read it (French), by slug: the catalog's (the name the
    gateway's directory gives) for the stations it describes, else the network list's."""
    names = {slug: s["name"] for slug, s in network_stations().items()}
    names.update({station.slug: station.name for station in load_catalog(CATALOG)})
    return names
