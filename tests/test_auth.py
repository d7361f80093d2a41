"""Signing in at the gateway and what services do with the tokens (real issuer, real JWKS)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deploy.embedded.stack import REPO_ROOT
from testkit.stack import SAINT_DENIS, VILLEJUIF, assert_problem, bearer

STATUS_PATH = "/api/v1/stations/{station}/mobility/vehicle-stations/velib-metropole-653046369/status"
LOCKERS = f"/api/v1/stations/{SAINT_DENIS}/lockers/banks"


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def signing_key(stack) -> tuple[str, Ed25519PrivateKey]:
    newest = sorted((stack.var / "keys" / "gateway").glob("*.pem"))[-1]
    key = serialization.load_pem_private_key(newest.read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return newest.stem, key


def mint(stack, *, key=None, kid=None, **overrides) -> str:
    """A token shaped like the gateway's, signed with the key given (default: the real one)."""
    real_kid, real_key = signing_key(stack)
    now = int(time.time())
    claims = {
        "iss": stack.gateway_url,
        "aud": "gare-numerique",
        "sub": "operator:test",
        "role": "operator",
        "stations": [SAINT_DENIS],
        "scope": "station:operate",
        "iat": now,
        "exp": now + 300,
        "jti": os.urandom(8).hex(),
    } | overrides
    return jwt.encode(claims, key or real_key, algorithm="EdDSA", headers={"kid": kid or real_kid})


def test_operator_signs_in_with_password(stack, gateway):
    account = next(a for a in stack.demo["accounts"] if a["username"] == f"operator-{SAINT_DENIS}")
    response = httpx.post(
        f"{gateway}/auth/token",
        data={"grant_type": "password", "username": account["username"], "password": account["password"]},
    )
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    claims = claims_of(body["access_token"])
    assert claims["role"] == "operator"
    assert claims["stations"] == [SAINT_DENIS]
    assert claims["aud"] == "gare-numerique"
    assert claims["exp"] - claims["iat"] == body["expires_in"] <= 3600
    kid = jwt.get_unverified_header(body["access_token"])["kid"]
    assert kid in {k["kid"] for k in httpx.get(f"{gateway}/.well-known/jwks.json").json()["keys"]}


@pytest.mark.parametrize("username", ["admin", "nobody"])
def test_wrong_password_is_an_oauth_problem(gateway, username):
    response = httpx.post(
        f"{gateway}/auth/token",
        data={"grant_type": "password", "username": username, "password": "wrong-one"},
    )
    body = assert_problem(response, 400, "oauth-invalid-grant")
    assert body["error"] == "invalid_grant"


def test_device_signs_in_with_client_credentials_in_form_or_basic(stack, gateway):
    device = next(d for d in stack.demo["devices"] if d["kind"] == "screen")
    form = httpx.post(
        f"{gateway}/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": device["client_id"],
            "client_secret": device["client_secret"],
        },
    )
    basic = httpx.post(
        f"{gateway}/auth/token",
        data={"grant_type": "client_credentials"},
        auth=(device["client_id"], device["client_secret"]),
    )
    for response in (form, basic):
        assert response.status_code == 200, response.text
        assert "refresh_token" not in response.json()  # a provisioned device holds its secret instead
        claims = claims_of(response.json()["access_token"])
        assert claims["role"] == "device"
        assert claims["client_id"] == device["client_id"]
        assert claims["stations"] == [device["station"]]
        assert claims["device_kind"] == "screen" and claims["device_binding"] == "hall"
        assert claims["scope"] == "signage:play"
    wrong = httpx.post(
        f"{gateway}/auth/token", data={"grant_type": "client_credentials"}, auth=(device["client_id"], "nope")
    )
    assert_problem(wrong, 401, "oauth-invalid-client")


