"""parcel_lockers' rules, without I/O: compartment states, availability, what a new bank must be."""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Literal, get_args

from kernel.auth import Principal, Scope
from kernel.contracts import doors
from kernel.contracts.lockers import CompartmentSize, CompartmentState
from kernel.rules import FieldProblem
from kernel.stations import STATION_TIME_ZONE

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


# -- parcels -------------------------------------------------------------------------------------

ParcelStatus = Literal["announced", "deposited", "ready", "collected", "expired", "returned"]
PARCEL_STATUSES: tuple[ParcelStatus, ...] = get_args(ParcelStatus)
Direction = Literal["inbound", "outbound"]
# Inner dimensions of a compartment of each size, in centimetres (height, width, depth).
SIZE_DIMENSIONS_CM: dict[CompartmentSize, tuple[int, int, int]] = {
    "S": (8, 38, 64),
    "M": (19, 38, 64),
    "L": (41, 38, 64),
    "XL": (60, 50, 64),
}
PICKUP_CODE_DIGITS = 8
MAX_WRONG_CODES = 5
DEFAULT_RETENTION_DAYS = 3
# What may happen next to a parcel; anything else is refused as a conflict.
NEXT_STATUSES: dict[ParcelStatus, tuple[ParcelStatus, ...]] = {
    "announced": ("deposited",),
    "deposited": ("ready",),
    "ready": ("collected", "expired"),
    # Collected late: a controller that opened offline reports it after the expiry.
    "expired": ("returned", "collected"),
    "collected": (),
    "returned": (),
}


class NoFittingCompartment(Exception):
    """The bank has no compartment large enough for the parcel, even when all are free."""


class SizesFull(Exception):
    """Every compartment that would fit is taken: `full` names the fitting sizes, smallest first."""

    def __init__(self, full: list[CompartmentSize]) -> None:
        super().__init__(full)
        self.full = full


class StatusConflict(Exception):
    def __init__(self, current: ParcelStatus, wanted: ParcelStatus) -> None:
        super().__init__(current, wanted)
        self.current = current
        self.wanted = wanted


def size_for_dimensions(height: int, width: int, depth: int) -> CompartmentSize | None:
    """The smallest size whose compartment holds a box of these dimensions in any orientation."""
    box = sorted((height, width, depth))
    for size in SIZES:
        if all(b <= c for b, c in zip(box, sorted(SIZE_DIMENSIONS_CM[size]), strict=True)):
            return size
    return None


def fitting_sizes(size: CompartmentSize) -> tuple[CompartmentSize, ...]:
    """The sizes a parcel of `size` fits in, smallest first."""
    return SIZES[SIZES.index(size) :]


def choose_compartment(
    compartments: Iterable[tuple[str, CompartmentSize, CompartmentState]], size: CompartmentSize
) -> str:
    """The id of the smallest free compartment that fits, first by label order within a size."""
    fitting = [c for c in compartments if c[1] in fitting_sizes(size)]
    if not fitting:
        raise NoFittingCompartment(size)
    for wanted in fitting_sizes(size):
        for compartment_id, compartment_size, state in fitting:
            if compartment_size == wanted and state == "free":
                return compartment_id
    raise SizesFull(sorted({c[1] for c in fitting}, key=SIZES.index))


def next_status(current: ParcelStatus, wanted: ParcelStatus) -> ParcelStatus:
    if wanted not in NEXT_STATUSES[current]:
        raise StatusConflict(current, wanted)
    return wanted


def new_pickup_code(randbelow: Callable[[int], int]) -> str:
    """A code of PICKUP_CODE_DIGITS random digits (leading zeros kept)."""
    return f"{randbelow(10**PICKUP_CODE_DIGITS):0{PICKUP_CODE_DIGITS}d}"


def expires_at(ready_at: datetime, retention_days: int) -> datetime:
    return ready_at + timedelta(days=retention_days)


def is_expired(status: ParcelStatus, expiry: datetime | None, now: datetime) -> bool:
    return status == "ready" and expiry is not None and now >= expiry


# -- who may see a parcel ---------------------------------------------------------------------------

CARRIER_CLAIM = "carrier"


def courier_carrier(caller: Principal) -> str | None:
    """The carrier a courier works for (its token's `carrier` claim, from its account)."""
    carrier = caller.claims.get(CARRIER_CLAIM)
    return carrier if isinstance(carrier, str) and carrier else None


def is_recipient(caller: Principal, *, recipient_phone: str | None, recipient_subject: str | None) -> bool:
    if recipient_subject is not None and recipient_subject == caller.subject:
        return True
    phone = caller.claims.get("phone_number")
    return isinstance(phone, str) and recipient_phone == phone


def may_see_parcel(caller: Principal, *, carrier: str, recipient: bool) -> bool:
    """Operators see every parcel of their station; a courier only its own carrier's (a courier
    token without a carrier sees none); a traveller only the parcels sent to or booked by them.
    Whoever may not see a parcel is told it does not exist."""
    if recipient or caller.has_any_scope(Scope.OPERATE):
        return True
    if caller.has_any_scope(Scope.DEPOSIT_PARCELS, Scope.READ_LOCKERS):
        return courier_carrier(caller) == carrier
    return False


