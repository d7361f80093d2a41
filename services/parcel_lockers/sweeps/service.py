"""The sweep: expire parcels past retention, remind recipients the day before, and take out of
service compartments whose door stayed open. Each parcel and each door alone: one that fails is
recorded and the others are still swept."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.contracts import lockers as contract
from kernel.db import utcnow
from kernel.notifier import NotifierError, masked_number
from kernel.outbox import stage
from kernel.tasks import item_alone
from services.parcel_lockers import domain, events
from services.parcel_lockers.banks import compartments
from services.parcel_lockers.banks.service import list_banks
from services.parcel_lockers.models import OUTBOX, DoorOpening, LockerBank, Parcel
from services.parcel_lockers.parcels.lifecycle import label_of, move
from services.parcel_lockers.tools import Tools

log = logging.getLogger(__name__)
SWEEP_LOOP = "parcel_lockers-sweep"


async def sweep(
    *, session: AsyncSession, tools: Tools, station_id: str, now: datetime | None = None
) -> dict[str, int]:
    """Expire parcels past retention (the carrier takes them back), remind recipients the day
    before, and take compartments whose door stayed open out of service."""
    now = now or utcnow()
    counts = {"expired": 0, "reminded": 0, "door_faults": 0}
    ready = (
        await session.scalars(
            select(Parcel.id).where(
                Parcel.station_id == station_id,
                Parcel.status == "ready",
                Parcel.direction == "inbound",
                Parcel.active_opening_id.is_(None),
            )
        )
    ).all()
    limit = now - timedelta(seconds=tools.settings.door_open_limit_seconds)
    stuck = (
        await session.scalars(
            select(DoorOpening.id).where(
                DoorOpening.station_id == station_id,
                DoorOpening.outcome == "open",
                DoorOpening.opened_at < limit,
            )
        )
    ).all()
    # Each parcel and each door is committed alone: one that cannot be handled is recorded and
    # the others are still swept. A rollback expires what was loaded, so the banks are read again.
    banks: dict[str, LockerBank] = {}
    # What each reminder needs, read while its parcel is loaded (a later rollback expires it).
    reminders: list[tuple[str | None, str, str, datetime | None]] = []
    for parcel_id in ready:
        if not banks:
            banks = {b.id: b for b in await list_banks(session=session, station_id=station_id)}
        async with item_alone(SWEEP_LOOP, f"parcel {parcel_id}", session=session) as outcome:
            parcel = await session.get_one(Parcel, parcel_id)
            bank = banks[parcel.bank_id]
            if domain.is_expired(parcel.status, parcel.expires_at, now):
                move(parcel, "expired", "system:expiry", now)
                # The code stops working: the carrier's courier takes the parcel back.
                parcel.pickup_code_digest = None
                await stage(
                    session,
                    OUTBOX,
                    events.parcel_event(contract.EXPIRED, bank, parcel, label_of(bank, parcel)),
                )
                await session.commit()
                counts["expired"] += 1
            elif (
                parcel.reminded_at is None
                and parcel.expires_at is not None
                and now >= parcel.expires_at - timedelta(hours=tools.settings.reminder_hours_before_expiry)
            ):
                parcel.reminded_at = now
                await session.commit()
                reminders.append((parcel.recipient_phone, parcel.carrier, bank.code, parcel.expires_at))
                counts["reminded"] += 1
        if outcome.failed:
            banks = {}
    for opening_id in stuck:
        if not banks:
            banks = {b.id: b for b in await list_banks(session=session, station_id=station_id)}
        async with item_alone(SWEEP_LOOP, f"door opening {opening_id}", session=session) as outcome:
            opening = await session.get_one(DoorOpening, opening_id)
            bank = banks[opening.bank_id]
            compartment = compartments.compartment_of(bank, opening.compartment_id)
            opening.outcome = "door_fault"
            if opening.parcel_id:
                held = await session.get(Parcel, opening.parcel_id)
                if held is not None and held.active_opening_id == opening.id:
                    held.active_opening_id = None
            if compartment is not None:
                reason = "door left open too long"
                await compartments.set_state(session, bank, compartment, "out_of_service", reason)
                await stage(
                    session,
                    OUTBOX,
                    events.door_fault(bank, compartment, reason=reason, opening_id=opening.id),
                )
            await session.commit()
            counts["door_faults"] += 1
        if outcome.failed:
            banks = {}
    for phone, carrier, bank_code, expires_at in reminders:
        if tools.notifier is not None and phone and expires_at:
            text = domain.reminder_notice(
                carrier=carrier, bank_code=bank_code, expires_at=expires_at, app_url=tools.settings.app_url
            )
            try:
                await tools.notifier.send_sms(phone, text)
            except NotifierError:
                log.warning("reminder not sent", extra={"to": masked_number(phone)})
    return counts
