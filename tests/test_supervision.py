"""The embedded station keeps running: a component killed mid-write is restarted and loses nothing it accepted."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import threading
import time
from datetime import UTC, datetime

import httpx
import nats
import pytest
from nats.js.api import ConsumerConfig, DeliverPolicy

from testkit.stack import SAINT_DENIS, bearer, eventually

pytestmark = pytest.mark.e2e
BASE = f"/api/v1/stations/{SAINT_DENIS}/mobility/vehicle-stations"


def status_report(at: datetime, capacity: int) -> dict:
    mechanical, ebike = at.microsecond % 3, 1
    return {
        "num_vehicles_available": mechanical + ebike,
        "vehicle_types_available": [
            {"vehicle_type_id": "velib-mechanical", "count": mechanical},
            {"vehicle_type_id": "velib-ebike", "count": ebike},
        ],
        "num_docks_available": capacity - mechanical - ebike,
        "last_reported": at.isoformat(),
    }


def published_reports(nats_url: str, vehicle_station_id: str) -> set[datetime]:
    """last_reported of every status event of that vehicle station in the stream."""

    async def read() -> set[datetime]:
        nc = await nats.connect(nats_url)
        try:
            js = nc.jetstream()
            subscription = await js.pull_subscribe(
                f"gare.{SAINT_DENIS}.mobility.vehicle_station.status_changed",
                stream="GARE_MOBILITY",
                config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL),
            )
            seen: set[datetime] = set()
            while True:
                try:
                    messages = await subscription.fetch(batch=500, timeout=1)
                except TimeoutError:
                    return seen
                for message in messages:
                    data = json.loads(message.data)["data"]
                    if data["vehicle_station_id"] == vehicle_station_id:
                        seen.add(datetime.fromisoformat(data["last_reported"]))
                    await message.ack()
        finally:
            await nc.close()

    return asyncio.run(read())


def test_a_service_killed_during_writes_is_restarted_and_keeps_every_accepted_write(stack, gateway, tokens):
    operator = bearer(tokens.operator())
    station = httpx.get(f"{gateway}{BASE}", timeout=10).json()["items"][0]
    path = f"{gateway}{BASE}/{station['id']}/status"
    supervisor = stack.supervisor()
    accepted: list[datetime] = []
    refused: list[int] = []
    state: dict[str, int | None] = {"killed_at": None}
    done = threading.Event()

    def write_until_resumed() -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            at = datetime.now(UTC)
            try:
                response = httpx.put(
                    path, json=status_report(at, station["capacity"]), headers=operator, timeout=5
                )
                if response.status_code == 200:
                    accepted.append(at)
                else:
                    refused.append(response.status_code)
            except httpx.HTTPError:
                refused.append(0)
            killed_at = state["killed_at"]
            if killed_at is None and len(accepted) >= 5:
                os.kill(stack.processes["bike_share"].pid, signal.SIGKILL)
                state["killed_at"] = len(accepted)
            elif killed_at is not None and len(accepted) >= killed_at + 5:
                break
        done.set()

    writer = threading.Thread(target=write_until_resumed, daemon=True)
    writer.start()
    # The supervisor does its rounds on the test's thread while the writer writes.
    while not done.wait(0.2):
        supervisor.check()
    writer.join()
    killed_at = state["killed_at"]

    assert supervisor.restarts.get("bike_share", 0) >= 1, "bike_share was not restarted"
    assert killed_at is not None, "bike_share was never killed"
    assert len(accepted) >= killed_at + 5, f"writes did not resume after the restart: {refused[-5:]}"
    # While it was down the gateway said so (503/504), never a 500.
    assert refused and set(refused) <= {503, 504, 0}, refused
    expected = set(accepted)
    eventually(lambda: expected <= published_reports(stack.nats_url, station["id"]), timeout=15, interval=0.5)
    shown = httpx.get(f"{gateway}{BASE}/{station['id']}", timeout=10)
    assert shown.status_code == 200, shown.text
    assert datetime.fromisoformat(shown.json()["status"]["last_reported"]) == max(accepted)
