"""A station's devices, as the gateway knows them: pair by code, list, read, rebind, unpair."""

from __future__ import annotations

import logging
import secrets
from base64 import b32encode

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway import domain, sessions
from gateway.models import DeviceClient
from gateway.pairing import PairingCodes
from gateway.schemas import DeviceClaim, DeviceUpdate
from kernel.auth import Principal
from kernel.db import utcnow
from kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from kernel.pagination import PageRequest, page_of_rows

log = logging.getLogger(__name__)


def require_operator_of(principal: Principal, station_id: str) -> None:
    """Pairing and unpairing are station operations: the scope, on that station."""
    if domain.OPERATE_SCOPE not in principal.scopes:
        raise Forbidden(f"Managing devices needs the {domain.OPERATE_SCOPE!r} scope.")
    if not principal.may_act_on(station_id):
        raise Forbidden(f"This token does not give access to station {station_id!r}.")


def _check_binding(kind: str, binding: str) -> None:
    problem = domain.binding_problem(kind, binding)  # type: ignore[arg-type]
    if problem:
        raise InvalidInput(
            "The binding does not fit this kind of device.",
            errors=[{"in": "body", "field": "binding", "detail": problem}],
        )


def _suffix() -> str:
    return b32encode(secrets.token_bytes(5)).decode().lower()[:6]


async def _active_with_binding(
    db: AsyncSession, *, station_id: str, kind: str, binding: str
) -> DeviceClient | None:
    return await db.scalar(
        select(DeviceClient).where(
            DeviceClient.station_id == station_id,
            DeviceClient.kind == kind,
            DeviceClient.binding == binding,
            DeviceClient.disabled.is_(False),
        )
    )


async def _free_binding(
    db: AsyncSession, *, station_id: str, kind: str, binding: str, replace: bool, keep: str | None = None
) -> None:
    """One active device per screen, kiosk or bank: refuse a second one, or retire the first."""
    current = await _active_with_binding(db, station_id=station_id, kind=kind, binding=binding)
    if current is None or current.client_id == keep:
        return
    if not replace:
        raise Conflict(
            f"{current.client_id!r} is already the {kind} of {binding!r}; unpair it first or ask to replace it.",
            slug="device-binding-taken",
            extensions={"client_id": current.client_id},
        )
    await _disable(db, current, reason="replaced")


async def _disable(db: AsyncSession, device: DeviceClient, *, reason: str) -> None:
    now = utcnow()
    device.disabled, device.disabled_at = True, now
    await sessions.revoke_all(db, client_id=device.client_id, reason=reason, now=now)


async def claim(
    db: AsyncSession,
    codes: PairingCodes,
    *,
    principal: Principal,
    claim_in: DeviceClaim,
    served_stations: list[str],
) -> DeviceClient:
    """An operator claims the code a device shows: the device becomes a client of that station."""
    require_operator_of(principal, claim_in.station)
    if served_stations and claim_in.station not in served_stations:
        raise NotFound(f"Station {claim_in.station!r} is not served here.", slug="unknown-station")
    user_code = domain.normalize_user_code(claim_in.user_code)
    if user_code is None:
        raise InvalidInput(
            "A pairing code has 8 letters, e.g. BCDF-GHJK.",
            errors=[{"in": "body", "field": "user_code", "detail": "not a pairing code"}],
        )
    _check_binding(claim_in.kind, claim_in.binding)
    pairing = await codes.find(user_code)
    if pairing is None:
        raise NotFound(
            "No device is waiting with this code: it is mistyped, has expired or was already used. "
            "Ask the device for a new code.",
            slug="pairing-code-unknown",
        )
    if pairing.status != "pending":
        raise Conflict("This code has already been claimed or refused.", slug="pairing-code-used")
    granted = domain.scopes_for("device", claim_in.kind)
    if pairing.scope and domain.narrow_scope(granted, pairing.scope) is None:
        raise Conflict(
            f"The device asked for {pairing.scope!r}, which a {claim_in.kind} is not given.",
            slug="pairing-kind-mismatch",
        )
    await _free_binding(
        db,
        station_id=claim_in.station,
        kind=claim_in.kind,
        binding=claim_in.binding,
        replace=claim_in.replace,
    )
    device = DeviceClient(
        client_id=domain.paired_client_id(claim_in.kind, claim_in.station, claim_in.binding, _suffix()),
        secret_hash=None,
        kind=claim_in.kind,
        station_id=claim_in.station,
        binding=claim_in.binding,
        label=claim_in.label,
        paired_by=principal.subject,
    )
    db.add(device)
    await db.flush()
    # The device row and the approval must both happen: approve only once the row can be written,
    # reopen the code if the commit fails after all.
    if not await codes.approve(pairing, client_id=device.client_id):
        await db.rollback()
        raise Conflict("This code was claimed or refused meanwhile.", slug="pairing-code-used")
    try:
        await db.commit()
    except Exception:
        await codes.reopen(pairing)
        raise
    log.info(
        "device paired",
        extra={"client_id": device.client_id, "station": device.station_id, "by": principal.subject},
    )
    return device


