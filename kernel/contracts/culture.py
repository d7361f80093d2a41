"""Culture across the network: exhibitions curated at the hub, the stations they tour, and what the
stations tell the hub back (their answer to a visit, the plays and QR scans of each work).

- The hub publishes each exhibition, whole, on its config stream (`gare-network.config.exhibition.
  <code>`, the last message per subject kept); every station mirrors that stream, so an exhibition
  published while a station's link is cut reaches it when the link returns, and a cut station keeps
  the last version it had, rights included: a station decides alone, by its own clock, that a work's
  rights have ended.
- A station answers a visit and reports plays and scans as ordinary events of its signage stream
  (`gare.{station}.signage.visit.answered`, `...signage.work.played`, `...signage.work.scanned`),
  which the hub's `NETWORK_SIGNAGE` aggregate sources like every other station event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from kernel.stations import STATION_SLUG_PATTERN
from kernel.topology import CONFIG_ROOT

EXHIBITION_CONFIG = f"{CONFIG_ROOT}.exhibition"
CODE_PATTERN = r"^[a-z0-9][a-z0-9-]{0,39}$"
# BCP 47 language tag -> text; `fr` is always given, others fall back to it.
Texts = dict[str, str]


def exhibition_subject(code: str) -> str:
    return f"{EXHIBITION_CONFIG}.{code}"


class Artist(BaseModel):
    code: str = Field(pattern=CODE_PATTERN)
    name: str
    biography: Texts = {}
    links: list[str] = []


class WorkRights(BaseModel):
    """The rights to show a work: outside them (dates, stations) it is never shown."""

    licence: str
    credit: str
    shown_from: datetime
    shown_until: datetime
    # Slugs of the stations allowed; empty means every station the exhibition visits.
    stations: list[str] = []


class Work(BaseModel):
    code: str = Field(pattern=CODE_PATTERN)
    artist: str  # an Artist.code of the same exhibition
    title: Texts
    year: int | None = None
    technique: Texts = {}
    description: Texts = {}
    audio_description: Texts = {}
    # The work's image (or video) as the hub serves it, named by its SHA-256; stations copy it.
    media_url: str
    media_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    media_type: str
    # A recorded audio description, if any (else the app reads `audio_description` aloud).
    audio_url: str | None = None
    rights: WorkRights


class Visit(BaseModel):
    """The exhibition at one station over a date range (start inclusive, end exclusive)."""

    station: str = Field(pattern=STATION_SLUG_PATTERN)
    starts_at: datetime
    ends_at: datetime


class ExhibitionPublished(BaseModel):
    """Config subject `gare-network.config.exhibition.<code>`: the whole exhibition as it stands."""

    code: str = Field(pattern=CODE_PATTERN)
    title: Texts
    description: Texts = {}
    artists: list[Artist]
    works: list[Work]
    tour: list[Visit]
    retired: bool = False
    updated_at: datetime


# Station events (signage stream), read by the hub.
VISIT = "visit"
ANSWERED = "answered"
WORK = "work"
PLAYED = "played"
SCANNED = "scanned"


class VisitAnswered(BaseModel):
    """Subject `gare.{station}.signage.visit.answered`: the station's operator accepts or declines a visit."""

    exhibition_code: str
    starts_at: datetime
    answer: Literal["accepted", "declined"]
    answered_at: datetime


class WorkPlays(BaseModel):
    work_code: str
    exhibition_code: str
    artist: str
    plays: int
    seconds: float


class WorksPlayed(BaseModel):
    """Subject `gare.{station}.signage.work.played`: the proof of play of exhibition works reported by
    one screen's player (one event per batch of plays the player sends)."""

    screen_code: str
    day: str  # YYYY-MM-DD, station local time (Europe/Paris)
    works: list[WorkPlays]
    reported_at: datetime


class WorkScanned(BaseModel):
    """Subject `gare.{station}.signage.work.scanned`: a visitor opened a work from a screen's QR code."""

    exhibition_code: str
    work_code: str
    screen_code: str | None
    scanned_at: datetime
