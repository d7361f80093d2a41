"""A device's HTTP session with the gateway: client-credentials token, renewed before it expires,
and backing off like a real device when the gateway refuses it or is in trouble."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

# Answers after which a device waits before its next request: its credentials were refused, it is
# throttled, or the station is in trouble. Retrying at once only adds to the trouble.
BACK_OFF_STATUSES = frozenset({401, 429})


def backs_off(status: int) -> bool:
    return status in BACK_OFF_STATUSES or status >= 500


class Backoff:
    """Exponential back-off with jitter: after n failures in a row a device waits a random time in
    [d/2, d] where d = base * 2**(n-1), capped; a server's Retry-After is waited at least. A success
    starts again from nothing. The jitter keeps a station's devices from retrying in step."""

    def __init__(self, *, base: float = 1.0, cap: float = 300.0, rng: random.Random | None = None) -> None:
        self.base = base
        self.cap = cap
        self.rng = rng or random.Random()
        self.failures = 0
        self.delay = 0.0  # the wait before the next request

    def failed(self, retry_after: float | None = None) -> float:
        self.failures += 1
        ceiling = min(self.cap, self.base * 2 ** min(self.failures - 1, 32))
        self.delay = max(self.rng.uniform(ceiling / 2, ceiling), min(retry_after or 0.0, self.cap))
        return self.delay

    def succeeded(self) -> None:
        self.failures = 0
        self.delay = 0.0


def retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    return float(value) if value.isdigit() else None


class DeviceSession:
    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        gateway: str,
        client_id: str,
        client_secret: str,
        backoff: Backoff | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.http = http
        self.gateway = gateway.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.backoff = backoff or Backoff()
        self.sleep = sleep
        self._token: str | None = None
        self._expires_at = 0.0

    async def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Every request of the device: after a failure, it waits its back-off first."""
        if self.backoff.delay > 0:
            await self.sleep(self.backoff.delay)
        try:
            response = await self.http.request(method, url, **kwargs)
        except httpx.TransportError:
            self.backoff.failed()
            raise
        if backs_off(response.status_code):
            self.backoff.failed(retry_after_seconds(response))
        else:
            self.backoff.succeeded()
        return response

    async def token(self) -> str:
        # Renew a minute early, so a request never leaves with a token about to expire.
        if self._token is None or time.monotonic() > self._expires_at - 60:
            response = await self._send(
                "POST",
                f"{self.gateway}/auth/token",
                data={"grant_type": "client_credentials"},
                auth=(self.client_id, self.client_secret),
            )
            response.raise_for_status()
            body = response.json()
            self._token = body["access_token"]
            self._expires_at = time.monotonic() + body["expires_in"]
        return self._token

    async def request(
        self, method: str, path: str, *, headers: dict[str, str] | None = None, json: Any = None
    ) -> httpx.Response:
        headers = {**(headers or {}), "Authorization": f"Bearer {await self.token()}"}
        response = await self._send(method, f"{self.gateway}{path}", headers=headers, json=json)
        if response.status_code == 401:
            self._token = None
        return response
