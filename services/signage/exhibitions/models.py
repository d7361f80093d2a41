"""The station's read model of the exhibitions that visit it, mirrored from the hub's config stream:
each exhibition as last published, its works (their media copied into the media store), and this
station's visits with the operator's answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import UTCDateTime, utcnow
from services.signage.base import Base


class Exhibition(Base):
    """An exhibition that visits this station, as the hub last published it (the whole document)."""

    __tablename__ = "exhibition"

    station_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    # The ExhibitionPublished payload, as received: texts, artists and the whole tour.
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    mirrored_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ExhibitionWork(Base):
    """A work of a mirrored exhibition, with its rights as this station last received them."""

    __tablename__ = "exhibition_work"

    station_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    exhibition_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    artist: Mapped[str] = mapped_column(String(40))
    # What the player reports in its proof of play (a content item id, 32 hex digits).
    content_item_id: Mapped[str] = mapped_column(String(32), index=True)
    media_sha256: Mapped[str] = mapped_column(String(64))
    media_type: Mapped[str] = mapped_column(String(64))
    # The media is in signage's media store (copied and verified); until then the work does not play.
    media_ready: Mapped[bool] = mapped_column(Boolean, default=False)
    media_problem: Mapped[str | None] = mapped_column(String(500))
    shown_from: Mapped[datetime] = mapped_column(UTCDateTime())
    shown_until: Mapped[datetime] = mapped_column(UTCDateTime())
    stations: Mapped[list[str]] = mapped_column(JSON, default=list)


class ExhibitionVisit(Base):
    """This station's visit of an exhibition, and its operator's answer."""

    __tablename__ = "exhibition_visit"
    __table_args__ = (Index("ix_exhibition_visit_when", "station_id", "ends_at"),)

    station_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    exhibition_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # pending, accepted, declined
    answer: Mapped[str] = mapped_column(String(16), default="pending")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Which screens show it once accepted: {"screens", "zones", "tags"}; all empty: every screen.
    targets: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    # No longer in the tour the hub publishes: kept for its answer, never played.
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
