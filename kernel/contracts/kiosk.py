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


# Live departures and disruptions: ingested by info_kiosk from the station's real-time sources (SIRI
# Lite, GTFS-Realtime), shown by the kiosk, the app and the screens.
DISRUPTION = "disruption"
CLEARED = "cleared"
DisruptionSeverity = Literal["info", "warning", "severe"]
# Where a disruption is shown, by the station's rules: the whole screen (a signage alert) or the
# ticker only; `none` keeps it off screens (kiosk and app still list it).
DisruptionReach = Literal["alert", "ticker", "none"]


class DisruptionRaised(BaseModel):
    """Subject `gare.{station}.kiosk.disruption.published`: a disruption from a real-time source (or an
    operator's override of one), as the station's rules place it. Sent again whenever its text, reach
    or lines change: the last one per `disruption_id` is what holds."""

    disruption_id: str
    # The departure source it came from (its code), and the id the source gave it.
    source_code: str
    source_ref: str
    severity: DisruptionSeverity
    reach: DisruptionReach
    # BCP 47 language tag -> text (the header; screens show it, the kiosk adds the description).
    text: dict[str, str]
    description: dict[str, str]
    lines: list[str]
    stops: list[str]
    raised_at: datetime
    until: datetime | None


class DisruptionCleared(BaseModel):
    """Subject `gare.{station}.kiosk.disruption.cleared`: its source no longer sends it, it expired, or
    an operator silenced it."""

    disruption_id: str
    cleared_at: datetime
