"""Parcel use cases that span several steps: deposit, open, door closed, keypad, expiry, sending.

Each reads top-down: load, ask `domain`, write and stage events in one transaction, then talk to
the door or the recipient once what happened is safely stored.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import raiseload

from kernel.attempts import AttemptCounter, AttemptPolicy, AttemptVerdict
from kernel.auth import Principal, Scope
from kernel.bus import NatsBus
from kernel.contracts import lockers as contract
from kernel.contracts.lockers import CompartmentSize
from kernel.contracts.unlock_token import UnlockClaims, UnlockTokenInvalid, verify_unlock_token
from kernel.db import rows_changed, utcnow
from kernel.errors import Conflict, Forbidden, InvalidInput, NotFound, Problem, TooManyRequests
from kernel.notifier import Notifier, NotifierError, masked_number
from kernel.outbox import stage
from kernel.rules import FieldProblem
from kernel.tasks import item_alone
from services.parcel_lockers import domain, events, service
from services.parcel_lockers.doors import OpenCommand, send_open
from services.parcel_lockers.models import (
    OUTBOX,
    Compartment,
    DoorEvent,
    DoorOpening,
    LockerBank,
    Parcel,
    ParcelStatusChange,
)
from services.parcel_lockers.schemas import DepositIn, DoorEventIn, DoorEventOutcome, ShipmentIn
from services.parcel_lockers.settings import Settings
from services.parcel_lockers.unlock import UnlockSigner

log = logging.getLogger(__name__)
ALLOCATION_ATTEMPTS = 5
SWEEP_LOOP = "parcel_lockers-sweep"


@dataclass
class Tools:
    """What the flows use besides the session: built once per process (api.tools)."""

    settings: Settings
    bus: NatsBus
    signer: UnlockSigner
    redis: Redis | None
    notifier: Notifier | None
    # Wrong codes per bank (keypad) and per parcel (the presence code of an app opening).
    attempts: AttemptCounter | None = None

    @property
    def code_policy(self) -> AttemptPolicy:
        """Five wrong codes, then locked for the cooling period."""
        cooling = self.settings.keypad_lockout_seconds
        return AttemptPolicy(
            limit=domain.MAX_WRONG_CODES,
            window_seconds=cooling,
            lockout_seconds=cooling,
            max_lockout_seconds=cooling,
        )


class ControllerTimeout(Problem):
    status, slug = 504, "controller-timeout"


class DoorJammed(Problem):
    status, slug = 502, "door-jammed"


class ServiceUnavailable(Problem):
    status, slug = 503, "unavailable"


# -- helpers --------------------------------------------------------------------------------------


def _record(parcel: Parcel, status: domain.ParcelStatus, actor: str, now: datetime) -> None:
    parcel.status = status
    parcel.updated_at = now
    parcel.history.append(ParcelStatusChange(status=status, actor=actor, at=now))


def _move(parcel: Parcel, wanted: domain.ParcelStatus, actor: str, now: datetime) -> None:
    try:
        domain.next_status(parcel.status, wanted)
    except domain.StatusConflict as exc:
        raise Conflict(
            f"The parcel is {exc.current}; it cannot become {exc.wanted}.", slug="parcel-status"
        ) from exc
    _record(parcel, wanted, actor, now)


def _compartment(bank: LockerBank, compartment_id: str | None) -> Compartment | None:
    return next((c for c in bank.compartments if c.id == compartment_id), None)


async def _set_compartment(
    session: AsyncSession, bank: LockerBank, compartment: Compartment, state: str, reason: str | None = None
) -> None:
    before = compartment.state
    compartment.state = state  # type: ignore[assignment]
    compartment.out_of_service_reason = reason if state == "out_of_service" else None
    compartment.updated_at = utcnow()
    if (before == "free") != (state == "free"):
        await stage(session, OUTBOX, events.availability_changed(bank))
        service.mark_bank_changed(session, bank)


def _label(bank: LockerBank, parcel: Parcel) -> str | None:
    compartment = _compartment(bank, parcel.compartment_id)
    return compartment.label if compartment else None


def is_recipient(caller: Principal, parcel: Parcel) -> bool:
    return domain.is_recipient(
        caller, recipient_phone=parcel.recipient_phone, recipient_subject=parcel.recipient_subject
    )


def may_see(caller: Principal, parcel: Parcel) -> bool:
    return domain.may_see_parcel(caller, carrier=parcel.carrier, recipient=is_recipient(caller, parcel))


async def visible_parcel_or_raise(
    *, session: AsyncSession, station_id: str, parcel_id: str, caller: Principal
) -> Parcel:
    """The parcel, if the caller may see it; the same 404 whether it does not exist or is not theirs."""
    parcel = await get_parcel_or_raise(session=session, station_id=station_id, parcel_id=parcel_id)
    if not may_see(caller, parcel):
        raise NotFound(f"No parcel {parcel_id!r} at {station_id}.", slug="unknown-parcel")
    return parcel


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


async def _reserve(session: AsyncSession, bank: LockerBank, size: CompartmentSize) -> Compartment:
    """Reserve the smallest free compartment that fits, by a conditional update: a racing deposit
    that took it first makes us pick again."""
    for _ in range(ALLOCATION_ATTEMPTS):
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
            compartment = _compartment(bank, chosen)
            assert compartment is not None
            await stage(session, OUTBOX, events.availability_changed(bank))
            service.mark_bank_changed(session, bank)
            return compartment
    raise Conflict("The bank is busy; try again.", slug="compartment-changed")


async def _claim_door(session: AsyncSession, parcel: Parcel, opening_id: str) -> bool:
    """Take the parcel's one door opening; False when someone else holds it (another phone)."""
    result = await session.execute(
        update(Parcel)
        .where(Parcel.id == parcel.id, Parcel.active_opening_id.is_(None), Parcel.status == parcel.status)
        .values(active_opening_id=opening_id)
        .execution_options(synchronize_session=False)
    )
    return rows_changed(result) == 1


