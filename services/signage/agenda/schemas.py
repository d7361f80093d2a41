"""The agenda's HTTP shapes: events in, events out, the welcome."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from kernel.fields import Label, MultilineText, StrictInput, Timestamp, distinct_languages
from services.signage.agenda.domain import EventKind, EventStatus
from services.signage.schemas import Code, ScreenLanguage

# An event's texts are in the languages the station's pages speak (kernel/i18n.py INTERFACE_LANGUAGES):
# a closed list says in the schema exactly which keys are taken, as the kiosk's names do.
InterfaceLanguage = Literal["fr", "en", "es", "de", "it", "pt", "zh", "ar"]
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
WebUrl = Annotated[str, Field(max_length=500, pattern=r"^https?://[^\s\x00-\x1f\x7f]+$")]


class Place(StrictInput):
    """Where: in the station ("Hall nord, mezzanine") or nearby, with its position if known."""

    name: Label
    lat: Latitude | None = None
    lon: Longitude | None = None


class WelcomeIn(StrictInput):
    languages: Annotated[
        list[ScreenLanguage],
        Field(min_length=1, max_length=8, description="What screens rotate, preferred first"),
        AfterValidator(distinct_languages),
    ]
    kiosk_language: ScreenLanguage | None = Field(
        default=None, description="What the kiosk starts in; else the first of `languages`"
    )
    playlist: Code | None = Field(
        default=None, description="Code of a playlist of the station to welcome with"
    )


class EventUpdate(StrictInput):
    kind: EventKind
    status: EventStatus = "scheduled"
    title: Annotated[dict[InterfaceLanguage, Label], Field(min_length=1, max_length=8)] = Field(
        description="By language; `fr` is required",
        examples=[{"fr": "Concert de jazz", "en": "Jazz concert"}],
    )
    description: Annotated[dict[InterfaceLanguage, MultilineText], Field(max_length=8)] = {}
    starts_at: Timestamp
    ends_at: Timestamp = Field(description="After `starts_at`")
    all_day: bool = Field(
        default=False,
        description="Whole days (Europe/Paris), from the day of `starts_at` to that of `ends_at`",
    )
    place: Place | None = None
    url: WebUrl | None = None
    welcome: WelcomeIn | None = Field(default=None, description="The welcome it sets for its dates")


class EventCreate(EventUpdate):
    code: Code


class PlacePublic(BaseModel):
    name: str
    lat: float | None
    lon: float | None


class WelcomeSettingPublic(BaseModel):
    languages: list[str]
    kiosk_language: str
    playlist: str | None


class EventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    code: str
    kind: EventKind
    status: EventStatus
    title: dict[str, str]
    description: dict[str, str]
    starts_at: datetime
    ends_at: datetime
    all_day: bool
    place: PlacePublic | None
    url: str | None
    welcome: WelcomeSettingPublic | None
    sequence: int = Field(description="Grows with every change (the iCalendar SEQUENCE)")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, event: Any) -> EventPublic:
        place = (
            PlacePublic(name=event.place_name, lat=event.place_lat, lon=event.place_lon)
            if event.place_name
            else None
        )
        welcome = (
            WelcomeSettingPublic(
                languages=event.welcome_languages,
                kiosk_language=event.welcome_kiosk_language or event.welcome_languages[0],
                playlist=event.welcome_playlist,
            )
            if event.welcome_languages
            else None
        )
        return cls(
            id=event.id,
            code=event.code,
            kind=event.kind,
            status=event.status,
            title=event.title,
            description=event.description,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            all_day=event.all_day,
            place=place,
            url=event.url,
            welcome=welcome,
            sequence=event.sequence,
            created_at=event.created_at,
            updated_at=event.updated_at,
        )


class WelcomePublic(BaseModel):
    languages: list[str] = Field(description="What screens rotate now, preferred first")
    kiosk_language: str = Field(description="What the kiosk starts in")
    playlist: str | None = Field(description="Code of the welcome playlist, if an event sets one")
    event: str | None = Field(description="Code of the event that sets the welcome; null: the station's own")
    until: datetime | None = Field(description="When the welcome changes next; null: no change is planned")
