"""The HTTP shapes of exhibitions at the station: visits (operators) and the work (the public)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from kernel.fields import StrictInput
from kernel.stations import STATION_SLUG_PATTERN
from services.signage.exhibitions.domain import Answer, AnswerState, Phase
from services.signage.schemas import Targets, TargetsPublic

ScreenCode = Annotated[str, Field(min_length=1, max_length=64, pattern=STATION_SLUG_PATTERN)]


class VisitAnswerIn(StrictInput):
    answer: Answer
    targets: Targets = Field(
        default=Targets(),
        description="Accepted: the screens that show it (codes, zones, tags); all empty: every screen",
    )


class VisitPublic(BaseModel):
    exhibition: str = Field(description="The exhibition's code")
    code: str = Field(description="The visit's code: its first day here, YYYY-MM-DD (Europe/Paris)")
    title: dict[str, str] = Field(description="The exhibition's title by language")
    starts_at: datetime
    ends_at: datetime
    phase: Phase
    answer: AnswerState
    answered_at: datetime | None
    targets: TargetsPublic
    works: int = Field(description="How many works the exhibition has")
    artists: list[str] = Field(description="The artists' names")
    playable: bool = Field(description="Neither retired by the curators nor removed from the tour")


class ScanIn(StrictInput):
    screen: ScreenCode | None = Field(default=None, description="The screen whose QR code was scanned")


class ScanRecorded(BaseModel):
    recorded: Literal[True] = True


class ArtistPublic(BaseModel):
    code: str
    name: str
    biography: str | None
    links: list[str]


class WorkPublic(BaseModel):
    code: str
    title: str
    year: int | None
    technique: str | None
    description: str | None
    audio_description: str | None = Field(description="Read aloud by the app where `audio_url` is null")
    audio_description_language: str | None = Field(description="The language `audio_description` is in")
    audio_url: str | None
    media_url: str = Field(description="The image (or video), from the station's media store")
    media_type: str
    credit: str
    licence: str
    artist: str = Field(description="The artist's code")


class WorkSummary(BaseModel):
    code: str
    title: str
    artist: str = Field(description="The artist's name")
    media_url: str


class TourStop(BaseModel):
    station: str
    starts_at: datetime
    ends_at: datetime
    here: bool = Field(description="This station")
    current: bool


class ExhibitionWorkPage(BaseModel):
    """A work as a visitor opens it from a screen's QR code."""

    station: str
    language: str = Field(description="The language the texts are in where they exist in it")
    exhibition: str
    exhibition_title: str
    exhibition_description: str | None
    work: WorkPublic
    artist: ArtistPublic
    other_works: list[WorkSummary]
    next_stops: list[TourStop] = Field(description="Where the tour is now and goes next")
