"""Doors: the opening asked for and its command to the controller, the door closed, the
controller's journal of door events, and the operators' log of every opening.

Each reads top-down: record the attempt, commit, send the command, store the answer: the order is
the safety (a door never opens without its record).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from kernel.auth import Principal
from kernel.contracts import doors
from kernel.contracts import lockers as contract
from kernel.contracts.unlock_token import UnlockClaims, UnlockTokenInvalid, verify_unlock_token
from kernel.db import one_or_404, rows_changed, utcnow
from kernel.errors import Conflict, Problem
from kernel.outbox import stage
from kernel.pagination import PageRequest, page_of_rows
from services.parcel_lockers import domain, events
from services.parcel_lockers.banks import compartments
from services.parcel_lockers.doors.command import send_open
from services.parcel_lockers.models import (
    OUTBOX,
    Compartment,
    DoorEvent,
    DoorOpening,
    LockerBank,
    Parcel,
    new_id,
)
from services.parcel_lockers.parcels.lifecycle import move, notify_ready
from services.parcel_lockers.schemas import DoorEventIn, DoorEventOutcome
from services.parcel_lockers.tools import Tools


class ControllerTimeout(Problem):
    status, slug = 504, "controller-timeout"


class DoorJammed(Problem):
    status, slug = 502, "door-jammed"


async def claim_door(session: AsyncSession, parcel: Parcel, opening_id: str) -> bool:
    """Take the parcel's one door opening; False when someone else holds it (another phone)."""
    result = await session.execute(
        update(Parcel)
        .where(Parcel.id == parcel.id, Parcel.active_opening_id.is_(None), Parcel.status == parcel.status)
        .values(active_opening_id=opening_id)
        .execution_options(synchronize_session=False)
    )
    return rows_changed(result) == 1


async def open_door(
    session: AsyncSession,
    tools: Tools,
    bank: LockerBank,
    compartment: Compartment,
    parcel: Parcel,
    *,
    actor: str,
    method: str,
    purpose: domain.DoorPurpose,
) -> DoorOpening:
    """Claim the parcel's door, store the attempt, send the command, store the answer."""
    opening = DoorOpening(
        id=new_id(),
        station_id=bank.station_id,
        bank_id=bank.id,
        compartment_id=compartment.id,
        parcel_id=parcel.id,
        actor=actor,
        method=method,
        purpose=purpose,
        outcome="requested",
    )
    # The claim first: a phone that lost the race writes nothing.
    if not await claim_door(session, parcel, opening.id):
        await session.rollback()
        raise Conflict("This parcel's door is already being opened.", slug="door-busy")
    session.add(opening)
    await session.commit()
    set_committed_value(parcel, "active_opening_id", opening.id)

    assert bank.controller_client_id is not None
    answer, error = await send_open(
        tools.bus,
        bank.station_id,
        bank.controller_client_id,
        doors.OpenDoor(
            compartment=compartment.label, parcel_id=parcel.id, opening_id=opening.id, purpose=purpose
        ),
        timeout=tools.settings.controller_timeout_seconds,
    )
    now = utcnow()
    opened_status = domain.status_after_opening(purpose)
    if answer == "open" and opened_status is None:
        # A pickup's door is open: only the opening changes (the parcel is collected when it
        # closes), so nothing is read again before the answer.
        opening.outcome, opening.opened_at = "open", now
        await session.commit()
        return opening
    # The parcel may have moved meanwhile (a door event); the opening is ours alone while requested.
    await session.refresh(parcel)
    if answer == "open" and opened_status is not None:
        opening.outcome, opening.opened_at = "open", now
        move(parcel, opened_status, actor, now)
        await session.commit()
        return opening
    parcel.active_opening_id = None
    if answer == "unreachable":
        # Nothing opened: the parcel stays where it was (a deposit gives its compartment back).
        opening.outcome = "timeout"
        if purpose == "deposit":
            parcel.compartment_id = None
            await compartments.set_state(session, bank, compartment, "free")
        await session.commit()
        raise ControllerTimeout(
            f"The locker controller did not answer ({error}); the door stayed shut. Try again."
        )
    opening.outcome = "jammed"
    reason = f"door did not open: {error}"[:200]
    await session.refresh(bank, ["compartments"])
    if purpose == "deposit":
        parcel.compartment_id = None
    await compartments.set_state(session, bank, compartment, "out_of_service", reason)
    await stage(session, OUTBOX, events.door_fault(bank, compartment, reason=reason, opening_id=opening.id))
    await session.commit()
    raise DoorJammed(f"Compartment {compartment.label}'s door did not open; it is taken out of service.")


