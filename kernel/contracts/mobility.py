"""Events of bike_share (subject token `mobility`)."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, Field

from kernel.registry import BIKE_SHARE

DOMAIN = BIKE_SHARE.domain
VEHICLE_STATION = "vehicle_station"
STATUS_CHANGED = "status_changed"


class VehicleTypeCount(BaseModel):
    vehicle_type_id: str
    count: int = Field(ge=0)


class VehicleTypeCountOfKind(VehicleTypeCount):
    """A count as the status event tells it: with what the type is (GBFS vehicle_types.json), so
    screens draw its icon without asking bike_share: `bicycle`, `cargo_bicycle`, `car`, `moped`,
    `scooter_standing`...; `human`, `electric_assist`, `electric`..."""

    form_factor: str | None = None
    propulsion_type: str | None = None


class VehicleStationStatusChanged(BaseModel):
    """Carries the whole state a consumer needs to show availability, so no one reads bike_share's DB."""

    vehicle_station_id: str
    system_id: str
    name: str
    lat: float
    lon: float
    capacity: int | None
    num_vehicles_available: int
    vehicle_types_available: list[VehicleTypeCountOfKind]
    num_docks_available: int | None
    is_installed: bool
    is_renting: bool
    is_returning: bool
    last_reported: AwareDatetime


def status_changed_subject_filter(station_id: str = "*") -> str:
    return f"gare.{station_id}.{DOMAIN}.{VEHICLE_STATION}.{STATUS_CHANGED}"


# Operators' configuration: what a consumer caches (names of systems, types, prices) changed.
SYSTEM = "system"
VEHICLE_TYPE = "vehicle_type"
PRICING_PLAN = "pricing_plan"
CONFIGURATION_ENTITIES = (SYSTEM, VEHICLE_TYPE, PRICING_PLAN)
CREATED = "created"
UPDATED = "updated"
DELETED = "deleted"


class ConfigurationChanged(BaseModel):
    """A system, vehicle type or pricing plan was created, updated or deleted: a notice to re-read
    it from the public API (`deleted` has nothing left to read). Systems are shared by the
    stations of a deployment: the notice goes on the subject of each of them."""

    id: str
    system_id: str


def configuration_subject_filter(station_id: str = "*") -> str:
    return f"gare.{station_id}.{DOMAIN}.*.*"
