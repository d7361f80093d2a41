"""Background work on its own: a loop survives a failing tick, a responder answers every request
(its handler's problem, or a 500 for a bug) on a real nats-server, and both stop when told."""

from __future__ import annotations

import asyncio
import json

import nats
from nats.aio.msg import Msg
from prometheus_client import REGISTRY

from kernel.background import Background, Loop, Responder
from kernel.bus import NatsBus
from kernel.errors import Problem
from testkit.service import running_nats, wait_until


def failures(loop: str) -> float:
    return REGISTRY.get_sample_value("gare_loop_item_failures_total", {"loop": loop}) or 0.0


class Ticks(Loop):
    """Ticks one after the other (after a failure too: `every` is 0); the second one fails."""

    def __init__(self, name: str) -> None:
        super().__init__(name, every=0.0)
        self.calls = 0

    async def tick(self) -> float | None:
        self.calls += 1
        if self.calls == 2:
            raise RuntimeError("the second round breaks")
        return 0.0


async def test_a_failing_tick_is_recorded_and_the_loop_goes_on():
    loop = Ticks("test-failing-tick")
    before = failures(loop.name)
    loop.start()
    try:
        await wait_until(lambda: loop.calls >= 5)
        assert loop.alive
        assert failures(loop.name) == before + 1
    finally:
        await loop.stop()
    assert not loop.alive


async def test_a_tick_that_returns_nothing_waits_its_period():
    class Once(Loop):
        calls = 0

        async def tick(self) -> float | None:
            self.calls += 1
            return None

    loop = Once("test-period", every=3600)
    loop.start()
    await wait_until(lambda: loop.calls == 1)
    for _ in range(20):
        await asyncio.sleep(0)
    assert loop.calls == 1 and loop.alive
    await loop.stop()


async def echo(message: Msg) -> bytes:
    text = message.data.decode()
    if text == "refuse":
        raise Problem("Not this one.", status=409, slug="conflict")
    if text == "crash":
        raise RuntimeError("a bug")
    return b"echo:" + message.data


async def test_a_responder_answers_its_handlers_bytes_problems_and_failures(nats_server):
    bus = NatsBus(nats_server.url, name="test", streams=[])
    responder = Responder("test-echo", subject="test.echo.*", queue="test", handle=echo)
    background = Background(responders=[responder])
    assert background.problems() == ["responder test-echo not subscribed"]
    bus.start()
    background.start(bus)
    client = await nats.connect(nats_server.url)
    try:
        await wait_until(lambda: responder.subscribed)
        assert background.problems() == []
        assert (await client.request("test.echo.a", b"hello", timeout=2)).data == b"echo:hello"
        refused = json.loads((await client.request("test.echo.a", b"refuse", timeout=2)).data)
        assert (refused["status"], refused["type"]) == (409, "/problems/conflict")
        before = failures("test-echo")
        crashed = json.loads((await client.request("test.echo.b", b"crash", timeout=2)).data)
        assert (crashed["status"], crashed["type"]) == (500, "/problems/internal")
        assert failures("test-echo") == before + 1
        assert (await client.request("test.echo.c", b"again", timeout=2)).data == b"echo:again"
    finally:
        await background.stop()
        await client.close()
        await bus.close()
    assert not responder.subscribed


async def test_a_responder_started_before_nats_is_up_subscribes_when_it_connects(tmp_path):
    with running_nats(tmp_path) as server:
        bus = NatsBus(server.url, name="test", streams=[])
        responder = Responder("test-late", subject="test.late", queue="test", handle=echo)
        responder.start(bus)  # before the bus connects: the connect listener subscribes it
        bus.start()
        client = await nats.connect(server.url)
        try:
            await wait_until(lambda: responder.subscribed)
            assert (await client.request("test.late", b"x", timeout=2)).data == b"echo:x"
        finally:
            await responder.stop()
            await client.close()
            await bus.close()
