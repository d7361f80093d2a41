"""The way out's HTTP shapes: an exit's destinations in, out, and as search hits and route ends."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from kernel.fields import PartialUpdate, StrictInput
from services.info_kiosk.exits.domain import DestinationKind
from services.info_kiosk.schemas import Code, Latitude, Longitude, Metres, Names

LineCode = Annotated[str, Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9][A-Za-z0-9 -]*$")]
Lines = Annotated[list[LineCode], Field(max_length=30, examples=[["153", "173", "255"]])]
VehicleStationId = Annotated[
    str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
]


class DestinationCreate(StrictInput):
    code: Code = Field(examples=["bus-pleyel-153"])
    kind: DestinationKind
    names: Names
    lines: Lines = []
    lat: Latitude
    lon: Longitude
    walking_m: Metres | None = Field(
        default=None,
        description="The walk from the exit as measured; estimated from coordinates if left out.",
    )
    vehicle_station_id: VehicleStationId | None = Field(
        default=None, description="bike_share's vehicle station, for a dock: its live availability is shown."
    )


class DestinationUpdate(PartialUpdate):
    not_null = frozenset({"kind", "names", "lines", "lat", "lon"})

    kind: DestinationKind | None = None
    names: Names | None = None
    lines: Lines | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    walking_m: Metres | None = None
    vehicle_station_id: VehicleStationId | None = None
