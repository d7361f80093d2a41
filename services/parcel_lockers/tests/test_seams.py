"""Trust at the seams: guess counters under concurrency, idempotent endpoints under concurrent
twins, who may see which parcel, one rule for phone numbers. In process, over real SQLite,
nats-server and redis-server (the fixtures of test_parcels)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from services.common.testing import assert_problem, bearer
from services.parcel_lockers import domain
from services.parcel_lockers.tests.test_api import BASE
from services.parcel_lockers.tests.test_parcels import Station, wait_for

CONCURRENT_GUESSES = 40


def _wrong(code: str, digits: int) -> str:
    return f"{(int(code) + 1) % 10**digits:0{digits}d}"


async def _keypad_guess(station: Station, parcel: dict[str, Any], code: str) -> httpx.Response:
    return await station.http.post(
        f"{BASE}/banks/A/keypad", json={"code": code}, headers=bearer(station.controller_token())
    )


async def _presence_guess(station: Station, parcel: dict[str, Any], code: str) -> httpx.Response:
    return await station.http.post(
        f"{BASE}/parcels/{parcel['id']}/open", json={"presence_code": code}, headers=station.traveller()
    )


Guess = Callable[[Station, dict[str, Any], str], Awaitable[httpx.Response]]
# Every guessable secret of parcel_lockers with its counter: how to guess it, the right answer,
# what a wrong guess and a locked counter answer.
COUNTERS: dict[str, tuple[Guess, str, str]] = {
    "keypad": (_keypad_guess, "wrong-code", "keypad-locked"),
    "presence-code": (_presence_guess, "presence-code", "presence-locked"),
}


async def _right_answer(station: Station, counter: str, pickup_code: str) -> str:
    return pickup_code if counter == "keypad" else (await station.at_bank())["presence_code"]


@pytest.mark.parametrize("counter", sorted(COUNTERS))
async def test_concurrent_wrong_guesses_get_exactly_the_limit_checked(station: Station, counter: str):
    guess, wrong_slug, locked_slug = COUNTERS[counter]
    parcel, pickup_code = await station.ready_parcel(f"CP-G-{counter}")
    right = await _right_answer(station, counter, pickup_code)
    wrong = _wrong(right, len(right))
    answers = await asyncio.gather(*(guess(station, parcel, wrong) for _ in range(CONCURRENT_GUESSES)))
    slugs = Counter(a.json().get("type", "").rsplit("/", 1)[-1] for a in answers)
    assert sorted(a.status_code for a in answers) == [403] * domain.MAX_WRONG_CODES + [429] * (
        CONCURRENT_GUESSES - domain.MAX_WRONG_CODES
    ), slugs
    for answer in answers:
        if answer.status_code == 429:
            assert int(answer.headers["Retry-After"]) > 0
            assert_problem(answer, 429, locked_slug)
        else:
            assert_problem(answer, 403, wrong_slug)
    # Locked: even the right answer is refused until the cooling period ends (docs/lockers.md).
    assert_problem(
        await guess(station, parcel, await _right_answer(station, counter, pickup_code)), 429, locked_slug
    )
    assert (await station.parcel(parcel["id"]))["door_open"] is False
    if counter == "keypad":
        await wait_for(lambda: station.events_of("keypad_locked"))
