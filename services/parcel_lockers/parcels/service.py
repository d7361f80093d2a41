"""Parcels' use cases: a courier deposits, the recipient opens from the phone or takes a QR token,
the one who opened says the door closed, a traveller books a compartment to send; and the lists."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import raiseload

from kernel.auth import Principal, Scope
from kernel.contracts.lockers import CompartmentSize
from kernel.contracts.unlock_token import UnlockClaims
from kernel.db import one_or_404, utcnow
from kernel.errors import Conflict, Forbidden, InvalidInput
from kernel.pagination import PageRequest, page_of_rows
from kernel.rules import FieldProblem
from services.parcel_lockers import domain
from services.parcel_lockers.banks import compartments
from services.parcel_lockers.doors.codes import check_presence
from services.parcel_lockers.doors.service import door_closed, open_door
from services.parcel_lockers.models import Compartment, DoorOpening, LockerBank, Parcel
from services.parcel_lockers.parcels.lifecycle import (
    UNKNOWN_PARCEL,
    is_recipient,
    may_see,
    notify_ready,
    record,
    unknown_parcel,
    visible_parcel_or_raise,
)
from services.parcel_lockers.schemas import DepositIn, ShipmentIn
from services.parcel_lockers.tools import Tools

# Lists of parcels: newest first, the id breaking ties (a keyset page needs a unique key).
NEWEST_FIRST = (Parcel.created_at, Parcel.id)


def check_carrier(courier: Principal, carrier: str) -> None:
    """A courier handles its own carrier's parcels only (operators any)."""
    if courier.has_any_scope(Scope.OPERATE):
        return
    own = domain.courier_carrier(courier)
    if own != carrier:
        raise Forbidden(
            f"This courier account deposits {own or 'no carrier'}'s parcels, not {carrier}'s.",
            slug="other-carrier",
        )


# -- deposit ---------------------------------------------------------------------------------------


async def find_parcel(session: AsyncSession, station_id: str, carrier: str, reference: str) -> Parcel | None:
    return await session.scalar(
        select(Parcel).where(
            Parcel.station_id == station_id, Parcel.carrier == carrier, Parcel.carrier_reference == reference
        )
    )


def _size_of(deposit: DepositIn) -> CompartmentSize:
    if deposit.size is not None:
        return deposit.size
    if deposit.dimensions is None:
        raise InvalidInput.from_problems(
            "Say how big the parcel is.", [FieldProblem("size", "or `dimensions` is required")]
        )
    d = deposit.dimensions
    size = domain.size_for_dimensions(d.height, d.width, d.depth)
    if size is None:
        raise InvalidInput.from_problems(
            "The parcel is larger than any compartment.",
            [FieldProblem("dimensions", "larger than an XL compartment (60 x 50 x 64 cm)")],
        )
    return size


async def deposit(
    *, session: AsyncSession, tools: Tools, station_id: str, deposit_in: DepositIn, courier: Principal
) -> tuple[Parcel, bool]:
    """Reserve a compartment and open its door for the courier. Idempotent on the carrier reference:
    a parcel already in its compartment is returned as is (created False)."""
    check_carrier(courier, deposit_in.carrier)
    size = _size_of(deposit_in)
    bank = await one_or_404(session, LockerBank, "unknown-bank", station_id=station_id, code=deposit_in.bank)
    if bank.controller_client_id is None:
        raise Conflict(f"Bank {bank.code} has no controller to open its doors.", slug="no-controller")
    parcel = await find_parcel(session, station_id, deposit_in.carrier, deposit_in.carrier_reference)
    now = utcnow()
    if parcel is not None:
        if parcel.direction != "inbound" or parcel.bank_id != bank.id:
            raise Conflict(
                "This carrier reference is already used for another parcel.", slug="duplicate-reference"
            )
        if parcel.status != "announced" or parcel.active_opening_id is not None:
            return parcel, False
    else:
        parcel = Parcel(
            station_id=station_id,
            bank_id=bank.id,
            direction="inbound",
            carrier=deposit_in.carrier,
            carrier_reference=deposit_in.carrier_reference,
            size=size,
            recipient_phone=deposit_in.recipient_phone,
            status="announced",
            history=[],
        )
        record(parcel, "announced", courier.subject, now)
        session.add(parcel)
        try:
            await session.flush()
        except IntegrityError:
            # The same reference deposited at the same moment: the other request does the work.
            await session.rollback()
            found = await find_parcel(session, station_id, deposit_in.carrier, deposit_in.carrier_reference)
            if found is None:
                raise
            return found, False
    compartment = await compartments.reserve(session, bank, size)
    parcel.compartment_id = compartment.id
    await open_door(
        session, tools, bank, compartment, parcel, actor=courier.subject, method="courier", purpose="deposit"
    )
    return parcel, True


