"""The gateway's own tables: who may sign in, and the sign-ins that last (refresh-token families)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from kernel.db import NAMING_CONVENTION, UTCDateTime, utcnow


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Account(Base):
    """A person who signs in with a password: operator, courier or admin."""

    __tablename__ = "account"

    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    stations: Mapped[list[str]] = mapped_column(JSON)
    # Couriers only: the carrier they work for (the `carrier` claim of their tokens).
    carrier: Mapped[str | None] = mapped_column(String(40))
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DeviceClient(Base):
    """A device of one station (screen, kiosk, locker controller, feed).

    Provisioned devices hold a secret (client credentials); paired ones have none and live on the
    refresh token they got when an operator claimed their code."""

    __tablename__ = "device_client"
    __table_args__ = (Index("ix_device_client_station_kind_binding", "station_id", "kind", "binding"),)

    client_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    secret_hash: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    station_id: Mapped[str] = mapped_column(String(64), index=True)
    # What the device serves: screen code, bank code or system id (`device_binding` claim).
    binding: Mapped[str | None] = mapped_column(String(64))
    label: Mapped[str | None] = mapped_column(String(200))
    paired_by: Mapped[str | None] = mapped_column(String(100))
    disabled: Mapped[bool] = mapped_column(default=False)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AuthSession(Base):
    """One sign-in: the family of refresh tokens it rotates through, revoked as a whole."""

    __tablename__ = "auth_session"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # `account` (password), `traveller` (phone code) or `device` (pairing).
    kind: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(150), index=True)
    username: Mapped[str | None] = mapped_column(String(100), index=True)
    client_id: Mapped[str | None] = mapped_column(String(100), index=True)
    # The traveller's number, needed to put `phone_number` in each new access token.
    phone_number: Mapped[str | None] = mapped_column(String(20))
    scope: Mapped[str] = mapped_column(String(500))
    user_agent: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_reason: Mapped[str | None] = mapped_column(String(40))


class RefreshToken(Base):
    """A refresh token, stored as the SHA-256 of its value; spent once used."""

    __tablename__ = "refresh_token"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("auth_session.id", ondelete="CASCADE"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    spent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
