"""bike_share's HTTP shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.common.contracts.mobility import VehicleTypeCount
from services.common.fields import JSON_INTEGER, Label, StrictInput, Timestamp

Count = Annotated[int, Field(ge=0, le=10_000), JSON_INTEGER]
FormFactor = Literal[
    "bicycle", "cargo_bicycle", "car", "moped", "scooter_standing", "scooter_seated", "other"
]
PropulsionType = Literal[
    "human", "electric_assist", "electric", "combustion", "combustion_diesel", "hybrid", "plug_in_hybrid"
]
Identifier = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
# Our id of a vehicle station is `{system_id}-{external_id}` (domain.vehicle_station_id), 64 characters at
# most: a GBFS system id is short ("velib-metropole"), a station id may be a UUID (36).
SystemId = Annotated[str, Field(min_length=1, max_length=24, pattern=r"^[A-Za-z0-9._-]+$")]
ExternalId = Annotated[str, Field(min_length=1, max_length=39, pattern=r"^[A-Za-z0-9._-]+$")]


class VehicleTypePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    system_id: str
    form_factor: FormFactor
    propulsion_type: PropulsionType
    name: dict[str, str]


class VehicleStationStatusPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    num_vehicles_available: int
    vehicle_types_available: list[VehicleTypeCount]
    num_docks_available: int | None
    is_installed: bool
    is_renting: bool
    is_returning: bool
    last_reported: datetime


class VehicleStationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    system_id: str
    name: str
    lat: float
    lon: float
    capacity: int | None
    distance_m: int | None
    status: VehicleStationStatusPublic | None


class VehicleStationList(BaseModel):
    station_id: str
    vehicle_stations: list[VehicleStationPublic]
    vehicle_types: list[VehicleTypePublic]


class VehicleStationCreate(StrictInput):
    system_id: SystemId
    external_id: ExternalId
    name: Label
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)
    capacity: Count | None = None
    distance_m: Annotated[int, Field(ge=0, le=50_000), JSON_INTEGER] | None = None


class VehicleTypeCountIn(StrictInput):
    vehicle_type_id: Identifier
    count: Count


class StatusReportIn(StrictInput):
    """A station's availability as its operator or device reports it (GBFS station_status fields)."""

    num_vehicles_available: Count
    vehicle_types_available: list[VehicleTypeCountIn] = Field(max_length=50)
    num_docks_available: Count | None = None
    is_installed: bool = True
    is_renting: bool = True
    is_returning: bool = True
    last_reported: Timestamp = Field(
        description="When the station's device counted, with its offset; at most a few minutes ahead of now."
    )
