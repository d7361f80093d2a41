"""Locker banks' use cases: load, check with domain rules, store, and stage events in one transaction."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.contracts.lockers import CompartmentState
from kernel.db import one_or_404, rows_changed, utcnow
from kernel.errors import Conflict, InvalidInput, NotFound
from kernel.hot_reads import mark_changed
from kernel.outbox import stage
from services.parcel_lockers import domain, events
from services.parcel_lockers.models import OUTBOX, Compartment, LockerBank, Parcel
from services.parcel_lockers.schemas import BankCreate, BankUpdate, ServiceStateIn

# What the hot reads show (banks/api.py), within a station: a commit that changes it marks it.
BANKS = "banks"


def bank_tag(code: str) -> str:
    return f"bank:{code}"


def mark_bank_changed(session: AsyncSession, bank: LockerBank) -> None:
    mark_changed(session, bank.station_id, BANKS, bank_tag(bank.code))


def _state_after(compartment: Compartment, *, in_service: bool) -> CompartmentState:
    try:
        return domain.service_state_after(compartment.state, in_service=in_service)
    except domain.CompartmentBusy as exc:
        raise Conflict(
            f"Compartment {compartment.label} is {exc.state}: handle its parcel before taking it out of service.",
            slug="compartment-busy",
        ) from exc


async def list_banks(*, session: AsyncSession, station_id: str) -> Sequence[LockerBank]:
    """The station's locker banks by code, each with its compartments by label."""
    result = await session.scalars(
        select(LockerBank).where(LockerBank.station_id == station_id).order_by(LockerBank.code)
    )
    return result.all()


async def find_bank_by_code(*, session: AsyncSession, station_id: str, code: str) -> LockerBank | None:
    """The station's bank with that code, if there is one."""
    return await session.scalar(
        select(LockerBank).where(LockerBank.station_id == station_id, LockerBank.code == code)
    )


async def register_bank(*, session: AsyncSession, station_id: str, bank_in: BankCreate) -> LockerBank:
    """Register a bank whose compartments all start free; publish bank.registered."""
    problems = domain.new_bank_problems([c.label for c in bank_in.compartments])
    if problems:
        raise InvalidInput.from_problems("The bank's compartments are inconsistent; see `errors`.", problems)
    bank = LockerBank(
        station_id=station_id,
        code=bank_in.code,
        name=bank_in.name,
        location=bank_in.location,
        level=bank_in.level,
        controller_client_id=bank_in.controller_client_id,
        retention_days=bank_in.retention_days,
        compartments=[
            Compartment(label=c.label, size=c.size, state="free")
            for c in sorted(bank_in.compartments, key=lambda c: c.label)
        ],
    )
    session.add(bank)
    try:
        await session.flush()
    except IntegrityError as exc:
        # Labels were checked above: the one constraint left to break is the code's.
        await session.rollback()
        raise Conflict.taken(
            f"Station {station_id} already has a locker bank {bank_in.code!r}.",
            "code",
            slug="duplicate-bank-code",
        ) from exc
    await stage(session, OUTBOX, events.bank_registered(bank))
    mark_bank_changed(session, bank)
    await session.commit()
    return bank


async def set_service_state(
    *, session: AsyncSession, station_id: str, bank_id: str, label: str, state_in: ServiceStateIn
) -> Compartment:
    """Take a compartment out of service or return it; publish compartment.state_changed on a change."""
    if not state_in.in_service:
        problems = domain.out_of_service_reason_problems(state_in.reason)
        if problems:
            raise InvalidInput.from_problems("A reason is needed; see `errors`.", problems)
    reason = (state_in.reason or "").strip() or None
    bank = await one_or_404(session, LockerBank, "unknown-bank", station_id=station_id, id=bank_id)
    compartment = next((c for c in bank.compartments if c.label == label), None)
    if compartment is None:
        raise NotFound(f"Locker bank {bank.code!r} has no compartment {label!r}.")
    previous = compartment.state
    state = _state_after(compartment, in_service=state_in.in_service)
    if state == previous:
        return compartment
    # Conditional update: a parcel reserved meanwhile must not be locked out of service.
    result = await session.execute(
        update(Compartment)
        .where(Compartment.id == compartment.id, Compartment.state == previous)
        .values(
            state=state,
            out_of_service_reason=reason if state == "out_of_service" else None,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    if rows_changed(result) == 0:
        # Someone changed it first: judge the request again against what they left.
        await session.rollback()
        await session.refresh(compartment)
        if _state_after(compartment, in_service=state_in.in_service) == compartment.state:
            return compartment
        raise Conflict("The compartment changed meanwhile; read it again.", slug="compartment-changed")
    await session.refresh(compartment)
    await stage(
        session,
        OUTBOX,
        events.compartment_state_changed(bank, compartment, previous_state=previous, reason=reason),
    )
    if "free" in (previous, state):
        await session.refresh(bank, ["compartments"])
        await stage(session, OUTBOX, events.availability_changed(bank))
    mark_bank_changed(session, bank)
    await session.commit()
    return compartment


async def update_bank(
    *, session: AsyncSession, station_id: str, bank_id: str, bank_in: BankUpdate
) -> LockerBank:
    """Change a bank's name, place, controller or retention; parcels already there keep their expiry."""
    bank = await one_or_404(session, LockerBank, "unknown-bank", station_id=station_id, id=bank_id)
    for name, value in bank_in.model_dump(exclude_unset=True).items():
        if value is None and name != "controller_client_id":
            raise InvalidInput.from_problems(
                "Leave out what does not change.", [domain.FieldProblem(name, "cannot be null")]
            )
        setattr(bank, name, value)
    mark_bank_changed(session, bank)
    await session.commit()
    return bank


async def retire_bank(*, session: AsyncSession, station_id: str, bank_id: str) -> None:
    """Remove a bank with no parcel in it; its opening history stays in the audit until then."""
    bank = await one_or_404(session, LockerBank, "unknown-bank", station_id=station_id, id=bank_id)
    held = await session.scalar(
        select(func.count())
        .select_from(Parcel)
        .where(Parcel.bank_id == bank.id, Parcel.status.not_in(("collected", "returned")))
    )
    if held:
        raise Conflict(f"Bank {bank.code} still holds {held} parcels.", slug="bank-in-use")
    await session.execute(delete(Parcel).where(Parcel.bank_id == bank.id))
    await session.delete(bank)
    mark_changed(session, station_id, BANKS, bank_tag(bank.code))
    await session.commit()
