"""bike_share's HTTP shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kernel.contracts.mobility import VehicleTypeCount
from kernel.fields import JSON_INTEGER, Label, PartialUpdate, StrictInput, Timestamp

Count = Annotated[int, Field(ge=0, le=10_000), JSON_INTEGER]
FormFactor = Literal[
    "bicycle", "cargo_bicycle", "car", "moped", "scooter_standing", "scooter_seated", "other"
]
PropulsionType = Literal[
    "human",
    "electric_assist",
    "electric",
    "combustion",
    "combustion_diesel",
    "hybrid",
    "plug_in_hybrid",
    "hydrogen_fuel_cell",
]
# A dock (bikes), a car-sharing spot, a charging point for electric vehicles.
VehicleStationKind = Literal["dock", "car_sharing", "charging"]
Range = Annotated[int, Field(ge=0, le=2_000_000), JSON_INTEGER]
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
# Names of systems, types and plans, in the languages the station's pages speak (the kiosk's
# eight): operators publish these few, and a closed list keeps the bodies easy to check.
Language = Literal["fr", "en", "es", "de", "it", "pt", "zh", "ar"]
LocalizedName = Annotated[dict[Language, Label], Field(max_length=8)]
NAME_EXAMPLE = [{"fr": "Vélo cargo", "en": "Cargo bike"}]


Identifier = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
# Our id of a vehicle station is `{system_id}-{external_id}` (domain.vehicle_station_id), 64 characters at
# most: a GBFS system id is short ("velib-metropole"), a station id may be a UUID (36).
SystemId = Annotated[str, Field(min_length=1, max_length=24, pattern=r"^[A-Za-z0-9._-]+$")]
ExternalId = Annotated[str, Field(min_length=1, max_length=39, pattern=r"^[A-Za-z0-9._-]+$")]


class SystemCreate(StrictInput):
    id: SystemId
    name: LocalizedName = Field(min_length=1, examples=NAME_EXAMPLE)
    operator: LocalizedName | None = None
    url: Annotated[str, Field(max_length=300, pattern=r"^https?://\S+$")] | None = None
    timezone: Annotated[str, Field(max_length=64, pattern=r"^[A-Za-z_]+(/[A-Za-z_+-]+)*$")] = "Europe/Paris"
    feed_url: Annotated[str, Field(max_length=500, pattern=r"^https?://\S+$")] | None = Field(
        default=None, description="The operator's GBFS 2.3 or 3.0 `gbfs.json`: set, bike_share ingests it."
    )


class SystemUpdate(PartialUpdate):
    not_null = frozenset({"name", "timezone"})

    name: LocalizedName | None = Field(default=None, min_length=1, examples=NAME_EXAMPLE)
    operator: LocalizedName | None = None
    url: Annotated[str, Field(max_length=300, pattern=r"^https?://\S+$")] | None = None
    timezone: Annotated[str, Field(max_length=64, pattern=r"^[A-Za-z_]+(/[A-Za-z_+-]+)*$")] | None = None
    feed_url: Annotated[str, Field(max_length=500, pattern=r"^https?://\S+$")] | None = None


class SystemPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: dict[str, str]
    operator: dict[str, str] | None
    url: str | None
    timezone: str
    feed_url: str | None
    created_at: datetime
    updated_at: datetime


class FeedStatePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    system_id: str
    url: str
    state: str
    reason: str | None
    version: str | None
    last_success_at: datetime | None
    last_attempt_at: datetime | None


class PricingSegment(StrictInput):
    start: Annotated[int, Field(ge=0), JSON_INTEGER]
    rate: float = Field(ge=-1000, le=1000, allow_inf_nan=False)
    interval: Annotated[int, Field(ge=0), JSON_INTEGER]
    end: Annotated[int, Field(ge=0), JSON_INTEGER] | None = None


class PricingPlanCreate(StrictInput):
    id: Identifier
    system_id: SystemId
    name: LocalizedName = Field(min_length=1, examples=NAME_EXAMPLE)
    description: LocalizedName = Field(min_length=1, examples=NAME_EXAMPLE)
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "EUR"
    price: float = Field(ge=0, le=10_000, allow_inf_nan=False)
    is_taxable: bool = False
    per_min_pricing: list[PricingSegment] = Field(default_factory=list, max_length=20)


class PricingPlanUpdate(PartialUpdate):
    not_null = frozenset({"name", "description", "currency", "price", "is_taxable", "per_min_pricing"})

    name: LocalizedName | None = Field(default=None, min_length=1, examples=NAME_EXAMPLE)
    description: LocalizedName | None = Field(default=None, min_length=1, examples=NAME_EXAMPLE)
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None
    price: float | None = Field(default=None, ge=0, le=10_000, allow_inf_nan=False)
    is_taxable: bool | None = None
    per_min_pricing: list[PricingSegment] | None = Field(default=None, max_length=20)


class PricingPlanPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    system_id: str
    name: dict[str, str]
    description: dict[str, str]
    currency: str
    price: float
    is_taxable: bool
    per_min_pricing: list[dict[str, float | int | None]]


def _range_for_motors(propulsion_type: str | None, max_range_meters: int | None) -> None:
    if propulsion_type not in (None, "human") and max_range_meters is None:
        raise ValueError("max_range_meters is required for a vehicle with a motor (GBFS 3.0)")


class VehicleTypeCreate(StrictInput):
    id: Identifier
    system_id: SystemId
    form_factor: FormFactor
    propulsion_type: PropulsionType
    name: LocalizedName = Field(min_length=1, examples=NAME_EXAMPLE)
    max_range_meters: Range | None = None
    pricing_plan_id: Identifier | None = None

    @model_validator(mode="after")
    def _range(self) -> VehicleTypeCreate:
        _range_for_motors(self.propulsion_type, self.max_range_meters)
        return self


class VehicleTypeUpdate(PartialUpdate):
    not_null = frozenset({"form_factor", "propulsion_type", "name"})

    form_factor: FormFactor | None = None
    propulsion_type: PropulsionType | None = None
    name: LocalizedName | None = Field(default=None, min_length=1, examples=NAME_EXAMPLE)
    max_range_meters: Range | None = None
    pricing_plan_id: Identifier | None = None


class VehicleTypePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    system_id: str
    form_factor: FormFactor
    propulsion_type: PropulsionType
    name: dict[str, str]
    max_range_meters: int | None = None
    pricing_plan_id: str | None = None


class VehicleStationStatusPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    num_vehicles_available: int
    vehicle_types_available: list[VehicleTypeCount]
    num_vehicles_disabled: int | None = None
    num_docks_available: int | None
    num_docks_disabled: int | None = None
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
    kind: VehicleStationKind = "dock"
    status: VehicleStationStatusPublic | None


class VehicleStationCreate(StrictInput):
    system_id: SystemId
    external_id: ExternalId
    name: Label
    lat: Latitude
    lon: Longitude
    capacity: Count | None = None
    distance_m: Annotated[int, Field(ge=0, le=50_000), JSON_INTEGER] | None = None
    kind: VehicleStationKind = "dock"


class VehicleStationUpdate(PartialUpdate):
    not_null = frozenset({"name", "lat", "lon", "kind"})

    name: Label | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    capacity: Count | None = None
    distance_m: Annotated[int, Field(ge=0, le=50_000), JSON_INTEGER] | None = None
    kind: VehicleStationKind | None = None


class VehicleCreate(StrictInput):
    """A free-floating vehicle near the station, as its operator reports it."""

    system_id: SystemId
    external_id: ExternalId
    vehicle_type_id: Identifier
    lat: Latitude
    lon: Longitude
    is_reserved: bool = False
    is_disabled: bool = False
    current_range_meters: Range | None = None
    last_reported: Timestamp


class VehicleUpdate(PartialUpdate):
    not_null = frozenset({"lat", "lon", "is_reserved", "is_disabled", "last_reported"})

    lat: Latitude | None = None
    lon: Longitude | None = None
    is_reserved: bool | None = None
    is_disabled: bool | None = None
    current_range_meters: Range | None = None
    last_reported: Timestamp | None = None


class VehiclePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    system_id: str
    vehicle_type_id: str
    lat: float
    lon: float
    is_reserved: bool
    is_disabled: bool
    current_range_meters: int | None
    last_reported: datetime


class NearbyPlace(BaseModel):
    kind: Literal["vehicle_station", "vehicle"]
    id: str
    system_id: str
    name: str | None
    lat: float
    lon: float
    walking_distance_m: int
    walking_minutes: int
    vehicle_types_available: list[VehicleTypeCount]
    num_docks_available: int | None = None
    station_kind: VehicleStationKind | None = None


class VehicleTypeCountIn(StrictInput):
    vehicle_type_id: Identifier
    count: Count


class StatusReportIn(StrictInput):
    """A station's availability as its operator or device reports it (GBFS station_status fields)."""

    num_vehicles_available: Count
    vehicle_types_available: list[VehicleTypeCountIn] = Field(max_length=50)
    num_vehicles_disabled: Count | None = None
    num_docks_available: Count | None = None
    num_docks_disabled: Count | None = None
    is_installed: bool = True
    is_renting: bool = True
    is_returning: bool = True
    last_reported: Timestamp = Field(
        description="When the station's device counted, with its offset; at most a few minutes ahead of now."
    )