# -- opening from the phone, or by a courier ----------------------------------------------------


@dataclass(frozen=True)
class Opened:
    """A door opened for a parcel: what the answer shows."""

    parcel: Parcel
    opening: DoorOpening
    bank_code: str
    compartment: str


async def open_parcel(
    *,
    session: AsyncSession,
    tools: Tools,
    station_id: str,
    parcel_id: str,
    caller: Principal,
    method: str = "app",
    presence_code: str | None = None,
) -> Opened:
    """The recipient (from the phone) or a courier (return, carrier pickup) opens the parcel's door.
    The recipient proves standing at the bank with the code its screen shows now."""
    # The hot path of a pickup: the parcel, its bank (not the bank's other compartments) and its
    # compartment in one query.
    found = (
        await session.execute(
            select(Parcel, LockerBank, Compartment)
            .join(LockerBank, LockerBank.id == Parcel.bank_id)
            .outerjoin(Compartment, Compartment.id == Parcel.compartment_id)
            .where(Parcel.id == parcel_id, Parcel.station_id == station_id)
            .options(raiseload(LockerBank.compartments))
        )
    ).first()
    if found is None or not may_see(caller, found[0]):
        raise unknown_parcel(station_id, parcel_id)
    parcel, bank, compartment = found
    by_recipient = is_recipient(caller, parcel)
    purpose = domain.purpose_for_opening(parcel.direction, parcel.status, by_recipient=by_recipient)
    if purpose is None:
        raise Conflict(
            f"The parcel is {parcel.status}: its door does not open for you now.", slug="parcel-status"
        )
    if compartment is None or bank.controller_client_id is None:
        raise Conflict("The parcel has no compartment that can be opened.", slug="parcel-status")
    if by_recipient:
        await check_presence(tools, bank, parcel, presence_code)
    opening = await open_door(
        session, tools, bank, compartment, parcel, actor=caller.subject, method=method, purpose=purpose
    )
    return Opened(parcel=parcel, opening=opening, bank_code=bank.code, compartment=compartment.label)


async def door_closed_by_operator_or_courier(
    *, session: AsyncSession, tools: Tools, station_id: str, parcel_id: str, caller: Principal
) -> Parcel:
    """The one who opened a door says it is closed (a controller without a door sensor)."""
    parcel = await visible_parcel_or_raise(
        session=session, station_id=station_id, parcel_id=parcel_id, caller=caller
    )
    opening = await session.get(DoorOpening, parcel.active_opening_id) if parcel.active_opening_id else None
    if opening is None or opening.outcome != "open":
        raise Conflict("No door is open for this parcel.", slug="door-not-open")
    if opening.actor != caller.subject and not caller.has_any_scope(Scope.OPERATE):
        raise Forbidden("Only who opened the door (or an operator) reports it closed.")
    bank = await one_or_404(session, LockerBank, "unknown-bank", station_id=station_id, id=parcel.bank_id)
    to_send = await door_closed(session, tools, bank, opening, utcnow())
    await session.commit()
    for sent_parcel, code in to_send:
        await notify_ready(tools, bank, sent_parcel, code)
    await session.refresh(parcel)
    return parcel


async def unlock_token(
    *, session: AsyncSession, tools: Tools, station_id: str, parcel_id: str, caller: Principal
) -> tuple[str, UnlockClaims]:
    """A signed, single-use, short-lived token the bank's reader opens the parcel's door with."""
    parcel = await one_or_404(session, Parcel, UNKNOWN_PARCEL, station_id=station_id, id=parcel_id)
    if not is_recipient(caller, parcel):
        raise unknown_parcel(station_id, parcel_id)
    if parcel.direction != "inbound" or parcel.status != "ready" or parcel.compartment_id is None:
        raise Conflict(f"The parcel is {parcel.status}: there is nothing to collect.", slug="parcel-status")
    bank = await session.get(LockerBank, parcel.bank_id)
    assert bank is not None
    compartment = next(c for c in bank.compartments if c.id == parcel.compartment_id)
    return tools.signer.issue(
        parcel_id=parcel.id, compartment=compartment.label, bank_code=bank.code, station_id=station_id
    )


