"""info_kiosk's HTTP shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from kernel import i18n
from kernel.contracts.kiosk import EquipmentStatus
from kernel.contracts.mobility import VehicleStationStatusChanged
from kernel.fields import JSON_INTEGER, ByLanguage, Label, PartialUpdate, StrictInput, Timestamp
from kernel.fields import LanguageTag as LanguageTag  # the type of the `lang` query parameter
from services.info_kiosk.domain.graph_rules import PathwayMode, PlaceKind, Profile
from services.info_kiosk.exits.domain import DestinationKind
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


class VehicleAvailabilityPublic(VehicleStationStatusChanged):
    """The read model row: what bike_share's last event said, and when the kiosk learnt it."""

    model_config = ConfigDict(from_attributes=True)

    updated_at: datetime


class MobilityBoard(BaseModel):
    """What the kiosk shows of bikes and vehicles nearby; `as_of` is when it last changed."""

    station_id: str
    as_of: datetime | None
    vehicle_stations: list[VehicleAvailabilityPublic]


# -- the station graph ------------------------------------------------------------------------------

# The codes people use (GTFS ids): `exit-rue-pleyel`, `L-1`, `p-lift-15-b`.
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=CODE_PATTERN, examples=["exit-rue-pleyel"])]
# The names of levels and places, in the kiosk's eight languages (texts.LANGUAGES): a closed list says
# in the schema exactly which keys are taken, and no other language would ever be shown.
KioskLanguage = Literal["fr", "en", "es", "de", "it", "pt", "zh", "ar"]
Names = Annotated[
    dict[KioskLanguage, Label],
    Field(min_length=1, max_length=8, examples=[{"fr": "Sortie Rue Pleyel", "en": "Exit Rue Pleyel"}]),
]
Metres = Annotated[float, Field(ge=0, le=10_000, allow_inf_nan=False)]
Seconds = Annotated[int, Field(ge=0, le=3_600), JSON_INTEGER]
StairCount = Annotated[int, Field(ge=0, le=1_000), JSON_INTEGER]
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
LevelIndex = Annotated[float, Field(ge=-20, le=20, allow_inf_nan=False)]


class LevelCreate(StrictInput):
    code: Code
    index: LevelIndex = Field(description="0 is the street; negative is underground (GTFS level_index).")
    names: Names


class LevelUpdate(PartialUpdate):
    not_null = frozenset({"index", "names"})

    index: LevelIndex | None = None
    names: Names | None = None


class LevelPublic(BaseModel):
    code: str
    index: float
    name: str
    names: dict[str, str]


class PlaceCreate(StrictInput):
    code: Code
    kind: PlaceKind
    names: Names
    level_code: Code
    lat: Latitude
    lon: Longitude
    line: Annotated[str, Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9 -]+$")] | None = None


class PlaceUpdate(PartialUpdate):
    not_null = frozenset({"kind", "names", "level_code", "lat", "lon"})

    kind: PlaceKind | None = None
    names: Names | None = None
    level_code: Code | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    line: Annotated[str, Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9 -]+$")] | None = None


class PlacePublic(BaseModel):
    code: str
    kind: str
    name: str
    names: dict[str, str]
    level_code: str
    lat: float
    lon: float
    line: str | None
    out_of_service: bool = False


class PathwayCreate(StrictInput):
    code: Code
    from_code: Code
    to_code: Code
    mode: PathwayMode
    bidirectional: bool
    length_m: Metres | None = None
    traversal_time_s: Seconds | None = None
    stair_count: StairCount | None = None


class PathwayUpdate(PartialUpdate):
    not_null = frozenset({"from_code", "to_code", "mode", "bidirectional"})

    from_code: Code | None = None
    to_code: Code | None = None
    mode: PathwayMode | None = None
    bidirectional: bool | None = None
    length_m: Metres | None = None
    traversal_time_s: Seconds | None = None
    stair_count: StairCount | None = None


class PathwayPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    from_code: str
    to_code: str
    mode: str
    bidirectional: bool
    length_m: float | None
    traversal_time_s: int | None
    stair_count: int | None
    step_free: bool


class GraphWarningPublic(BaseModel):
    kind: Literal["unreachable", "one_way_trap"]
    place_code: str
    profile: Profile | None
    message: str


