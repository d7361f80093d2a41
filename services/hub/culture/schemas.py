"""HTTP shapes of culture at the hub. What is published to stations is the contract
(`kernel/contracts/culture.py`); these are what the culture team sends and reads."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from kernel.contracts.culture import CODE_PATTERN, ExhibitionPublished, Texts, Visit, WorkRights
from services.hub.culture.domain import VisitState
from services.hub.overview import LinkState, StationStatus

SHA256 = r"^[0-9a-f]{64}$"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExhibitionIn(_In):
    code: str = Field(pattern=CODE_PATTERN, description="Human code, e.g. `regards-seine-saint-denis`.")
    title: Texts = Field(description="Language -> title; `fr` is required.")
    description: Texts = {}


class ExhibitionChange(_In):
    title: Texts | None = None
    description: Texts | None = None


class ArtistIn(_In):
    code: str = Field(pattern=CODE_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    biography: Texts = {}
    links: list[str] = Field(default=[], max_length=20)


class ArtistChange(_In):
    name: str = Field(min_length=1, max_length=200)
    biography: Texts = {}
    links: list[str] = Field(default=[], max_length=20)


class WorkChange(_In):
    artist: str = Field(pattern=CODE_PATTERN, description="The code of an artist of the exhibition.")
    title: Texts
    year: int | None = Field(default=None, ge=-3000, le=2200)
    technique: Texts = {}
    description: Texts = {}
    audio_description: Texts = {}
    media_sha256: str = Field(pattern=SHA256, description="The SHA-256 a media upload answered.")
    audio_sha256: str | None = Field(
        default=None, pattern=SHA256, description="A recorded audio description."
    )
    rights: WorkRights


class WorkIn(WorkChange):
    code: str = Field(pattern=CODE_PATTERN)


class VisitIn(Visit):
    model_config = ConfigDict(extra="forbid")

    starts_at: AwareDatetime = Field(description="With its zone; the visit starts then (inclusive).")
    ends_at: AwareDatetime = Field(description="With its zone; the visit ends then (exclusive).")


class ExhibitionPublic(ExhibitionPublished):
    revision: int = Field(description="The config stream's sequence of this version.")


class ExhibitionSummary(BaseModel):
    code: str
    title: Texts
    retired: bool
    updated_at: datetime
    artists: int
    works: int
    visits: int
    revision: int


class MediaPublic(BaseModel):
    sha256: str
    media_type: str
    size: int
    url: str


class VisitStatePublic(BaseModel):
    station: str
    station_name: str | None
    starts_at: datetime
    ends_at: datetime
    answer: VisitState
    answered_at: datetime | None
    link: LinkState
    station_status: StationStatus


class ReachRowPublic(BaseModel):
    key: str = Field(description="The work's or artist's code, the station's slug or the day (YYYY-MM-DD).")
    exhibition: str | None
    plays: int
    seconds: float
    scans: int