# -- deposit --------------------------------------------------------------------------------------


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
    bank = await service.get_bank_by_code_or_raise(
        session=session, station_id=station_id, code=deposit_in.bank
    )
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
        _record(parcel, "announced", courier.subject, now)
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
    compartment = await _reserve(session, bank, size)
    parcel.compartment_id = compartment.id
    await _open(
        session, tools, bank, compartment, parcel, actor=courier.subject, method="courier", purpose="deposit"
    )
    return parcel, True


# -- opening a door -------------------------------------------------------------------------------


async def _open(
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
        station_id=bank.station_id,
        bank_id=bank.id,
        compartment_id=compartment.id,
        parcel_id=parcel.id,
        actor=actor,
        method=method,
        purpose=purpose,
        outcome="requested",
    )
    session.add(opening)
    await session.flush()
    if not await _claim_door(session, parcel, opening.id):
        await session.rollback()
        raise Conflict("This parcel's door is already being opened.", slug="door-busy")
    await session.commit()

    assert bank.controller_client_id is not None
    answer, error = await send_open(
        tools.bus,
        OpenCommand(
            station_id=bank.station_id,
            controller=bank.controller_client_id,
            compartment=compartment.label,
            parcel_id=parcel.id,
            opening_id=opening.id,
            purpose=purpose,
        ),
        timeout=tools.settings.controller_timeout_seconds,
    )
    # The parcel may have moved meanwhile (a door event); the opening is ours alone while requested.
    await session.refresh(parcel)
    now = utcnow()
    if answer == "open":
        opening.outcome, opening.opened_at = "open", now
        opened_status = domain.status_after_opening(purpose)
        if opened_status is not None:
            _move(parcel, opened_status, actor, now)
        await session.commit()
        return opening
    parcel.active_opening_id = None
    if answer == "unreachable":
        # Nothing opened: the parcel stays where it was (a deposit gives its compartment back).
        opening.outcome = "timeout"
        if purpose == "deposit":
            parcel.compartment_id = None
            await _set_compartment(session, bank, compartment, "free")
        await session.commit()
        raise ControllerTimeout(
            f"The locker controller did not answer ({error}); the door stayed shut. Try again."
        )
    opening.outcome = "jammed"
    reason = f"door did not open: {error}"[:200]
    await session.refresh(bank, ["compartments"])
    if purpose == "deposit":
        parcel.compartment_id = None
    await _set_compartment(session, bank, compartment, "out_of_service", reason)
    await stage(session, OUTBOX, events.door_fault(bank, compartment, reason=reason, opening_id=opening.id))
    await session.commit()
    raise DoorJammed(f"Compartment {compartment.label}'s door did not open; it is taken out of service.")


