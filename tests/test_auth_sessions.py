"""Sign-ins that last: rotating, revocable refresh tokens, sign-out, accounts, OAuth metadata."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from testkit.auth import (
    claims_of,
    demo_password,
    operator_sign_in,
    password_sign_in,
    phone_sign_in,
    refresh,
)
from testkit.stack import SAINT_DENIS, VILLEJUIF, assert_problem, bearer, eventually

pytestmark = pytest.mark.e2e
LOCKERS = f"/api/v1/stations/{SAINT_DENIS}/lockers/banks"


def test_a_staff_sign_in_rotates_its_refresh_token_at_each_use(stack, gateway):
    first = operator_sign_in(stack, gateway)
    assert first["refresh_token"] and first["refresh_token_expires_in"] > 0
    sid = claims_of(first["access_token"])["sid"]

    second = refresh(gateway, first["refresh_token"])
    assert second.status_code == 200, second.text
    assert second.headers["cache-control"] == "no-store"
    body = second.json()
    assert body["refresh_token"] != first["refresh_token"]
    claims = claims_of(body["access_token"])
    assert claims["sid"] == sid
    assert claims["role"] == "operator" and claims["stations"] == [SAINT_DENIS]
    assert claims["scope"] == "station:operate"
    # The refreshed access token works through the gateway and at the service.
    assert httpx.get(f"{gateway}{LOCKERS}", headers=bearer(body["access_token"])).status_code == 200

    third = refresh(gateway, body["refresh_token"])
    assert third.status_code == 200
    assert claims_of(third.json()["access_token"])["sid"] == sid


def test_reusing_a_spent_refresh_token_revokes_the_whole_sign_in(stack, gateway):
    first = operator_sign_in(stack, gateway)
    rotated = refresh(gateway, first["refresh_token"]).json()
    # Someone replays the spent token (a thief, or a client that did not keep the new one).
    replay = refresh(gateway, first["refresh_token"])
    body = assert_problem(replay, 400, "oauth-invalid-grant")
    assert body["error"] == "invalid_grant" and "already used" in body["detail"]
    # The legitimate holder's newer token is dead too: the family is revoked.
    assert_problem(refresh(gateway, rotated["refresh_token"]), 400, "oauth-invalid-grant")
    # Another sign-in of the same person is untouched.
    other = operator_sign_in(stack, gateway)
    assert refresh(gateway, other["refresh_token"]).status_code == 200


def test_two_racing_refreshes_with_one_token_cannot_both_win(stack, gateway):
    first = operator_sign_in(stack, gateway)
    with ThreadPoolExecutor(4) as pool:
        responses = list(pool.map(lambda _: refresh(gateway, first["refresh_token"]), range(4)))
    winners = [r for r in responses if r.status_code == 200]
    assert len(winners) == 1
    assert sorted(r.status_code for r in responses) == [200, 400, 400, 400]
    # A second use happened, so the family is revoked: the winner's token does not refresh either.
    assert refresh(gateway, winners[0].json()["refresh_token"]).status_code == 400


def test_a_traveller_stays_signed_in_with_the_phone_code_grant(gateway):
    signed_in = phone_sign_in(gateway, "+33611223344")
    first = claims_of(signed_in["access_token"])
    assert first["scope"] == "parcels:collect parcels:send"
    refreshed = refresh(gateway, signed_in["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    claims = claims_of(refreshed.json()["access_token"])
    assert claims["sub"] == first["sub"] and claims["phone_number"] == "+33611223344"
    assert claims["role"] == "traveller" and claims["stations"] == "*"
    assert claims["scope"] == "parcels:collect parcels:send"


def test_a_client_may_ask_for_fewer_scopes_never_more(stack, gateway):
    password = demo_password(stack, "admin")
    narrow = password_sign_in(gateway, "admin", password, scope="station:operate")
    assert narrow["scope"] == claims_of(narrow["access_token"])["scope"] == "station:operate"
    # The sign-in keeps the narrower scope when it refreshes, and cannot widen it.
    refreshed = refresh(gateway, narrow["refresh_token"])
    assert claims_of(refreshed.json()["access_token"])["scope"] == "station:operate"
    wider = refresh(gateway, refreshed.json()["refresh_token"], scope="station:operate network:admin")
    assert assert_problem(wider, 400, "oauth-invalid-scope")["error"] == "invalid_scope"
    too_much = httpx.post(
        f"{gateway}/auth/token",
        data={
            "grant_type": "password",
            "username": "admin",
            "password": password,
            "scope": "lockers:control",
        },
    )
    assert_problem(too_much, 400, "oauth-invalid-scope")


def test_revoking_a_refresh_token_ends_the_sign_in(stack, gateway):
    signed_in = operator_sign_in(stack, gateway)
    revoked = httpx.post(
        f"{gateway}/auth/revoke",
        data={"token": signed_in["refresh_token"], "token_type_hint": "refresh_token"},
    )
    assert revoked.status_code == 200
    body = assert_problem(refresh(gateway, signed_in["refresh_token"]), 400, "oauth-invalid-grant")
    assert "ended" in body["detail"]
    # RFC 7009 §2.2: an unknown or already revoked token is answered 200 as well.
    assert httpx.post(f"{gateway}/auth/revoke", data={"token": "not-a-token"}).status_code == 200
    assert httpx.post(f"{gateway}/auth/revoke", data={"token": signed_in["refresh_token"]}).status_code == 200
    assert_problem(httpx.post(f"{gateway}/auth/revoke", data={}), 400, "oauth-invalid-request")


def test_revoking_an_access_token_ends_the_sign_in_it_came_from(stack, gateway):
    signed_in = operator_sign_in(stack, gateway)
    assert httpx.post(f"{gateway}/auth/revoke", data={"token": signed_in["access_token"]}).status_code == 200
    assert_problem(refresh(gateway, signed_in["refresh_token"]), 400, "oauth-invalid-grant")


def test_sign_out_here_or_everywhere(gateway):
    phone = "+33699887766"
    here, there = phone_sign_in(gateway, phone), phone_sign_in(gateway, phone)
    listed = httpx.get(f"{gateway}/auth/sessions", headers=bearer(here["access_token"]))
    assert listed.status_code == 200
    mine = {s["id"]: s for s in listed.json()["items"]}
    here_sid, there_sid = claims_of(here["access_token"])["sid"], claims_of(there["access_token"])["sid"]
    assert {here_sid, there_sid} <= set(mine)
    assert mine[here_sid]["current"] and not mine[there_sid]["current"]
    # One at a time, newest first, each once.
    first = httpx.get(f"{gateway}/auth/sessions", params={"limit": 1}, headers=bearer(here["access_token"]))
    second = httpx.get(
        f"{gateway}/auth/sessions",
        params={"limit": 1, "cursor": first.json()["next_cursor"]},
        headers=bearer(here["access_token"]),
    ).json()
    assert [s["id"] for s in first.json()["items"] + second["items"]] == [there_sid, here_sid]

    assert httpx.post(f"{gateway}/auth/logout", headers=bearer(here["access_token"])).status_code == 204
    assert_problem(refresh(gateway, here["refresh_token"]), 400, "oauth-invalid-grant")
    assert refresh(gateway, there["refresh_token"]).status_code == 200  # the other phone stays signed in

    third = phone_sign_in(gateway, phone)
    out = httpx.post(
        f"{gateway}/auth/logout", params={"everywhere": "true"}, headers=bearer(third["access_token"])
    )
    assert out.status_code == 204
    left = httpx.get(f"{gateway}/auth/sessions", headers=bearer(third["access_token"])).json()
    assert left == {"items": [], "next_cursor": None}
    assert_problem(httpx.post(f"{gateway}/auth/logout"), 401, "unauthorized")


def test_ending_one_sign_in_of_mine_but_not_someone_elses(stack, gateway):
    mine, theirs = operator_sign_in(stack, gateway), phone_sign_in(gateway, "+33655443322")
    their_sid = claims_of(theirs["access_token"])["sid"]
    refused = httpx.delete(f"{gateway}/auth/sessions/{their_sid}", headers=bearer(mine["access_token"]))
    assert_problem(refused, 404, "unknown-session")
    ended = httpx.delete(f"{gateway}/auth/sessions/{their_sid}", headers=bearer(theirs["access_token"]))
    assert ended.status_code == 204
    assert_problem(refresh(gateway, theirs["refresh_token"]), 400, "oauth-invalid-grant")


@pytest.fixture
def admin_headers(tokens):
    return bearer(tokens.admin())


def new_account(gateway: str, admin_headers: dict[str, str], **fields: object) -> dict:
    body = {
        "username": f"op-{uuid.uuid4().hex[:8]}",
        "password": "correct horse battery",
        "role": "operator",
        "stations": [SAINT_DENIS],
        **fields,
    }
    response = httpx.post(f"{gateway}/auth/accounts", json=body, headers=admin_headers)
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"/auth/accounts/{body['username']}"
    return body


def test_a_disabled_account_cannot_refresh_nor_sign_in(gateway, admin_headers):
    account = new_account(gateway, admin_headers)
    signed_in = password_sign_in(gateway, account["username"], account["password"])
    disabled = httpx.patch(
        f"{gateway}/auth/accounts/{account['username']}", json={"disabled": True}, headers=admin_headers
    )
    assert disabled.status_code == 200 and disabled.json()["disabled"] is True
    assert_problem(refresh(gateway, signed_in["refresh_token"]), 400, "oauth-invalid-grant")
    wrong = httpx.post(
        f"{gateway}/auth/token",
        data={"grant_type": "password", "username": account["username"], "password": account["password"]},
    )
    assert_problem(wrong, 400, "oauth-invalid-grant")
    # Enabled again, the person signs in anew; the old sign-in stays ended.
    httpx.patch(
        f"{gateway}/auth/accounts/{account['username']}", json={"disabled": False}, headers=admin_headers
    )
    assert password_sign_in(gateway, account["username"], account["password"])["access_token"]
    assert refresh(gateway, signed_in["refresh_token"]).status_code == 400


def test_station_changes_reach_the_next_refresh(gateway, admin_headers):
    account = new_account(gateway, admin_headers)
    signed_in = password_sign_in(gateway, account["username"], account["password"])
    moved = httpx.patch(
        f"{gateway}/auth/accounts/{account['username']}",
        json={"stations": [SAINT_DENIS, VILLEJUIF]},
        headers=admin_headers,
    )
    assert moved.status_code == 200
    refreshed = refresh(gateway, signed_in["refresh_token"])
    assert claims_of(refreshed.json()["access_token"])["stations"] == sorted([SAINT_DENIS, VILLEJUIF])
    # A new password ends every sign-in of the account.
    httpx.patch(
        f"{gateway}/auth/accounts/{account['username']}",
        json={"password": "another long passphrase"},
        headers=admin_headers,
    )
    assert refresh(gateway, refreshed.json()["refresh_token"]).status_code == 400


def test_admins_manage_staff_accounts(gateway, admin_headers, tokens):
    created = new_account(gateway, admin_headers, role="courier", stations=[VILLEJUIF], carrier="dhl")
    username = created["username"]
    one = httpx.get(f"{gateway}/auth/accounts/{username}", headers=admin_headers).json()
    assert one["role"] == "courier" and one["stations"] == [VILLEJUIF] and "password" not in str(one)

    first = httpx.get(f"{gateway}/auth/accounts", params={"limit": 2}, headers=admin_headers).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = httpx.get(
        f"{gateway}/auth/accounts",
        params={"cursor": first["next_cursor"], "limit": 200},
        headers=admin_headers,
    ).json()
    names = [a["username"] for a in first["items"] + rest["items"]]
    assert names == sorted(names) and username in names and len(set(names)) == len(names)
    couriers = httpx.get(
        f"{gateway}/auth/accounts", params={"role": "courier", "station": VILLEJUIF}, headers=admin_headers
    ).json()["items"]
    assert username in [a["username"] for a in couriers] and {a["role"] for a in couriers} == {"courier"}
    garbage = httpx.get(f"{gateway}/auth/accounts", params={"cursor": "not-ours"}, headers=admin_headers)
    assert_problem(garbage, 400, "invalid-cursor")

    duplicate = httpx.post(f"{gateway}/auth/accounts", json=created, headers=admin_headers)
    assert_problem(duplicate, 409, "username-taken")
    weak = httpx.post(
        f"{gateway}/auth/accounts",
        json={**created, "username": "weak-one", "password": "short"},
        headers=admin_headers,
    )
    assert assert_problem(weak, 422, "validation-error")["errors"][0]["field"] == "password"
    stationless = httpx.post(
        f"{gateway}/auth/accounts",
        json={**created, "username": "nowhere", "stations": []},
        headers=admin_headers,
    )
    assert assert_problem(stationless, 422)["errors"][0]["field"] == "stations"
    operator = httpx.get(f"{gateway}/auth/accounts", headers=bearer(tokens.operator()))
    assert_problem(operator, 403, "forbidden")

    assert httpx.delete(f"{gateway}/auth/accounts/{username}", headers=admin_headers).status_code == 204
    assert_problem(
        httpx.get(f"{gateway}/auth/accounts/{username}", headers=admin_headers), 404, "unknown-account"
    )


def test_sign_ins_end_after_their_idle_and_absolute_lifetimes(stack):
    # Seconds, with margins of 2 s either side: the machine is shared and slow at times.
    process, url = stack.start_extra_gateway(
        "gateway-short-sessions", {"SESSION_STAFF__IDLE_SECONDS": "4", "SESSION_STAFF__MAX_SECONDS": "8"}
    )
    try:
        idle = operator_sign_in(stack, url)
        assert idle["refresh_token_expires_in"] <= 4
        time.sleep(4.5)
        body = assert_problem(refresh(url, idle["refresh_token"]), 400, "oauth-invalid-grant")
        assert "expired" in body["detail"]

        token = operator_sign_in(stack, url)["refresh_token"]
        signed_in_at = time.monotonic()  # after the answer: the sign-in began before this
        for _ in range(3):  # refreshed every 2 s, it outlives the idle lifetime...
            time.sleep(2)
            response = refresh(url, token)
            assert response.status_code == 200, response.text
            token = response.json()["refresh_token"]
        time.sleep(max(0.0, 8.5 - (time.monotonic() - signed_in_at)))  # ...but not the absolute one
        assert_problem(refresh(url, token), 400, "oauth-invalid-grant")
    finally:
        process.stop()


def test_the_gateway_publishes_its_oauth_metadata(gateway, tokens):
    response = httpx.get(f"{gateway}/.well-known/oauth-authorization-server")
    assert response.status_code == 200
    document = response.json()
    assert document["issuer"] == claims_of(tokens.operator())["iss"]
    assert document["token_endpoint"] == f"{gateway}/auth/token"
    assert document["revocation_endpoint"] == f"{gateway}/auth/revoke"
    assert document["device_authorization_endpoint"] == f"{gateway}/auth/device_authorization"
    assert set(document["grant_types_supported"]) == {
        "password",
        "client_credentials",
        "refresh_token",
        "urn:ietf:params:oauth:grant-type:device_code",
        "urn:gare-numerique:params:oauth:grant-type:phone-otp",
    }
    assert {"station:operate", "signage:play", "parcels:collect", "network:admin"} <= set(
        document["scopes_supported"]
    )
    # Every endpoint it names answers.
    assert httpx.get(document["jwks_uri"]).json()["keys"]
    assert httpx.post(document["token_endpoint"], data={}).json()["error"] == "invalid_request"
    assert httpx.post(document["revocation_endpoint"], data={"token": "x"}).status_code == 200
    assert httpx.post(document["device_authorization_endpoint"]).status_code == 200


def test_without_redis_codes_are_unavailable_but_sign_ins_and_refreshes_go_on(stack, gateway):
    signed_in = operator_sign_in(stack, gateway)
    assert stack.redis is not None
    stack.redis.stop()
    try:
        otp = httpx.post(f"{gateway}/auth/otp", json={"phone_number": "+33612000000"}, timeout=10)
        assert_problem(otp, 503, "auth-store-unavailable")
        assert otp.headers["retry-after"]
        pairing = httpx.post(f"{gateway}/auth/device_authorization", timeout=10)
        assert_problem(pairing, 503, "auth-store-unavailable")
        # Refresh tokens and passwords live in the database.
        refreshed = refresh(gateway, signed_in["refresh_token"])
        assert refreshed.status_code == 200, refreshed.text
        assert operator_sign_in(stack, gateway)["refresh_token"]
        revoked = httpx.post(f"{gateway}/auth/revoke", data={"token": refreshed.json()["refresh_token"]})
        assert revoked.status_code == 200
    finally:
        stack.redis.start()
        stack.redis.wait_ready()
    eventually(
        lambda: httpx.get(f"{gateway}/readyz", timeout=10).status_code == 200, timeout=30, interval=0.2
    )
    assert_problem(refresh(gateway, refreshed.json()["refresh_token"]), 400, "oauth-invalid-grant")
