"""Pairing screens, kiosks and locker controllers by a code they show (RFC 8628), then unpairing."""

from __future__ import annotations

import re
import time
import uuid

import httpx
import pytest

from testkit.auth import authorize_device, claim, claims_of, poll, refresh
from testkit.stack import SAINT_DENIS, VILLEJUIF, assert_problem, bearer

pytestmark = pytest.mark.e2e
SIGNAGE_SCREENS = f"/api/v1/stations/{SAINT_DENIS}/signage/screens"


def oauth_error(response: httpx.Response) -> str:
    assert response.status_code in (400, 401), response.text
    assert response.headers["cache-control"] == "no-store"
    return response.json()["error"]


def binding() -> str:
    return f"test-{uuid.uuid4().hex[:6]}"


def paired(gateway: str, operator: str, **fields: object) -> dict:
    """A device claimed by the operator and past its first poll: its token response."""
    started = authorize_device(gateway)
    claimed = claim(gateway, operator, started["user_code"], **{"binding": binding(), **fields})
    assert claimed.status_code == 201, claimed.text
    time.sleep(started["interval"])
    response = poll(gateway, started["device_code"])
    assert response.status_code == 200, response.text
    return response.json()


def test_a_screen_pairs_with_the_code_it_shows(stack, gateway, tokens):
    started = authorize_device(gateway, scope="signage:play")
    assert re.fullmatch(r"[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}", started["user_code"])
    assert started["verification_uri"] == f"{gateway}/console/pair"
    assert started["verification_uri_complete"] == f"{gateway}/console/pair?user_code={started['user_code']}"
    assert started["expires_in"] == 600 and started["interval"] == 5
    assert len(started["device_code"]) >= 40

    assert oauth_error(poll(gateway, started["device_code"])) == "authorization_pending"

    # The operator types the code as people do: lower case, no dash.
    typed = started["user_code"].replace("-", "").lower()
    claimed = claim(gateway, tokens.operator(), typed, binding="platform-2", label="Quai 2, côté nord")
    assert claimed.status_code == 201, claimed.text
    device = claimed.json()
    assert re.fullmatch(rf"screen-{SAINT_DENIS}-platform-2-[a-z2-7]{{6}}", device["client_id"])
    assert claimed.headers["location"] == f"/auth/devices/{device['client_id']}"
    assert device | {"client_id": None, "created_at": None} == {
        "client_id": None,
        "station": SAINT_DENIS,
        "kind": "screen",
        "binding": "platform-2",
        "label": "Quai 2, côté nord",
        "credential": "paired",
        "paired_by": f"operator:operator-{SAINT_DENIS}",
        "status": "active",
        "created_at": None,
        "unpaired_at": None,
    }
    # Claimed but not yet picked up: a second claim is refused.
    assert_problem(claim(gateway, tokens.operator(), typed, binding="platform-3"), 409, "pairing-code-used")

    time.sleep(started["interval"])
    picked_up = poll(gateway, started["device_code"])
    assert picked_up.status_code == 200, picked_up.text
    body = picked_up.json()
    assert body["client_id"] == device["client_id"] and body["station"] == SAINT_DENIS
    assert body["device_kind"] == "screen" and body["device_binding"] == "platform-2"
    assert body["expires_in"] == 900 and body["refresh_token"]
    claims = claims_of(body["access_token"])
    assert claims["role"] == "device" and claims["sub"] == f"device:{device['client_id']}"
    assert claims["client_id"] == device["client_id"]
    assert claims["device_kind"] == "screen" and claims["device_binding"] == "platform-2"
    assert claims["stations"] == [SAINT_DENIS] and claims["scope"] == "signage:play"
    # The token opens the signage service like any screen's.
    assert httpx.get(f"{gateway}{SIGNAGE_SCREENS}", headers=bearer(body["access_token"])).status_code != 401

    # The code is spent: polling again or claiming it again says so.
    assert oauth_error(poll(gateway, started["device_code"])) == "expired_token"
    assert_problem(
        claim(gateway, tokens.operator(), typed, binding="platform-3"), 404, "pairing-code-unknown"
    )

    # The player keeps itself signed in with its refresh token.
    refreshed = refresh(gateway, body["refresh_token"], client_id=device["client_id"])
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["device_binding"] == "platform-2"
    assert claims_of(refreshed.json()["access_token"])["sid"] == claims["sid"]


