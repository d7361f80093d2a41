"""Tables of live departures: the station's real-time sources (with the last good data each gave),
the rules that place disruptions, and the disruptions themselves."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import UTCDateTime, utcnow
from services.info_kiosk.base import Base


class DepartureSource(Base):
    """A real-time feed of the station's departures (SIRI Lite StopMonitoring or GTFS-Realtime
    TripUpdates), with an optional feed of its messages (SIRI Lite GeneralMessage or GTFS-Realtime
    Alerts). It keeps the last good data it gave: a failing pull changes nothing but its state."""

    __tablename__ = "departure_source"
    __table_args__ = (UniqueConstraint("station_id", "code", name="uq_departure_source_station_code"),)
    __label__ = "departure source"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    station_id: Mapped[str] = mapped_column(String(64), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(String(2000))
    messages_url: Mapped[str | None] = mapped_column(String(2000))
    # [{ref, stop_code, stop_name, mode, exit_code}]: which of the feed's stops are the station's.
    stops: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # [{ref, name, color}]: how the feed's line references are shown.
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    poll_seconds: Mapped[int] = mapped_column(Integer)
    ttl_seconds: Mapped[int] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # -- what the ingest knows ----------------------------------------------------------------------
    # The last good departures: [{stop_ref, line_ref, line_name, direction, destination, aimed_at,
    # expected_at, cancelled, platform}], times as ISO 8601 text.
    departures: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Conditional GETs: {url: {"etag": ..., "last_modified": ...}}.
    validators: Mapped[dict[str, dict[str, str]]] = mapped_column(JSON, default=dict)
    # Why the last pull failed (None: it did not); items of the last good pull that were skipped.
    failure: Mapped[str | None] = mapped_column(Text)
    item_problems: Mapped[list[str]] = mapped_column(JSON, default=list)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class DisruptionRule(Base):
    """Where the station shows a disruption that matches: lines, stops and severities (empty: any);
    the first rule by `priority` (then code) that matches decides its reach."""

    __tablename__ = "disruption_rule"
    __table_args__ = (UniqueConstraint("station_id", "code", name="uq_disruption_rule_station_code"),)
    __label__ = "disruption rule"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    station_id: Mapped[str] = mapped_column(String(64), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    priority: Mapped[int] = mapped_column(Integer)
    lines: Mapped[list[str]] = mapped_column(JSON)
    stops: Mapped[list[str]] = mapped_column(JSON)
    severities: Mapped[list[str]] = mapped_column(JSON)
    reach: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Disruption(Base):
    """A message of a source (SIRI GeneralMessage, GTFS-RT Alert), as the station shows it: raised
    when the source first sends it, changed with it, cleared when the source stops sending it, when
    it expires or when an operator silences it."""

    __tablename__ = "disruption"
    __table_args__ = (
        UniqueConstraint("station_id", "source_code", "source_ref", name="uq_disruption_source_ref"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    station_id: Mapped[str] = mapped_column(String(64), index=True)
    source_code: Mapped[str] = mapped_column(String(64))
    source_ref: Mapped[str] = mapped_column(String(200))
    severity: Mapped[str] = mapped_column(String(16))
    # Station lines and stop codes it concerns (mapped from the source's references).
    lines: Mapped[list[str]] = mapped_column(JSON)
    stops: Mapped[list[str]] = mapped_column(JSON)
    text: Mapped[dict[str, str]] = mapped_column(JSON)
    description: Mapped[dict[str, str]] = mapped_column(JSON)
    # What the rules gave, and an operator's override of it (None: none).
    rule_reach: Mapped[str] = mapped_column(String(16))
    override_reach: Mapped[str | None] = mapped_column(String(16))
    override_text: Mapped[dict[str, str] | None] = mapped_column(JSON)
    silenced: Mapped[bool] = mapped_column(Boolean, default=False)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # None while it holds; then when and why it ended: source, expired, silenced.
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cleared_by: Mapped[str | None] = mapped_column(String(16))
