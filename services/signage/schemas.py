"""signage's HTTP shapes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict

from kernel.contracts.screens import ShownAlert
from kernel.fields import (
    JSON_INTEGER,
    ByLanguage,
    ClientId,
    Label,
    MultilineText,
    StrictInput,
    Timestamp,
    distinct_languages,
)
from kernel.i18n import LANGUAGE_TAG_PATTERN
from kernel.stations import STATION_SLUG_PATTERN
from services.signage.alerts.domain import Severity
from services.signage.content.domain import (
    MAX_DURATION_SECONDS,
    MIN_DURATION_SECONDS,
    ContentKind,
    MessageTemplate,
    WidgetName,
)
from services.signage.layouts.domain import LayoutOrientation, RegionKind
from services.signage.playlists.domain import Transition
from services.signage.screens.domain import Orientation

# Codes are slugs, like station ids: "hall-nord", "quai-2", "expo-printemps".
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=STATION_SLUG_PATTERN)]
ScreenCode = Code
Resolution = Annotated[str, Field(pattern=r"^[1-9][0-9]{1,4}x[1-9][0-9]{1,4}$", examples=["1920x1080"])]
EntityId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of an uploaded media")]
Duration = Annotated[int, Field(ge=MIN_DURATION_SECONDS, le=MAX_DURATION_SECONDS), JSON_INTEGER]
LocalTime = Annotated[
    str,
    Field(
        pattern=r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$", description="HH:MM, Europe/Paris", examples=["08:00"]
    ),
]
LocalDate = Annotated[date, Strict(False), Field(description="YYYY-MM-DD, Europe/Paris")]
# Zones and tags: a simpler pattern than codes (no rule needs more), easy for generated clients.
Tag = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9-]+$")]
CodeList = Annotated[list[Tag], Field(max_length=50)]
Html = Annotated[str, Field(min_length=1, max_length=5000)]
# A BCP 47 tag; its length (35 at most) is checked in the domain: a pattern and a length together make
# generated clients and fuzzers discard most of what they draw.
ScreenLanguage = Annotated[
    str, Field(pattern=LANGUAGE_TAG_PATTERN, description="BCP 47 language tag, e.g. `fr`", examples=["fr"])
]


class Targets(StrictInput):
    """Screens by code, zone or tag; all empty means every screen of the station."""

    screens: CodeList = []
    zones: CodeList = []
    tags: CodeList = []


class TargetsPublic(BaseModel):
    screens: list[str] = []
    zones: list[str] = []
    tags: list[str] = []


# -- screens ---------------------------------------------------------------------------------------


class ScreenUpdate(StrictInput):
    name: Label
    location: Label
    # Checked in the domain (slugs), which keeps the schema easy for generated clients and fuzzers.
    zone: Annotated[str, Field(min_length=1, max_length=64)] = Field(
        default="hall", description="hall, platform, exit..."
    )
    tags: Annotated[list[Annotated[str, Field(min_length=1, max_length=64)]], Field(max_length=50)] = []
    orientation: Orientation
    resolution: Resolution
    languages: Annotated[
        list[ScreenLanguage],
        Field(min_length=1, max_length=10, description="Preferred first, e.g. ['fr', 'en']"),
        AfterValidator(distinct_languages),
    ]
    device_client_id: ClientId | None = Field(default=None, description="Client id of the player device")
    playlist_id: EntityId | None = Field(default=None, description="Else the station's default playlist")
    layout: Code | None = Field(
        default=None,
        description="Code of its layout (a template or the station's own); else the whole screen",
    )


class ScreenCreate(ScreenUpdate):
    code: ScreenCode


class ScreenPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    station_id: str
    code: str
    name: str
    location: str
    zone: str
    tags: list[str]
    orientation: Orientation
    resolution: str
    languages: list[str]
    playlist_id: str | None
    layout: str | None = None
    device_client_id: str | None
    registered_at: datetime


class ScreenStatus(ScreenPublic):
    last_seen_at: datetime | None = Field(description="Last heartbeat or playlist fetch, within a day")
    playing_version: str | None = Field(description="The content version its last heartbeat reported")
    current_version: str = Field(description="The version it should play")
    online: bool
    behind: bool = Field(description="It plays another version than the current one")


class Heartbeat(StrictInput):
    version: Annotated[str, Field(max_length=64, pattern=r"^[0-9a-f]*$")] | None = Field(
        default=None, description="`version` of the screen document it plays"
    )


# -- media and content ------------------------------------------------------------------------------


class MediaPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    sha256: str
    media_type: str
    size: int
    url: str
    uploaded_at: datetime


class ContentCreate(StrictInput):
    kind: ContentKind
    title: Label
    texts: Annotated[ByLanguage[MultilineText], Field(max_length=20), AfterValidator(distinct_languages)] = {}
    html: Annotated[ByLanguage[Html], Field(max_length=20), AfterValidator(distinct_languages)] = Field(
        default={}, description="Sanitised: only text structure and emphasis are kept"
    )
    media: Sha256 | None = None
    artist: Label | None = Field(default=None, description="Artworks: who made it")
    year: Annotated[int, Field(ge=-3000, le=2100), JSON_INTEGER] | None = None
    credit: Label | None = Field(default=None, description="Shown with the work: lender, licence, photo")
    widget: WidgetName | None = None
    template: MessageTemplate | None = Field(
        default=None,
        description="Messages: how they look on screens: `banner` (the default), `welcome`, `notice`, `quote`",
    )
    duration_seconds: Duration


ContentUpdate = ContentCreate


class ContentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    station_id: str
    kind: ContentKind
    title: str
    texts: dict[str, str]
    html: dict[str, str]
    media: str | None
    media_type: str | None
    artist: str | None
    year: int | None
    credit: str | None
    widget: WidgetName | None
    template: MessageTemplate | None
    duration_seconds: int
    created_at: datetime
    updated_at: datetime


# -- playlists ----------------------------------------------------------------------------------------


class PlaylistEntryIn(StrictInput):
    content_item_id: EntityId
    duration_seconds: Duration | None = Field(default=None, description="Else the content's own duration")
    transition: Transition = "fade"


class PlaylistCreate(StrictInput):
    code: Code
    name: Label
    is_default: bool = False
    items: list[PlaylistEntryIn] = Field(max_length=200)


class PlaylistUpdate(StrictInput):
    name: Label
    is_default: bool = False
    items: list[PlaylistEntryIn] = Field(max_length=200)


class PlaylistEntryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    position: int
    content_item_id: str
    duration_seconds: int | None
    transition: str


class PlaylistSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    code: str
    name: str
    is_default: bool
    items: list[PlaylistEntryPublic]
    updated_at: datetime


class PlaylistItemPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    position: int
    content_item_id: str
    kind: ContentKind
    title: str
    language: str | None = Field(description="Language of `text` (or `html`), the best for the screen")
    text: str | None
    texts: dict[str, str]
    html: str | None
    media: str | None
    media_type: str | None
    media_url: str | None = Field(default=None, description="Where to fetch the media (immutable)")
    artist: str | None
    year: int | None
    credit: str | None
    widget: WidgetName | None
    template: MessageTemplate | None = Field(default=None, description="Messages: how they look on screens")
    duration_seconds: int
    transition: str
    # Exhibition works joined to the rotation by an accepted visit (services/signage/exhibitions).
    exhibition: str | None = Field(default=None, description="Artwork of a visiting exhibition: its code")
    work: str | None = Field(default=None, description="The work's code in its exhibition")
    link: str | None = Field(default=None, description="The work's page in the traveller app")
    qr_svg: str | None = Field(default=None, description="A QR code of `link` (SVG), drawn in a corner")
    shown_until: datetime | None = Field(default=None, description="Never shown from then on")


class PlaylistPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    code: str
    name: str
    items: list[PlaylistItemPublic]


# -- schedules --------------------------------------------------------------------------------------


class ScheduleUpdate(StrictInput):
    name: Label
    playlist_id: EntityId
    priority: Annotated[int, Field(ge=0, le=1000), JSON_INTEGER] = 100
    starts_on: LocalDate | None = None
    ends_on: LocalDate | None = None
    weekdays: Annotated[
        list[Annotated[int, Field(ge=0, le=6), JSON_INTEGER]],
        Field(min_length=1, max_length=7, description="0 = Monday ... 6 = Sunday"),
    ] = [0, 1, 2, 3, 4, 5, 6]
    start_time: LocalTime = "00:00"
    end_time: LocalTime = Field(default="00:00", description="At or before start_time: runs past midnight")
    targets: Targets = Targets()
    layout: Code | None = Field(default=None, description="While it plays, its screens show this layout")


class ScheduleCreate(ScheduleUpdate):
    code: Code


class SchedulePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    code: str
    name: str
    playlist_id: str
    priority: int
    starts_on: date | None
    ends_on: date | None
    weekdays: list[int]
    start_time: str
    end_time: str
    targets: TargetsPublic
    layout: str | None = None


# -- alerts -------------------------------------------------------------------------------------------


class AlertCreate(StrictInput):
    severity: Severity
    texts: Annotated[ByLanguage[MultilineText], Field(max_length=20), AfterValidator(distinct_languages)] = (
        Field(description="At least one language")
    )
    targets: Targets = Targets()
    expires_at: Timestamp | None = None


class AlertPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    severity: Severity
    texts: dict[str, str]
    targets: TargetsPublic
    raised_at: datetime
    expires_at: datetime | None
    cleared_at: datetime | None
    source: str | None = Field(
        default=None, description="None: raised by an operator; `disruption:<id>`: by a real-time disruption"
    )


class AlertStatus(AlertPublic):
    screens: list[str] = Field(description="The screens it targets")
    acknowledged: dict[str, datetime] = Field(description="Screen code -> when its player showed it")
    not_acknowledged: list[str]


class AlertReach(BaseModel):
    screens: list[str] = Field(
        description="The codes of the screens an alert with these targets would reach now"
    )


# -- layouts ----------------------------------------------------------------------------------------

RegionName = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9-]*$")]
Track = Annotated[str, Field(min_length=1, max_length=8, examples=["2fr", "auto", "25%", "120px"])]
LineRef = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9:._-]+$")]


class RegionIn(StrictInput):
    name: RegionName = Field(description="Its name in `areas`")
    kind: RegionKind
    stops: Annotated[list[LineRef], Field(max_length=20)] = Field(
        default=[], description="Departures: the stops shown (none: every stop)"
    )
    lines: Annotated[list[LineRef], Field(max_length=20)] = Field(
        default=[], description="Departures: the lines shown (none: every line)"
    )
    modes: Annotated[list[LineRef], Field(max_length=10)] = Field(
        default=[], description="Departures: metro, rer, bus, tram... (none: every mode)"
    )
    rows: Annotated[int, Field(ge=1, le=20), JSON_INTEGER] = Field(
        default=6, description="Departures: rows shown"
    )


class LayoutUpdate(StrictInput):
    name: Label
    orientation: LayoutOrientation = "landscape"
    columns: Annotated[list[Track], Field(min_length=1, max_length=6)] = Field(
        description="Grid column tracks: `Nfr`, `N%`, `Npx`, `auto`"
    )
    rows: Annotated[list[Track], Field(min_length=1, max_length=6)] = Field(description="Grid row tracks")
    areas: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=300)]], Field(min_length=1, max_length=6)
    ] = Field(
        description="One string per row, a region name per column (`.`: empty), as CSS grid-template-areas"
    )
    regions: Annotated[list[RegionIn], Field(min_length=1, max_length=8)]


class LayoutCreate(LayoutUpdate):
    code: Code


class RegionPublic(BaseModel):
    name: str
    kind: RegionKind
    stops: list[str]
    lines: list[str]
    modes: list[str]
    rows: int


class LayoutPublic(BaseModel):
    code: str
    name: str
    orientation: str
    columns: list[str]
    rows: list[str]
    areas: list[str]
    regions: list[RegionPublic]
    builtin: bool = Field(description="A built-in template: read only, usable by code")


# -- the player's document ----------------------------------------------------------------------------


class LayoutRegionShown(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str
    kind: RegionKind


class LayoutShown(BaseModel):
    code: str
    name: str
    orientation: str
    columns: list[str]
    rows: list[str]
    areas: list[str]
    regions: list[LayoutRegionShown] = Field(
        description="What each region shows: `content` its playlist (the items are in `now`/`next`), "
        "`departures` where to read its board (`url`, `live_url`), `ticker` its `items`, `clock` its time zone"
    )


class SegmentPublic(BaseModel):
    playlist: PlaylistPublic | None
    schedule: str | None = Field(description="Code of the schedule that plays it; None: the fallback")
    starts_at: datetime | None
    ends_at: datetime | None


class ScreenPlaylist(BaseModel):
    screen: ScreenPublic
    version: str = Field(description="Changes whenever anything shown changes; heartbeats report it")
    now: SegmentPublic
    next: SegmentPublic | None
    alerts: list[ShownAlert]
    live: dict[str, list[dict[str, Any]]] = Field(
        default={}, description="Data of its live widgets: `vehicle_availability`, `lift_status`"
    )
    layout: LayoutShown | None = None


# -- proof of play --------------------------------------------------------------------------------------


class PlayRecord(StrictInput):
    play_id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")] = Field(
        description="The player's own id for this play: a resend is counted once"
    )
    content_item_id: EntityId
    started_at: Timestamp
    duration_seconds: Annotated[int, Field(ge=0, le=3600), JSON_INTEGER]
    region: RegionName | None = Field(default=None, description="The layout region it played in")


class PlayBatch(StrictInput):
    plays: list[PlayRecord] = Field(min_length=1, max_length=500)


class PlayBatchResult(BaseModel):
    accepted: int = Field(description="New records")
    duplicates: int = Field(description="Records already received")


class PlayReportRow(BaseModel):
    day: date
    screen: str
    content_item_id: str
    plays: int
    seconds: int