async def open_parcel(
    *,
    session: AsyncSession,
    tools: Tools,
    station_id: str,
    parcel_id: str,
    caller: Principal,
    method: str = "app",
    presence_code: str | None = None,
) -> tuple[Parcel, DoorOpening, str]:
    """The recipient (from the phone) or a courier (return, carrier pickup) opens the parcel's door.
    The recipient proves standing at the bank with the code its screen shows now."""
    parcel = await visible_parcel_or_raise(
        session=session, station_id=station_id, parcel_id=parcel_id, caller=caller
    )
    by_recipient = is_recipient(caller, parcel)
    purpose = domain.purpose_for_opening(parcel.direction, parcel.status, by_recipient=by_recipient)
    if purpose is None:
        raise Conflict(
            f"The parcel is {parcel.status}: its door does not open for you now.", slug="parcel-status"
        )
    # The hot path of a pickup: the bank alone, not its compartments.
    bank = await session.scalar(
        select(LockerBank).where(LockerBank.id == parcel.bank_id).options(raiseload(LockerBank.compartments))
    )
    compartment = await session.get(Compartment, parcel.compartment_id) if parcel.compartment_id else None
    if bank is None or compartment is None or bank.controller_client_id is None:
        raise Conflict("The parcel has no compartment that can be opened.", slug="parcel-status")
    if by_recipient:
        await check_presence(tools, bank, parcel, presence_code)
    opening = await _open(
        session, tools, bank, compartment, parcel, actor=caller.subject, method=method, purpose=purpose
    )
    return parcel, opening, compartment.label


def presence_now(tools: Tools, bank: LockerBank) -> tuple[str, datetime]:
    """The code the bank's screen shows now, and when it changes."""
    period = tools.settings.presence_code_seconds
    window = domain.presence_window(utcnow(), period)
    code = domain.presence_code(tools.signer.presence_secret(bank.station_id, bank.id), window)
    return code, datetime.fromtimestamp((window + 1) * period, tz=UTC)


async def check_presence(tools: Tools, bank: LockerBank, parcel: Parcel, code: str | None) -> None:
    """The code on the bank's screen, guessed at most MAX_WRONG_CODES times per parcel per cooling
    period (counted before it is checked, like the keypad)."""
    if code is None:
        raise Forbidden(
            f"Type the code shown on the screen of bank {bank.code}: it proves you are at the locker.",
            slug="presence-required",
        )
    counter_key = f"wrong-presence-codes:{bank.station_id}:parcel:{parcel.id}"
    attempt = await _take_attempt(tools, counter_key)
    _refuse_locked(attempt, slug="presence-locked", what="Opening this parcel from the phone")
    secret = tools.signer.presence_secret(bank.station_id, bank.id)
    if not domain.presence_code_valid(secret, code, utcnow(), tools.settings.presence_code_seconds):
        raise Forbidden(
            f"That is not the code on bank {bank.code}'s screen now; type the one it shows.",
            slug="presence-code",
        )
    await _clear_attempts(tools, counter_key)


# -- door closed ----------------------------------------------------------------------------------


