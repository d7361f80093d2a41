"""Trust at the seams: guess counters under concurrency, idempotent endpoints under concurrent
twins, who may see which parcel, one rule for phone numbers. In process, over real SQLite,
nats-server and redis-server (the fixtures of test_parcels)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from kernel.db import utcnow
from services.parcel_lockers import domain
from services.parcel_lockers.tests.test_api import BASE
from services.parcel_lockers.tests.test_parcels import OTHER_PHONE, PHONE, Station, wait_for
from services.parcel_lockers.tools import tools_of
from testkit.service import SAINT_DENIS, assert_problem, bearer

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


# -- idempotent endpoints under concurrent twins -------------------------------------------------


async def _door_events(station: Station, events: list[dict[str, Any]]) -> httpx.Response:
    return await station.http.post(
        f"{BASE}/banks/A/door-events", json={"events": events}, headers=bearer(station.controller_token())
    )


async def _qr_opened(station: Station, parcel: dict[str, Any], **token_args: Any) -> dict[str, Any]:
    tools = tools_of(station.service.app.state.runtime)
    token, _ = tools.signer.issue(
        parcel_id=parcel["id"],
        compartment=parcel["compartment"],
        bank_code="A",
        station_id=SAINT_DENIS,
        **token_args,
    )
    return {
        "id": uuid.uuid4().hex,
        "kind": "opened",
        "compartment": parcel["compartment"],
        "at": utcnow().isoformat(),
        "token": token,
    }


TWINS = 4


async def test_the_same_journal_posted_four_times_at_once_counts_once(station: Station):
    answers: list[httpx.Response] = []
    for round_ in range(5):
        parcel, _ = await station.ready_parcel(f"CP-TWIN-{round_}")
        opened = await _qr_opened(station, parcel)
        closed = {**opened, "id": uuid.uuid4().hex, "kind": "closed", "token": None}
        body = [opened, closed]
        posted = await asyncio.gather(*(_door_events(station, body) for _ in range(TWINS)))
        answers += posted
        assert [a.status_code for a in posted] == [200] * TWINS, [a.text for a in posted]
        for index in range(2):
            outcomes = sorted(a.json()["results"][index]["outcome"] for a in posted)
            assert outcomes == ["applied"] + ["duplicate"] * (TWINS - 1)
            assert {a.json()["results"][index].get("first_outcome") for a in posted} == {None, "applied"}
        assert (await station.parcel(parcel["id"]))["status"] == "collected"
    assert len(answers) == 20
    openings = (await station.http.get(f"{BASE}/openings", headers=bearer(station.keys.operator()))).json()
    assert sum(1 for o in openings["items"] if o["method"] == "qr") == 5
    assert not station.events_of("token_replayed")


async def test_a_repeated_refused_event_is_answered_its_first_refusal(station: Station):
    event = {"id": uuid.uuid4().hex, "kind": "closed", "compartment": "A01", "at": utcnow().isoformat()}
    first = (await _door_events(station, [event])).json()["results"][0]
    assert first == {
        "id": event["id"],
        "outcome": "refused",
        "detail": "no open door there",
        "first_outcome": None,
    }
    again = (await _door_events(station, [event])).json()["results"][0]
    assert again == {**first, "outcome": "duplicate", "first_outcome": "refused"}


async def test_concurrent_twin_deposits_are_one_parcel(station: Station):
    answers = await asyncio.gather(*(station.deposit("CP-TWIN-DEPOSIT") for _ in range(TWINS)))
    assert sorted(a.status_code for a in answers) == [200] * (TWINS - 1) + [201], [a.text for a in answers]
    assert len({a.json()["parcel"]["id"] for a in answers}) == 1


async def test_a_crowd_of_couriers_at_one_bank_fills_it_and_no_one_gives_up(station: Station):
    # Bank A has five compartments: six couriers at once get five of them and one `sizes-full`,
    # never a `compartment-changed` for having lost the race to the same door too often.
    answers = await asyncio.gather(*(station.deposit(f"CP-CROWD-{n}") for n in range(6)))
    assert sorted(a.status_code for a in answers) == [201] * 5 + [409], [a.text for a in answers]
    assert next(a for a in answers if a.status_code == 409).json()["type"].endswith("sizes-full")
    assert len({a.json()["parcel"]["compartment"] for a in answers if a.status_code == 201}) == 5


async def test_concurrent_twin_shipments_book_one_compartment(station: Station):
    body = {"bank": "A", "carrier": "colissimo", "carrier_reference": "RET-TWIN", "size": "S"}
    answers = await asyncio.gather(
        *(
            station.http.post(f"{BASE}/shipments", json=body, headers=station.traveller())
            for _ in range(TWINS)
        )
    )
    assert sorted(a.status_code for a in answers) == [201] + [409] * (TWINS - 1), [a.text for a in answers]
    for refused in (a for a in answers if a.status_code == 409):
        assert_problem(refused, 409, "duplicate-reference")
    board = (await station.http.get(f"{BASE}/availability/A")).json()
    assert board["availability"]["S"]["free"] == 1  # bank A has two S compartments: one booked


# -- a door opened with an expired token ------------------------------------------------------------


async def test_a_door_opened_after_its_token_expired_is_refused_with_the_reason(station: Station):
    parcel, _ = await station.ready_parcel("CP-EXPIRED-TOKEN")
    ttl = tools_of(station.service.app.state.runtime).signer.ttl
    late = await _qr_opened(station, parcel, now=time.time() - ttl - 30)
    result = (await _door_events(station, [late])).json()["results"][0]
    assert result["outcome"] == "refused", result
    assert "expired" in result["detail"]
    after = await station.parcel(parcel["id"])
    assert after["status"] == "ready" and after["door_open"] is False
    openings = (await station.http.get(f"{BASE}/openings", headers=bearer(station.keys.operator()))).json()
    assert [o["outcome"] for o in openings["items"] if o["method"] == "qr"] == ["refused"]
    # Within the token's life (the controller's clock a little behind) it is applied.
    in_time = await _qr_opened(station, parcel, now=time.time() - ttl + 2)
    assert (await _door_events(station, [in_time])).json()["results"][0]["outcome"] == "applied"


# -- who may see which parcel -----------------------------------------------------------------------

CALLERS = ("courier-of-its-carrier", "courier-of-another-carrier", "operator", "recipient", "other-traveller")
# Who may see a parcel of colissimo sent to PHONE; the others are told it does not exist.
SEES = {"courier-of-its-carrier", "operator", "recipient"}


def _caller(station: Station, who: str) -> dict[str, str]:
    return {
        "courier-of-its-carrier": bearer(station.keys.courier(carrier="colissimo")),
        "courier-of-another-carrier": bearer(station.keys.courier(carrier="chronopost")),
        "operator": bearer(station.keys.operator()),
        "recipient": station.traveller(PHONE),
        "other-traveller": station.traveller(OTHER_PHONE),
    }[who]


# Every route that names a parcel: (method, path after /parcels/{id}, body).
PARCEL_ROUTES = (
    ("GET", "", None),
    ("POST", "/open", {"presence_code": "000000"}),
    ("POST", "/door-closed", None),
    ("POST", "/unlock-tokens", None),
    ("GET", "/qr.png", None),
)


def _answer(response: httpx.Response) -> tuple[int, str]:
    is_problem = response.headers.get("content-type", "").startswith("application/problem+json")
    return response.status_code, response.json()["type"] if is_problem else ""


@pytest.mark.parametrize("who", CALLERS)
async def test_a_parcel_is_visible_only_to_whom_it_concerns(station: Station, who: str):
    parcel, _ = await station.ready_parcel("CP-SEE", phone=PHONE)
    missing = "0" * 32
    headers = _caller(station, who)
    for method, tail, body in PARCEL_ROUTES:
        real = await station.http.request(
            method, f"{BASE}/parcels/{parcel['id']}{tail}", json=body, headers=headers
        )
        absent = await station.http.request(
            method, f"{BASE}/parcels/{missing}{tail}", json=body, headers=headers
        )
        assert real.status_code < 500 and absent.status_code < 500
        if who in SEES:
            assert _answer(real) != _answer(absent) or real.status_code in (401, 403), (
                method,
                tail,
                real.text,
            )
        else:
            # Nothing about the parcel leaks: the same answer as for a parcel that does not exist.
            assert _answer(real) == _answer(absent), (method, tail, real.text)
        if real.status_code == 200 and real.headers["content-type"].startswith("application/json"):
            shown = real.json().get("recipient_phone")
            assert shown == (PHONE if who == "operator" else PHONE[:3] + "*" * (len(PHONE) - 5) + PHONE[-2:])
    listed = await station.http.get(f"{BASE}/parcels", headers=headers)
    mine = await station.http.get(f"{BASE}/parcels/mine", headers=headers)
    seen_in_lists = {
        p["id"] for page in (listed, mine) if page.status_code == 200 for p in page.json()["items"]
    }
    assert (parcel["id"] in seen_in_lists) == (who in SEES)
    for page in (listed, mine):
        for item in page.json().get("items", []) if page.status_code == 200 else []:
            assert (item["recipient_phone"] == PHONE) == (who == "operator")


async def test_a_courier_deposits_and_takes_back_its_own_carriers_parcels_only(station: Station):
    body = {
        "bank": "A",
        "carrier": "colissimo",
        "carrier_reference": "CP-OWN",
        "size": "S",
        "recipient_phone": PHONE,
    }
    other = bearer(station.keys.courier(carrier="chronopost"))
    assert_problem(
        await station.http.post(f"{BASE}/deposits", json=body, headers=other), 403, "other-carrier"
    )
    bulk = await station.http.post(f"{BASE}/deposits/bulk", json={"parcels": [body]}, headers=other)
    assert bulk.json()["results"][0]["problem"] == "other-carrier"
    assert (await station.http.get(f"{BASE}/parcels", headers=bearer(station.keys.operator()))).json()[
        "items"
    ] == []
    # A courier token without a carrier (an old token) sees and deposits nothing.
    no_carrier = bearer(station.keys.token(role="courier", stations=[SAINT_DENIS], subject="courier:old"))
    assert_problem(
        await station.http.post(f"{BASE}/deposits", json=body, headers=no_carrier), 403, "other-carrier"
    )
    deposited = await station.http.post(
        f"{BASE}/deposits", json=body, headers=_caller(station, "courier-of-its-carrier")
    )
    assert deposited.status_code == 201, deposited.text
    assert (await station.http.get(f"{BASE}/parcels", headers=no_carrier)).json()["items"] == []


# -- one rule for phone numbers ---------------------------------------------------------------------


async def test_a_number_typed_the_french_way_reaches_the_recipient_signed_in_with_it(station: Station):
    deposited = await station.deposit("CP-PHONE-FR", phone="06 12 34 56 78")
    assert deposited.status_code == 201, deposited.text
    parcel = deposited.json()["parcel"]
    assert (await station.parcel(parcel["id"]))["recipient_phone"] == PHONE
    mine = await station.http.get(f"{BASE}/parcels/mine", headers=station.traveller(PHONE))
    assert parcel["id"] in {p["id"] for p in mine.json()["items"]}
    assert_problem(await station.deposit("CP-PHONE-BAD", phone="06 12"), 422)
