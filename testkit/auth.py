"""What the sign-in tests share: the OAuth calls a web app, a player page or the console makes."""

from __future__ import annotations

from typing import Any

import httpx
import jwt

from deploy.embedded.stack import StationStack
from testkit.stack import SAINT_DENIS, bearer

DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
PHONE_GRANT = "urn:gare-numerique:params:oauth:grant-type:phone-otp"


def claims_of(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def demo_password(stack: StationStack, username: str) -> str:
    return next(a["password"] for a in stack.demo["accounts"] if a["username"] == username)


def password_sign_in(gateway: str, username: str, password: str, **extra: str) -> dict[str, Any]:
    response = httpx.post(
        f"{gateway}/auth/token",
        data={"grant_type": "password", "username": username, "password": password, **extra},
    )
    assert response.status_code == 200, response.text
    return response.json()


def operator_sign_in(stack: StationStack, gateway: str, station: str = SAINT_DENIS) -> dict[str, Any]:
    username = f"operator-{station}"
    return password_sign_in(gateway, username, demo_password(stack, username))


def refresh(gateway: str, refresh_token: str, **extra: str) -> httpx.Response:
    return httpx.post(
        f"{gateway}/auth/token", data={"grant_type": "refresh_token", "refresh_token": refresh_token, **extra}
    )


def request_code(gateway: str, phone: str) -> str:
    """Ask for a sign-in code and read it from the development inbox, as the demo does."""
    sent = httpx.post(f"{gateway}/auth/otp", json={"phone_number": phone})
    assert sent.status_code == 202, sent.text
    inbox = httpx.get(f"{gateway}/dev/notifier/messages", params={"to": sent.json()["phone_number"]}).json()
    return next(w for w in inbox["items"][0]["text"].replace(".", " ").split() if w.isdigit() and len(w) == 6)


def phone_sign_in(gateway: str, phone: str) -> dict[str, Any]:
    code = request_code(gateway, phone)
    response = httpx.post(
        f"{gateway}/auth/token", data={"grant_type": PHONE_GRANT, "phone_number": phone, "code": code}
    )
    assert response.status_code == 200, response.text
    return response.json()


def authorize_device(gateway: str, **form: str) -> dict[str, Any]:
    response = httpx.post(f"{gateway}/auth/device_authorization", data=form)
    assert response.status_code == 200, response.text
    return response.json()


def poll(gateway: str, device_code: str) -> httpx.Response:
    return httpx.post(
        f"{gateway}/auth/token", data={"grant_type": DEVICE_CODE_GRANT, "device_code": device_code}
    )


def claim(gateway: str, token: str, user_code: str, **fields: Any) -> httpx.Response:
    body = {"user_code": user_code, "station": SAINT_DENIS, "kind": "screen", **fields}
    return httpx.post(f"{gateway}/auth/devices/claim", json=body, headers=bearer(token))