async def _door_closed(
    session: AsyncSession, tools: Tools, bank: LockerBank, opening: DoorOpening, at: datetime
) -> list[tuple[Parcel, str]]:
    """Apply a closed door to its opening and parcel; returns the codes to send once committed."""
    opening.outcome, opening.closed_at = "closed", at
    compartment = _compartment(bank, opening.compartment_id)
    parcel = await session.get(Parcel, opening.parcel_id) if opening.parcel_id else None
    if parcel is None or compartment is None:
        return []
    parcel.active_opening_id = None
    purpose: domain.DoorPurpose = opening.purpose  # type: ignore[assignment]
    wanted = domain.status_when_door_closes(purpose)
    if parcel.status == wanted:
        return []
    _move(parcel, wanted, opening.actor, at)
    await _set_compartment(session, bank, compartment, domain.compartment_state_when_door_closes(purpose))
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


async def _notify_ready(tools: Tools, bank: LockerBank, parcel: Parcel, code: str) -> None:
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
        # The parcel stays collectable from the app; the code is never logged.
        log.warning(
            "pickup notice not sent", extra={"to": masked_number(parcel.recipient_phone), "error": repr(exc)}
        )


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
    bank = await service.get_bank_or_raise(session=session, station_id=station_id, bank_id=parcel.bank_id)
    to_send = await _door_closed(session, tools, bank, opening, utcnow())
    await session.commit()
    for sent_parcel, code in to_send:
        await _notify_ready(tools, bank, sent_parcel, code)
    await session.refresh(parcel)
    return parcel


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
    bank = await service.get_bank_by_code_or_raise(session=session, station_id=station_id, code=bank_code)
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
    bank = await service.get_bank_or_raise(session=session, station_id=station_id, bank_id=bank_id)
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
            to_send = await _door_closed(session, tools, bank, opening, event.at)
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
        await _notify_ready(tools, bank, parcel, code)
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


# -- keypad ---------------------------------------------------------------------------------------


async def _take_attempt(tools: Tools, key: str) -> AttemptVerdict | None:
    """Count a guess before checking it (None: no counter store reachable; a wrong guess then
    cannot be counted and is answered 503, a right one still opens)."""
    if tools.attempts is None:
        return None
    try:
        return await tools.attempts.spend(key, tools.code_policy)
    except RedisError:
        log.warning("redis unreachable: attempt not counted", extra={"counter": key})
        return None


async def _clear_attempts(tools: Tools, key: str) -> None:
    if tools.attempts is not None:
        with contextlib.suppress(RedisError):
            await tools.attempts.clear(key)


def _refuse_locked(attempt: AttemptVerdict | None, *, slug: str, what: str) -> None:
    if attempt is not None and not attempt.allowed:
        raise TooManyRequests(
            f"{what} is locked after too many wrong codes; retry in {attempt.retry_after_seconds} s.",
            slug=slug,
            headers={"Retry-After": str(attempt.retry_after_seconds)},
        )


def keypad_counter_key(station_id: str, bank_code: str) -> str:
    return f"wrong-codes:{station_id}:bank:{bank_code}"


async def keypad(
    *, session: AsyncSession, tools: Tools, station_id: str, bank_code: str, code: str, controller: Principal
) -> tuple[Parcel, str]:
    """A code typed on the bank's keypad: the compartment to open, or a refusal. Five wrong codes
    in a row lock the keypad for a cooling period and tell the operators. Each code is counted
    before it is checked, so concurrent guesses never get more than five checked."""
    bank = await service.get_bank_by_code_or_raise(session=session, station_id=station_id, code=bank_code)
    counter_key = keypad_counter_key(station_id, bank.code)
    attempt = await _take_attempt(tools, counter_key)
    _refuse_locked(attempt, slug="keypad-locked", what="The keypad")
    parcel = await session.scalar(
        select(Parcel).where(
            Parcel.bank_id == bank.id,
            Parcel.pickup_code_digest == tools.signer.code_digest(code),
            Parcel.active_opening_id.is_(None),
        )
    )
    purpose = (
        domain.purpose_for_opening(parcel.direction, parcel.status, by_recipient=True) if parcel else None
    )
    compartment = _compartment(bank, parcel.compartment_id) if parcel else None
    if parcel is None or purpose is None or compartment is None:
        if attempt is None:
            raise ServiceUnavailable("Codes cannot be checked now; try again shortly.")
        left = max(0, domain.MAX_WRONG_CODES - attempt.attempts)
        if left == 0:
            locked_until = utcnow() + timedelta(seconds=tools.settings.keypad_lockout_seconds)
            await stage(
                session,
                OUTBOX,
                events.keypad_locked(bank, failures=attempt.attempts, locked_until=locked_until),
            )
            await session.commit()
        raise Forbidden(f"Wrong code; {left} tries left before the keypad locks.", slug="wrong-code")
    await _clear_attempts(tools, counter_key)
    # The keypad is on the controller: its answer is the command, so the door opens without a round trip.
    now = utcnow()
    opening = DoorOpening(
        station_id=station_id,
        bank_id=bank.id,
        compartment_id=compartment.id,
        parcel_id=parcel.id,
        actor=controller.subject,
        method="keypad",
        purpose=purpose,
        outcome="open",
        opened_at=now,
    )
    session.add(opening)
    await session.flush()
    if not await _claim_door(session, parcel, opening.id):
        await session.rollback()
        raise Conflict("This parcel's door is already being opened.", slug="door-busy")
    opened_status = domain.status_after_opening(purpose)
    if opened_status is not None:
        _move(parcel, opened_status, controller.subject, now)
    await session.commit()
    return parcel, compartment.label


