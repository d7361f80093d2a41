"""info_kiosk's tables: the station's points of interest and the live vehicle availability read model."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import UTCDateTime, utcnow
from services.info_kiosk.base import Base
from services.info_kiosk.departures import models as departures  # noqa: F401  (its tables, in the metadata)

__all__ = ["Base"]

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


# -- the station graph (GTFS levels / stops / pathways) -------------------------------------------


class StationGraph(Base):
    """One row per station: `version` changes on every write to its graph or its equipment status,
    so each process rebuilds its routing adjacency once per version and never serves a stale one."""

    __tablename__ = "station_graph"

    station_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Level(Base):
    """A floor of the station (GTFS levels.txt): 0 is the street, negative is underground."""

    __tablename__ = "level"
    __table_args__ = (UniqueConstraint("station_id", "code"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    station_id: Mapped[str] = mapped_column(String(64), index=True)
    code: Mapped[str] = mapped_column(String(64))
    index: Mapped[float] = mapped_column(Float)
    names: Mapped[dict[str, str]] = mapped_column(JSON)


class Place(Base):
    """A node of the graph (GTFS stops.txt): an exit, a platform, a hall, a lift, the toilets..."""

    __tablename__ = "place"
    __table_args__ = (UniqueConstraint("station_id", "code"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    station_id: Mapped[str] = mapped_column(String(64), index=True)
    code: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    names: Mapped[dict[str, str]] = mapped_column(JSON)
    level_code: Mapped[str] = mapped_column(String(64))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    # Platforms: the line (GTFS platform_code), e.g. "15".
    line: Mapped[str | None] = mapped_column(String(16))


class Pathway(Base):
    """An edge of the graph (GTFS pathways.txt), from one place to another, maybe both ways."""

    __tablename__ = "pathway"
    __table_args__ = (UniqueConstraint("station_id", "code"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    station_id: Mapped[str] = mapped_column(String(64), index=True)
    code: Mapped[str] = mapped_column(String(64))
    from_code: Mapped[str] = mapped_column(String(64))
    to_code: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(16))
    bidirectional: Mapped[bool]
    length_m: Mapped[float | None] = mapped_column(Float)
    traversal_time_s: Mapped[int | None] = mapped_column(Integer)
    stair_count: Mapped[int | None] = mapped_column(Integer)


class EquipmentOutage(Base):
    """A lift, escalator, travelator or gate out of service now; the row goes when it is back."""

    __tablename__ = "equipment_outage"

    station_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    place_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str | None] = mapped_column(String(200))
    until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reported_by: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


# -- read models of other services' events ----------------------------------------------------------


class LockerAvailability(Base):
    """parcel_lockers' free compartments of a bank, as its last availability event said."""

    __tablename__ = "locker_availability"

    bank_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    station_id: Mapped[str] = mapped_column(String(64), index=True)
    bank_code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[int] = mapped_column(Integer)
    availability: Mapped[dict[str, Any]] = mapped_column(JSON)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    source_event_id: Mapped[str] = mapped_column(String(64))


class StationAlert(Base):
    """signage's alerts of the station, raised and not yet cleared."""

    __tablename__ = "station_alert"

    alert_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    station_id: Mapped[str] = mapped_column(String(64), index=True)
    severity: Mapped[str] = mapped_column(String(16))
    text: Mapped[dict[str, str]] = mapped_column(JSON)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SourceActivity(Base):
    """When each source of a live panel last spoke for a station: quiet too long means stale."""

    __tablename__ = "source_activity"

    station_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_event_at: Mapped[datetime] = mapped_column(UTCDateTime())


# -- the way out: what each exit leads to -----------------------------------------------------------


class ExitDestination(Base):
    """What is outside one exit: a street, a bus stop and its lines, a dock, a taxi rank, a landmark.

    From the station catalog's open data (`source` "catalog") or entered by an operator ("operator").
    The same code may sit under two exits (a bus stop between them); each row says how far it is."""

    __tablename__ = "exit_destination"
    __table_args__ = (UniqueConstraint("station_id", "exit_code", "code"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    station_id: Mapped[str] = mapped_column(String(64), index=True)
    exit_code: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    names: Mapped[dict[str, str]] = mapped_column(JSON)
    lines: Mapped[list[str]] = mapped_column(JSON)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    # Set by the operator who walked it; else estimated from the coordinates (domain.walking_m).
    walking_m: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(16))
    # bike_share's vehicle station id for a dock, so its live availability can be shown beside it.
    vehicle_station_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
