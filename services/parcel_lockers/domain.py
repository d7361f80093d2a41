"""parcel_lockers' rules, without I/O: compartment states, availability, what a new bank must be."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import get_args

from services.common.auth import Principal, Scope
from services.common.contracts.lockers import CompartmentSize, CompartmentState
from services.common.rules import FieldProblem

SIZES: tuple[CompartmentSize, ...] = get_args(CompartmentSize)
STATES: tuple[CompartmentState, ...] = get_args(CompartmentState)
MAX_REASON_LENGTH = 200
MIN_COMPARTMENTS, MAX_COMPARTMENTS = 1, 200


class CompartmentBusy(Exception):
    """A parcel is reserved in or stored in the compartment: the operator handles the parcel first."""

    def __init__(self, state: CompartmentState) -> None:
        super().__init__(state)
        self.state = state


def service_state_after(state: CompartmentState, *, in_service: bool) -> CompartmentState:
    """The state a compartment ends in when the operator puts it in or out of service."""
    if in_service:
        return "free" if state == "out_of_service" else state
    if state in ("free", "out_of_service"):
        return "out_of_service"
    raise CompartmentBusy(state)


def out_of_service_reason_problems(reason: str | None) -> list[FieldProblem]:
    """Taking a compartment out of service needs a reason the next operator can act on."""
    if reason is None or not reason.strip():
        return [FieldProblem("reason", "is required to take a compartment out of service")]
    if len(reason.strip()) > MAX_REASON_LENGTH:
        return [FieldProblem("reason", f"is longer than {MAX_REASON_LENGTH} characters")]
    return []


def new_bank_problems(labels: list[str]) -> list[FieldProblem]:
    """Everything wrong with a new bank's compartments, so the client can fix it in one round."""
    problems: list[FieldProblem] = []
    if not MIN_COMPARTMENTS <= len(labels) <= MAX_COMPARTMENTS:
        problems.append(
            FieldProblem(
                "compartments",
                f"has {len(labels)} entries; a bank has {MIN_COMPARTMENTS} to {MAX_COMPARTMENTS}",
            )
        )
    repeated = sorted(label for label, count in Counter(labels).items() if count > 1)
    if repeated:
        problems.append(FieldProblem("compartments", f"labels used more than once: {', '.join(repeated)}"))
    return problems


def availability(
    compartments: Iterable[tuple[CompartmentSize, CompartmentState]],
) -> dict[CompartmentSize, dict[str, int]]:
    """Free and total compartments per size; every size is listed, so clients need no special case."""
    counts: dict[CompartmentSize, dict[str, int]] = {size: {"free": 0, "total": 0} for size in SIZES}
    for size, state in compartments:
        counts[size]["total"] += 1
        if state == "free":
            counts[size]["free"] += 1
    return counts


def may_see_bank(caller: Principal, *, code: str, controller_client_id: str | None) -> bool:
    """Operators and couriers see every bank of their station; a controller only the bank it drives:
    the one the gateway bound it to, or the one registered with it as controller."""
    if caller.has_any_scope(Scope.OPERATE, Scope.READ_LOCKERS):
        return True
    if not caller.has_any_scope(Scope.CONTROL_LOCKERS):
        return False
    registered = controller_client_id is not None and caller.client_id == controller_client_id
    return caller.is_device_bound_to("locker_controller", code) or (
        caller.device_kind == "locker_controller" and registered
    )
