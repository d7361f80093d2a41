"""HTTP shapes of live departures: sources and rules (operators), departures and disruptions (public)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from kernel.fields import JSON_INTEGER, ByLanguage, Label, PartialUpdate, StrictInput
from services.info_kiosk.schemas import Code

SourceKind = Literal["siri-lite", "gtfs-rt"]
Mode = Literal["metro", "rer", "tram", "bus"]
Severity = Literal["info", "warning", "severe"]
Reach = Literal["alert", "ticker", "none"]
SourceState = Literal["fresh", "stale", "failing"]
FeedUrl = Annotated[
    str,
    Field(
        min_length=8,
        max_length=2000,
        pattern=r"^https?://[^\s]+$",
        examples=[
            "https://prim.iledefrance-mobilites.fr/marketplace/stop-monitoring?MonitoringRef=STIF:StopPoint:Q:473921:"
        ],
    ),
]
FeedRef = Annotated[
    str,
    Field(
        min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$", examples=["STIF:StopPoint:Q:473921:"]
    ),
]
LineName = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[^\x00-\x1f\x7f]+$", examples=["15"])]
Color = Annotated[str, Field(pattern=r"^#[0-9A-Fa-f]{6}$", examples=["#B90845"])]
PollSeconds = Annotated[int, Field(ge=5, le=3_600), JSON_INTEGER]
TtlSeconds = Annotated[int, Field(ge=10, le=86_400), JSON_INTEGER]
Priority = Annotated[int, Field(ge=0, le=10_000), JSON_INTEGER]


# -- sources ---------------------------------------------------------------------------------


class SourceStop(StrictInput):
    """One of the feed's stops (a SIRI MonitoringRef, a GTFS stop_id) as one of the station's."""

    ref: FeedRef
    stop_code: Code = Field(examples=["quai-15-sud"])
    stop_name: Label = Field(examples=["Ligne 15 Sud"])
    mode: Mode
    exit_code: Code | None = Field(
        default=None, description="The exit nearest to a stop outside (a bus stop)."
    )


class LineStyleIn(StrictInput):
    """How one of the feed's lines (a SIRI LineRef, a GTFS route_id) is named and coloured."""

    ref: FeedRef
    name: LineName
    color: Color | None = None


class SourceCreate(StrictInput):
    code: Code = Field(examples=["prim-pleyel"])
    name: Label
    kind: SourceKind
    url: FeedUrl = Field(description="SIRI Lite stop-monitoring, or a GTFS-Realtime TripUpdates feed.")
    messages_url: FeedUrl | None = Field(
        default=None,
        description=(
            "SIRI Lite general-message, or a GTFS-Realtime Alerts feed. Unset, a GTFS-Realtime feed's own "
            "Alerts are read, and a SIRI Lite source raises no disruption."
        ),
    )
    stops: list[SourceStop] = Field(min_length=1, max_length=200)
    lines: list[LineStyleIn] = Field(default_factory=list, max_length=200)
    poll_seconds: PollSeconds = 30
    ttl_seconds: TtlSeconds = Field(default=120, description="Older than this, its data is `stale`.")
    enabled: bool = True


class SourceUpdate(PartialUpdate):
    not_null = frozenset({"name", "kind", "url", "stops", "lines", "poll_seconds", "ttl_seconds", "enabled"})

    name: Label | None = None
    kind: SourceKind | None = None
    url: FeedUrl | None = None
    messages_url: FeedUrl | None = None
    stops: list[SourceStop] | None = Field(default=None, min_length=1, max_length=200)
    lines: list[LineStyleIn] | None = Field(default=None, max_length=200)
    poll_seconds: PollSeconds | None = None
    ttl_seconds: TtlSeconds | None = None
    enabled: bool | None = None


class SourcePublic(BaseModel):
    """A source as operators see it: its configuration and how it is doing."""

    code: str
    name: str
    kind: SourceKind
    url: str
    messages_url: str | None
    stops: list[SourceStop]
    lines: list[LineStyleIn]
    poll_seconds: int
    ttl_seconds: int
    enabled: bool
    state: SourceState
    reason: str | None = Field(description="Why its last pull failed; its last good data is still shown.")
    problems: list[str] = Field(description="Items of its last good pull that were skipped, and why.")
    departures: int = Field(description="Departures its last good pull gave.")
    updated_at: datetime | None = Field(description="Its last good pull.")
    last_attempt_at: datetime | None
    created_at: datetime


# -- rules -----------------------------------------------------------------------------------


class RuleCreate(StrictInput):
    code: Code = Field(examples=["rer-d-severe"])
    name: Label
    priority: Priority = Field(default=100, description="Lower first; the first rule that matches decides.")
    lines: list[LineName] = Field(default_factory=list, max_length=50, description="Empty: any line.")
    stops: list[Code] = Field(default_factory=list, max_length=50, description="Empty: any stop.")
    severities: list[Severity] = Field(default_factory=list, max_length=3, description="Empty: any.")
    reach: Reach


class RuleUpdate(PartialUpdate):
    not_null = frozenset({"name", "priority", "lines", "stops", "severities", "reach"})

    name: Label | None = None
    priority: Priority | None = None
    lines: list[LineName] | None = Field(default=None, max_length=50)
    stops: list[Code] | None = Field(default=None, max_length=50)
    severities: list[Severity] | None = Field(default=None, max_length=3)
    reach: Reach | None = None


class RulePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    priority: int
    lines: list[str]
    stops: list[str]
    severities: list[Severity]
    reach: Reach
    created_at: datetime


# -- disruptions -----------------------------------------------------------------------------


class DisruptionUpdate(PartialUpdate):
    """An operator's word on a disruption: silence it (it is cleared, and stays so while its source
    sends it), or override where it is shown and what it says (`null` goes back to the source's)."""

    not_null = frozenset({"silenced"})

    silenced: bool | None = None
    reach: Reach | None = None
    text: ByLanguage[Label] | None = Field(default=None, min_length=1, max_length=8)


class DisruptionPublic(BaseModel):
    id: str
    source_code: str = Field(description="The departure source it came from.")
    source_ref: str = Field(description="The id its source gave it.")
    severity: Severity
    reach: Reach
    rule_reach: Reach = Field(description="Where the station's rules place it.")
    state: Literal["active", "silenced", "cleared"]
    overridden: bool
    text: dict[str, str]
    description: dict[str, str]
    lines: list[str]
    stops: list[str]
    raised_at: datetime
    until: datetime | None
    updated_at: datetime
    cleared_at: datetime | None
    cleared_by: Literal["source", "expired", "silenced"] | None


# -- the departures read ---------------------------------------------------------------------


class DeparturePublic(BaseModel):
    destination: str
    aimed_at: datetime
    expected_at: datetime
    delay_seconds: int
    status: Literal["on_time", "delayed", "cancelled"]
    platform: str | None


class BoardPublic(BaseModel):
    stop_code: str
    stop_name: str
    mode: Mode
    line: str
    line_color: str
    direction: str
    exit_code: str | None
    departures: list[DeparturePublic]


class SourceStatePublic(BaseModel):
    code: str
    state: SourceState
    updated_at: datetime | None


class DeparturesPublic(BaseModel):
    """The station's departures boards. `generated_at` is when the data shown last changed at its
    sources (null before any source gave data)."""

    station_id: str
    generated_at: datetime | None
    boards: list[BoardPublic]
    sources: list[SourceStatePublic]
