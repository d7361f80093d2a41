"""signage's HTTP shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, HttpUrl

from services.common.fields import (
    JSON_INTEGER,
    ByLanguage,
    ClientId,
    Label,
    LanguageTag,
    MultilineText,
    StrictInput,
    distinct_languages,
)
from services.common.stations import STATION_SLUG_PATTERN
from services.signage.domain import (
    MAX_DURATION_SECONDS,
    MIN_DURATION_SECONDS,
    ContentKind,
    Orientation,
    WidgetName,
)

# Screen codes are slugs, like station ids: "hall-nord", "quai-2".
ScreenCode = Annotated[str, Field(min_length=1, max_length=64, pattern=STATION_SLUG_PATTERN)]
Resolution = Annotated[str, Field(pattern=r"^[1-9][0-9]{1,4}x[1-9][0-9]{1,4}$", examples=["1920x1080"])]
EntityId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]
Duration = Annotated[int, Field(ge=MIN_DURATION_SECONDS, le=MAX_DURATION_SECONDS), JSON_INTEGER]


class ScreenCreate(StrictInput):
    code: ScreenCode
    name: Label
    location: Label
    orientation: Orientation
    resolution: Resolution
    languages: Annotated[
        list[LanguageTag],
        Field(min_length=1, max_length=10, description="Preferred first, e.g. ['fr', 'en']"),
        AfterValidator(distinct_languages),
    ]
    device_client_id: ClientId | None = Field(default=None, description="Client id of the player device")
    playlist_id: EntityId | None = Field(default=None, description="Else the station's default playlist")


class ScreenPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    station_id: str
    code: str
    name: str
    location: str
    orientation: Orientation
    resolution: str
    languages: list[str]
    playlist_id: str | None
    device_client_id: str | None
    registered_at: datetime


class ScreenStatus(ScreenPublic):
    last_seen_at: datetime | None = Field(description="Last playlist fetch by its device, within a day")


class ScreenList(BaseModel):
    station_id: str
    screens: list[ScreenStatus]


class ContentItemCreate(StrictInput):
    kind: ContentKind
    title: Label
    texts: Annotated[ByLanguage[MultilineText], Field(max_length=20), AfterValidator(distinct_languages)] = {}
    media_url: HttpUrl | None = None
    credit: Label | None = Field(default=None, description="Artist or author of the work shown")
    widget: WidgetName | None = None
    duration_seconds: Duration


class PlaylistEntryIn(StrictInput):
    content_item_id: EntityId
    duration_seconds: Duration | None = Field(default=None, description="Else the content's own duration")


class PlaylistCreate(StrictInput):
    name: Label
    is_default: bool = False
    items: list[PlaylistEntryIn] = Field(max_length=200)


class PlaylistItemPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    position: int
    content_item_id: str
    kind: ContentKind
    title: str
    language: str | None = Field(description="Language of `text`, the best for the screen")
    text: str | None
    texts: dict[str, str]
    media_url: str | None
    credit: str | None
    widget: WidgetName | None
    duration_seconds: int


class PlaylistPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    version: str = Field(description="Changes whenever anything shown changes; also the ETag")
    items: list[PlaylistItemPublic]


class ScreenPlaylist(BaseModel):
    screen: ScreenPublic
    playlist: PlaylistPublic | None = Field(description="None when the station has no default playlist")
    generated_at: datetime
