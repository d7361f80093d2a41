"""The hub's network view (`python -m services.hub serve`) as a process, the way it is deployed:
for the tests and benchmarks that run a hub cluster and station leaf nodes on this machine."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import jwt

from deploy.embedded.ports import listening_socket
from deploy.embedded.processes import ManagedProcess, wait_until
from deploy.embedded.stack import REPO_ROOT
from testkit.http_server import start_serving, stop_serving
from testkit.service import SigningKey


def start_hub_view(
    *,
    nats_url: str,
    jwks_url: str,
    log_path: Path,
    settings: Mapping[str, str] = {},
    ready_timeout: float = 30,
) -> tuple[ManagedProcess, str]:
    """Start the view on a free port, connected to the hub cluster at `nats_url`, trusting the tokens
    of `jwks_url`; `settings` are more HUB_* variables. Returns once it is ready (it has read the
    directory and the aggregates): the process, and its base URL."""
    sock = listening_socket(0)
    port = sock.getsockname()[1]
    try:
        view = ManagedProcess(
            name="hub-view",
            argv=[sys.executable, "-m", "services.hub", "serve"],
            env={
                **os.environ,
                "HUB_PORT": str(port),
                "HUB_NATS_URL": nats_url,
                "HUB_JWKS_URL": jwks_url,
                "GARE_LISTEN_FD": str(sock.fileno()),
                "PYTHONUNBUFFERED": "1",
                # Where the works' media are fetched from: the view itself, unless told otherwise.
                "HUB_PUBLIC_URL": f"http://127.0.0.1:{port}",
                **settings,
            },
            log_path=log_path,
            cwd=REPO_ROOT,
            pass_fds=(sock.fileno(),),
        )
        view.start()
    finally:
        sock.close()
    url = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        with contextlib.suppress(httpx.HTTPError):
            return httpx.get(f"{url}/readyz", timeout=2).status_code == 200
        return False

    try:
        wait_until(ready, timeout=ready_timeout, what="hub view ready", interval=0.2)
    except BaseException:
        view.stop()
        raise
    return view, url


class JwksServer:
    """A token issuer reduced to its JWKS on a free loopback port: what the hub's view trusts when the
    tokens come from a test's own key rather than from a station's gateway."""

    def __init__(self, signing: SigningKey) -> None:
        public = jwt.algorithms.OKPAlgorithm.to_jwk(signing.private_key.public_key(), as_dict=True)
        body = json.dumps({"keys": [{**public, "kid": signing.kid, "alg": "EdDSA", "use": "sig"}]}).encode()

        class Jwks(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Jwks)
        self._thread = start_serving(self._server)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/.well-known/jwks.json"

    def close(self) -> None:
        stop_serving(self._server, self._thread)


def nats_command(url: str, *args: str) -> None:
    """`python -m deploy.nats ...` against the NATS at `url`, as an operator runs it."""
    result = subprocess.run(
        [sys.executable, "-m", "deploy.nats", "--nats-url", url, *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
