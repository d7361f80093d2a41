"""Events of info_kiosk (subject token `kiosk`)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from kernel.registry import INFO_KIOSK

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


EQUIPMENT = "equipment"
STATUS_CHANGED = "status_changed"
EquipmentKind = Literal["lift", "escalator", "travelator", "fare_gate"]
EquipmentStatus = Literal["in_service", "out_of_service"]


class EquipmentStatusChanged(BaseModel):
    """Subject `gare.{station}.kiosk.equipment.status_changed`: a lift, escalator or gate out of service
    or back; routing avoids it at once, screens can show it in their outage widget."""

    place_code: str
    kind: EquipmentKind
    names: dict[str, str]
    level: int
    status: EquipmentStatus
    reason: str | None
    # When the operator expects it back, if known.
    until: datetime | None
    changed_at: datetime
