"""Events of signage (subject token `signage`)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from services.common.registry import SIGNAGE

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
