"""When the gateway's answers carry HSTS: the decision on the request, without a server."""

from __future__ import annotations

import pytest

from gateway.headers import HSTS, NOSNIFF, SecurityHeaders


def scope(
    *, scheme: str = "http", peer: str = "203.0.113.7", proto: bytes | None = None
) -> dict[str, object]:
    headers = [(b"host", b"gare.example")] + ([(b"x-forwarded-proto", proto)] if proto else [])
    return {"type": "http", "scheme": scheme, "client": (peer, 5000), "headers": headers}


@pytest.mark.parametrize(
    ("public_url", "trusted", "request_scope", "hsts"),
    [
        (None, [], scope(), False),
        (None, [], scope(scheme="https"), True),
        # Anyone may claim https; only a trusted proxy is believed.
        (None, [], scope(proto=b"https"), False),
        (None, ["10.0.0.0/8"], scope(proto=b"https"), False),
        (None, ["10.0.0.0/8"], scope(peer="10.1.2.3", proto=b"https"), True),
        (None, ["10.0.0.0/8"], scope(peer="10.1.2.3", proto=b"http"), False),
        (None, ["10.0.0.0/8"], scope(peer="10.1.2.3"), False),
        ("https://gare.example", [], scope(), True),
        ("http://127.0.0.1:8080", [], scope(), False),
    ],
)
def test_hsts_only_over_https(public_url, trusted, request_scope, hsts):
    headers = SecurityHeaders(public_url=public_url, trusted_proxies=trusted)(request_scope)
    assert NOSNIFF in headers
    assert (HSTS in headers) is hsts
