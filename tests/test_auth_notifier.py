"""The notifier port: the development inbox, and a real HTTP SMS provider with retries.

The provider is a small HTTP server in the test process that answers what each test scripts."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from redis.asyncio import Redis

from deploy.embedded.ports import pick_port
from kernel.notifier import (
    HttpSmsNotifier,
    MessageRejected,
    NotifierSettings,
    NotifierUnavailable,
    RedisInboxNotifier,
    build_notifier,
)
from testkit.http_server import start_serving, stop_serving
from testkit.stack import assert_problem

CODE_TEXT = "Gare numérique : votre code est 424242."


class FakeProvider:
    """An SMS provider on a real socket: answers with the scripted statuses, records each request."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.received: list[dict[str, Any]] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                provider.received.append({"headers": dict(self.headers), "body": body, "path": self.path})
                status = provider.statuses.pop(0) if provider.statuses else 202
                payload = json.dumps({"id": f"msg-{len(provider.received)}"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1/sms"
        self.thread = start_serving(self.server)

    def close(self) -> None:
        stop_serving(self.server, self.thread)


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    fake = FakeProvider()
    yield fake
    fake.close()


def http_settings(url: str, **overrides: Any) -> NotifierSettings:
    return NotifierSettings(
        backend="http", url=url, secret=SecretStr("provider-token"), backoff_seconds=0.01, **overrides
    )


async def test_the_provider_gets_the_message_with_its_credentials(provider):
    notifier = HttpSmsNotifier(http_settings(provider.url, sender="GareSDP"))
    try:
        await notifier.send_sms("+33612345678", CODE_TEXT)
    finally:
        await notifier.aclose()
    (request,) = provider.received
    assert request["path"] == "/v1/sms"
    assert request["headers"]["Authorization"] == "Bearer provider-token"
    assert request["body"] | {"reference": None} == {
        "to": "+33612345678",
        "from": "GareSDP",
        "text": CODE_TEXT,
        "reference": None,
    }
    assert request["headers"]["Idempotency-Key"] == request["body"]["reference"]


async def test_basic_credentials_from_a_secret_file(provider, tmp_path):
    secret = tmp_path / "sms"
    secret.write_text("file-secret\n")
    settings = NotifierSettings(backend="http", url=provider.url, username="gare", secret_file=secret)
    notifier = HttpSmsNotifier(settings)
    try:
        await notifier.send_sms("+33612345678", "hello")
    finally:
        await notifier.aclose()
    expected = "Basic " + base64.b64encode(b"gare:file-secret").decode()
    assert provider.received[0]["headers"]["Authorization"] == expected


async def test_server_errors_are_retried_under_one_idempotency_key_and_codes_never_logged(provider, caplog):
    provider.statuses = [503, 500]
    notifier = HttpSmsNotifier(http_settings(provider.url))
    caplog.set_level(logging.DEBUG)
    try:
        await notifier.send_sms("+33612345678", CODE_TEXT)
    finally:
        await notifier.aclose()
    assert len(provider.received) == 3
    assert len({r["headers"]["Idempotency-Key"] for r in provider.received}) == 1
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "sms sent" in logged
    assert "424242" not in logged and "+33612345678" not in logged


async def test_a_refusal_is_not_retried(provider):
    provider.statuses = [400]
    notifier = HttpSmsNotifier(http_settings(provider.url))
    try:
        with pytest.raises(MessageRejected):
            await notifier.send_sms("+33612345678", "hello")
    finally:
        await notifier.aclose()
    assert len(provider.received) == 1


async def test_a_provider_that_keeps_failing_or_is_gone_makes_the_notifier_unavailable(provider):
    provider.statuses = [502, 502, 502]
    notifier = HttpSmsNotifier(http_settings(provider.url, max_attempts=3))
    try:
        with pytest.raises(NotifierUnavailable):
            await notifier.send_sms("+33612345678", "hello")
    finally:
        await notifier.aclose()
    assert len(provider.received) == 3
    gone = HttpSmsNotifier(
        http_settings(f"http://127.0.0.1:{pick_port(None, set())}/sms", timeout_seconds=0.5)
    )
    try:
        with pytest.raises(NotifierUnavailable):
            await gone.send_sms("+33612345678", "hello")
    finally:
        await gone.aclose()


def test_settings_select_the_notifier(provider):
    redis = Redis.from_url("redis://127.0.0.1:1")  # never connected: choosing does no I/O
    assert isinstance(build_notifier(NotifierSettings(), redis=redis), RedisInboxNotifier)
    assert isinstance(build_notifier(http_settings(provider.url), redis=redis), HttpSmsNotifier)


@pytest.mark.e2e
def test_a_gateway_configured_with_a_provider_sends_sign_in_codes_through_it(stack, provider):
    env = {
        "NOTIFIER__BACKEND": "http",
        "NOTIFIER__URL": provider.url,
        "NOTIFIER__SECRET": "provider-token",
        "NOTIFIER__BACKOFF_SECONDS": "0.01",
        "PUBLIC_URL": "https://gare.example",
    }
    process, url = stack.start_extra_gateway("gateway-sms-provider", env)
    try:
        sent = httpx.post(f"{url}/auth/otp", json={"phone_number": "+33 6 70 00 00 01"})
        assert sent.status_code == 202, sent.text
        (request,) = provider.received
        assert request["body"]["to"] == "+33670000001"
        text = request["body"]["text"]
        code = next(w for w in text.replace(".", " ").split() if w.isdigit() and len(w) == 6)
        assert text.endswith(f"@gare.example #{code}")  # WebOTP: the web app can fill the code in
        # The code works; the development inbox does not exist on this gateway.
        token = httpx.post(
            f"{url}/auth/token",
            data={
                "grant_type": "urn:gare-numerique:params:oauth:grant-type:phone-otp",
                "phone_number": "+33670000001",
                "code": code,
            },
        )
        assert token.status_code == 200, token.text
        assert_problem(httpx.get(f"{url}/dev/notifier/messages"), 404)

        provider.statuses = [500, 500, 500]
        failed = httpx.post(f"{url}/auth/otp", json={"phone_number": "+33670000002"})
        assert_problem(failed, 503, "notifier-unavailable")
        assert failed.headers["retry-after"]
        provider.statuses = [400]
        refused = httpx.post(f"{url}/auth/otp", json={"phone_number": "+33670000003"})
        assert_problem(refused, 422, "sms-refused")
        log = (stack.logs / "gateway-sms-provider.log").read_text()
        assert code not in log
    finally:
        process.stop()
