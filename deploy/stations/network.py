"""Every Grand Paris Express station: the one list that deployments (overlays, hub) derive from.

`network/gpe-stations.json` is built by `build_catalog.py` from `sources/gpe-stations.csv` and the IDFM
open data; `sources/README.md` says what each value is worth.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from kernel.registry import SERVICE_BY_NAME
from kernel.stations import STATION_SLUG_PATTERN

NETWORK_FILE = Path(__file__).parent / "network" / "gpe-stations.json"

Position = Literal["station", "connection"]


class NetworkStation(BaseModel):
    slug: str = Field(pattern=STATION_SLUG_PATTERN, max_length=40)
    name: str = Field(min_length=1)
    # Grand Paris Express metro lines serving the station, in service or planned ("14", "15"...).
    lines: list[str] = Field(min_length=1)
    lat: float | None
    lon: float | None
    # "station": IDFM's point of this station; "connection": IDFM's point of the existing station it
    # connects with (rounded to ~100 m); None: no open data gives its position.
    position: Position | None
    idfm_id_gares: str | None = None
    # The IDFM point used, as "name (line)", so a reader can check it without the CSV.
    idfm_point: str | None = None
    # The services the station runs (names of kernel/registry.py); None: all of them.
    services: list[str] | None = None

    @field_validator("services")
    @classmethod
    def _services_exist(cls, services: list[str] | None) -> list[str] | None:
        unknown = sorted(set(services or ()) - set(SERVICE_BY_NAME))
        if unknown:
            raise ValueError(f"unknown services {unknown}; known: {sorted(SERVICE_BY_NAME)}")
        return services

    @model_validator(mode="after")
    def _coordinates_say_where_they_come_from(self) -> NetworkStation:
        has_coordinates = self.lat is not None and self.lon is not None
        if has_coordinates != (self.position is not None) or has_coordinates != bool(self.idfm_point):
            raise ValueError(f"{self.slug}: coordinates, position and idfm_point go together")
        return self


class Network(BaseModel):
    description: str
    sources: list[str]
    stations: list[NetworkStation]

    @model_validator(mode="after")
    def _slugs_are_unique(self) -> Network:
        slugs = [s.slug for s in self.stations]
        duplicates = sorted({s for s in slugs if slugs.count(s) > 1})
        if duplicates:
            raise ValueError(f"duplicate station slugs: {duplicates}")
        return self

    def station(self, slug: str) -> NetworkStation:
        for station in self.stations:
            if station.slug == slug:
                return station
        raise KeyError(f"{slug!r} is not a Grand Paris Express station of {NETWORK_FILE.name}")


def load_network(path: Path = NETWORK_FILE) -> Network:
    return Network.model_validate_json(path.read_text(encoding="utf-8"))
