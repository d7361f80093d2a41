"""Once chosen, a station stack keeps its ports: a paired screen or a signed-in phone knows the gateway by
its address, so a restart must not move it. Only a port another program took makes one move, said aloud."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest

from deploy.embedded.ports import PORTS_FILE, listening_socket, moved_notice, recorded_ports
from deploy.embedded.processes import LogLimits
from deploy.embedded.stack import StationStack
from testkit.stack import SAINT_DENIS, Tokens
from tests.conftest import running_stack

SMALL_LOGS = LogLimits(max_bytes=4 * 1024, backups=2)
INFRA = ("nats", "redis")


@contextmanager
def station(var: Path, **overrides: object) -> Iterator[StationStack]:
    """A one-station stack on SQLite (ports do not depend on the database), without device simulators."""
    with running_stack(
        var, "sqlite", stations=[SAINT_DENIS], with_devices=False, log_limits=SMALL_LOGS, **overrides
    ) as stack:
        yield stack


@contextmanager
def taken(port: int | None = None) -> Iterator[int]:
    """Another program listening on `port` (any free one when None), as a web server on 8080 would."""
    sock = listening_socket(port or 0)
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


def chosen(stack: StationStack) -> dict[str, int]:
    return dict(stack.ports)


@pytest.mark.e2e
def test_a_stack_started_where_its_usual_gateway_port_is_taken_keeps_the_port_it_chose(tmp_path):
    var = tmp_path / "var"
    with taken() as busy:
        # First start, as a new user's: the gateway's usual port is another program's.
        with station(var, usual_ports={"gateway": busy}) as first:
            ports = chosen(first)
            assert ports["gateway"] != busy
            assert set(ports) >= {"gateway", "parcel_lockers", "signage", "bike_share", "info_kiosk", *INFRA}
            assert recorded_ports(var / PORTS_FILE) == ports
            assert json.loads((var / "demo.json").read_text())["gateway"] == first.gateway_url
            assert any(f"port {busy} is used by another program" in n for n in first.notices), first.notices
            operator = Tokens(first).operator()

        # Restarted while the usual port is still taken: the same ports, nothing to say.
        with station(var, usual_ports={"gateway": busy}) as second:
            assert chosen(second) == ports and second.notices == []
            signed_in = httpx.get(
                f"{second.gateway_url}/api/v1/stations/{SAINT_DENIS}/lockers/banks",
                headers={"Authorization": f"Bearer {operator}"},
                timeout=10,
            )
            assert signed_in.status_code == 200, signed_in.text  # the operator stayed signed in

    # The usual port is free again: the stack still keeps the one its clients know.
    with station(var, usual_ports={"gateway": busy}) as third:
        assert chosen(third) == ports and third.notices == []


@pytest.mark.e2e
def test_a_recorded_port_another_program_took_is_said_and_only_then_replaced(tmp_path):
    var = tmp_path / "var"
    with station(var) as first:
        ports = chosen(first)
    lost = ("gateway", "bike_share", "nats")
    with ExitStack() as others:
        for name in lost:
            others.enter_context(taken(ports[name]))
        with station(var) as moved:
            now = chosen(moved)
            assert {k: v for k, v in now.items() if k not in lost} == {
                k: v for k, v in ports.items() if k not in lost
            }
            for name in lost:
                assert now[name] != ports[name]
                notice = next(n for n in moved.notices if n.startswith(f"{name}:"))
                assert f"port {ports[name]}" in notice and f"port {now[name]}" in notice
                assert "used before" in notice and "another program" in notice
            assert "paired screens" in next(n for n in moved.notices if n.startswith("gateway:"))
            assert recorded_ports(var / PORTS_FILE) == now
            assert httpx.get(f"{moved.gateway_url}/readyz", timeout=10).status_code == 200
    # What was chosen last is kept, even with the old ports free again.
    with station(var) as last:
        assert chosen(last) == now and last.notices == []
        logs = last.logs

    # Every log the stack wrote over three runs, whatever the component, stayed within its cap.
    files = {path.name: path.stat().st_size for path in logs.iterdir()}
    assert all(size <= SMALL_LOGS.max_bytes for size in files.values()), files
    for base in {name.split(".log", 1)[0] for name in files}:
        kept = [name for name in files if name.split(".log", 1)[0] == base]
        assert len(kept) <= 1 + SMALL_LOGS.backups, kept
    assert any(name.endswith(".log.1") for name in files), files  # the small cap was reached


def test_a_broken_ports_file_is_not_fatal(tmp_path):
    path = tmp_path / PORTS_FILE
    for content in ("", "{", "[]", '{"gateway": "8080", "nats": -1, "redis": 70000, "signage": true}'):
        path.write_text(content)
        assert recorded_ports(path) == {}
    path.write_text('{"gateway": 18080, "nats": 14222}')
    assert recorded_ports(path) == {"gateway": 18080, "nats": 14222}


def test_a_moved_gateway_tells_what_clients_lose_and_how_to_go_back():
    notice = moved_notice("gateway", 8080, 41234, recorded=True)
    assert "8080" in notice and "41234" in notice and "paired screens" in notice and PORTS_FILE in notice
    internal = moved_notice("bike_share", 8103, 41235, recorded=True)
    assert "8103" in internal and "41235" in internal and "paired screens" not in internal
    first_start = moved_notice("gateway", 8080, 41234, recorded=False)
    assert "used by another program" in first_start and "kept from now on" in first_start
