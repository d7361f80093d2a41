"""The outbox (events waiting for NATS) and inbox (events already handled) of one service."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, MetaData, String, Table, Text

from kernel.db import NAMING_CONVENTION, UTCDateTime

OUTBOX = "outbox"
PROCESSED_EVENT = "processed_event"


def add_bus_tables(metadata: MetaData) -> None:
    Table(
        OUTBOX,
        metadata,
        Column("event_id", String(64), primary_key=True),
        Column("subject", String(255), nullable=False),
        Column("payload", Text, nullable=False),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("published_at", UTCDateTime(), nullable=True),
        Column("attempts", Integer, nullable=False, default=0),
        Column("last_error", Text, nullable=True),
        Index("ix_outbox_pending", "published_at", "created_at"),
    )
    Table(
        PROCESSED_EVENT,
        metadata,
        Column("consumer", String(100), primary_key=True),
        Column("event_id", String(64), primary_key=True),
        Column("handled_at", UTCDateTime(), nullable=False),
    )


def new_metadata() -> MetaData:
    """A service's own metadata, with the outbox and inbox tables every service carries."""
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    add_bus_tables(metadata)
    return metadata
