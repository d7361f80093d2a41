"""What the end-to-end tests share: signing in, polling, reading problems."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
import nats

from deploy.embedded.stack import StationStack
from testkit.service import SAINT_DENIS, VILLEJUIF, assert_problem, bearer

__all__ = ["SAINT_DENIS", "VILLEJUIF", "EventCatcher", "Tokens", "assert_problem", "bearer", "eventually"]
T = TypeVar("T")


class Tokens:
    """Tokens of the stack's demo accounts and devices, fetched through the real token endpoint."""

    def __init__(self, stack: StationStack) -> None:
        self.stack = stack
        self._cache: dict[str, tuple[str, float]] = {}

    def _fetch(self, key: str, data: dict[str, str]) -> str:
        cached = self._cache.get(key)
        if cached and cached[1] > time.monotonic() + 60:
            return cached[0]
        response = httpx.post(f"{self.stack.gateway_url}/auth/token", data=data, timeout=10)
        assert response.status_code == 200, response.text
        body = response.json()
        self._cache[key] = (body["access_token"], time.monotonic() + body["expires_in"])
        return body["access_token"]

    def account(self, username: str) -> str:
        account = next(a for a in self.stack.demo["accounts"] if a["username"] == username)
        return self._fetch(
            username, {"grant_type": "password", "username": username, "password": account["password"]}
        )

    def operator(self, station: str = SAINT_DENIS) -> str:
        return self.account(f"operator-{station}")

    def admin(self) -> str:
        return self.account("admin")

    def courier(self, carrier: str = "colissimo") -> str:
        """The demo courier of `carrier` (deploy/embedded/credentials.py names one per carrier)."""
        return self.account(
            next(a["username"] for a in self.stack.demo["accounts"] if a.get("carrier") == carrier)
        )

    def device(self, kind: str, station: str = SAINT_DENIS) -> str:
        device = next(d for d in self.stack.demo["devices"] if d["kind"] == kind and d["station"] == station)
        return self._fetch(
            device["client_id"],
            {
                "grant_type": "client_credentials",
                "client_id": device["client_id"],
                "client_secret": device["client_secret"],
            },
        )


def eventually(probe: Callable[[], T | None], *, timeout: float, interval: float = 0.02) -> tuple[T, float]:
    """Poll until `probe` returns something truthy; returns it with the seconds it took."""
    started = time.monotonic()
    while True:
        value = probe()
        if value:
            return value, time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)


class EventCatcher:
    """Listens on a NATS subject while a request runs, like any other service would."""

    def __init__(self, nats_url: str, subject: str) -> None:
        self.nats_url = nats_url
        self.subject = subject

    def during(self, action: Callable[[], T], timeout: float = 5.0) -> tuple[T, dict[str, Any]]:
        """Run `action` (a blocking call) while subscribed; returns its result and the first event."""

        async def run() -> tuple[T, dict[str, Any]]:
            nc = await nats.connect(self.nats_url)
            received: asyncio.Queue = asyncio.Queue()

            async def on_message(msg: Any) -> None:
                await received.put(json.loads(msg.data))

            await nc.subscribe(self.subject, cb=on_message)
            await nc.flush()
            result = await asyncio.to_thread(action)
            try:
                event = await asyncio.wait_for(received.get(), timeout)
            finally:
                await nc.close()
            return result, event

        return asyncio.run(run())
