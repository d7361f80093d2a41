"""The device simulators run for real against the whole stack: a screen player and an operator's
availability feed, each on its own client credentials, through the gateway."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx

from deploy.embedded.ports import any_free_port
from devices.client import DeviceSession
from devices.mobility_feed import MobilityFeed, next_counts
from devices.screen import ScreenPlayer
from testkit.service import wait_until
from testkit.stack import SAINT_DENIS, bearer

BASE = f"/api/v1/stations/{SAINT_DENIS}"

PATIENCE = 30.0


def demo_device(stack: Any, kind: str) -> dict[str, Any]:
    return next(d for d in stack.demo["devices"] if d["kind"] == kind and d["station"] == SAINT_DENIS)


@asynccontextmanager
async def session_of(stack: Any, kind: str) -> AsyncIterator[DeviceSession]:
    device = demo_device(stack, kind)
    async with httpx.AsyncClient(timeout=10) as http:
        yield DeviceSession(
            http,
            gateway=stack.gateway_url,
            client_id=device["client_id"],
            client_secret=device["client_secret"],
        )


@asynccontextmanager
async def running(loop: Any) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(loop)
    try:
        yield task
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_the_screen_player_plays_acknowledges_alerts_and_keeps_its_playlist_offline(stack, tokens):
    code = demo_device(stack, "screen")["binding"]
    operator = bearer(tokens.operator())
    signage = f"{stack.gateway_url}{BASE}/signage"
    async with session_of(stack, "screen") as session:
        player = ScreenPlayer(session, station_id=SAINT_DENIS, screen_code=code, poll_seconds=0.2)
        async with running(player.run()) as task:
            await wait_until(
                lambda: player.playlist is not None and player.etag is not None, timeout=PATIENCE
            )
            assert player.playlist is not None and player.playlist["items"]

            async with httpx.AsyncClient(timeout=10) as http:
                # Its heartbeat tells operators the version it plays.
                async def reported() -> bool:
                    listed = (await http.get(f"{signage}/screens", headers=operator)).json()["items"]
                    screen = next(s for s in listed if s["code"] == code)
                    return screen["online"] and screen["playing_version"] == player.version is not None

                await wait_async(reported)

                # An alert reaches the player by its poll, and the player acknowledges it.
                raised = await http.post(
                    f"{signage}/alerts",
                    json={"severity": "info", "texts": {"fr": "Essai"}, "targets": {"screens": [code]}},
                    headers=operator,
                )
                assert raised.status_code == 201, raised.text
                alert_id = raised.json()["id"]

                async def acknowledged() -> bool:
                    status = (await http.get(f"{signage}/alerts/{alert_id}", headers=operator)).json()
                    return code in status["acknowledged"]

                await wait_async(acknowledged)
                cleared = await http.post(f"{signage}/alerts/{alert_id}/clear", headers=operator)
                assert cleared.status_code == 200, cleared.text

            # The network drops: the player goes on with what it has, and its loop keeps running.
            kept, gateway = player.playlist, session.gateway
            session.gateway = f"http://127.0.0.1:{any_free_port()}"
            await wait_until(lambda: player.failed_polls >= 2, timeout=PATIENCE)
            assert player.playlist == kept and not task.done()
            session.gateway = gateway
            await wait_until(lambda: player.failed_polls == 0, timeout=PATIENCE)
            assert player.playlist == kept and not task.done()


def listening(task: asyncio.Task[None], condition: Callable[[], bool]) -> Callable[[], bool]:
    """The condition, as long as the player still listens (if it stopped, why)."""

    def check() -> bool:
        if task.done():
            task.result()
            raise AssertionError("the player stopped listening")
        return condition()

    return check


async def test_the_screen_player_obeys_its_push_channel_through_the_gateway(stack, tokens):
    code = demo_device(stack, "screen")["binding"]
    operator = bearer(tokens.operator())
    signage = f"{stack.gateway_url}{BASE}/signage"
    async with session_of(stack, "screen") as session, httpx.AsyncClient(timeout=10) as http:
        # It never polls here: whatever it learns comes by the commands of its channel.
        player = ScreenPlayer(session, station_id=SAINT_DENIS, screen_code=code, poll_seconds=3600)
        async with running(player.listen()) as task:
            # On opening, the channel says which alerts to show.
            await wait_until(listening(task, lambda: player.obeyed >= 1), timeout=PATIENCE)
            raised = await http.post(
                f"{signage}/alerts",
                json={"severity": "warning", "texts": {"fr": "Poussée"}, "targets": {"screens": [code]}},
                headers=operator,
            )
            assert raised.status_code == 201, raised.text
            alert_id = raised.json()["id"]
            # `alerts` shows it (and the player acknowledges it), `changed` has it fetch its document.
            await wait_until(
                listening(task, lambda: alert_id in [a.id for a in player.alerts]), timeout=PATIENCE
            )
            await wait_until(listening(task, lambda: player.version is not None), timeout=PATIENCE)

            async def acknowledged() -> bool:
                status = (await http.get(f"{signage}/alerts/{alert_id}", headers=operator)).json()
                return code in status["acknowledged"]

            await wait_async(acknowledged)
            cleared = await http.post(f"{signage}/alerts/{alert_id}/clear", headers=operator)
            assert cleared.status_code == 200, cleared.text
            await wait_until(
                listening(task, lambda: alert_id not in [a.id for a in player.alerts]), timeout=PATIENCE
            )
            assert not task.done()


async def feed_listing(http: httpx.AsyncClient, url: str) -> list[dict[str, Any]]:
    """Every vehicle station of the station's listing, page after page."""
    found: list[dict[str, Any]] = []
    params = {"limit": "200"}
    while True:
        page = (await http.get(url, params=params)).json()
        found += page["items"]
        if page["next_cursor"] is None:
            return found
        params["cursor"] = page["next_cursor"]


