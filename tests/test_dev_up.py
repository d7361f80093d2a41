"""`./dev up` as a person runs it: ready within a minute, stopped cleanly by Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import httpx
import pytest

from deploy.embedded.stack import REPO_ROOT
from tests.support import SAINT_DENIS

# It starts a whole stack itself (`./dev up`).
pytestmark = pytest.mark.e2e


def test_dev_up_serves_readyz_and_stops_on_ctrl_c(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("NATS_URL", "REDIS_URL", "DATABASE_URL")}
    var = tmp_path / "var"
    process = subprocess.Popen(
        ["./dev", "up", "--", "--var", str(var), "--stations", SAINT_DENIS],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, like a terminal's foreground job
    )
    try:
        started = time.monotonic()
        ready = False
        while time.monotonic() - started < 60 and process.poll() is None:
            demo_file = var / "demo.json"
            if demo_file.exists():
                gateway = json.loads(demo_file.read_text())["gateway"]
                try:
                    ready = httpx.get(f"{gateway}/readyz", timeout=2).status_code == 200
                except httpx.HTTPError:
                    ready = False
                if ready:
                    break
            time.sleep(0.5)
        assert ready, (
            process.communicate()[0].decode() if process.poll() is not None else "not ready within 60 s"
        )
        demo = json.loads((var / "demo.json").read_text())
        assert demo["stations"] == [SAINT_DENIS]
        assert {a["role"] for a in demo["accounts"]} >= {"admin", "operator", "courier"}

        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C
        output = process.communicate(timeout=40)[0].decode()
        assert process.returncode == 0, output
        assert "Gare numérique — station stack is up" in output
        assert "stopped." in output
        # Nothing of the stack is left behind.
        leftovers = subprocess.run(["pgrep", "-f", str(var)], capture_output=True, text=True).stdout.split()
        assert leftovers == []
        assert not _answers(gateway)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)


def _answers(url: str) -> bool:
    try:
        httpx.get(f"{url}/healthz", timeout=1)
    except httpx.HTTPError:
        return False
    return True
