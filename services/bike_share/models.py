"""bike_share's tables: systems (operators), their vehicle types and pricing plans, vehicle stations
(docks, car-sharing spots, charging points) with their latest status, free-floating vehicles, and
the state of each external feed we ingest."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from kernel.bus_tables import new_metadata
from kernel.db import UTCDateTime, utcnow


class Base(DeclarativeBase):
    metadata = new_metadata()


OUTBOX = Base.metadata.tables["outbox"]
# Ids the service derives from the client's `system_id` and `external_id` (domain.vehicle_station_id).
DERIVED_FROM_EXTERNAL_ID = {"fields": ["system_id", "external_id"]}


class System(Base):
    """An operator's vehicle-sharing system (GBFS system_information.json), shared by the stations
    of a deployment. `feed_url` set: its data comes from the operator's GBFS feed (ingest)."""

    __tablename__ = "system"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    name: Mapped[dict[str, str]] = mapped_column(JSON)
    operator: Mapped[dict[str, str] | None] = mapped_column(JSON)
    url: Mapped[str | None] = mapped_column(String(300))
    phone_number: Mapped[str | None] = mapped_column(String(20))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    feed_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class PricingPlan(Base):
    """A price list of a system (GBFS system_pricing_plans.json)."""

    __tablename__ = "pricing_plan"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    system_id: Mapped[str] = mapped_column(String(24), index=True)
    name: Mapped[dict[str, str]] = mapped_column(JSON)
    description: Mapped[dict[str, str]] = mapped_column(JSON)
    currency: Mapped[str] = mapped_column(String(3))
    price: Mapped[float] = mapped_column(Float)
    is_taxable: Mapped[bool] = mapped_column(Boolean, default=False)
    # GBFS segments: [{"start": min, "rate": price, "interval": min, "end": min|None}].
    per_min_pricing: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class VehicleType(Base):
    """A kind of vehicle of one system (GBFS vehicle_types.json)."""

    __tablename__ = "vehicle_type"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    system_id: Mapped[str] = mapped_column(String(64), index=True)
    form_factor: Mapped[str] = mapped_column(String(32))
    propulsion_type: Mapped[str] = mapped_column(String(32))
    name: Mapped[dict[str, str]] = mapped_column(JSON)
    max_range_meters: Mapped[int | None] = mapped_column(Integer)
    pricing_plan_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), onupdate=utcnow)


class VehicleStation(Base):
    """A place to take or return vehicles (a dock, a car-sharing spot, a charging point), attached
    to the metro station it is nearest to."""

    __tablename__ = "vehicle_station"
    __table_args__ = (UniqueConstraint("system_id", "external_id"),)

    # `{system_id}-{external_id}`: what a client sent, and what a 409 names.
    id: Mapped[str] = mapped_column(String(64), primary_key=True, info=DERIVED_FROM_EXTERNAL_ID)
    station_id: Mapped[str] = mapped_column(String(64), index=True)
    system_id: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    capacity: Mapped[int | None] = mapped_column(Integer)
    distance_m: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16), default="dock", server_default="dock")
    # Written by the ingest of its system's feed: the ingest changes and removes only these,
    # never what a station's operator registered by hand.
    from_feed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), onupdate=utcnow)

    status: Mapped[VehicleStationStatus | None] = relationship(
        lazy="joined", uselist=False, cascade="all, delete-orphan", passive_deletes=True
    )


class VehicleStationStatus(Base):
    """The latest accepted report for a vehicle station (GBFS station_status.json)."""

    __tablename__ = "vehicle_station_status"

    vehicle_station_id: Mapped[str] = mapped_column(
        ForeignKey("vehicle_station.id", ondelete="CASCADE"), primary_key=True
    )
    num_vehicles_available: Mapped[int] = mapped_column(Integer)
    vehicle_types_available: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    num_vehicles_disabled: Mapped[int | None] = mapped_column(Integer)
    num_docks_available: Mapped[int | None] = mapped_column(Integer)
    num_docks_disabled: Mapped[int | None] = mapped_column(Integer)
    is_installed: Mapped[bool]
    is_renting: Mapped[bool]
    is_returning: Mapped[bool]
    last_reported: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Vehicle(Base):
    """A free-floating vehicle near the station (GBFS vehicle_status.json)."""

    __tablename__ = "vehicle"

    id: Mapped[str] = mapped_column(String(64), primary_key=True, info=DERIVED_FROM_EXTERNAL_ID)
    station_id: Mapped[str] = mapped_column(String(64), index=True)
    system_id: Mapped[str] = mapped_column(String(24))
    vehicle_type_id: Mapped[str] = mapped_column(String(64))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    is_reserved: Mapped[bool] = mapped_column(Boolean, default=False)
    is_disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    current_range_meters: Mapped[int | None] = mapped_column(Integer)
    last_reported: Mapped[datetime] = mapped_column(UTCDateTime())
    from_feed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class FeedState(Base):
    """How the ingest of a system's external GBFS feed goes: ok, stale or failing, and why."""

    __tablename__ = "feed_state"

    system_id: Mapped[str] = mapped_column(String(24), primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[str | None] = mapped_column(String(8))
    etags: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
