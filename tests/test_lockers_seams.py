"""Trust at the seams of parcel_lockers, end to end on each database backend: couriers belong to a
carrier (the gateway puts the account's carrier in its tokens, at sign-in and at every refresh;
parcel_lockers shows and opens that carrier's parcels only), and idempotent endpoints answer
concurrent twins without a 500."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from deploy.embedded.stack import StationStack
from testkit.auth import claims_of, password_sign_in, phone_sign_in, refresh
from testkit.stack import SAINT_DENIS, assert_problem, bearer
from tests.test_lockers_flows import BASE, answering_controller, deposit, new_phone


@pytest.fixture(scope="module")
def answering(stack: StationStack) -> str:
    """Bank A's simulated controller answers door commands."""
    return answering_controller(stack)


@pytest.mark.usefixtures("answering")
def test_a_couriers_token_names_its_carrier_and_sees_only_its_parcels(gateway, tokens):
    colissimo, mondial = tokens.courier("colissimo"), tokens.courier("mondial-relay")
    assert claims_of(colissimo)["carrier"] == "colissimo"
    assert claims_of(mondial)["carrier"] == "mondial-relay"
    phone = new_phone()
    parcel = deposit(gateway, colissimo, phone, f"E2E-CAR-{uuid.uuid4().hex[:8]}")
    assert parcel["recipient_phone"] != phone and parcel["recipient_phone"].endswith(phone[-2:])

    seen = httpx.get(f"{gateway}{BASE}/parcels", params={"limit": 200}, headers=bearer(colissimo)).json()
    assert parcel["id"] in {p["id"] for p in seen["items"]}
    assert {p["carrier"] for p in seen["items"]} == {"colissimo"}
    other = httpx.get(f"{gateway}{BASE}/parcels", params={"limit": 200}, headers=bearer(mondial)).json()
    assert parcel["id"] not in {p["id"] for p in other["items"]}
    assert_problem(
        httpx.get(f"{gateway}{BASE}/parcels/{parcel['id']}", headers=bearer(mondial)), 404, "unknown-parcel"
    )
    whole = httpx.get(f"{gateway}{BASE}/parcels/{parcel['id']}", headers=bearer(tokens.operator())).json()
    assert whole["recipient_phone"] == phone


def test_admins_give_each_courier_a_carrier_which_its_tokens_carry(gateway, tokens):
    admin = bearer(tokens.admin())
    username, password = f"courier-{uuid.uuid4().hex[:8]}", "correct horse battery"
    body = {
        "username": username,
        "password": password,
        "role": "courier",
        "stations": [SAINT_DENIS],
    }
    refused = httpx.post(f"{gateway}/auth/accounts", json=body, headers=admin)
    assert_problem(refused, 422)
    assert "carrier" in refused.text
    assert_problem(
        httpx.post(
            f"{gateway}/auth/accounts",
            json={**body, "role": "operator", "carrier": "dhl"},
            headers=admin,
        ),
        422,
    )
    created = httpx.post(f"{gateway}/auth/accounts", json={**body, "carrier": "dhl"}, headers=admin)
    assert created.status_code == 201, created.text
    assert created.json()["carrier"] == "dhl"
    signed_in = password_sign_in(gateway, username, password)
    assert claims_of(signed_in["access_token"])["carrier"] == "dhl"
    refreshed = refresh(gateway, signed_in["refresh_token"])
    assert claims_of(refreshed.json()["access_token"])["carrier"] == "dhl"
    # Another carrier is another job: the sign-ins end, the next one carries the new carrier.
    moved = httpx.patch(f"{gateway}/auth/accounts/{username}", json={"carrier": "ups"}, headers=admin)
    assert moved.status_code == 200 and moved.json()["carrier"] == "ups", moved.text
    assert refresh(gateway, refreshed.json()["refresh_token"]).status_code == 400
    again = password_sign_in(gateway, username, password)
    assert claims_of(again["access_token"])["carrier"] == "ups"


TWINS = 4


def at_once(calls: list) -> list[httpx.Response]:
    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(lambda call: call(), calls))


@pytest.mark.usefixtures("answering")
def test_twin_journals_and_twin_bookings_never_fail(gateway, tokens):
    courier, device = tokens.courier(), bearer(tokens.device("locker_controller"))
    parcel = deposit(gateway, courier, new_phone(), f"E2E-TWIN-{uuid.uuid4().hex[:8]}")
    event = {
        "id": uuid.uuid4().hex,
        "kind": "closed",
        "compartment": parcel["compartment"],
        "at": "2026-12-07T12:00:00Z",
    }
    answers = at_once(
        [
            lambda: httpx.post(
                f"{gateway}{BASE}/banks/A/door-events", json={"events": [event]}, headers=device, timeout=15
            )
            for _ in range(TWINS)
        ]
    )
    assert [a.status_code for a in answers] == [200] * TWINS, [a.text for a in answers]
    results = [a.json()["results"][0] for a in answers]
    # The simulated controller may have reported the door closed first: applied or refused, once.
    first = [r for r in results if r["outcome"] != "duplicate"]
    assert len(first) == 1, results
    assert {r["first_outcome"] for r in results if r["outcome"] == "duplicate"} == {first[0]["outcome"]}

    traveller = phone_sign_in(gateway, new_phone())["access_token"]
    booking = {
        "bank": "A",
        "carrier": "mondial-relay",
        "carrier_reference": f"E2E-RET-{uuid.uuid4().hex[:8]}",
        "size": "S",
    }
    booked = at_once(
        [
            lambda: httpx.post(
                f"{gateway}{BASE}/shipments", json=booking, headers=bearer(traveller), timeout=15
            )
            for _ in range(TWINS)
        ]
    )
    assert sorted(b.status_code for b in booked) == [201] + [409] * (TWINS - 1), [b.text for b in booked]
