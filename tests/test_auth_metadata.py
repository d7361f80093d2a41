"""The gateway's OAuth 2.0 metadata passes Authlib's own RFC 8414 validation, and its `issuer` is the
tokens' `iss`: the gateway's public URL, which every service expects."""

from __future__ import annotations

import httpx
import jwt
import pytest
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata
from pydantic import ValidationError

from gateway.settings import DEVELOPMENT_ISSUER, GatewaySettings
from services.hub.settings import HubSettings
from testkit.stack import SAINT_DENIS, assert_problem, bearer

PUBLIC_URL = "https://gare.example"
LOCKERS = f"/api/v1/stations/{SAINT_DENIS}/lockers/banks"


def settings(**values) -> GatewaySettings:
    return GatewaySettings(_env_file=None, **values)


def test_the_issuer_is_the_public_url_unless_named():
    assert settings(public_url=f"{PUBLIC_URL}/").issuer == PUBLIC_URL
    assert settings(public_url=PUBLIC_URL, token_issuer="https://id.gare.example").issuer == (
        "https://id.gare.example"
    )
    # A development gateway that knows no address of its own keeps the services' default.
    assert settings().issuer == DEVELOPMENT_ISSUER
    with pytest.raises(ValidationError):
        settings(token_issuer="https://gare.example/?tenant=1")


def test_production_tokens_name_an_https_issuer():
    production = {
        "environment": "production",
        "database_url": "postgresql://gateway@db/gare",
        "cors_origins": [PUBLIC_URL],
        "public_url": PUBLIC_URL,
        "notifier": {"backend": "http", "url": "https://sms.example/send", "secret": "s3cret"},
    }
    assert settings(**production).issuer == PUBLIC_URL
    with pytest.raises(ValidationError, match="issuer"):
        settings(**production, token_issuer="urn:gare-numerique:gateway")


def test_the_hub_expects_the_issuer_of_the_gateway_its_keys_come_from():
    hub = HubSettings(_env_file=None, jwks_url="https://bondy.stations.example.org/.well-known/jwks.json")
    assert hub.issuer == "https://bondy.stations.example.org"
    assert HubSettings(_env_file=None, token_issuer="https://id.example").issuer == "https://id.example"


@pytest.mark.e2e
def test_the_development_stack_metadata_passes_authlib_with_its_loopback_http_issuer(stack, gateway, tokens):
    document = httpx.get(f"{gateway}/.well-known/oauth-authorization-server").json()
    AuthorizationServerMetadata(document).validate()
    assert document["issuer"] == gateway  # http://127.0.0.1:<port>: Authlib allows loopback http
    assert jwt.decode(tokens.operator(), options={"verify_signature": False})["iss"] == gateway


@pytest.mark.e2e
def test_a_gateway_with_a_public_https_url_issues_tokens_in_its_name(stack, tokens):
    process, url = stack.start_extra_gateway(
        "gateway-public-url", {"PUBLIC_URL": PUBLIC_URL, "TOKEN_ISSUER": PUBLIC_URL}
    )
    try:
        document = httpx.get(f"{url}/.well-known/oauth-authorization-server").json()
        AuthorizationServerMetadata(document).validate()
        assert document["issuer"] == PUBLIC_URL
        assert document["response_types_supported"] == ["none"]
        assert document["token_endpoint"] == f"{PUBLIC_URL}/auth/token"
        device = next(
            d for d in stack.demo["devices"] if d["kind"] == "kiosk" and d["station"] == SAINT_DENIS
        )
        issued = httpx.post(
            f"{url}/auth/token",
            data={"grant_type": "client_credentials"},
            auth=(device["client_id"], device["client_secret"]),
        )
        assert issued.status_code == 200, issued.text
        token = issued.json()["access_token"]
        assert jwt.decode(token, options={"verify_signature": False})["iss"] == PUBLIC_URL
        # It accepts its own tokens; the stack's services expect another issuer, and say so.
        assert httpx.get(f"{url}/auth/sessions", headers=bearer(token)).status_code == 200
        direct = httpx.get(f"{stack.url('parcel_lockers')}{LOCKERS}", headers=bearer(token))
        assert "not valid" in assert_problem(direct, 401)["detail"]
    finally:
        process.stop()
