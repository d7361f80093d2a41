"""Events of info_kiosk (subject token `kiosk`)."""

from __future__ import annotations

from pydantic import BaseModel

from services.common.registry import INFO_KIOSK

DOMAIN = INFO_KIOSK.domain
POINT_OF_INTEREST = "point_of_interest"
PUBLISHED = "published"


class PointOfInterestPublished(BaseModel):
    """A place shown on the kiosk's map, with every translation, so screens and apps can show it too."""

    id: str
    category: str
    names: dict[str, str]
    descriptions: dict[str, str]
    level: int
    lat: float
    lon: float
    step_free: bool
