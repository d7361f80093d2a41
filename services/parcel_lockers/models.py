"""parcel_lockers' tables: locker banks and their compartments."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from services.common.bus_tables import new_metadata
from services.common.contracts.lockers import CompartmentSize, CompartmentState
from services.common.db import UTCDateTime, utcnow
from services.parcel_lockers import domain


class Base(DeclarativeBase):
    metadata = new_metadata()


OUTBOX = Base.metadata.tables["outbox"]


def new_id() -> str:
    return uuid.uuid4().hex


class LockerBank(Base):
    """A row of compartments driven by one controller, somewhere in the station."""

    __tablename__ = "locker_bank"
    __table_args__ = (UniqueConstraint("station_id", "code"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    station_id: Mapped[str] = mapped_column(String(64), index=True)
    code: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(200))
    location: Mapped[str] = mapped_column(String(200))
    level: Mapped[int] = mapped_column(Integer)
    controller_client_id: Mapped[str | None] = mapped_column(String(100))
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
