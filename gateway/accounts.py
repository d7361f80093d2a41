"""Accounts and device clients: stored as argon2 hashes, checked in constant time."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.models import Account, DeviceClient

_hasher = PasswordHasher()
# Checked when the user is unknown, so timing does not tell which usernames exist.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


@dataclass(frozen=True)
class VerifiedAccount:
    username: str
    role: str
    stations: list[str]


@dataclass(frozen=True)
class VerifiedDevice:
    client_id: str
    kind: str
    station_id: str


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def _matches(stored_hash: str, secret: str) -> bool:
    try:
        return _hasher.verify(stored_hash, secret)
    except (VerificationError, InvalidHashError):
        return False


async def _matches_off_loop(stored_hash: str, secret: str) -> bool:
    # argon2 takes tens of milliseconds by design; keep the event loop serving meanwhile.
    return await asyncio.to_thread(_matches, stored_hash, secret)


async def verify_password(*, session: AsyncSession, username: str, password: str) -> VerifiedAccount | None:
    account = await session.get(Account, username)
    if account is None or account.disabled:
        await _matches_off_loop(_DUMMY_HASH, password)
        return None
    if not await _matches_off_loop(account.password_hash, password):
        return None
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = hash_secret(password)
        await session.commit()
    return VerifiedAccount(account.username, account.role, list(account.stations))


async def verify_device(
    *, session: AsyncSession, client_id: str, client_secret: str
) -> VerifiedDevice | None:
    device = await session.get(DeviceClient, client_id)
    if device is None or device.disabled:
        await _matches_off_loop(_DUMMY_HASH, client_secret)
        return None
    if not await _matches_off_loop(device.secret_hash, client_secret):
        return None
    return VerifiedDevice(device.client_id, device.kind, device.station_id)


async def upsert_account(
    *, session: AsyncSession, username: str, password: str, role: str, stations: list[str]
) -> None:
    account = await session.get(Account, username)
    if account is None:
        session.add(
            Account(username=username, password_hash=hash_secret(password), role=role, stations=stations)
        )
    else:
        if not _matches(account.password_hash, password):
            account.password_hash = hash_secret(password)
        account.role, account.stations, account.disabled = role, stations, False
    await session.commit()


async def upsert_device(
    *, session: AsyncSession, client_id: str, client_secret: str, kind: str, station_id: str
) -> None:
    device = await session.get(DeviceClient, client_id)
    if device is None:
        session.add(
            DeviceClient(
                client_id=client_id, secret_hash=hash_secret(client_secret), kind=kind, station_id=station_id
            )
        )
    else:
        if not _matches(device.secret_hash, client_secret):
            device.secret_hash = hash_secret(client_secret)
        device.kind, device.station_id, device.disabled = kind, station_id, False
    await session.commit()