# -- door closed -----------------------------------------------------------------------------------


async def door_closed(
    session: AsyncSession, tools: Tools, bank: LockerBank, opening: DoorOpening, at: datetime
) -> list[tuple[Parcel, str]]:
    """Apply a closed door to its opening and parcel; returns the codes to send once committed."""
    opening.outcome, opening.closed_at = "closed", at
    compartment = compartments.compartment_of(bank, opening.compartment_id)
    parcel = await session.get(Parcel, opening.parcel_id) if opening.parcel_id else None
    if parcel is None or compartment is None:
        return []
    parcel.active_opening_id = None
    purpose: domain.DoorPurpose = opening.purpose  # type: ignore[assignment]
    wanted = domain.status_when_door_closes(purpose)
    if parcel.status == wanted:
        return []
    move(parcel, wanted, opening.actor, at)
    await compartments.set_state(
        session, bank, compartment, domain.compartment_state_when_door_closes(purpose)
    )
    to_send: list[tuple[Parcel, str]] = []
    if wanted == "ready":
        if parcel.direction == "inbound":
            code = domain.new_pickup_code(secrets.randbelow)
            parcel.pickup_code_digest = tools.signer.code_digest(code)
            parcel.expires_at = domain.expires_at(at, bank.retention_days)
            to_send.append((parcel, code))
        else:
            parcel.pickup_code_digest = None
        verb = contract.READY_FOR_PICKUP
    else:
        parcel.pickup_code_digest = None
        parcel.compartment_id = None
        verb = {"collected": contract.COLLECTED, "returned": contract.RETURNED}[wanted]
    await stage(session, OUTBOX, events.parcel_event(verb, bank, parcel, compartment.label))
    return to_send


async def report_door_events(
    *,
    session: AsyncSession,
    tools: Tools,
    station_id: str,
    bank_code: str,
    reported: list[DoorEventIn],
    controller: Principal,
) -> list[DoorEventOutcome]:
    """A controller's journal: doors it opened by QR (possibly while offline) and doors closed.
    Each event counts once, by its id, also when the same journal arrives twice at once; a token
    never counts twice."""
    bank = await one_or_404(session, LockerBank, "unknown-bank", station_id=station_id, code=bank_code)
    bank_id = bank.id  # kept: a rolled-back twin expires the loaded bank
    return [
        await _report_door_event(session, tools, station_id, bank_id, event, controller) for event in reported
    ]


def _repeated(stored: DoorEvent) -> DoorEventOutcome:
    first: Literal["applied", "refused"] = "refused" if stored.outcome == "refused" else "applied"
    return DoorEventOutcome(id=stored.id, outcome="duplicate", detail=stored.detail, first_outcome=first)


async def _report_door_event(
    session: AsyncSession,
    tools: Tools,
    station_id: str,
    bank_id: str,
    event: DoorEventIn,
    controller: Principal,
) -> DoorEventOutcome:
    """One journal event in its own transaction: the event's row is written first, so a twin
    posted at the same moment waits on it and then answers what the first one answered."""
    stored = await session.get(DoorEvent, event.id)
    if stored is not None:
        return _repeated(stored)
    session.add(DoorEvent(id=event.id, bank_id=bank_id))
    try:
        await session.flush()
    except IntegrityError as refused:
        return await _twins_answer(session, event.id, refused)
    bank = await one_or_404(session, LockerBank, "unknown-bank", station_id=station_id, id=bank_id)
    compartment = next((c for c in bank.compartments if c.label == event.compartment), None)
    to_send: list[tuple[Parcel, str]] = []
    if compartment is None:
        outcome = DoorEventOutcome(id=event.id, outcome="refused", detail="unknown compartment")
    elif event.kind == "opened":
        outcome = await _opened_by_token(session, tools, bank, compartment, event, controller)
    else:
        opening = await session.scalar(
            select(DoorOpening)
            .where(DoorOpening.compartment_id == compartment.id, DoorOpening.outcome == "open")
            .order_by(DoorOpening.requested_at.desc())
            .limit(1)
        )
        if opening is None:
            outcome = DoorEventOutcome(id=event.id, outcome="refused", detail="no open door there")
        else:
            to_send = await door_closed(session, tools, bank, opening, event.at)
            outcome = DoorEventOutcome(id=event.id, outcome="applied")
    # The first answer is kept with the event (a replayed token rolled the row back: merge writes it).
    await session.merge(
        DoorEvent(id=event.id, bank_id=bank_id, outcome=outcome.outcome, detail=outcome.detail)
    )
    try:
        await session.commit()
    except IntegrityError as refused:
        # Only after a rolled-back replay: a twin wrote the event meanwhile, its answer stands.
        return await _twins_answer(session, event.id, refused)
    for parcel, code in to_send:
        await notify_ready(tools, bank, parcel, code)
    return outcome