@pytest.mark.parametrize(
    ("kind", "binding", "scope"),
    [
        ("screen", "hall", "signage:play"),
        ("kiosk", "entrance", "kiosk:display"),
        ("locker_controller", "A", "lockers:control"),
        ("mobility_feed", "velib-metropole", "mobility:report"),
    ],
)
def test_device_tokens_say_what_the_device_is_bound_to(stack, tokens, kind, binding, scope):
    """Contract 2: the binding comes from demo.json through `load-accounts`."""
    device = next(d for d in stack.demo["devices"] if d["kind"] == kind and d["station"] == SAINT_DENIS)
    assert device["binding"] == binding
    claims = claims_of(tokens.device(kind))
    assert (claims["device_kind"], claims["device_binding"], claims["scope"]) == (kind, binding, scope)
    assert claims["exp"] - claims["iat"] == 900


@pytest.mark.parametrize(
    ("username", "scope"),
    [("admin", "station:operate network:admin"), ("courier", "parcels:deposit lockers:read")],
)
def test_staff_scopes_come_from_their_role(tokens, username, scope):
    assert claims_of(tokens.account(username))["scope"] == scope


def test_unknown_or_missing_grant_type(gateway):
    assert_problem(
        httpx.post(f"{gateway}/auth/token", data={"grant_type": "implicit"}),
        400,
        "oauth-unsupported-grant-type",
    )
    assert_problem(httpx.post(f"{gateway}/auth/token", data={}), 400, "oauth-invalid-request")


def request_code(gateway: str, phone: str) -> str:
    sent = httpx.post(f"{gateway}/auth/otp", json={"phone_number": phone})
    assert sent.status_code == 202, sent.text
    number = sent.json()["phone_number"]
    inbox = httpx.get(f"{gateway}/dev/notifier/messages", params={"to": number}).json()
    text = inbox["items"][0]["text"]
    return next(word for word in text.replace(".", " ").split() if word.isdigit() and len(word) == 6)


def test_traveller_signs_in_with_a_code_sent_to_their_phone(gateway):
    code = request_code(gateway, "06 12 34 56 78")
    grant = {
        "grant_type": "urn:gare-numerique:params:oauth:grant-type:phone-otp",
        "phone_number": "+33612345678",
    }
    wrong = "000000" if code != "000000" else "111111"
    assert_problem(
        httpx.post(f"{gateway}/auth/token", data=grant | {"code": wrong}), 400, "oauth-invalid-grant"
    )
    ok = httpx.post(f"{gateway}/auth/token", data=grant | {"code": code})
    assert ok.status_code == 200, ok.text
    claims = claims_of(ok.json()["access_token"])
    assert claims["role"] == "traveller"
    assert claims["phone_number"] == "+33612345678"
    assert "+33612345678" not in claims["sub"]
    # A code works once.
    assert_problem(
        httpx.post(f"{gateway}/auth/token", data=grant | {"code": code}), 400, "oauth-invalid-grant"
    )


def test_too_many_wrong_codes_burn_the_code(gateway):
    code = request_code(gateway, "+33700000001")
    grant = {
        "grant_type": "urn:gare-numerique:params:oauth:grant-type:phone-otp",
        "phone_number": "+33700000001",
    }
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert httpx.post(f"{gateway}/auth/token", data=grant | {"code": wrong}).status_code == 400
    # The guesses are spent: even the right code is refused, without being looked at.
    refused = httpx.post(f"{gateway}/auth/token", data=grant | {"code": code})
    assert "new code" in assert_problem(refused, 429, "rate-limited")["detail"]


def test_not_a_phone_number_is_refused(gateway):
    body = assert_problem(httpx.post(f"{gateway}/auth/otp", json={"phone_number": "call me maybe"}), 422)
    assert body["errors"][0]["field"] == "phone_number"


