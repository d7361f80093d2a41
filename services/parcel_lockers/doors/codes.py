"""Codes typed at the bank: the keypad's pickup and drop-off codes, and the screen's presence code
an app opening carries. Each guess is counted before it is checked (the kernel's attempt counter)."""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, datetime, timedelta

from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.attempts import AttemptVerdict
from kernel.auth import Principal
from kernel.db import one_or_404, utcnow
from kernel.errors import Conflict, Forbidden, Problem, TooManyRequests
from kernel.outbox import stage
from services.parcel_lockers import domain, events
from services.parcel_lockers.banks.compartments import compartment_of
from services.parcel_lockers.doors.service import claim_door
from services.parcel_lockers.models import OUTBOX, DoorOpening, LockerBank, Parcel
from services.parcel_lockers.parcels.lifecycle import move
from services.parcel_lockers.tools import Tools

log = logging.getLogger(__name__)


class ServiceUnavailable(Problem):
    status, slug = 503, "unavailable"


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
    bank = await one_or_404(session, LockerBank, "unknown-bank", station_id=station_id, code=bank_code)
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
    compartment = compartment_of(bank, parcel.compartment_id) if parcel else None
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
    if not await claim_door(session, parcel, opening.id):
        await session.rollback()
        raise Conflict("This parcel's door is already being opened.", slug="door-busy")
    opened_status = domain.status_after_opening(purpose)
    if opened_status is not None:
        move(parcel, opened_status, controller.subject, now)
    await session.commit()
    return parcel, compartment.label


# -- the presence code -------------------------------------------------------------------------


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
