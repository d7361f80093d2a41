"""Events of signage (subject token `signage`)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from kernel.registry import SIGNAGE

DOMAIN = SIGNAGE.domain
SCREEN = "screen"
REGISTERED = "registered"


class ScreenRegistered(BaseModel):
    """A screen put into service at the station, and the player device bound to it if any."""

    screen_id: str
    code: str
    name: str
    location: str
    orientation: Literal["landscape", "portrait"]
    resolution: str
    languages: list[str]
    playlist_id: str | None
    device_client_id: str | None
    registered_at: datetime


ALERT = "alert"
RAISED = "raised"
CLEARED = "cleared"
AlertSeverity = Literal["info", "warning", "emergency"]


class AlertTargets(BaseModel):
    """Which screens an alert is for; all empty means every screen (and kiosk) of the station."""

    screens: list[str] = []
    zones: list[str] = []
    tags: list[str] = []


class AlertRaised(BaseModel):
    """Subject `gare.{station}.signage.alert.raised`: screens show it, the kiosk shows it too."""

    alert_id: str
    severity: AlertSeverity
    # BCP 47 language tag -> text.
    text: dict[str, str]
    targets: AlertTargets
    raised_at: datetime
    expires_at: datetime | None


class AlertCleared(BaseModel):
    """Subject `gare.{station}.signage.alert.cleared` (by an operator, or at its expiry)."""

    alert_id: str
    cleared_at: datetime


OFFLINE = "offline"


class ScreenOffline(BaseModel):
    """Subject `gare.{station}.signage.screen.offline`: a screen's player went silent past three
    heartbeat intervals (once per silence; it is online again at its next heartbeat)."""

    screen_id: str
    code: str
    last_seen_at: datetime


WELCOME = "welcome"
CHANGED = "changed"


class WelcomeChanged(BaseModel):
    """Subject `gare.{station}.signage.welcome.changed`: the station's welcome changed, because an
    event that sets it began or ended, or the agenda was edited. `event` null: the station's own."""

    languages: list[str]
    kiosk_language: str
    playlist: str | None
    event: str | None
    until: datetime | None
    changed_at: datetime
