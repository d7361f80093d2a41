"""What parcel_lockers publishes on NATS."""

from __future__ import annotations

from services.common.contracts import lockers
from services.common.contracts.lockers import CompartmentState
from services.common.events import OutgoingEvent, new_event
from services.parcel_lockers.models import Compartment, LockerBank


def bank_registered(bank: LockerBank) -> OutgoingEvent:
    data = lockers.BankRegistered(
        bank_id=bank.id,
        code=bank.code,
        name=bank.name,
        location=bank.location,
        level=bank.level,
        controller_client_id=bank.controller_client_id,
        compartments=[
            lockers.RegisteredCompartment(compartment_id=c.id, label=c.label, size=c.size, state=c.state)
            for c in bank.compartments
        ],
    )
    return new_event(
        station_id=bank.station_id,
        domain=lockers.DOMAIN,
        entity=lockers.BANK,
        verb=lockers.REGISTERED,
        data=data,
        subject=bank.id,
    )


def compartment_state_changed(
    bank: LockerBank, compartment: Compartment, *, previous_state: CompartmentState, reason: str | None
) -> OutgoingEvent:
    data = lockers.CompartmentStateChanged(
        bank_id=bank.id,
        bank_code=bank.code,
        compartment_id=compartment.id,
        label=compartment.label,
        size=compartment.size,
        previous_state=previous_state,
        state=compartment.state,
        reason=reason,
    )
    return new_event(
        station_id=bank.station_id,
        domain=lockers.DOMAIN,
        entity=lockers.COMPARTMENT,
        verb=lockers.STATE_CHANGED,
        data=data,
        subject=compartment.id,
    )
