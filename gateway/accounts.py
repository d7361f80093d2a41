"""Accounts and device clients: secrets stored as argon2 hashes, checked in constant time; staff
accounts as network admins manage them."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway import domain, sessions
from gateway.models import Account, DeviceClient
from gateway.schemas import AccountCreate, AccountUpdate
from kernel.auth import ALL_STATIONS
from kernel.db import utcnow
from kernel.errors import Conflict, InvalidInput, NotFound
from kernel.pagination import PageRequest, page_of_items, page_of_rows

_hasher = PasswordHasher()
# Checked when the user is unknown, so timing does not tell which usernames exist.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


@dataclass(frozen=True)
class VerifiedAccount:
    username: str
    role: str
    stations: list[str]
    carrier: str | None = None


@dataclass(frozen=True)
class VerifiedDevice:
    client_id: str
    kind: str
    station_id: str
    binding: str | None


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
    return VerifiedAccount(account.username, account.role, list(account.stations), account.carrier)


async def verify_device(
    *, session: AsyncSession, client_id: str, client_secret: str
) -> VerifiedDevice | None:
    device = await session.get(DeviceClient, client_id)
    # Paired devices have no secret: they refresh, they never use client credentials.
    if device is None or device.disabled or device.secret_hash is None:
        await _matches_off_loop(_DUMMY_HASH, client_secret)
        return None
    if not await _matches_off_loop(device.secret_hash, client_secret):
        return None
    return VerifiedDevice(device.client_id, device.kind, device.station_id, device.binding)


async def upsert_account(
    *,
    session: AsyncSession,
    username: str,
    password: str,
    role: str,
    stations: list[str],
    carrier: str | None = None,
) -> None:
    account = await session.get(Account, username)
    if account is None:
        session.add(
            Account(
                username=username,
                password_hash=hash_secret(password),
                role=role,
                stations=stations,
                carrier=carrier,
            )
        )
    else:
        if not _matches(account.password_hash, password):
            account.password_hash = hash_secret(password)
        account.role, account.stations, account.disabled = role, stations, False
        account.carrier = carrier
    await session.commit()


async def upsert_device(
    *,
    session: AsyncSession,
    client_id: str,
    client_secret: str,
    kind: str,
    station_id: str,
    binding: str | None,
) -> None:
    device = await session.get(DeviceClient, client_id)
    if device is None:
        session.add(
            DeviceClient(
                client_id=client_id,
                secret_hash=hash_secret(client_secret),
                kind=kind,
                station_id=station_id,
                binding=binding,
            )
        )
    else:
        if device.secret_hash is None or not _matches(device.secret_hash, client_secret):
            device.secret_hash = hash_secret(client_secret)
        device.kind, device.station_id, device.binding = kind, station_id, binding
        device.disabled, device.disabled_at = False, None
    await session.commit()


# -- staff accounts, as network admins manage them ---------------------------------------------


def _stations_for(role: str, stations: list[str]) -> list[str]:
    if role in domain.NETWORK_ROLES:
        return [ALL_STATIONS]
    if not stations:
        raise InvalidInput(
            f"An {role} works at one station at least.",
            errors=[{"in": "body", "field": "stations", "detail": "at least one station"}],
        )
    return sorted(set(stations))


def _carrier_for(role: str, carrier: str | None) -> str | None:
    """A courier works for one carrier; nobody else has one."""
    if role == "courier" and carrier is None:
        raise InvalidInput(
            "A courier account belongs to a carrier.",
            errors=[{"in": "body", "field": "carrier", "detail": "is required for a courier"}],
        )
    if role != "courier" and carrier is not None:
        raise InvalidInput(
            f"Only couriers work for a carrier, not an {role}.",
            errors=[{"in": "body", "field": "carrier", "detail": "only for couriers"}],
        )
    return carrier


async def get_or_404(db: AsyncSession, *, username: str) -> Account:
    account = await db.get(Account, username)
    if account is None:
        raise NotFound(f"No account {username!r}.", slug="unknown-account")
    return account


async def list_page(
    db: AsyncSession, *, role: str | None, station: str | None, page: PageRequest
) -> tuple[list[Account], str | None]:
    """One page of the staff accounts in username order."""
    query = select(Account)
    if role is not None:
        query = query.where(Account.role == role)
    if station is None:
        return await page_of_rows(db, query, [Account.username], page)
    # Stations are a JSON list (portable across SQLite and PostgreSQL), filtered here: staff
    # accounts number in the hundreds, not millions.
    found = [
        account
        for account in await db.scalars(query)
        if station in account.stations or ALL_STATIONS in account.stations
    ]
    return page_of_items(found, lambda account: (account.username,), page)


async def create(db: AsyncSession, *, account_in: AccountCreate) -> Account:
    if await db.get(Account, account_in.username) is not None:
        raise Conflict.taken(
            f"An account {account_in.username!r} exists already.", "username", slug="username-taken"
        )
    account = Account(
        username=account_in.username,
        password_hash=await asyncio.to_thread(hash_secret, account_in.password),
        role=account_in.role,
        stations=_stations_for(account_in.role, account_in.stations),
        carrier=_carrier_for(account_in.role, account_in.carrier),
    )
    db.add(account)
    await db.commit()
    return account


async def update(db: AsyncSession, *, username: str, changes: AccountUpdate) -> Account:
    """A new password, a new role or disabling ends the account's sign-ins; stations apply at next refresh."""
    account = await get_or_404(db, username=username)
    ends_sign_ins = False
    if changes.password is not None:
        account.password_hash = await asyncio.to_thread(hash_secret, changes.password)
        ends_sign_ins = True
    if changes.role is not None and changes.role != account.role:
        account.role = changes.role
        ends_sign_ins = True
    if changes.role is not None or changes.stations is not None:
        stations = (
            changes.stations
            if changes.stations is not None
            else [s for s in account.stations if s != ALL_STATIONS]
        )
        account.stations = _stations_for(account.role, stations)
    if changes.role is not None or changes.carrier is not None:
        kept = account.carrier if account.role == "courier" else None
        new_carrier = _carrier_for(account.role, changes.carrier if changes.carrier is not None else kept)
        # Another carrier's parcels are another job: the account's sign-ins end.
        ends_sign_ins |= new_carrier != account.carrier
        account.carrier = new_carrier
    if changes.disabled is not None:
        ends_sign_ins |= changes.disabled and not account.disabled
        account.disabled = changes.disabled
    if ends_sign_ins:
        await sessions.revoke_all(db, username=username, reason="account-changed", now=utcnow())
    await db.commit()
    return account


async def delete(db: AsyncSession, *, username: str) -> None:
    account = await get_or_404(db, username=username)
    await sessions.revoke_all(db, username=username, reason="account-deleted", now=utcnow())
    await db.delete(account)
    await db.commit()