async def test_the_availability_feed_reports_every_station_with_consistent_counts(stack):
    listing_url = f"{stack.gateway_url}{BASE}/mobility/vehicle-stations"
    async with httpx.AsyncClient(timeout=10) as http:
        before = {s["id"]: s for s in await feed_listing(http, listing_url) if s.get("status")}
    assert before
    async with session_of(stack, "mobility_feed") as session:
        feed = MobilityFeed(session, station_id=SAINT_DENIS, period_seconds=0.1, seed=7)
        # One round by hand: every station with a status is reported, and accepted.
        assert await feed.report_once() == len(before)
        async with running(feed.run()), httpx.AsyncClient(timeout=10) as http:

            async def reported_again() -> list[dict[str, Any]] | None:
                rows = [s for s in await feed_listing(http, listing_url) if s.get("status")]
                newer = [
                    s
                    for s in rows
                    if s["status"]["last_reported"] > before[s["id"]]["status"]["last_reported"]
                ]
                return rows if len(newer) == len(rows) else None

            rows = await wait_async(reported_again)
    for station in rows:
        status = station["status"]
        counts = [c["count"] for c in status["vehicle_types_available"]]
        assert all(c >= 0 for c in counts) and status["num_vehicles_available"] == sum(counts)
        old = before[station["id"]]["status"]
        if old["num_docks_available"] is not None:
            # A bike taken frees a dock and a bike returned takes one: the station keeps its size.
            assert (
                status["num_vehicles_available"] + status["num_docks_available"]
                == old["num_vehicles_available"] + old["num_docks_available"]
            )


def test_a_feed_step_takes_or_returns_one_bike_within_the_station():
    rng = random.Random(3)
    types, docks = {"mechanical": 1, "ebike": 0}, 2
    for _ in range(500):
        new_types, new_docks = next_counts(types, docks, rng)
        assert all(c >= 0 for c in new_types.values()) and new_docks is not None and new_docks >= 0
        assert sum(new_types.values()) + new_docks == sum(types.values()) + docks
        assert sum(abs(new_types[k] - types[k]) for k in types) <= 1
        types, docks = new_types, new_docks
    # Without docks (a free-floating area), only the bikes move.
    counts, none = next_counts({"mechanical": 0}, None, rng)
    assert none is None and counts["mechanical"] in (0, 1)


async def wait_async(probe: Any) -> Any:
    deadline = asyncio.get_running_loop().time() + PATIENCE
    while not (value := await probe()):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {PATIENCE}s")
        await asyncio.sleep(0.1)
    return value
