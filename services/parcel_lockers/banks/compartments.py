"""A bank's compartments as parcels move through them: find one, change its state, reserve one that fits."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.contracts.lockers import CompartmentSize
from kernel.db import rows_changed, utcnow
from kernel.errors import Conflict, InvalidInput
from kernel.outbox import stage
from kernel.rules import FieldProblem
from services.parcel_lockers import domain, events
from services.parcel_lockers.banks.service import mark_bank_changed
from services.parcel_lockers.models import OUTBOX, Compartment, LockerBank


def compartment_of(bank: LockerBank, compartment_id: str | None) -> Compartment | None:
    return next((c for c in bank.compartments if c.id == compartment_id), None)


async def set_state(
    session: AsyncSession, bank: LockerBank, compartment: Compartment, state: str, reason: str | None = None
) -> None:
    """Change the compartment's state; a change of the free count is published and shown."""
    before = compartment.state
    compartment.state = state  # type: ignore[assignment]
    compartment.out_of_service_reason = reason if state == "out_of_service" else None
    compartment.updated_at = utcnow()
    if (before == "free") != (state == "free"):
        await stage(session, OUTBOX, events.availability_changed(bank))
        mark_bank_changed(session, bank)


async def reserve(session: AsyncSession, bank: LockerBank, size: CompartmentSize) -> Compartment:
    """Reserve the smallest free compartment that fits, by a conditional update: a racing deposit
    that took it first makes us pick again. Each lost race means another parcel took a compartment,
    so a crowd of couriers at one bank ends with a compartment each or `sizes-full`, never with a
    give-up: at most one more pick than the bank has compartments."""
    for _ in range(len(bank.compartments) + 1):
        await session.refresh(bank, ["compartments"])
        try:
            chosen = domain.choose_compartment(((c.id, c.size, c.state) for c in bank.compartments), size)
        except domain.NoFittingCompartment as exc:
            raise InvalidInput.from_problems(
                f"Bank {bank.code} has no compartment large enough for a {size} parcel.",
                [FieldProblem("size", f"no compartment of size {size} or larger in bank {bank.code}")],
            ) from exc
        except domain.SizesFull as exc:
            raise Conflict(
                f"Every compartment that fits is taken in bank {bank.code}: sizes {', '.join(exc.full)} are full.",
                slug="sizes-full",
                extensions={"full_sizes": exc.full},
            ) from exc
        result = await session.execute(
            update(Compartment)
            .where(Compartment.id == chosen, Compartment.state == "free")
            .values(state="reserved", updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if rows_changed(result) == 1:
            await session.refresh(bank, ["compartments"])
            compartment = compartment_of(bank, chosen)
            assert compartment is not None
            await stage(session, OUTBOX, events.availability_changed(bank))
            mark_bank_changed(session, bank)
            return compartment
    raise Conflict("The bank is busy; try again.", slug="compartment-changed")
