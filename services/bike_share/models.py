"""bike_share's tables: vehicle types, vehicle (docking) stations and their latest status."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from services.common.bus_tables import new_metadata
from services.common.db import UTCDateTime, utcnow


class Base(DeclarativeBase):
    metadata = new_metadata()


OUTBOX = Base.metadata.tables["outbox"]


class VehicleType(Base):
    """A kind of vehicle of one system (GBFS vehicle_types.json)."""

    __tablename__ = "vehicle_type"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    system_id: Mapped[str] = mapped_column(String(64), index=True)
    form_factor: Mapped[str] = mapped_column(String(32))
    propulsion_type: Mapped[str] = mapped_column(String(32))
    name: Mapped[dict[str, str]] = mapped_column(JSON)
    max_range_meters: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class VehicleStation(Base):
    """A place to take or return vehicles, attached to the metro station it is nearest to."""

    __tablename__ = "vehicle_station"
    __table_args__ = (UniqueConstraint("system_id", "external_id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    station_id: Mapped[str] = mapped_column(String(64), index=True)
    system_id: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    capacity: Mapped[int | None] = mapped_column(Integer)
    distance_m: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    status: Mapped[VehicleStationStatus | None] = relationship(lazy="joined", uselist=False)


class VehicleStationStatus(Base):
    """The latest accepted report for a vehicle station (GBFS station_status.json)."""

    __tablename__ = "vehicle_station_status"

    vehicle_station_id: Mapped[str] = mapped_column(
        ForeignKey("vehicle_station.id", ondelete="CASCADE"), primary_key=True
    )
    num_vehicles_available: Mapped[int] = mapped_column(Integer)
    vehicle_types_available: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    num_docks_available: Mapped[int | None] = mapped_column(Integer)
    is_installed: Mapped[bool]
    is_renting: Mapped[bool]
    is_returning: Mapped[bool]
    last_reported: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