async def _twins_answer(session: AsyncSession, event_id: str, refused: IntegrityError) -> DoorEventOutcome:
    """A twin wrote the event first (`refused` is our write): its answer is the answer."""
    await session.rollback()
    stored = await session.get(DoorEvent, event_id, populate_existing=True)
    if stored is None:
        raise refused
    return _repeated(stored)


async def _opened_by_token(
    session: AsyncSession,
    tools: Tools,
    bank: LockerBank,
    compartment: Compartment,
    event: DoorEventIn,
    controller: Principal,
) -> DoorEventOutcome:
    if event.token is None:
        return DoorEventOutcome(
            id=event.id, outcome="refused", detail="an opened door is reported with its token"
        )
    try:
        claims: UnlockClaims = verify_unlock_token(
            event.token,
            tools.signer.private_key.public_key(),
            station_id=bank.station_id,
            bank_code=bank.code,
            # The report may come long after the opening; the opening's time is checked below.
            leeway=int(domain.JOURNAL_DELAY_LIMIT.total_seconds()),
        )
    except UnlockTokenInvalid as exc:
        return DoorEventOutcome(id=event.id, outcome="refused", detail=str(exc))
    if claims.compartment != compartment.label:
        return DoorEventOutcome(id=event.id, outcome="refused", detail="the token is for another compartment")
    refusal = domain.token_refusal_at_opening(datetime.fromtimestamp(claims.expires_at, UTC), event.at)
    parcel = await session.get(Parcel, claims.parcel_id)
    # An opening refused is kept too (operators see it), and spends the token.
    opening = DoorOpening(
        station_id=bank.station_id,
        bank_id=bank.id,
        compartment_id=compartment.id,
        parcel_id=parcel.id if parcel else None,
        actor=controller.subject,
        method="qr",
        purpose="collect",
        outcome="refused" if refusal else "open",
        token_id=claims.jti,
        requested_at=event.at,
        opened_at=None if refusal else event.at,
    )
    session.add(opening)
    try:
        await session.flush()
    except IntegrityError:
        await session.rollback()
        await session.refresh(bank)
        await stage(
            session, OUTBOX, events.token_replayed(bank, token_id=claims.jti, parcel_id=claims.parcel_id)
        )
        return DoorEventOutcome(id=event.id, outcome="refused", detail="token already used")
    if refusal:
        return DoorEventOutcome(id=event.id, outcome="refused", detail=refusal)
    if parcel is not None:
        parcel.active_opening_id = opening.id
    return DoorEventOutcome(id=event.id, outcome="applied")


# -- the operators' log -------------------------------------------------------------------------


async def list_openings(
    *, session: AsyncSession, station_id: str, page: PageRequest, bank_code: str | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of the station's door openings, newest first, each with its bank's code and its
    compartment's label."""
    query = select(DoorOpening).where(DoorOpening.station_id == station_id)
    if bank_code is not None:
        query = query.join(LockerBank, LockerBank.id == DoorOpening.bank_id).where(
            LockerBank.code == bank_code
        )
    openings, next_cursor = await page_of_rows(
        session, query, (DoorOpening.requested_at, DoorOpening.id), page, descending=True
    )
    places = await session.execute(
        select(Compartment.id, LockerBank.code, Compartment.label)
        .join(LockerBank, LockerBank.id == Compartment.bank_id)
        .where(Compartment.id.in_({o.compartment_id for o in openings}))
    )
    where = {compartment_id: (code, label) for compartment_id, code, label in places.all()}
    return [
        {
            "id": o.id,
            "bank": where[o.compartment_id][0],
            "compartment": where[o.compartment_id][1],
            "parcel_id": o.parcel_id,
            "actor": o.actor,
            "method": o.method,
            "purpose": o.purpose,
            "outcome": o.outcome,
            "requested_at": o.requested_at,
            "opened_at": o.opened_at,
            "closed_at": o.closed_at,
        }
        for o in openings
    ], next_cursor
