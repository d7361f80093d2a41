"""What `create_service_app` does with a service's declarations: it runs the background work the
service declares (and says in /readyz when a loop or responder is not working), and it serves a
read declared with `hot_get` from the cache."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

import nats
import pytest
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from nats.aio.msg import Msg
from prometheus_client import REGISTRY

from kernel.background import Background, Loop, Responder
from kernel.bus_tables import new_metadata
from kernel.db import create_engine
from kernel.deps import get_runtime
from kernel.hot_reads import HotRead, Rendered, hot_get
from kernel.registry import BIKE_SHARE
from kernel.runtime import ServiceRuntime
from kernel.service_app import ServiceDefinition
from kernel.settings import ServiceSettings
from testkit.service import SAINT_DENIS, SigningKey, running_service, wait_until

METADATA = new_metadata()
PREFIX = BIKE_SHARE.path_prefix
THINGS = HotRead(
    name="things",
    path=f"{PREFIX}/things",
    tags=lambda request: ["things"],
    cache_control="public, max-age=5",
)
router = APIRouter(prefix=PREFIX)
renders: list[str] = []


@hot_get(router, THINGS, summary="Things, from ready bytes")
async def list_things(
    station_id: str, request: Request, runtime: Annotated[ServiceRuntime, Depends(get_runtime)]
) -> Response:
    async def render() -> Rendered:
        renders.append(station_id)
        return Rendered(b'{"things": []}')

    return (await runtime.hot.entry_for(THINGS, request, render)).response(request)


class Counting(Loop):
    def __init__(self) -> None:
        super().__init__("test-counting", every=3600)
        self.calls = 0

    async def tick(self) -> float | None:
        self.calls += 1
        return None


async def pong(message: Msg) -> bytes:
    return b"pong"


def definition(background: Background) -> ServiceDefinition:
    return ServiceDefinition(
        service=BIKE_SHARE,
        title="test",
        description="test",
        version="0",
        metadata=METADATA,
        routers=[router],
        background=lambda runtime: background,
    )


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[str]:
    url = f"sqlite:///{tmp_path / 'service.sqlite'}"
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(METADATA.create_all)
    await engine.dispose()
    yield url


SETTINGS = functools.partial(ServiceSettings, port=8199)


async def test_the_kernel_runs_a_services_loops_and_responders_and_stops_them(nats_server, database):
    loop = Counting()
    responder = Responder("test-ping", subject="test.ping", queue="test", handle=pong)
    background = Background(responders=[responder], loops=[loop])
    async with running_service(
        definition(background), SETTINGS, database_url=database, keys=SigningKey(), nats_url=nats_server.url
    ) as service:
        assert service.runtime.background is background
        await wait_until(lambda: loop.calls == 1 and responder.subscribed)
        client = await nats.connect(nats_server.url)
        try:
            assert (await client.request("test.ping", b"", timeout=2)).data == b"pong"
        finally:
            await client.close()
        ready = (await service.http.get("/readyz")).json()
        assert ready["checks"]["background"]["status"] == "up"
        await loop.stop()  # as if it had died
        ready = (await service.http.get("/readyz")).json()
        assert ready["checks"]["background"] == {
            "status": "down",
            "required": False,
            "detail": "loop test-counting stopped",
        }
    assert not loop.alive and not responder.subscribed


async def test_a_read_declared_with_hot_get_is_served_from_the_cache_the_second_time(database):
    renders.clear()
    async with running_service(
        definition(Background()), SETTINGS, database_url=database, keys=SigningKey()
    ) as service:
        labels = {"service": "bike_share", "read": "things", "outcome": "fast"}
        fast_before = REGISTRY.get_sample_value("gare_hot_reads_total", labels) or 0.0
        first = await service.http.get(f"/api/v1/stations/{SAINT_DENIS}/mobility/things")
        second = await service.http.get(f"/api/v1/stations/{SAINT_DENIS}/mobility/things")
        assert first.status_code == second.status_code == 200
        assert second.content == b'{"things": []}' and second.headers["etag"] == first.headers["etag"]
        assert renders == [SAINT_DENIS]
        # Answered before routing, by the middleware that create_service_app gave the read.
        assert REGISTRY.get_sample_value("gare_hot_reads_total", labels) == fast_before + 1
        unchanged = await service.http.get(
            f"/api/v1/stations/{SAINT_DENIS}/mobility/things",
            headers={"If-None-Match": first.headers["etag"]},
        )
        assert unchanged.status_code == 304
        assert "304" in service.app.openapi()["paths"][THINGS.path]["get"]["responses"]


def test_a_hot_read_outside_its_routers_prefix_is_refused():
    with pytest.raises(ValueError):
        hot_get(APIRouter(prefix="/elsewhere"), THINGS)
