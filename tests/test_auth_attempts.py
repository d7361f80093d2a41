"""Guessing at the gateway: every attempt counter holds under concurrent wrong attempts, and what it
refuses (429, Retry-After) was never checked. Real gateway, Redis and database."""

from __future__ import annotations

import asyncio
import random
import secrets
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest

from deploy.embedded.stack import StationStack
from testkit.auth import PHONE_GRANT, demo_password, request_code
from testkit.stack import SAINT_DENIS, Tokens, assert_problem, bearer, eventually

pytestmark = pytest.mark.e2e

CONCURRENT = 40
AUTH_BURST = 10  # per address, as the default GATEWAY_RATE_LIMIT_AUTH
OTP_MAX_ATTEMPTS = 5  # GATEWAY_OTP_MAX_ATTEMPTS's default
ACCOUNT_LIMIT = CLIENT_LIMIT = 5  # GATEWAY_ATTEMPTS_ACCOUNT / _CLIENT defaults


def address() -> str:
    """A client address of its own (documentation range), given in X-Forwarded-For."""
    return f"2001:db8:{random.randrange(1 << 16):x}::{random.randrange(1 << 16):x}"


def new_phone() -> str:
    return f"+3375{secrets.randbelow(10**7):07d}"


@pytest.fixture(scope="module")
def guarded(stack: StationStack) -> Iterator[str]:
    """A gateway that believes X-Forwarded-For from 127.0.0.1 (so a test can speak from many
    addresses), with the default per-address limit on sign-ins (that never refills during a test)
    and lockouts long enough that none ends during a test."""
    process, url = stack.start_extra_gateway(
        "gateway-guarded",
        {
            "TRUSTED_PROXIES": "127.0.0.1",
            "RATE_LIMIT_AUTH__PER_SECOND": "0.001",
            "RATE_LIMIT_AUTH__BURST": str(AUTH_BURST),
            "RATE_LIMIT_NAMESPACE": f"guarded{uuid.uuid4().hex[:8]}",
            **{
                f"ATTEMPTS_{kind}__{key}": value
                for kind, limit in (("ACCOUNT", ACCOUNT_LIMIT), ("CLIENT", CLIENT_LIMIT))
                for key, value in {
                    "LIMIT": str(limit),
                    "WINDOW_SECONDS": "900",
                    "LOCKOUT_SECONDS": "600",
                    "MAX_LOCKOUT_SECONDS": "600",
                }.items()
            },
        },
    )
    try:
        yield url
    finally:
        process.stop()


def new_account(gateway: str, tokens: Tokens) -> tuple[str, str]:
    username, password = f"op-{uuid.uuid4().hex[:10]}", secrets.token_urlsafe(16)
    created = httpx.post(
        f"{gateway}/auth/accounts",
        json={"username": username, "password": password, "role": "operator", "stations": [SAINT_DENIS]},
        headers=bearer(tokens.admin()),
    )
    assert created.status_code == 201, created.text
    return username, password


def password_form(username: str, password: str) -> dict[str, str]:
    return {"grant_type": "password", "username": username, "password": password}


async def at_once(
    count: int, attempt: Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]
) -> list[httpx.Response]:
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=count)) as client:
        return list(await asyncio.gather(*(attempt(client, i) for i in range(count))))


def refused_unchecked(response: httpx.Response) -> bool:
    """A 429 that says when to come back: the attempt was refused before anything was checked."""
    if response.status_code != 429:
        return False
    assert_problem(response, 429, "rate-limited")
    assert int(response.headers["retry-after"]) >= 1
    return True


# -- the listed cases ---------------------------------------------------------------------------


def test_forty_concurrent_wrong_codes_spend_the_code_and_the_right_one_no_longer_works(gateway):
    phone = new_phone()
    code = request_code(gateway, phone)
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    async def guess(client: httpx.AsyncClient, _: int) -> httpx.Response:
        return await client.post(
            f"{gateway}/auth/token", data={"grant_type": PHONE_GRANT, "phone_number": phone, "code": wrong}
        )

    answers = asyncio.run(at_once(CONCURRENT, guess))
    checked = [a for a in answers if not refused_unchecked(a)]
    assert 1 <= len(checked) <= OTP_MAX_ATTEMPTS
    assert all(a.status_code == 400 for a in checked)
    right = httpx.post(
        f"{gateway}/auth/token", data={"grant_type": PHONE_GRANT, "phone_number": phone, "code": code}
    )
    assert right.status_code != 200, right.text
    # A new code starts afresh.
    fresh = request_code(gateway, phone)
    signed_in = httpx.post(
        f"{gateway}/auth/token", data={"grant_type": PHONE_GRANT, "phone_number": phone, "code": fresh}
    )
    assert signed_in.status_code == 200, signed_in.text


def test_wrong_passwords_from_many_addresses_lock_the_account_not_just_the_addresses(guarded, tokens):
    username, password = new_account(guarded, tokens)
    statuses = [
        httpx.post(
            f"{guarded}/auth/token",
            data=password_form(username, "not-the-password"),
            headers={"X-Forwarded-For": source},
        ).status_code
        for source in [address() for _ in range(5)]
        for _ in range(10)
    ]
    assert statuses[:ACCOUNT_LIMIT] == [400] * ACCOUNT_LIMIT
    assert set(statuses[ACCOUNT_LIMIT:]) == {429}
    sixth = httpx.post(
        f"{guarded}/auth/token",
        data=password_form(username, password),
        headers={"X-Forwarded-For": address()},
    )
    assert refused_unchecked(sixth)
    assert int(sixth.headers["retry-after"]) <= 600


