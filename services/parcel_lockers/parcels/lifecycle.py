"""A parcel's life, shared by every flow that moves it: its status history, who may see it, the
recipient's notice."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from kernel.auth import Principal
from kernel.db import one_or_404
from kernel.errors import Conflict, NotFound
from kernel.notifier import NotifierError, masked_number
from services.parcel_lockers import domain
from services.parcel_lockers.banks.compartments import compartment_of
from services.parcel_lockers.models import LockerBank, Parcel, ParcelStatusChange
from services.parcel_lockers.tools import Tools

log = logging.getLogger(__name__)
UNKNOWN_PARCEL = "unknown-parcel"


def record(parcel: Parcel, status: domain.ParcelStatus, actor: str, now: datetime) -> None:
    parcel.status = status
    parcel.updated_at = now
    parcel.history.append(ParcelStatusChange(status=status, actor=actor, at=now))


def move(parcel: Parcel, wanted: domain.ParcelStatus, actor: str, now: datetime) -> None:
    """The parcel's next status, if the rules allow it (409 `parcel-status` otherwise)."""
    try:
        domain.next_status(parcel.status, wanted)
    except domain.StatusConflict as exc:
        raise Conflict(
            f"The parcel is {exc.current}; it cannot become {exc.wanted}.", slug="parcel-status"
        ) from exc
    record(parcel, wanted, actor, now)


def label_of(bank: LockerBank, parcel: Parcel) -> str | None:
    compartment = compartment_of(bank, parcel.compartment_id)
    return compartment.label if compartment else None


def is_recipient(caller: Principal, parcel: Parcel) -> bool:
    return domain.is_recipient(
        caller, recipient_phone=parcel.recipient_phone, recipient_subject=parcel.recipient_subject
    )


def may_see(caller: Principal, parcel: Parcel) -> bool:
    return domain.may_see_parcel(caller, carrier=parcel.carrier, recipient=is_recipient(caller, parcel))


def unknown_parcel(station_id: str, parcel_id: str) -> NotFound:
    """The 404 of a parcel that does not exist, word for word what `one_or_404` says: a parcel the
    caller may not see gets it too, so nothing tells the two apart."""
    return NotFound(f"The station {station_id} has no parcel with id {parcel_id!r}.", slug=UNKNOWN_PARCEL)


async def visible_parcel_or_raise(
    *, session: AsyncSession, station_id: str, parcel_id: str, caller: Principal
) -> Parcel:
    """The parcel, if the caller may see it; the same 404 whether it does not exist or is not theirs."""
    parcel = await one_or_404(session, Parcel, UNKNOWN_PARCEL, station_id=station_id, id=parcel_id)
    if not may_see(caller, parcel):
        raise unknown_parcel(station_id, parcel_id)
    return parcel


async def notify_ready(tools: Tools, bank: LockerBank, parcel: Parcel, code: str) -> None:
    """The recipient's SMS with the pickup code; the parcel stays collectable from the app if it fails."""
    if tools.notifier is None or parcel.recipient_phone is None:
        return
    text = domain.pickup_notice(
        carrier=parcel.carrier,
        bank_code=bank.code,
        bank_location=bank.location,
        expires_at=parcel.expires_at,
        code=code,
        app_url=tools.settings.app_url,
    )
    try:
        await tools.notifier.send_sms(parcel.recipient_phone, text)
    except NotifierError as exc:
        # The code is never logged.
        log.warning(
            "pickup notice not sent", extra={"to": masked_number(parcel.recipient_phone), "error": repr(exc)}
        )