def test_unpairing_ends_the_device_sign_in(gateway, tokens):
    operator = tokens.operator()
    device = paired(gateway, operator)
    client_id = device["client_id"]
    one = httpx.get(f"{gateway}/auth/devices/{client_id}", headers=bearer(operator))
    assert one.status_code == 200 and one.json()["status"] == "active"

    assert httpx.delete(f"{gateway}/auth/devices/{client_id}", headers=bearer(operator)).status_code == 204
    body = assert_problem(refresh(gateway, device["refresh_token"]), 400, "oauth-invalid-grant")
    assert body["error"] == "invalid_grant"
    after = httpx.get(f"{gateway}/auth/devices/{client_id}", headers=bearer(operator)).json()
    assert after["status"] == "unpaired" and after["unpaired_at"]
    listed = httpx.get(f"{gateway}/auth/devices", params={"station": SAINT_DENIS}, headers=bearer(operator))
    assert client_id not in [d["client_id"] for d in listed.json()["items"]]
    everything = httpx.get(
        f"{gateway}/auth/devices",
        params={"station": SAINT_DENIS, "include_unpaired": "true", "limit": 200},
        headers=bearer(operator),
    )
    assert client_id in [d["client_id"] for d in everything.json()["items"]]
    # Unpairing twice is harmless; an unknown device is a 404.
    assert httpx.delete(f"{gateway}/auth/devices/{client_id}", headers=bearer(operator)).status_code == 204
    assert_problem(
        httpx.delete(f"{gateway}/auth/devices/nobody", headers=bearer(operator)), 404, "unknown-device"
    )


def test_polling_faster_than_the_interval_is_told_to_slow_down(gateway):
    started = authorize_device(gateway)
    assert oauth_error(poll(gateway, started["device_code"])) == "authorization_pending"
    too_soon = poll(gateway, started["device_code"])
    assert oauth_error(too_soon) == "slow_down"
    assert too_soon.json()["interval"] == started["interval"] + 5
    # Once told, the device must wait the longer interval: the old one is not enough any more.
    time.sleep(started["interval"] + 0.5)
    still_too_soon = poll(gateway, started["device_code"])
    assert oauth_error(still_too_soon) == "slow_down"
    assert still_too_soon.json()["interval"] == started["interval"] + 10


def test_an_expired_code_cannot_be_claimed_nor_polled(stack, tokens):
    process, url = stack.start_extra_gateway("gateway-short-codes", {"PAIRING_CODE_TTL_SECONDS": "2"})
    try:
        started = authorize_device(url)
        assert started["expires_in"] == 2
        time.sleep(2.5)
        assert oauth_error(poll(url, started["device_code"])) == "expired_token"
        assert_problem(
            claim(url, tokens.operator(), started["user_code"], binding=binding()),
            404,
            "pairing-code-unknown",
        )
    finally:
        process.stop()


def test_codes_that_are_malformed_or_wrong_are_clear_4xx(gateway, tokens):
    malformed = claim(gateway, tokens.operator(), "ABCD-EFGH", binding=binding())  # vowels are never used
    assert assert_problem(malformed, 422, "validation-error")["errors"][0]["field"] == "user_code"
    assert_problem(
        claim(gateway, tokens.operator(), "BCDF-GHJK", binding=binding()), 404, "pairing-code-unknown"
    )
    started = authorize_device(gateway)
    wrong_binding = claim(
        gateway, tokens.operator(), started["user_code"], kind="locker_controller", binding="bank a"
    )
    assert assert_problem(wrong_binding, 422)["errors"][0]["field"] == "binding"
    unknown_kind = claim(gateway, tokens.operator(), started["user_code"], kind="toaster", binding="hall")
    assert_problem(unknown_kind, 422, "validation-error")
    assert oauth_error(poll(gateway, "not-a-device-code")) == "expired_token"
    assert (
        oauth_error(
            httpx.post(
                f"{gateway}/auth/token", data={"grant_type": "urn:ietf:params:oauth:grant-type:device_code"}
            )
        )
        == "invalid_request"
    )