def test_protected_route_without_token_is_401(gateway):
    response = httpx.get(f"{gateway}{LOCKERS}")
    assert_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_forged_token_is_refused_by_gateway_and_by_the_service(stack, gateway):
    kid, _ = signing_key(stack)
    forged = mint(stack, key=Ed25519PrivateKey.generate(), kid=kid)
    assert_problem(httpx.get(f"{gateway}{LOCKERS}", headers=bearer(forged)), 401)
    direct = httpx.get(f"{stack.url('parcel_lockers')}{LOCKERS}", headers=bearer(forged))
    assert_problem(direct, 401)


@pytest.mark.parametrize(
    ("claims", "detail"),
    [
        ({"exp": int(time.time()) - 120, "iat": int(time.time()) - 500}, "expired"),
        ({"aud": "someone-else"}, "not valid"),
        ({"iss": "urn:elsewhere"}, "not valid"),
        ({"role": "superuser"}, "role"),
    ],
)
def test_tokens_with_bad_claims_are_refused(stack, gateway, claims, detail):
    token = mint(stack, **claims)
    for base in (gateway, stack.url("parcel_lockers")):
        body = assert_problem(httpx.get(f"{base}{LOCKERS}", headers=bearer(token)), 401)
        assert detail in body["detail"]


def test_token_of_another_station_is_forbidden(stack, gateway, tokens):
    villejuif_operator = tokens.operator(VILLEJUIF)
    assert_problem(httpx.get(f"{gateway}{LOCKERS}", headers=bearer(villejuif_operator)), 403, "forbidden")
    # The service does not rely on the gateway having checked.
    direct = httpx.get(f"{stack.url('parcel_lockers')}{LOCKERS}", headers=bearer(villejuif_operator))
    assert_problem(direct, 403, "forbidden")


def test_a_role_without_the_right_is_forbidden_by_the_service(gateway, tokens):
    response = httpx.put(
        f"{gateway}{STATUS_PATH.format(station=SAINT_DENIS)}",
        headers=bearer(tokens.courier()),
        json={
            "num_vehicles_available": 0,
            "vehicle_types_available": [],
            "last_reported": "2026-01-01T00:00:00Z",
        },
    )
    assert_problem(response, 403, "forbidden")


def test_key_rotation_keeps_old_tokens_valid_and_new_ones_accepted(stack, gateway, tokens):
    old_token = tokens.operator()
    old_kid = jwt.get_unverified_header(old_token)["kid"]
    env = {**os.environ, "GATEWAY_KEYS_DIR": str(stack.var / "keys" / "gateway")}
    new_kid = (
        subprocess.run(
            [sys.executable, "-m", "gateway", "rotate-keys"],
            env=env,
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    assert new_kid != old_kid

    def fresh_token() -> str:
        account = next(a for a in stack.demo["accounts"] if a["username"] == f"operator-{SAINT_DENIS}")
        response = httpx.post(
            f"{gateway}/auth/token",
            data={"grant_type": "password", "username": account["username"], "password": account["password"]},
        )
        return response.json()["access_token"]

    deadline = time.monotonic() + 5
    new_token = fresh_token()
    while jwt.get_unverified_header(new_token)["kid"] != new_kid and time.monotonic() < deadline:
        time.sleep(0.2)
        new_token = fresh_token()
    assert jwt.get_unverified_header(new_token)["kid"] == new_kid
    published = {k["kid"] for k in httpx.get(f"{gateway}/.well-known/jwks.json").json()["keys"]}
    assert {old_kid, new_kid} <= published
    for token in (old_token, new_token):
        for base in (gateway, stack.url("parcel_lockers")):
            assert httpx.get(f"{base}{LOCKERS}", headers=bearer(token)).status_code == 200


def test_secrets_live_under_var_not_in_the_repository(stack):
    keys = list((stack.var / "keys" / "gateway").glob("*.pem"))
    assert keys and all(k.stat().st_mode & 0o077 == 0 for k in keys)
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True
    ).stdout.split()
    assert not [path for path in tracked if path.endswith(".pem") or Path(path).parts[:1] == ("var",)]
