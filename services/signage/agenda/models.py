"""The agenda's table: a station's events, on signage's metadata (services/signage/models.py names it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import UTCDateTime, utcnow
from services.signage.base import Base, new_id


class Event(Base):
    """Something happening at the station or near it (a concert, a fair); it may set the welcome."""

    __tablename__ = "agenda_event"
    __label__ = "event"
    __table_args__ = (
        UniqueConstraint("station_id", "code"),
        Index("ix_agenda_event_dates", "station_id", "starts_at", "ends_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    station_id: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    description: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    all_day: Mapped[bool] = mapped_column(default=False)
    place_name: Mapped[str | None] = mapped_column(String(200))
    place_lat: Mapped[float | None] = mapped_column(Float)
    place_lon: Mapped[float | None] = mapped_column(Float)
    url: Mapped[str | None] = mapped_column(String(500))
    # The welcome it sets for its dates: languages (preferred first), the kiosk's, a playlist code.
    welcome_languages: Mapped[list[str] | None] = mapped_column(JSON)
    welcome_kiosk_language: Mapped[str | None] = mapped_column(String(35))
    welcome_playlist: Mapped[str | None] = mapped_column(String(64))
    # iCalendar SEQUENCE: grows with every update that changes what the event says.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WelcomeState(Base):
    """The station's welcome as last published (welcome.changed), so that each change is told once,
    whichever replica's sweeper sees it first."""

    __tablename__ = "agenda_welcome"

    station_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    digest: Mapped[str] = mapped_column(String(32))
    event: Mapped[str | None] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
