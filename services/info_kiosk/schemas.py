"""info_kiosk's HTTP shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.common import i18n
from services.common.contracts.mobility import VehicleStationStatusChanged
from services.common.fields import JSON_INTEGER, ByLanguage, Label, StrictInput
from services.common.fields import LanguageTag as LanguageTag  # the type of the `lang` query parameter
from services.info_kiosk.models import PointOfInterest

Category = Literal[
    "exit",
    "lift",
    "escalator",
    "stairs",
    "toilets",
    "ticket_office",
    "information",
    "parcel_lockers",
    "bike_share",
    "car_sharing",
    "taxi",
    "bus",
    "shop",
    "food",
    "pharmacy",
    "other",
]


# Room for every language a kiosk offers, not for a dump.
LocalizedTexts = Annotated[ByLanguage[Label], Field(max_length=30)]


class PointOfInterestCreate(StrictInput):
    category: Category
    names: Annotated[
        LocalizedTexts, Field(min_length=1, examples=[{"fr": "Ascenseur quai", "en": "Platform lift"}])
    ]
    descriptions: LocalizedTexts = {}
    level: Annotated[
        int,
        Field(ge=-20, le=20, description="0 is the street; negative levels are underground."),
        JSON_INTEGER,
    ]
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)
    step_free: bool


class PointOfInterestPublic(BaseModel):
    id: str
    category: Category
    name: str
    language: str = Field(description="Language of `name`, chosen from the caller's preferences.")
    names: dict[str, str]
    description: str | None
    descriptions: dict[str, str]
    level: int
    lat: float
    lon: float
    step_free: bool

    @classmethod
    def localized(cls, point: PointOfInterest, preferred: list[str]) -> PointOfInterestPublic:
        # Names are never empty (PointOfInterestCreate), so pick always finds one.
        language, name = i18n.pick(point.names, preferred) or (i18n.DEFAULT_LANGUAGE, "")
        description = i18n.pick(point.descriptions, preferred)
        return cls(
            id=point.id,
            category=point.category,  # type: ignore[arg-type]  # stored from a validated Category
            name=name,
            language=language,
            names=point.names,
            description=description[1] if description else None,
            descriptions=point.descriptions,
            level=point.level,
            lat=point.lat,
            lon=point.lon,
            step_free=point.step_free,
        )


class PointOfInterestList(BaseModel):
    station_id: str
    points_of_interest: list[PointOfInterestPublic]


class VehicleAvailabilityPublic(VehicleStationStatusChanged):
    """The read model row: what bike_share's last event said, and when the kiosk learnt it."""

    model_config = ConfigDict(from_attributes=True)

    updated_at: datetime


class MobilityBoard(BaseModel):
    """What the kiosk shows of bikes and vehicles nearby; `as_of` is when it last changed."""

    station_id: str
    as_of: datetime | None
    vehicle_stations: list[VehicleAvailabilityPublic]
