"""Messages to people: the notifier port and its two adapters.

`Notifier` is what the gateway (sign-in codes) and the services (parcel notices) call. Two
implementations, chosen by `NotifierSettings.backend`:

- `inbox`: nothing leaves the machine; messages land in a Redis list the demo and tests read
  (`GET /dev/notifier/messages` on the gateway). Refused in production.
- `http`: a generic HTTP SMS provider (JSON POST with a bearer token or Basic credentials), with a
  timeout, retries on 5xx/429/network errors under one idempotency key, and no message text in logs:
  texts carry sign-in and pickup codes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from pathlib import Path
from typing import Any, Literal, Protocol

import httpx
from pydantic import BaseModel, Field, SecretStr, model_validator
from redis.asyncio import Redis

from kernel.db import utcnow
from kernel.tls import verified_context

log = logging.getLogger(__name__)

INBOX_KEY = "notifier:inbox"
INBOX_LIMIT = 1000
INBOX_TTL_SECONDS = 24 * 3600
# Retry-After from a provider is honoured up to this; longer would hold the caller too long.
MAX_RETRY_AFTER_SECONDS = 5.0


class NotifierError(Exception):
    """The message was not sent."""


class MessageRejected(NotifierError):
    """The provider refused this message for good (e.g. a number it cannot reach): retrying will not help."""


class NotifierUnavailable(NotifierError):
    """The provider could not be reached or kept failing; the caller may try again later."""


class Notifier(Protocol):
    """Sends messages to people. SMS today; app messages will be another method of the same port."""

    async def send_sms(self, to: str, text: str) -> None:
        """Send `text` to the E.164 number `to`; raises a `NotifierError` when it was not sent."""
        ...

    async def aclose(self) -> None: ...


class NotifierSettings(BaseModel):
    """Nested in a component's settings, e.g. `GATEWAY_NOTIFIER__BACKEND=http`."""

    backend: Literal["inbox", "http"] = "inbox"
    url: str | None = Field(default=None, description="The provider's send endpoint (http backend)")
    username: str | None = Field(
        default=None, description="Basic auth user; without it the secret is a bearer token"
    )
    secret: SecretStr | None = None
    secret_file: Path | None = Field(default=None, description="File holding the secret (a mounted secret)")
    sender: str = Field(
        default="GareNum", min_length=1, max_length=11, description="Sender id shown on phones"
    )
    timeout_seconds: float = Field(default=3.0, gt=0, le=30)
    max_attempts: int = Field(default=3, ge=1, le=10)
    backoff_seconds: float = Field(default=0.5, ge=0, le=10)

    @model_validator(mode="after")
    def _http_needs_an_endpoint_and_a_secret(self) -> NotifierSettings:
        if self.backend == "http":
            if not self.url or not self.url.startswith(("https://", "http://")):
                raise ValueError("the http notifier needs the provider's URL (NOTIFIER__URL)")
            if self.secret is None and self.secret_file is None:
                raise ValueError("the http notifier needs NOTIFIER__SECRET or NOTIFIER__SECRET_FILE")
        return self

    def production_problem(self) -> str | None:
        """Why these settings cannot run in production (a component's settings refuse to start)."""
        if self.backend == "inbox":
            return "the development notifier inbox must be off in production (set NOTIFIER__BACKEND=http)"
        return None

    def read_secret(self) -> str:
        if self.secret is not None:
            return self.secret.get_secret_value()
        assert self.secret_file is not None
        return self.secret_file.read_text().strip()


def masked_number(number: str) -> str:
    """Enough of a phone number to follow a message in the logs, not enough to know whose it is."""
    return number[:3] + "*" * max(0, len(number) - 5) + number[-2:]


class RedisInboxNotifier:
    """Development notifier: nothing leaves the machine; messages are listed newest first."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def send_sms(self, to: str, text: str) -> None:
        message = json.dumps({"to": to, "text": text, "sent_at": utcnow().isoformat()})
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.lpush(INBOX_KEY, message)
            pipe.ltrim(INBOX_KEY, 0, INBOX_LIMIT - 1)
            pipe.expire(INBOX_KEY, INBOX_TTL_SECONDS)
            await pipe.execute()

    async def messages(self, *, to: str | None = None) -> list[dict[str, Any]]:
        """What the inbox holds (its last INBOX_LIMIT messages), newest first, to `to` if given."""
        raw = await self.redis.lrange(INBOX_KEY, 0, INBOX_LIMIT - 1)
        return [m for m in map(json.loads, raw) if to is None or m["to"] == to]

    async def aclose(self) -> None:
        """The Redis connection belongs to the caller."""


class HttpSmsNotifier:
    """A generic HTTP SMS provider: `POST url {"to", "from", "text", "reference"}`, 2xx = accepted.

    One `Idempotency-Key` (the reference) for all attempts of a message, so a retry after a lost
    answer does not send the SMS twice at providers that honour it."""

    def __init__(self, settings: NotifierSettings) -> None:
        assert settings.url is not None
        self.url = settings.url
        self.sender = settings.sender
        self.max_attempts = settings.max_attempts
        self.backoff = settings.backoff_seconds
        secret = settings.read_secret()
        auth: httpx.Auth | None = None
        headers = {"Accept": "application/json"}
        if settings.username:
            auth = httpx.BasicAuth(settings.username, secret)
        else:
            headers["Authorization"] = f"Bearer {secret}"
        self.http = httpx.AsyncClient(
            timeout=settings.timeout_seconds,
            auth=auth,
            headers=headers,
            trust_env=False,
            verify=verified_context(),
        )

    async def send_sms(self, to: str, text: str) -> None:
        reference = uuid.uuid4().hex
        body = {"to": to, "from": self.sender, "text": text, "reference": reference}
        where = {"to": masked_number(to), "reference": reference}
        for attempt in range(1, self.max_attempts + 1):
            delay = self.backoff * 2 ** (attempt - 1)
            try:
                response = await self.http.post(self.url, json=body, headers={"Idempotency-Key": reference})
            except httpx.HTTPError as exc:
                log.warning(
                    "sms provider unreachable",
                    extra={**where, "attempt": attempt, "error": type(exc).__name__},
                )
            else:
                if response.is_success:
                    log.info("sms sent", extra={**where, "attempt": attempt, "status": response.status_code})
                    return
                retryable = response.status_code >= 500 or response.status_code in (408, 429)
                log.warning(
                    "sms provider refused",
                    extra={
                        **where,
                        "attempt": attempt,
                        "status": response.status_code,
                        "retryable": retryable,
                    },
                )
                if not retryable:
                    raise MessageRejected(f"the SMS provider refused the message ({response.status_code})")
                delay = max(delay, _retry_after(response))
            if attempt < self.max_attempts:
                await asyncio.sleep(delay)
        raise NotifierUnavailable(
            f"the SMS provider did not accept the message after {self.max_attempts} attempts"
        )

    async def aclose(self) -> None:
        await self.http.aclose()


def _retry_after(response: httpx.Response) -> float:
    try:
        return min(float(response.headers.get("retry-after", "0")), MAX_RETRY_AFTER_SECONDS)
    except ValueError:
        return 0.0


def build_notifier(settings: NotifierSettings, *, redis: Redis) -> Notifier:
    """The notifier the settings select (production settings refuse the inbox)."""
    if settings.backend == "http":
        return HttpSmsNotifier(settings)
    return RedisInboxNotifier(redis)