# -- send from the locker -------------------------------------------------------------------------


async def book_shipment(
    *, session: AsyncSession, station_id: str, tools: Tools, shipment_in: ShipmentIn, traveller: Principal
) -> tuple[Parcel, str]:
    """A traveller books a compartment to send a parcel; the drop-off code is shown once."""
    bank = await service.get_bank_by_code_or_raise(
        session=session, station_id=station_id, code=shipment_in.bank
    )
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
    _record(parcel, "announced", traveller.subject, now)
    session.add(parcel)
    try:
        # Written first: a twin booked at the same moment waits on this row, then is refused.
        await session.flush()
    except IntegrityError as exc:
        await session.rollback()
        raise Conflict.taken(
            "This carrier reference is already booked.", "carrier_reference", slug="duplicate-reference"
        ) from exc
    compartment = await _reserve(session, bank, shipment_in.size)
    parcel.compartment_id = compartment.id
    await session.commit()
    return parcel, code


# -- expiry, reminders, doors left open -----------------------------------------------------------


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
            banks = {b.id: b for b in await service.list_banks(session=session, station_id=station_id)}
        async with item_alone(SWEEP_LOOP, f"parcel {parcel_id}", session=session) as outcome:
            parcel = await session.get_one(Parcel, parcel_id)
            bank = banks[parcel.bank_id]
            if domain.is_expired(parcel.status, parcel.expires_at, now):
                _move(parcel, "expired", "system:expiry", now)
                # The code stops working: the carrier's courier takes the parcel back.
                parcel.pickup_code_digest = None
                await stage(
                    session, OUTBOX, events.parcel_event(contract.EXPIRED, bank, parcel, _label(bank, parcel))
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
            banks = {b.id: b for b in await service.list_banks(session=session, station_id=station_id)}
        async with item_alone(SWEEP_LOOP, f"door opening {opening_id}", session=session) as outcome:
            opening = await session.get_one(DoorOpening, opening_id)
            bank = banks[opening.bank_id]
            compartment = _compartment(bank, opening.compartment_id)
            opening.outcome = "door_fault"
            if opening.parcel_id:
                held = await session.get(Parcel, opening.parcel_id)
                if held is not None and held.active_opening_id == opening.id:
                    held.active_opening_id = None
            if compartment is not None:
                reason = "door left open too long"
                await _set_compartment(session, bank, compartment, "out_of_service", reason)
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


# -- reads ----------------------------------------------------------------------------------------


async def get_parcel_or_raise(*, session: AsyncSession, station_id: str, parcel_id: str) -> Parcel:
    parcel = await session.scalar(
        select(Parcel).where(Parcel.id == parcel_id, Parcel.station_id == station_id)
    )
    if parcel is None:
        raise NotFound(f"No parcel {parcel_id!r} at {station_id}.", slug="unknown-parcel")
    return parcel