def test_a_right_password_clears_the_failures(stack, gateway, tokens):
    username, password = new_account(gateway, tokens)
    for _ in range(ACCOUNT_LIMIT - 1):
        assert httpx.post(f"{gateway}/auth/token", data=password_form(username, "nope")).status_code == 400
    assert httpx.post(f"{gateway}/auth/token", data=password_form(username, password)).status_code == 200
    # Counting starts again: as many mistakes as before are still allowed.
    for _ in range(ACCOUNT_LIMIT - 1):
        assert httpx.post(f"{gateway}/auth/token", data=password_form(username, "nope")).status_code == 400
    assert httpx.post(f"{gateway}/auth/token", data=password_form(username, password)).status_code == 200


def test_the_real_user_is_kept_out_only_for_the_lockout(gateway, tokens):
    """With the default lockouts (1 s doubling, capped at a minute), the user who waits Retry-After
    gets in, even after a burst of wrong guesses."""
    username, password = new_account(gateway, tokens)
    guesses = (httpx.post(f"{gateway}/auth/token", data=password_form(username, "nope")) for _ in range(50))
    locked = next(a for a in guesses if a.status_code == 429)
    assert refused_unchecked(locked)
    assert int(locked.headers["retry-after"]) <= 60

    def signed_in() -> bool | None:
        answer = httpx.post(f"{gateway}/auth/token", data=password_form(username, password))
        return True if answer.status_code == 200 else None

    eventually(signed_in, timeout=90, interval=1)


def test_a_device_with_a_revoked_secret_is_refused_without_a_check_once_throttled(guarded):
    client_id = f"screen-revoked-{uuid.uuid4().hex[:8]}"
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": "revoked"}
    answers = [httpx.post(f"{guarded}/auth/token", data=form) for _ in range(CLIENT_LIMIT + 5)]
    assert [a.status_code for a in answers[:CLIENT_LIMIT]] == [401] * CLIENT_LIMIT
    assert all(refused_unchecked(a) for a in answers[CLIENT_LIMIT:])


def test_demo_sign_ins_still_work(stack, gateway):
    # The counters are per account and per device: nobody else is locked out by the tests above.
    username = f"operator-{SAINT_DENIS}"
    answer = httpx.post(f"{gateway}/auth/token", data=password_form(username, demo_password(stack, username)))
    assert answer.status_code == 200, answer.text


# -- the class: every attempt counter of the gateway, under concurrent wrong attempts ----------


@dataclass(frozen=True)
class Counter:
    """One counter: how a wrong attempt is made, what a checked one answers, how many may be checked."""

    name: str
    limit: int
    checked_status: int
    # (gateway url, tokens) -> a coroutine making wrong attempt number i
    prepare: Callable[[str, str, Tokens], Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]]


def _otp(guarded: str, gateway: str, tokens: Tokens):
    phone = new_phone()
    code = request_code(gateway, phone)
    wrong = f"{(int(code) + 7) % 10**6:06d}"
    form = {"grant_type": PHONE_GRANT, "phone_number": phone, "code": wrong}
    return lambda client, i: client.post(
        f"{guarded}/auth/token", data=form, headers={"X-Forwarded-For": address()}
    )


def _password_per_address(guarded: str, gateway: str, tokens: Tokens):
    source = address()
    return lambda client, i: client.post(
        f"{guarded}/auth/token",
        data=password_form(f"nobody-{uuid.uuid4().hex[:8]}", "guess"),
        headers={"X-Forwarded-For": source},
    )


def _password_per_account(guarded: str, gateway: str, tokens: Tokens):
    username, _ = new_account(gateway, tokens)
    return lambda client, i: client.post(
        f"{guarded}/auth/token",
        data=password_form(username, f"guess-{i}"),
        headers={"X-Forwarded-For": address()},
    )


def _client_credentials(guarded: str, gateway: str, tokens: Tokens):
    client_id = f"kiosk-{uuid.uuid4().hex[:8]}"
    return lambda client, i: client.post(
        f"{guarded}/auth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": f"guess-{i}"},
        headers={"X-Forwarded-For": address()},
    )


def _pairing_codes(guarded: str, gateway: str, tokens: Tokens):
    operator = tokens.operator()
    alphabet = "BCDFGHJKLMNPQRSTVWXZ"

    def claim(client: httpx.AsyncClient, i: int) -> Awaitable[httpx.Response]:
        code = "".join(random.choice(alphabet) for _ in range(8))
        body = {"user_code": code, "station": SAINT_DENIS, "kind": "screen", "binding": f"hall-{i}"}
        return client.post(f"{guarded}/auth/devices/claim", json=body, headers=bearer(operator))

    return claim


COUNTERS = [
    Counter("one-time code, per phone number", OTP_MAX_ATTEMPTS, 400, _otp),
    Counter("password, per address", AUTH_BURST, 400, _password_per_address),
    Counter("password, per account", ACCOUNT_LIMIT, 400, _password_per_account),
    Counter("client credentials, per client", CLIENT_LIMIT, 401, _client_credentials),
    Counter("pairing codes, per operator", AUTH_BURST, 404, _pairing_codes),
]


@pytest.mark.parametrize("counter", COUNTERS, ids=lambda c: c.name)
def test_concurrent_wrong_attempts_are_checked_at_most_the_limit(guarded, gateway, tokens, counter):
    attempt = counter.prepare(guarded, gateway, tokens)
    answers = asyncio.run(at_once(CONCURRENT, attempt))
    checked = [a for a in answers if not refused_unchecked(a)]
    assert 1 <= len(checked) <= counter.limit, [a.status_code for a in answers]
    assert {a.status_code for a in checked} == {counter.checked_status}, [a.text for a in checked]