# -- send from the locker ------------------------------------------------------------------------


async def book_shipment(
    *, session: AsyncSession, station_id: str, tools: Tools, shipment_in: ShipmentIn, traveller: Principal
) -> tuple[Parcel, str]:
    """A traveller books a compartment to send a parcel; the drop-off code is shown once."""
    bank = await one_or_404(session, LockerBank, "unknown-bank", station_id=station_id, code=shipment_in.bank)
    if await find_parcel(session, station_id, shipment_in.carrier, shipment_in.carrier_reference):
        raise Conflict.taken(
            "This carrier reference is already booked.", "carrier_reference", slug="duplicate-reference"
        )
    phone = traveller.claims.get("phone_number")
    now = utcnow()
    code = domain.new_pickup_code(secrets.randbelow)
    parcel = Parcel(
        station_id=station_id,
        bank_id=bank.id,
        direction="outbound",
        carrier=shipment_in.carrier,
        carrier_reference=shipment_in.carrier_reference,
        size=shipment_in.size,
        recipient_phone=phone if isinstance(phone, str) else None,
        recipient_subject=traveller.subject,
        status="announced",
        pickup_code_digest=tools.signer.code_digest(code),
        expires_at=domain.expires_at(now, bank.retention_days),
        history=[],
    )
    record(parcel, "announced", traveller.subject, now)
    session.add(parcel)
    try:
        # Written first: a twin booked at the same moment waits on this row, then is refused.
        await session.flush()
    except IntegrityError as exc:
        await session.rollback()
        raise Conflict.taken(
            "This carrier reference is already booked.", "carrier_reference", slug="duplicate-reference"
        ) from exc
    compartment = await compartments.reserve(session, bank, shipment_in.size)
    parcel.compartment_id = compartment.id
    await session.commit()
    return parcel, code


# -- lists ----------------------------------------------------------------------------------------


async def list_parcels(
    *,
    session: AsyncSession,
    station_id: str,
    page: PageRequest,
    status: str | None = None,
    bank_code: str | None = None,
    search: str | None = None,
    carrier: str | None = None,
) -> tuple[list[Parcel], str | None]:
    """One page of the station's parcels, newest first; `carrier`: that carrier's only."""
    query = select(Parcel).where(Parcel.station_id == station_id)
    if carrier is not None:
        query = query.where(Parcel.carrier == carrier)
    if search is not None:
        # Staff type what is on the label or the screen: the parcel's id, or the carrier's reference.
        query = query.where(
            or_(Parcel.id == search.lower(), Parcel.carrier_reference.startswith(search, autoescape=True))
        )
    if status is not None:
        query = query.where(Parcel.status == status)
    if bank_code is not None:
        query = query.join(LockerBank, LockerBank.id == Parcel.bank_id).where(LockerBank.code == bank_code)
    return await page_of_rows(session, query, NEWEST_FIRST, page, descending=True)


async def parcels_of(
    *, session: AsyncSession, station_id: str, phone: str | None, subject: str, page: PageRequest
) -> tuple[list[Parcel], str | None]:
    """One page of a traveller's parcels, newest first: sent to their phone number, or booked by them."""
    mine = [Parcel.recipient_subject == subject]
    if phone is not None:
        mine.append(Parcel.recipient_phone == phone)
    query = select(Parcel).where(Parcel.station_id == station_id, or_(*mine))
    return await page_of_rows(session, query, NEWEST_FIRST, page, descending=True)


async def bank_codes(*, session: AsyncSession, station_id: str) -> dict[str, str]:
    """The station's bank codes by bank id: one query for a page of parcels."""
    rows = await session.execute(
        select(LockerBank.id, LockerBank.code).where(LockerBank.station_id == station_id)
    )
    return {bank_id: code for bank_id, code in rows.all()}


async def load_compartments(*, session: AsyncSession, ids: set[str]) -> None:
    """These compartments into the session, in one query."""
    if ids:
        await session.scalars(select(Compartment).where(Compartment.id.in_(ids)))
