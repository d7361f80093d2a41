"""The embedded runner keeps its station up through a `kill -9` of nats-server, redis-server or the
gateway: each comes back on the same port with the same data, clients reconnect, nothing is lost."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import httpx
import pytest

from deploy.embedded.processes import ManagedProcess
from deploy.embedded.stack import DEVICES, StationStack
from deploy.embedded.supervisor import Supervisor
from kernel.registry import COMPONENTS
from testkit.stack import SAINT_DENIS, bearer, eventually
from tests.test_supervision import published_reports, status_report

pytestmark = pytest.mark.e2e
MOBILITY = f"/api/v1/stations/{SAINT_DENIS}/mobility/vehicle-stations"
SCREENS = f"/api/v1/stations/{SAINT_DENIS}/signage/screens"
KIOSK_MOBILITY = f"/api/v1/stations/{SAINT_DENIS}/kiosk/mobility"
# Generous bounds for a loaded machine; they only stop a test that would otherwise hang.
RECOVERY = 90


@contextmanager
def supervised(stack: StationStack) -> Iterator[Supervisor]:
    """The runner's supervisor doing its rounds beside the test, as `./dev up` does."""
    supervisor = stack.supervisor()
    stop = threading.Event()
    rounds = threading.Thread(target=supervisor.run, args=(stop, 0.2), daemon=True)
    rounds.start()
    try:
        yield supervisor
    finally:
        stop.set()
        rounds.join(timeout=10)


def process_of(stack: StationStack, name: str) -> ManagedProcess:
    process = {"nats": stack.nats, "redis": stack.redis}.get(name) or stack.processes[name]
    assert process is not None, f"this stack runs no {name}"
    return process


def is_running(stack: StationStack, name: str) -> bool:
    return process_of(stack, name).running


def pid_of(stack: StationStack, name: str) -> int:
    process = process_of(stack, name)
    assert process.pid is not None and process.running, f"{name} is not running"
    return process.pid


def ready(gateway: str) -> bool:
    try:
        return httpx.get(f"{gateway}/readyz", timeout=3).status_code == 200
    except httpx.HTTPError:
        return False


def report_status(gateway: str, operator: dict[str, str], station: dict) -> datetime | None:
    """One availability report through the gateway; when it was taken if the service accepted it."""
    at = datetime.now(UTC)
    try:
        response = httpx.put(
            f"{gateway}{MOBILITY}/{station['id']}/status",
            json=status_report(at, station["capacity"]),
            headers=operator,
            timeout=5,
        )
    except httpx.HTTPError:
        return None
    # A dependency down is a 503 or 504 problem, never a 500.
    assert response.status_code in (200, 503, 504), response.text
    return at if response.status_code == 200 else None


@pytest.mark.parametrize("server", ["nats", "redis"])
def test_a_killed_infrastructure_server_is_restarted_in_place_and_nothing_is_lost(
    stack, gateway, tokens, server
):
    operator = bearer(tokens.operator())
    station = httpx.get(f"{gateway}{MOBILITY}", timeout=10).json()["items"][0]
    before = report_status(gateway, operator, station)
    assert before is not None
    eventually(lambda: before in published_reports(stack.nats_url, station["id"]), timeout=30, interval=0.5)
    urls = (stack.nats_url, stack.redis_url)
    killed = pid_of(stack, server)
    os.kill(killed, signal.SIGKILL)
    eventually(lambda: not is_running(stack, server), timeout=30)
    # While it is down, a write is kept (the outbox holds its event) or refused with a 503, never a 500.
    during = report_status(gateway, operator, station)

    with supervised(stack) as supervisor:
        eventually(lambda: supervisor.restarts.get(server), timeout=RECOVERY, interval=0.2)
        eventually(lambda: ready(gateway), timeout=RECOVERY, interval=0.5)
        # Services reconnect on their own: a write made now is accepted and its event published.
        after, _ = eventually(
            lambda: report_status(gateway, operator, station), timeout=RECOVERY, interval=0.5
        )

    assert pid_of(stack, server) != killed
    assert (stack.nats_url, stack.redis_url) == urls  # same ports: nobody had to be told a new address
    # The event published before the kill is still in the stream (JetStream's file store in var/nats),
    # and those of the writes accepted while it was down and after it joined it.
    expected = {before, after} | ({during} if during else set())
    eventually(lambda: expected <= published_reports(stack.nats_url, station["id"]), timeout=60, interval=0.5)
    shown = httpx.get(f"{gateway}{MOBILITY}/{station['id']}", timeout=10).json()
    assert datetime.fromisoformat(shown["status"]["last_reported"]) == after
    # info_kiosk's durable consumer resumed too: its read model shows the report made after the restart.
    eventually(lambda: kiosk_last_reported(gateway, station["id"]) == after, timeout=60, interval=0.5)