def test_a_device_asking_for_a_screen_scope_cannot_become_a_kiosk(gateway, tokens):
    started = authorize_device(gateway, scope="signage:play")
    mismatch = claim(gateway, tokens.operator(), started["user_code"], kind="kiosk", binding="entrance-2")
    assert_problem(mismatch, 409, "pairing-kind-mismatch")
    refused = httpx.post(f"{gateway}/auth/device_authorization", data={"scope": "network:admin"})
    assert assert_problem(refused, 400, "oauth-invalid-scope")["error"] == "invalid_scope"


def test_an_operator_can_refuse_a_code(gateway, tokens):
    started = authorize_device(gateway)
    denied = httpx.post(
        f"{gateway}/auth/devices/deny",
        json={"user_code": started["user_code"], "station": SAINT_DENIS},
        headers=bearer(tokens.operator()),
    )
    assert denied.status_code == 204
    assert oauth_error(poll(gateway, started["device_code"])) == "access_denied"
    assert oauth_error(poll(gateway, started["device_code"])) == "expired_token"


def test_operators_of_another_station_cannot_claim_list_read_or_unpair(gateway, tokens):
    saint_denis, villejuif = tokens.operator(), tokens.operator(VILLEJUIF)
    started = authorize_device(gateway)
    assert_problem(claim(gateway, villejuif, started["user_code"], binding=binding()), 403, "forbidden")
    assert_problem(
        claim(gateway, tokens.courier(), started["user_code"], binding=binding()), 403, "forbidden"
    )
    assert_problem(
        httpx.post(f"{gateway}/auth/devices/claim", json={"user_code": started["user_code"]}),
        401,
        "unauthorized",
    )
    # The refusals did not use the code up: the right operator still can claim it.
    assert claim(gateway, saint_denis, started["user_code"], binding=binding()).status_code == 201

    demo_screen = f"screen-{SAINT_DENIS}-hall"
    for response in (
        httpx.get(f"{gateway}/auth/devices", params={"station": SAINT_DENIS}, headers=bearer(villejuif)),
        httpx.get(f"{gateway}/auth/devices/{demo_screen}", headers=bearer(villejuif)),
        httpx.patch(f"{gateway}/auth/devices/{demo_screen}", json={"label": "x"}, headers=bearer(villejuif)),
        httpx.delete(f"{gateway}/auth/devices/{demo_screen}", headers=bearer(villejuif)),
    ):
        assert_problem(response, 403, "forbidden")
    # Nothing changed for the demo screen.
    assert (
        httpx.get(f"{gateway}/auth/devices/{demo_screen}", headers=bearer(saint_denis)).json()["status"]
        == "active"
    )


def test_one_device_per_screen_unless_the_operator_replaces_it(gateway, tokens):
    operator = tokens.operator()
    taken = binding()
    old = paired(gateway, operator, binding=taken)
    started = authorize_device(gateway)
    second = claim(gateway, operator, started["user_code"], binding=taken)
    assert assert_problem(second, 409, "device-binding-taken")["client_id"] == old["client_id"]
    replaced = claim(gateway, operator, started["user_code"], binding=taken, replace=True)
    assert replaced.status_code == 201, replaced.text
    assert_problem(refresh(gateway, old["refresh_token"]), 400, "oauth-invalid-grant")
    # The demo's provisioned screen holds `hall`.
    demo = claim(gateway, operator, authorize_device(gateway)["user_code"], binding="hall")
    assert assert_problem(demo, 409, "device-binding-taken")["client_id"] == f"screen-{SAINT_DENIS}-hall"