class GraphReport(BaseModel):
    """What a graph holds and what a traveller would suffer in it (reported, not refused)."""

    station_id: str
    version: str | None
    levels: int
    places: int
    pathways: int
    warnings: list[GraphWarningPublic]


class StationMap(BaseModel):
    """Everything the kiosk draws: levels, places (named in the caller's language), pathways."""

    station_id: str
    language: str
    version: str | None
    levels: list[LevelPublic]
    places: list[PlacePublic]
    pathways: list[PathwayPublic]


# -- the way out ------------------------------------------------------------------------------------


class DestinationPublic(BaseModel):
    exit_code: str
    code: str
    kind: DestinationKind
    name: str
    names: dict[str, str]
    lines: list[str]
    lat: float
    lon: float
    walking_m: float = Field(description="From the exit, measured or estimated (see `walking_estimated`).")
    walking_estimated: bool
    walking_s: float
    source: str = Field(description="`catalog` (the station catalog's open data) or `operator`.")
    vehicle_station_id: str | None


class ExitPublic(BaseModel):
    """An exit of the station (a place of kind `entrance_exit`) and what it leads to."""

    code: str
    name: str
    names: dict[str, str]
    level_code: str
    lat: float
    lon: float
    out_of_service: bool
    destinations: list[DestinationPublic]


class OutsidePublic(BaseModel):
    """The end of a route outside the station: through which exit, then how far on foot."""

    exit_code: str
    destination: DestinationPublic
    walking_m: float
    walking_s: float


# -- routes and search ------------------------------------------------------------------------------


class RouteStepPublic(BaseModel):
    mode: str
    from_code: str
    to_code: str
    to_name: str
    level_code: str
    level_name: str
    level_change: Literal["up", "down", "none"]
    instruction: str
    length_m: float
    time_s: float
    pathways: list[str]


class RoutePublic(BaseModel):
    profile: Profile
    places: list[str]
    steps: list[RouteStepPublic]
    length_m: float
    time_s: float
    level_changes: int


class ExplanationPublic(BaseModel):
    code: str
    message: str
    equipment: list[str]


class RouteAnswerPublic(BaseModel):
    """`route` when one exists under the profile; otherwise `explanation` and, if any, `alternative`."""

    station_id: str
    language: str
    from_code: str
    to_code: str
    profile: Profile
    found: bool
    route: RoutePublic | None
    explanation: ExplanationPublic | None
    alternative: RoutePublic | None
    outside: OutsidePublic | None = Field(
        default=None, description="When `to` is outside the station: the exit, then the walk from it."
    )


class SearchHitPublic(BaseModel):
    """A place; or, for "which exit for …", the exit (`place`) and what it leads to (`destination`)."""

    place: PlacePublic
    score: float
    destination: DestinationPublic | None = None


# -- equipment and live panels ----------------------------------------------------------------------


class EquipmentStatusUpdate(StrictInput):
    status: EquipmentStatus
    reason: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    until: Timestamp | None = None


class EquipmentPublic(BaseModel):
    place_code: str
    kind: str
    name: str
    names: dict[str, str]
    level_code: str
    status: EquipmentStatus
    reason: str | None
    until: datetime | None
    changed_at: datetime | None


class LockerBankPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    bank_id: str
    bank_code: str
    name: str
    level: int
    availability: dict[str, dict[str, int]]
    changed_at: datetime


class AlertPublic(BaseModel):
    alert_id: str
    severity: str
    text: str
    texts: dict[str, str]
    raised_at: datetime
    expires_at: datetime | None


class PanelState(BaseModel):
    """When its source last spoke, and whether that is too long ago to trust the numbers."""

    as_of: datetime | None
    stale: bool


class VehiclePanel(PanelState):
    items: list[VehicleAvailabilityPublic]


class LockerPanel(PanelState):
    items: list[LockerBankPublic]


class AlertPanel(PanelState):
    items: list[AlertPublic]


class LivePanels(BaseModel):
    station_id: str
    language: str
    vehicles: VehiclePanel
    lockers: LockerPanel
    alerts: AlertPanel
    outages: list[EquipmentPublic]
