"""The hub's network view (`python -m services.hub serve`) as a process, the way it is deployed:
for the tests and benchmarks that run a hub cluster and station leaf nodes on this machine."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Mapping
from pathlib import Path

import httpx

from deploy.embedded.ports import listening_socket
from deploy.embedded.processes import ManagedProcess, wait_until
from deploy.embedded.stack import REPO_ROOT


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
