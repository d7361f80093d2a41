"""A device's HTTP session with the gateway: client-credentials token, renewed before it expires."""

from __future__ import annotations

import time
from typing import Any

import httpx


class DeviceSession:
    def __init__(self, http: httpx.AsyncClient, *, gateway: str, client_id: str, client_secret: str) -> None:
        self.http = http
        self.gateway = gateway.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self._token: str | None = None
        self._expires_at = 0.0

    async def token(self) -> str:
        # Renew a minute early, so a request never leaves with a token about to expire.
        if self._token is None or time.monotonic() > self._expires_at - 60:
            response = await self.http.post(
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
        response = await self.http.request(method, f"{self.gateway}{path}", headers=headers, json=json)
        if response.status_code == 401:
            self._token = None
        return response