async def deny(codes: PairingCodes, *, principal: Principal, user_code: str, station_id: str) -> None:
    """An operator refuses a code (not one of theirs): the device's next poll gets access_denied."""
    require_operator_of(principal, station_id)
    normalized = domain.normalize_user_code(user_code)
    pairing = await codes.find(normalized) if normalized else None
    if pairing is None:
        raise NotFound("No device is waiting with this code.", slug="pairing-code-unknown")
    if not await codes.deny(pairing):
        raise Conflict("This code has already been claimed or refused.", slug="pairing-code-used")


async def get(db: AsyncSession, *, principal: Principal, client_id: str) -> DeviceClient:
    device = await db.get(DeviceClient, client_id)
    if device is None:
        raise NotFound(f"No device {client_id!r}.", slug="unknown-device")
    require_operator_of(principal, device.station_id)
    return device


async def list_page(
    db: AsyncSession,
    *,
    principal: Principal,
    station_id: str,
    kind: str | None,
    binding: str | None,
    include_unpaired: bool,
    page: PageRequest,
) -> tuple[list[DeviceClient], str | None]:
    """One page of a station's devices in client id order."""
    require_operator_of(principal, station_id)
    query = select(DeviceClient).where(DeviceClient.station_id == station_id)
    if kind is not None:
        query = query.where(DeviceClient.kind == kind)
    if binding is not None:
        query = query.where(DeviceClient.binding == binding)
    if not include_unpaired:
        query = query.where(DeviceClient.disabled.is_(False))
    return await page_of_rows(db, query, [DeviceClient.client_id], page)


async def update(
    db: AsyncSession, *, principal: Principal, client_id: str, changes: DeviceUpdate
) -> DeviceClient:
    """Rename or rebind a device; its next refresh carries the new binding."""
    device = await get(db, principal=principal, client_id=client_id)
    if device.disabled:
        raise Conflict("This device is unpaired; pair it again instead.", slug="device-unpaired")
    fields = changes.model_fields_set
    if "binding" in fields and changes.binding != device.binding:
        if changes.binding is not None:
            _check_binding(device.kind, changes.binding)
            await _free_binding(
                db,
                station_id=device.station_id,
                kind=device.kind,
                binding=changes.binding,
                replace=changes.replace,
                keep=device.client_id,
            )
        device.binding = changes.binding
    if "label" in fields:
        device.label = changes.label
    await db.commit()
    return device


async def unpair(db: AsyncSession, *, principal: Principal, client_id: str) -> None:
    """Disable the client and revoke its refresh tokens; its access token dies at expiry."""
    device = await get(db, principal=principal, client_id=client_id)
    if not device.disabled:
        await _disable(db, device, reason="unpaired")
        await db.commit()
        log.info("device unpaired", extra={"client_id": client_id, "by": principal.subject})