def test_rebinding_a_device_reaches_its_next_refresh(gateway, tokens):
    operator = tokens.operator()
    device = paired(gateway, operator, kind="kiosk")
    assert claims_of(device["access_token"])["scope"] == "kiosk:display"
    moved = httpx.patch(
        f"{gateway}/auth/devices/{device['client_id']}",
        json={"binding": "exit-b", "label": "Sortie B"},
        headers=bearer(operator),
    )
    assert moved.status_code == 200 and moved.json()["binding"] == "exit-b"
    refreshed = refresh(gateway, device["refresh_token"]).json()
    assert claims_of(refreshed["access_token"])["device_binding"] == "exit-b"
    bad = httpx.patch(
        f"{gateway}/auth/devices/{device['client_id']}", json={"binding": "Exit B"}, headers=bearer(operator)
    )
    assert assert_problem(bad, 422)["errors"][0]["field"] == "binding"


def test_operators_list_their_station_devices_page_by_page(gateway, tokens):
    operator = tokens.operator()
    for _ in range(3):
        started = authorize_device(gateway)
        assert (
            claim(
                gateway,
                operator,
                started["user_code"],
                kind="locker_controller",
                binding=f"P{uuid.uuid4().hex[:4].upper()}",
            ).status_code
            == 201
        )
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {"station": SAINT_DENIS, "kind": "locker_controller", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = httpx.get(f"{gateway}/auth/devices", params=params, headers=bearer(operator)).json()
        assert len(page["items"]) <= 2 and set(page) == {"items", "next_cursor"}
        seen += [d["client_id"] for d in page["items"]]
        assert {d["kind"] for d in page["items"]} <= {"locker_controller"}
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(seen) and len(seen) == len(set(seen)) >= 4  # three paired + the demo controller
    assert f"lockers-{SAINT_DENIS}-bank-a" in seen
    demo = httpx.get(f"{gateway}/auth/devices/lockers-{SAINT_DENIS}-bank-a", headers=bearer(operator)).json()
    assert demo["binding"] == "A" and demo["credential"] == "secret"


def test_pairing_requests_are_rate_limited(stack):
    process, url = stack.start_extra_gateway(
        "gateway-tight-pairing",
        {"RATE_LIMIT_AUTH__PER_SECOND": "0.2", "RATE_LIMIT_AUTH__BURST": "2", "TRUSTED_PROXIES": "127.0.0.1"},
    )
    # A client address of its own, so this bucket is not the one every other test fills.
    headers = {"X-Forwarded-For": f"198.51.100.{uuid.uuid4().int % 250 + 1}"}
    try:
        statuses = [
            httpx.post(f"{url}/auth/device_authorization", headers=headers).status_code for _ in range(3)
        ]
        assert statuses == [200, 200, 429]
        limited = httpx.post(f"{url}/auth/device_authorization", headers=headers)
        assert_problem(limited, 429, "rate-limited")
        assert int(limited.headers["retry-after"]) >= 1
        # Another device (another address) is not held back.
        other = {"X-Forwarded-For": "198.51.100.251"}
        assert httpx.post(f"{url}/auth/device_authorization", headers=other).status_code == 200
    finally:
        process.stop()


def test_identifiers_with_control_characters_are_refused_before_any_query(gateway, tokens):
    headers = bearer(tokens.operator())
    # In the path or the query, the gateway's edge refuses them for every route (docs/gateway.md).
    for response in (
        httpx.get(f"{gateway}/auth/devices/screen%00hall", headers=headers),
        httpx.delete(f"{gateway}/auth/devices/screen%0Ahall", headers=headers),
        httpx.get(f"{gateway}/auth/accounts/ad%00min", headers=bearer(tokens.admin())),
    ):
        assert_problem(response, 400, "invalid-path")
    cursor = httpx.get(
        f"{gateway}/auth/devices", params={"station": SAINT_DENIS, "cursor": "a\x00b"}, headers=headers
    )
    assert_problem(cursor, 400, "invalid-query")
    # In a form, the route's validation does.
    password = httpx.post(
        f"{gateway}/auth/token", data={"grant_type": "password", "username": "ad\x00min", "password": "x"}
    )
    assert_problem(password, 422, "validation-error")
    basic = httpx.post(
        f"{gateway}/auth/token", data={"grant_type": "client_credentials"}, auth=("scr\x00een", "x")
    )
    assert_problem(basic, 401, "oauth-invalid-client")