def may_read_phone_numbers(caller: Principal) -> bool:
    """Recipients' phone numbers are shown whole to operators only; everyone else sees them masked."""
    return caller.has_any_scope(Scope.OPERATE)


# Why a door opens: the door protocol names it in the open command.
DoorPurpose = doors.DoorPurpose


def status_when_door_closes(purpose: DoorPurpose) -> ParcelStatus:
    """What a parcel becomes once the door opened for `purpose` is closed again."""
    after: dict[DoorPurpose, ParcelStatus] = {
        "deposit": "ready",
        "drop_off": "ready",
        "collect": "collected",
        "carrier_pickup": "collected",
        "return": "returned",
    }
    return after[purpose]


def purpose_for_opening(
    direction: Direction, status: ParcelStatus, *, by_recipient: bool
) -> DoorPurpose | None:
    """Why a door may open for this parcel now (None: it may not). Recipients collect inbound
    parcels and drop off outbound ones; couriers deposit, take expired parcels back and pick up
    outbound ones."""
    if by_recipient:
        if direction == "inbound" and status == "ready":
            return "collect"
        if direction == "outbound" and status == "announced":
            return "drop_off"
        return None
    if direction == "inbound" and status == "announced":
        return "deposit"
    if direction == "inbound" and status == "expired":
        return "return"
    if direction == "outbound" and status == "ready":
        return "carrier_pickup"
    return None


def status_after_opening(purpose: DoorPurpose) -> ParcelStatus | None:
    """The status a parcel takes while its door is open (None: unchanged until the door closes)."""
    return "deposited" if purpose in ("deposit", "drop_off") else None


def compartment_state_when_door_closes(purpose: DoorPurpose) -> CompartmentState:
    return "occupied" if purpose in ("deposit", "drop_off") else "free"


# -- a controller's journal ------------------------------------------------------------------------

# Clocks of a controller and the service differ a little: a door opened this long after the token's
# expiry still counts as opened in time.
TOKEN_CLOCK_SKEW = timedelta(seconds=5)
# A controller may report an opening long after it (offline for a day); a token's signature is
# checked against expiry this much later than the door opened.
JOURNAL_DELAY_LIMIT = timedelta(hours=24)


def token_refusal_at_opening(token_expires_at: datetime, opened_at: datetime) -> str | None:
    """Why an unlock token could not have opened a door at `opened_at` (None: it could). The
    controller checked it with its own clock; the service checks the reported time against the
    token's expiry, so a controller with a wrong clock cannot apply an expired token."""
    if opened_at > token_expires_at + TOKEN_CLOCK_SKEW:
        late = int((opened_at - token_expires_at).total_seconds())
        return f"the unlock token had expired {late} s before the door opened"
    return None


# -- proof of presence: the bank's rotating code ----------------------------------------------------

PRESENCE_DIGITS = 6


def presence_code(secret: bytes, window: int) -> str:
    """The code a bank's screen shows during one time window (HOTP, RFC 4226, of the window number)."""
    digest = hmac.new(secret, window.to_bytes(8, "big"), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return f"{number % 10**PRESENCE_DIGITS:0{PRESENCE_DIGITS}d}"


def presence_window(now: datetime, period_seconds: int) -> int:
    return int(now.timestamp()) // period_seconds


def presence_code_valid(secret: bytes, code: str, now: datetime, period_seconds: int) -> bool:
    """Good for the current window and the previous one (a code read just before it rotated)."""
    window = presence_window(now, period_seconds)
    return any(hmac.compare_digest(presence_code(secret, w), code) for w in (window, window - 1))


# -- what a recipient reads by SMS ---------------------------------------------------------------


def station_time(at: datetime) -> str:
    """`25/12 18:30`, in the station's time (a stored time without zone is UTC)."""
    aware = at if at.tzinfo else at.replace(tzinfo=UTC)
    return aware.astimezone(STATION_TIME_ZONE).strftime("%d/%m %H:%M")


def pickup_notice(
    *, carrier: str, bank_code: str, bank_location: str, expires_at: datetime | None, code: str, app_url: str
) -> str:
    until = f", jusqu'au {station_time(expires_at)} (heure de Paris)" if expires_at else ""
    return (
        f"Gare numérique : votre colis {carrier} vous attend, consigne {bank_code} ({bank_location}){until}. "
        f"Code de retrait : {code}. Ouvrir depuis l'app : {app_url}"
    )


def reminder_notice(*, carrier: str, bank_code: str, expires_at: datetime, app_url: str) -> str:
    return (
        f"Gare numérique : votre colis {carrier} attend toujours à la consigne {bank_code}; "
        f"il repart le {station_time(expires_at)} (heure de Paris). {app_url}"
    )
