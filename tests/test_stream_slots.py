"""Every Server-Sent Events route of every service holds one of its client's stream slots while it
is open: a client (token subject, else address) that holds its share gets a `429 too-many-streams`,
others still get theirs, and a closed stream gives its slot back. The routes are found in each
service's OpenAPI: a new event stream without a row here fails the test."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from kernel.service_app import ServiceDefinition
from kernel.settings import ServiceSettings
from kernel.streams import StreamSlots
from services.bike_share.app import DEFINITION as BIKE_SHARE
from services.bike_share.settings import Settings as BikeShareSettings
from services.info_kiosk.app import DEFINITION as INFO_KIOSK
from services.info_kiosk.settings import Settings as InfoKioskSettings
from services.parcel_lockers.app import DEFINITION as PARCEL_LOCKERS
from services.parcel_lockers.settings import Settings as ParcelLockersSettings
from services.signage.app import DEFINITION as SIGNAGE
from services.signage.settings import Settings as SignageSettings
from testkit.service import (
    SAINT_DENIS,
    ServiceUnderTest,
    SigningKey,
    bearer,
    migrated_sqlite_async,
    running_service,
)

REPO = Path(__file__).parents[1]
PER_CLIENT = 2
SERVICES: list[tuple[ServiceDefinition, Callable[..., ServiceSettings]]] = [
    (PARCEL_LOCKERS, ParcelLockersSettings),
    (SIGNAGE, SignageSettings),
    (BIKE_SHARE, BikeShareSettings),
    (INFO_KIOSK, InfoKioskSettings),
]


@dataclass
class Caller:
    """Who opens a stream: headers (a token or none) and the address the service sees."""

    headers: dict[str, str]
    peer: str


async def nothing(running: ServiceUnderTest) -> None:
    return None


async def a_screen(running: ServiceUnderTest) -> None:
    created = await running.http.post(
        f"/api/v1/stations/{SAINT_DENIS}/signage/screens",
        json={
            "code": "hall",
            "name": "Écran hall",
            "location": "Hall",
            "orientation": "landscape",
            "resolution": "1920x1080",
            "languages": ["fr"],
        },
        headers=bearer(running.keys.operator()),
    )
    assert created.status_code == 201, created.text


def operator_named(name: str) -> Callable[[SigningKey], Caller]:
    return lambda keys: Caller(
        bearer(keys.token(role="operator", stations=[SAINT_DENIS], subject=f"operator:{name}")),
        "203.0.113.7",
    )


def anonymous_at(address: str, *, via_gateway: bool = False) -> Callable[[SigningKey], Caller]:
    # Through the gateway the peer is the gateway (loopback, trusted) naming the client.
    if via_gateway:
        return lambda keys: Caller({"X-Forwarded-For": address}, "127.0.0.1")
    return lambda keys: Caller({}, address)


@dataclass
class Row:
    arrange: Callable[[ServiceUnderTest], Awaitable[None]]
    path: str
    # Two different clients (the first fills its share; the second still gets a stream).
    first: Callable[[SigningKey], Caller]
    second: Callable[[SigningKey], Caller]


ROWS: dict[tuple[str, str], Row] = {
    ("signage", "/api/v1/stations/{station_id}/signage/screens/{code}/events"): Row(
        a_screen,
        f"/api/v1/stations/{SAINT_DENIS}/signage/screens/hall/events",
        operator_named("one"),
        operator_named("two"),
    ),
    ("bike_share", "/api/v1/stations/{station_id}/mobility/events"): Row(
        nothing,
        f"/api/v1/stations/{SAINT_DENIS}/mobility/events",
        anonymous_at("203.0.113.7", via_gateway=True),
        anonymous_at("203.0.113.8", via_gateway=True),
    ),
    ("info_kiosk", "/api/v1/stations/{station_id}/kiosk/departures/live"): Row(
        nothing,
        f"/api/v1/stations/{SAINT_DENIS}/kiosk/departures/live",
        anonymous_at("203.0.113.7", via_gateway=True),
        anonymous_at("203.0.113.8", via_gateway=True),
    ),
}


def event_stream_routes(app: FastAPI) -> set[str]:
    found = set()
    for path, operations in app.openapi()["paths"].items():
        for operation in operations.values():
            answers = operation.get("responses", {}).values()
            if any("text/event-stream" in answer.get("content", {}) for answer in answers):
                found.add(path)
    return found


class OpenStream:
    """One client's stream, held open over ASGI until `close` (httpx's ASGI transport would wait for
    the end of a stream that never ends)."""

    def __init__(self, app: FastAPI, path: str, caller: Caller) -> None:
        self.started: asyncio.Future[MutableMapping[str, Any]] = asyncio.get_running_loop().create_future()
        self.body = b""
        self.left = asyncio.Event()
        headers = [(b"host", b"service.test"), (b"accept", b"text/event-stream")]
        headers += [(k.lower().encode(), v.encode()) for k, v in caller.headers.items()]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": headers,
            "client": (caller.peer, 50000),
            "server": ("service.test", 80),
        }
        self.task = asyncio.create_task(app(scope, self._receive, self._send))

    async def _receive(self) -> dict[str, Any]:
        await self.left.wait()
        return {"type": "http.disconnect"}

    async def _send(self, message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start" and not self.started.done():
            self.started.set_result(message)
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")

    async def status(self) -> int:
        return int((await asyncio.wait_for(self.started, 10))["status"])

    async def close(self) -> None:
        self.left.set()
        await asyncio.wait_for(self.task, 10)


@pytest.mark.parametrize(("definition", "settings"), SERVICES, ids=[d.name for d, _ in SERVICES])
async def test_each_event_stream_holds_one_of_its_clients_slots(tmp_path, keys, definition, settings):
    url = await migrated_sqlite_async(
        REPO / "services" / definition.name / "migrations", tmp_path / f"{definition.name}.sqlite"
    )
    async with running_service(definition, settings, database_url=url, keys=keys) as running:
        routes = event_stream_routes(running.app)
        assert routes == {path for name, path in ROWS if name == definition.name}
        running.runtime.stream_slots = StreamSlots(per_client=PER_CLIENT)
        for path in routes:
            row = ROWS[(definition.name, path)]
            await row.arrange(running)
            first, second = row.first(keys), row.second(keys)
            held = [OpenStream(running.app, row.path, first) for _ in range(PER_CLIENT)]
            assert [await s.status() for s in held] == [200] * PER_CLIENT

            refused = OpenStream(running.app, row.path, first)
            assert await refused.status() == 429
            await refused.close()
            assert b'"type":"/problems/too-many-streams"' in refused.body
            assert refused.started.result()["headers"].count((b"retry-after", b"30")) == 1

            other = OpenStream(running.app, row.path, second)
            assert await other.status() == 200

            await held.pop().close()  # a stream that ends gives its slot back
            again = OpenStream(running.app, row.path, first)
            assert await again.status() == 200
            for stream in (*held, other, again):
                await stream.close()
            assert running.runtime.stream_slots.open == 0
