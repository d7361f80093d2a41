"""parcel_lockers' tables: locker banks, compartments, parcels, their history and every door opening."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from kernel.bus_tables import new_metadata
from kernel.contracts.lockers import CompartmentSize, CompartmentState
from kernel.db import UTCDateTime, utcnow
from services.parcel_lockers import domain


class Base(DeclarativeBase):
    metadata = new_metadata()


OUTBOX = Base.metadata.tables["outbox"]


def new_id() -> str:
    return uuid.uuid4().hex


class LockerBank(Base):
    """A row of compartments driven by one controller, somewhere in the station."""

    __tablename__ = "locker_bank"
    __label__ = "locker bank"
    __table_args__ = (UniqueConstraint("station_id", "code"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    station_id: Mapped[str] = mapped_column(String(64), index=True)
    code: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(200))
    location: Mapped[str] = mapped_column(String(200))
    level: Mapped[int] = mapped_column(Integer)
    controller_client_id: Mapped[str | None] = mapped_column(String(100))
    retention_days: Mapped[int] = mapped_column(Integer, default=domain.DEFAULT_RETENTION_DAYS)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    compartments: Mapped[list[Compartment]] = relationship(
        lazy="selectin", order_by="Compartment.label", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def availability(self) -> dict[CompartmentSize, dict[str, int]]:
        return domain.availability((c.size, c.state) for c in self.compartments)


class Compartment(Base):
    """One door of a bank; its state says whether a courier may use it."""

    __tablename__ = "compartment"
    __table_args__ = (
        UniqueConstraint("bank_id", "label"),
        CheckConstraint(f"size IN {domain.SIZES!r}", name="size"),
        CheckConstraint(f"state IN {domain.STATES!r}", name="state"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    bank_id: Mapped[str] = mapped_column(ForeignKey("locker_bank.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(8))
    size: Mapped[CompartmentSize] = mapped_column(String(2))
    state: Mapped[CompartmentState] = mapped_column(String(16), default="free")
    out_of_service_reason: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Parcel(Base):
    """A parcel through one bank: inbound (a courier deposits, the recipient collects) or outbound
    (a traveller drops it off, a carrier picks it up)."""

    __tablename__ = "parcel"
    __table_args__ = (
        UniqueConstraint("station_id", "carrier", "carrier_reference"),
        UniqueConstraint("pickup_code_digest"),
        CheckConstraint(f"status IN {domain.PARCEL_STATUSES!r}", name="status"),
        CheckConstraint("direction IN ('inbound', 'outbound')", name="direction"),
        Index("ix_parcel_recipient_phone", "recipient_phone"),
        Index("ix_parcel_status_expires_at", "status", "expires_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    station_id: Mapped[str] = mapped_column(String(64), index=True)
    bank_id: Mapped[str] = mapped_column(ForeignKey("locker_bank.id", ondelete="RESTRICT"))
    compartment_id: Mapped[str | None] = mapped_column(ForeignKey("compartment.id", ondelete="SET NULL"))
    direction: Mapped[domain.Direction] = mapped_column(String(8))
    carrier: Mapped[str] = mapped_column(String(40))
    carrier_reference: Mapped[str] = mapped_column(String(64))
    size: Mapped[CompartmentSize] = mapped_column(String(2))
    recipient_phone: Mapped[str | None] = mapped_column(String(20))
    recipient_subject: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[domain.ParcelStatus] = mapped_column(String(12))
    # HMAC of the pickup (or drop-off) code under the service's secret: found by the code, never
    # readable back.
    pickup_code_digest: Mapped[str | None] = mapped_column(String(64))
    # The door opening under way for this parcel: set by a conditional update, so two phones
    # racing to open it get exactly one door.
    active_opening_id: Mapped[str | None] = mapped_column(String(32))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    history: Mapped[list[ParcelStatusChange]] = relationship(
        lazy="selectin", order_by="ParcelStatusChange.at", cascade="all, delete-orphan"
    )


class ParcelStatusChange(Base):
    """One step of a parcel's life, with who made it."""

    __tablename__ = "parcel_status_change"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    parcel_id: Mapped[str] = mapped_column(ForeignKey("parcel.id", ondelete="CASCADE"), index=True)
    status: Mapped[domain.ParcelStatus] = mapped_column(String(12))
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DoorOpening(Base):
    """Every door opening asked for or reported: who, how, when, and how it ended."""

    __tablename__ = "door_opening"
    __table_args__ = (Index("ix_door_opening_station_requested", "station_id", "requested_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    station_id: Mapped[str] = mapped_column(String(64))
    bank_id: Mapped[str] = mapped_column(ForeignKey("locker_bank.id", ondelete="CASCADE"))
    compartment_id: Mapped[str] = mapped_column(ForeignKey("compartment.id", ondelete="CASCADE"))
    parcel_id: Mapped[str | None] = mapped_column(ForeignKey("parcel.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(100))
    # app (phone), keypad, qr (verified by the controller), courier, operator
    method: Mapped[str] = mapped_column(String(12))
    purpose: Mapped[str] = mapped_column(String(16))
    # requested -> open -> closed; or timeout, refused, jammed, door_fault
    outcome: Mapped[str] = mapped_column(String(12))
    token_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class DoorEvent(Base):
    """What a controller reported (door opened by a QR, door closed), kept by its id so a journal
    sent twice after a lost link changes nothing the second time."""

    __tablename__ = "door_event"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    bank_id: Mapped[str] = mapped_column(ForeignKey("locker_bank.id", ondelete="CASCADE"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The answer given the first time (`applied` or `refused`, and why), given again to a repeat.
    outcome: Mapped[str] = mapped_column(String(12), default="applied", server_default="applied")
    detail: Mapped[str | None] = mapped_column(String(200))
