"""info_kiosk's tables: the station's points of interest and the live vehicle availability read model."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common.bus_tables import new_metadata
from services.common.db import UTCDateTime, utcnow


class Base(DeclarativeBase):
    metadata = new_metadata()


OUTBOX = Base.metadata.tables["outbox"]


class PointOfInterest(Base):
    """A place a traveller may look for: an exit, a lift, the toilets, a bike station outside..."""

    __tablename__ = "point_of_interest"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    station_id: Mapped[str] = mapped_column(String(64), index=True)
    category: Mapped[str] = mapped_column(String(32))
    names: Mapped[dict[str, str]] = mapped_column(JSON)
    descriptions: Mapped[dict[str, str]] = mapped_column(JSON)
    # 0 is the street; negative levels are underground (GTFS levels.txt level_index).
    level: Mapped[int] = mapped_column(Integer)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    step_free: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class VehicleAvailability(Base):
    """bike_share's latest status of a vehicle station, as its events told us (never its database)."""

    __tablename__ = "vehicle_availability"

    vehicle_station_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    station_id: Mapped[str] = mapped_column(String(64), index=True)
    system_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    capacity: Mapped[int | None] = mapped_column(Integer)
    num_vehicles_available: Mapped[int] = mapped_column(Integer)
    vehicle_types_available: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    num_docks_available: Mapped[int | None] = mapped_column(Integer)
    is_installed: Mapped[bool]
    is_renting: Mapped[bool]
    is_returning: Mapped[bool]
    last_reported: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    source_event_id: Mapped[str] = mapped_column(String(64))
