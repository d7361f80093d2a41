"""`./dev up` as a person runs it: ready within a minute, stopped cleanly by Ctrl-C, one per state folder."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from deploy.embedded.ports import listening_socket
from deploy.embedded.stack import REPO_ROOT
from testkit.stack import SAINT_DENIS

pytestmark = pytest.mark.e2e
ENV = {k: v for k, v in os.environ.items() if k not in ("NATS_URL", "REDIS_URL", "DATABASE_URL")}


def dev_up_command(var: Path) -> list[str]:
    return ["./dev", "up", "--", "--var", str(var), "--stations", SAINT_DENIS]


class DevUp:
    """`./dev up` in its own process group, like a terminal's foreground job."""

    def __init__(self, var: Path) -> None:
        self.var = var
        self.process = subprocess.Popen(
            dev_up_command(var),
            cwd=REPO_ROOT,
            env=ENV,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def demo(self) -> dict:
        return json.loads((self.var / "demo.json").read_text())

    def wait_ready(self) -> str:
        """The gateway's URL once it is ready. The bound is for a hung start, not a timing."""
        started = time.monotonic()
        while time.monotonic() - started < 120 and self.process.poll() is None:
            if (self.var / "demo.json").exists():
                gateway = self.demo["gateway"]
                try:
                    if httpx.get(f"{gateway}/readyz", timeout=2).status_code == 200:
                        return gateway
                except httpx.HTTPError:
                    pass
            time.sleep(0.5)
        output = ""
        if self.process.poll() is not None:
            assert self.process.stdout is not None  # stdout=PIPE
            output = self.process.stdout.read().decode()
        raise AssertionError(f"not ready within 120 s\n{output}")

    def ctrl_c(self) -> str:
        os.killpg(self.process.pid, signal.SIGINT)
        output = self.process.communicate(timeout=40)[0].decode()
        assert self.process.returncode == 0, output
        return output

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)


def test_dev_up_serves_readyz_and_stops_on_ctrl_c(tmp_path):
    var = tmp_path / "var"
    stack = DevUp(var)
    try:
        gateway = stack.wait_ready()
        demo = stack.demo
        assert demo["stations"] == [SAINT_DENIS]
        assert {a["role"] for a in demo["accounts"]} >= {"admin", "operator", "courier"}

        # A second stack on the same state folder would run a second nats-server on the same store.
        second = subprocess.run(
            dev_up_command(var), cwd=REPO_ROOT, env=ENV, capture_output=True, text=True, timeout=60
        )
        assert second.returncode == 1, second.stdout + second.stderr
        assert "already runs on" in second.stderr and "--var" in second.stderr
        assert httpx.get(f"{gateway}/readyz", timeout=5).status_code == 200  # the first one is untouched

        output = stack.ctrl_c()
        assert "Gare numérique — station stack is up" in output
        assert "stopped." in output
        # Nothing of the stack is left behind.
        leftovers = subprocess.run(["pgrep", "-f", str(var)], capture_output=True, text=True).stdout.split()
        assert leftovers == []
        assert not _answers(gateway)
    finally:
        stack.kill()


def test_two_stacks_started_at_once_each_serve_on_the_ports_they_report(tmp_path):
    """Both want 8080 and 8101-8104: each binds what it reports and waits for its own gateway."""
    stacks = [DevUp(tmp_path / "one"), DevUp(tmp_path / "two")]
    try:
        gateways = [stack.wait_ready() for stack in stacks]
        assert gateways[0] != gateways[1]
        for stack in stacks:
            services = stack.demo["services"]
            for name, url in services.items():
                assert httpx.get(f"{url}/healthz", timeout=5).json()["component"] == name
        ports = [{url.rsplit(":", 1)[1] for url in stack.demo["services"].values()} for stack in stacks]
        assert ports[0].isdisjoint(ports[1])
        for stack in stacks:
            assert "stopped." in stack.ctrl_c()
    finally:
        for stack in stacks:
            stack.kill()


@contextlib.contextmanager
def hold_port(port: int) -> Iterator[None]:
    """Hold `port` for the test. A stack that a test before this one stopped may still be letting it
    go: wait for that; a program that keeps it all along holds it just as well."""
    deadline = time.monotonic() + 30
    sock = None
    while sock is None:
        try:
            sock = listening_socket(port)
        except OSError:
            if time.monotonic() > deadline:
                break
            time.sleep(0.2)
    try:
        yield
    finally:
        if sock is not None:
            sock.close()


def test_dev_up_where_8080_is_taken_comes_back_on_the_same_ports(tmp_path):
    """A new user's first start on a machine where 8080 serves something else: the gateway moves,
    says so, and stays where it moved at the next start, so paired screens find it again."""
    var = tmp_path / "var"
    with contextlib.ExitStack() as held:
        held.enter_context(hold_port(8080))
        first = DevUp(var)
        try:
            gateway = first.wait_ready()
            services = first.demo["services"]
            output = first.ctrl_c()
        finally:
            first.kill()
        assert not gateway.endswith(":8080")
        assert "NOTE gateway: port 8080 is used by another program" in output, output
        assert json.loads((var / "ports.json").read_text())["gateway"] == int(gateway.rsplit(":", 1)[1])

        second = DevUp(var)
        try:
            assert second.wait_ready() == gateway
            assert second.demo["services"] == services
            output = second.ctrl_c()
        finally:
            second.kill()
        # The gateway and the services came back where their clients know them, and said nothing.
        # A NOTE may remain for a port another program took between the two starts (on a shared CI
        # machine, another test's process on the departures simulator's 8190): said as such, never a
        # silent move.
        notes = [line.strip() for line in output.splitlines() if line.strip().startswith("NOTE")]
        for name in ("gateway", *services):
            assert not any(note.startswith(f"NOTE {name}:") for note in notes), output
        assert all("is now used by another program" in note for note in notes), output


def _answers(url: str) -> bool:
    try:
        httpx.get(f"{url}/healthz", timeout=1)
    except httpx.HTTPError:
        return False
    return True
