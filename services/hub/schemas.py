"""HTTP shapes of the network view."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from services.hub.overview import LinkState, StationStatus


class LinkPublic(BaseModel):
    state: LinkState
    last_contact_seconds: float | None
    lag: int
    error: str | None


class LockersPublic(BaseModel):
    banks: int
    compartments: int
    free: int
    full_banks: list[str]


class ScreensPublic(BaseModel):
    registered: int
    offline: list[str]


class AlertPublic(BaseModel):
    id: str
    title: str
    severity: str
    raised_at: datetime


class StationOverviewPublic(BaseModel):
    slug: str
    name: str | None
    public_url: str | None
    status: StationStatus
    attention: list[str]
    link: LinkPublic
    last_event_at: datetime | None
    lockers: LockersPublic
    screens: ScreensPublic
    alerts: list[AlertPublic]


class NetworkSummaryPublic(BaseModel):
    generated_at: datetime
    stations: int
    # How many stations are in each status, over the whole network.
    counts: dict[StationStatus, int]
