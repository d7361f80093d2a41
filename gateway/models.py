"""The gateway's own tables: who may sign in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common.db import NAMING_CONVENTION, UTCDateTime, utcnow


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Account(Base):
    """A person who signs in with a password: operator, courier or admin."""

    __tablename__ = "account"

    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    stations: Mapped[list[str]] = mapped_column(JSON)
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DeviceClient(Base):
    """A device of one station (screen, kiosk, locker controller, feed) using client credentials."""

    __tablename__ = "device_client"

    client_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    station_id: Mapped[str] = mapped_column(String(64), index=True)
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