def kiosk_last_reported(gateway: str, vehicle_station_id: str) -> datetime | None:
    rows = httpx.get(f"{gateway}{KIOSK_MOBILITY}", timeout=10).json()["vehicle_stations"]
    row = next((r for r in rows if r["vehicle_station_id"] == vehicle_station_id), None)
    return datetime.fromisoformat(row["last_reported"]) if row else None


def screen_seen(gateway: str, operator: dict[str, str], since: datetime) -> dict | None:
    """The demo's hall screen when it is online with a heartbeat after `since`."""
    try:
        response = httpx.get(f"{gateway}{SCREENS}", headers=operator, timeout=5)
    except httpx.HTTPError:
        return None
    if response.status_code != 200:
        return None
    hall = next(s for s in response.json()["items"] if s["code"] == "hall")
    seen = hall["last_seen_at"]
    return hall if hall["online"] and seen and datetime.fromisoformat(seen) > since else None


def test_a_paired_screen_stays_online_across_a_gateway_restart(stack, gateway, tokens):
    """The screen simulator keeps the gateway's address and its token: a restarted gateway, on the
    same port with the same keys, sees it again; an operator signed in before stays signed in."""
    operator = bearer(tokens.operator())
    eventually(lambda: screen_seen(gateway, operator, datetime.min.replace(tzinfo=UTC)), timeout=RECOVERY)
    killed = pid_of(stack, "gateway")

    with supervised(stack) as supervisor:
        killed_at = datetime.now(UTC)
        os.kill(killed, signal.SIGKILL)
        eventually(lambda: supervisor.restarts.get("gateway"), timeout=RECOVERY, interval=0.2)
        eventually(lambda: ready(gateway), timeout=RECOVERY, interval=0.5)

    assert stack.gateway_url == gateway and pid_of(stack, "gateway") != killed
    # A heartbeat the screen sent through the new gateway process, read with the token issued before.
    hall, _ = eventually(lambda: screen_seen(gateway, operator, killed_at), timeout=RECOVERY, interval=1)
    assert hall["online"]


# Every process the runner starts for a station; a component added to the registry joins the matrix.
EVERY_PROCESS = ["nats", "redis", *(c.name for c in COMPONENTS), DEVICES]


def test_the_supervisor_watches_every_process_the_stack_started(stack):
    assert set(EVERY_PROCESS) <= set(stack.supervisor().running())


@pytest.mark.parametrize("name", EVERY_PROCESS)
def test_every_process_of_the_stack_comes_back_after_kill_9(stack, gateway, name):
    killed = pid_of(stack, name)
    urls = (stack.gateway_url, stack.nats_url, stack.redis_url, *(stack.url(c.name) for c in COMPONENTS))
    with supervised(stack) as supervisor:
        os.kill(killed, signal.SIGKILL)
        eventually(lambda: supervisor.restarts.get(name), timeout=RECOVERY, interval=0.2)
        eventually(lambda: is_running(stack, name) and ready(gateway), timeout=RECOVERY, interval=0.5)
    assert pid_of(stack, name) != killed
    assert (
        stack.gateway_url,
        stack.nats_url,
        stack.redis_url,
        *(stack.url(c.name) for c in COMPONENTS),
    ) == urls
