"""signage's tables: screens, the content they show, and the playlists that order it."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from services.common.bus_tables import new_metadata
from services.common.db import UTCDateTime, utcnow


class Base(DeclarativeBase):
    metadata = new_metadata()


OUTBOX = Base.metadata.tables["outbox"]


def new_id() -> str:
    return uuid.uuid4().hex


class ContentItem(Base):
    """Something a screen shows for a while: a message, an image (an artwork...) or a live widget."""

    __tablename__ = "content_item"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    station_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    texts: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    media_url: Mapped[str | None] = mapped_column(String(2083))
    credit: Mapped[str | None] = mapped_column(String(200))
    widget: Mapped[str | None] = mapped_column(String(32))
    duration_seconds: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PlaylistItem(Base):
    __tablename__ = "playlist_item"

    playlist_id: Mapped[str] = mapped_column(ForeignKey("playlist.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    # RESTRICT: a content still in a playlist cannot vanish from under a screen.
    content_item_id: Mapped[str] = mapped_column(
        ForeignKey("content_item.id", ondelete="RESTRICT"), index=True
    )
    duration_seconds: Mapped[int | None] = mapped_column(Integer)

    content: Mapped[ContentItem] = relationship(lazy="joined")


class Playlist(Base):
    """An ordered loop of content; the station's default one plays on screens without their own."""

    __tablename__ = "playlist"
    __table_args__ = (
        UniqueConstraint("station_id", "name"),
        # At most one default per station, even when two operators save at the same time.
        Index(
            "uq_playlist_default_per_station",
            "station_id",
            unique=True,
            sqlite_where=text("is_default"),
            postgresql_where=text("is_default"),
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    station_id: Mapped[str] = mapped_column(String(64), index=True)
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
    orientation: Mapped[str] = mapped_column(String(16))
    resolution: Mapped[str] = mapped_column(String(16))
    languages: Mapped[list[str]] = mapped_column(JSON)
    playlist_id: Mapped[str | None] = mapped_column(ForeignKey("playlist.id", ondelete="SET NULL"))
    device_client_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
