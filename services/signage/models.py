"""signage's tables: screens, media and content, playlists, schedules, alerts and proof of play."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kernel.db import UTCDateTime, utcnow
from services.signage.base import Base, new_id

OUTBOX = Base.metadata.tables["outbox"]


class Media(Base):
    """Uploaded bytes, stored once per station by their SHA-256: an edit never changes a media."""

    __tablename__ = "media"

    station_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    media_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ContentItem(Base):
    """Something a screen shows for a while: a message, an image, a video, an artwork or a widget."""

    __tablename__ = "content_item"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    station_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    texts: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    html: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    media: Mapped[str | None] = mapped_column(String(64))
    media_type: Mapped[str | None] = mapped_column(String(32))
    artist: Mapped[str | None] = mapped_column(String(200))
    year: Mapped[int | None] = mapped_column(Integer)
    credit: Mapped[str | None] = mapped_column(String(200))
    widget: Mapped[str | None] = mapped_column(String(32))
    # Messages: how they look on screens (content/domain.py MessageTemplate); None: the default.
    template: Mapped[str | None] = mapped_column(String(16))
    duration_seconds: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PlaylistItem(Base):
    __tablename__ = "playlist_item"

    playlist_id: Mapped[str] = mapped_column(ForeignKey("playlist.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    # RESTRICT: a content still in a playlist cannot vanish from under a screen.
    content_item_id: Mapped[str] = mapped_column(
        ForeignKey("content_item.id", ondelete="RESTRICT"), index=True
    )
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    transition: Mapped[str] = mapped_column(String(16), default="fade", server_default="fade")

    content: Mapped[ContentItem] = relationship(lazy="joined")


class Playlist(Base):
    """An ordered loop of content; the station's default one plays on screens without their own."""

    __tablename__ = "playlist"
    __table_args__ = (
        UniqueConstraint("station_id", "name"),
        UniqueConstraint("station_id", "code"),
        # At most one default per station, even when two operators save at the same time.
        Index(
            "uq_playlist_default_per_station",
            "station_id",
            unique=True,
            sqlite_where=text("is_default"),
            postgresql_where=text("is_default"),
            info={"fields": ["is_default"]},
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    station_id: Mapped[str] = mapped_column(String(64), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    is_default: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    items: Mapped[list[PlaylistItem]] = relationship(
        lazy="selectin", order_by=PlaylistItem.position, cascade="all, delete-orphan"
    )


class Screen(Base):
    """A display of the station, and the player device bound to it."""

    __tablename__ = "screen"
    __table_args__ = (UniqueConstraint("station_id", "code"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    station_id: Mapped[str] = mapped_column(String(64), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    location: Mapped[str] = mapped_column(String(200))
    zone: Mapped[str] = mapped_column(String(64), default="hall", server_default="hall")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    orientation: Mapped[str] = mapped_column(String(16))
    resolution: Mapped[str] = mapped_column(String(16))
    languages: Mapped[list[str]] = mapped_column(JSON)
    playlist_id: Mapped[str | None] = mapped_column(ForeignKey("playlist.id", ondelete="SET NULL"))
    # The code of its layout (a built-in template or the station's own); None: the whole screen.
    layout: Mapped[str | None] = mapped_column(String(64))
    device_client_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Schedule(Base):
    """A playlist on some days between two local times, for some screens, with a priority."""

    __tablename__ = "schedule"
    __table_args__ = (UniqueConstraint("station_id", "code"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    station_id: Mapped[str] = mapped_column(String(64), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    playlist_id: Mapped[str] = mapped_column(ForeignKey("playlist.id", ondelete="RESTRICT"), index=True)
    priority: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    weekdays: Mapped[list[int]] = mapped_column(JSON)
    start_time: Mapped[str] = mapped_column(String(5))  # "HH:MM", local
    end_time: Mapped[str] = mapped_column(String(5))
    targets: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    # While it plays, its screens show this layout (a code) instead of their own.
    layout: Mapped[str | None] = mapped_column(String(64))

    def local_times(self) -> tuple[time, time]:
        return time.fromisoformat(self.start_time), time.fromisoformat(self.end_time)


class Alert(Base):
    """An emergency or information message that takes over the targeted screens until cleared."""

    __tablename__ = "alert"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    station_id: Mapped[str] = mapped_column(String(64), index=True)
    severity: Mapped[str] = mapped_column(String(16))
    texts: Mapped[dict[str, str]] = mapped_column(JSON)
    targets: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Who raised it when no operator did: "disruption:<id>" for a disruption of the real-time sources.
    source: Mapped[str | None] = mapped_column(String(200), index=True)


class AlertAck(Base):
    """A screen showed an alert (its player says so)."""

    __tablename__ = "alert_ack"

    alert_id: Mapped[str] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"), primary_key=True)
    screen_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Play(Base):
    """Proof of play: a content shown on a screen; the player's own id makes a resend harmless."""

    __tablename__ = "play"
    __table_args__ = (
        UniqueConstraint("station_id", "screen_code", "play_id"),
        Index("ix_play_report", "station_id", "played_on", "screen_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    station_id: Mapped[str] = mapped_column(String(64))
    screen_code: Mapped[str] = mapped_column(String(64))
    play_id: Mapped[str] = mapped_column(String(64))
    content_item_id: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_seconds: Mapped[int] = mapped_column(Integer)
    played_on: Mapped[date] = mapped_column(Date)
    # The layout region it played in (None: the whole screen, as before layouts).
    region: Mapped[str | None] = mapped_column(String(32))


class VehicleAvailability(Base):
    """Read model of bike_share's vehicle stations (from its status_changed events), for the widget."""

    __tablename__ = "vehicle_availability"

    station_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    vehicle_station_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    num_vehicles_available: Mapped[int] = mapped_column(Integer)
    num_docks_available: Mapped[int | None] = mapped_column(Integer)
    is_renting: Mapped[bool] = mapped_column()
    last_reported: Mapped[datetime] = mapped_column(UTCDateTime())
    # [{"vehicle_type_id", "count"}]: what is available by type, for an icon per type on screens.
    vehicle_types: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, server_default="[]")


class EquipmentStatus(Base):
    """Read model of info_kiosk's lifts, escalators and gates (from its status_changed events)."""

    __tablename__ = "equipment_status"

    station_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    place_code: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    names: Mapped[dict[str, str]] = mapped_column(JSON)
    level: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(String(500))
    until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Layout(Base):
    """An operator's division of a screen into regions (a CSS grid), by code."""

    __tablename__ = "layout"
    __table_args__ = (UniqueConstraint("station_id", "code"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    station_id: Mapped[str] = mapped_column(String(64), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    orientation: Mapped[str] = mapped_column(String(16))
    columns: Mapped[list[str]] = mapped_column(JSON)
    rows: Mapped[list[str]] = mapped_column(JSON)
    areas: Mapped[list[str]] = mapped_column(JSON)
    # [{"name", "kind", "stops", "lines", "modes", "rows"}]
    regions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Disruption(Base):
    """Read model of info_kiosk's disruptions (from its published/cleared events): the last word per
    disruption, and the signage alert it raised when its reach is `alert`."""

    __tablename__ = "disruption"

    station_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    disruption_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    severity: Mapped[str] = mapped_column(String(16))
    reach: Mapped[str] = mapped_column(String(16))
    texts: Mapped[dict[str, str]] = mapped_column(JSON)
    lines: Mapped[list[str]] = mapped_column(JSON, default=list)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    alert_id: Mapped[str | None] = mapped_column(String(32))
    # The time of the last event applied: an older one arriving late changes nothing.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


# Entities with a package of their own keep their tables beside their rules, on this same metadata:
# importing the models imports them all.
from services.signage.agenda import models as agenda_models  # noqa: E402, F401
from services.signage.exhibitions import models as exhibitions_models  # noqa: E402, F401
