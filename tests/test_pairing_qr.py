"""The pairing QR code a screen shows: the link the device was given, with its code filled in."""

from __future__ import annotations

import httpx
import pytest

from testkit.stack import assert_problem

pytestmark = pytest.mark.e2e


def test_the_pairing_qr_holds_the_complete_verification_uri(gateway):
    started = httpx.post(f"{gateway}/auth/device_authorization", data={"scope": "signage:play"})
    assert started.status_code == 200, started.text
    body = started.json()
    # However the code is typed (case, spaces), the QR holds the link the device was given.
    typed = body["user_code"].lower().replace("-", " ")
    qr = httpx.get(f"{gateway}/auth/device_authorization/qr", params={"user_code": typed})
    assert qr.status_code == 200 and qr.headers["content-type"] == "image/svg+xml"
    assert qr.content.startswith(b"<svg") and b"<path" in qr.content
    assert qr.headers["x-pairing-link"] == body["verification_uri_complete"]


@pytest.mark.parametrize("user_code", ["", "BCDF-GHJ", "AEIO-UBCD", "BCDF-GHJK-LMNP", "x" * 21])
def test_a_malformed_pairing_code_is_422(gateway, user_code):
    response = httpx.get(f"{gateway}/auth/device_authorization/qr", params={"user_code": user_code})
    assert_problem(response, 422, "validation-error")
