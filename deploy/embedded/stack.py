"""StationStack: starts a whole station (infra, migrations, demo data, services, gateway, devices)."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from deploy.embedded.credentials import demo_credentials, read_previous
from deploy.embedded.infra import NatsServer, OwnServer, RedisServer, ServerExited
from deploy.embedded.ports import (
    PORTS_FILE,
    listening_socket,
    moved_notice,
    pick_port,
    record_ports,
    recorded_ports,
    reserve_port,
)
from deploy.embedded.processes import LogLimits, ManagedProcess, run_all, wait_until
from deploy.embedded.supervisor import Supervisor
from kernel.cli import LISTEN_FD_ENV
from kernel.registry import COMPONENTS, GATEWAY, SERVICES, Component

log = logging.getLogger(__name__)
REPO_ROOT = Path(__file__).resolve().parents[2]
CATALOG_DIR = REPO_ROOT / "deploy" / "stations"
LOCK_FILE = "stack.lock"
DEVICES = "devices"
DEPARTURES_FEED = "departures_feed"
DEPARTURES_FEED_PORT = 8190
NATS, REDIS = "nats", "redis"
INFRA_PORTS = {NATS: 4222, REDIS: 6379}


class StackAlreadyRunning(RuntimeError):
    """Another station stack runs on the same state folder: two nats-servers must never share a store."""


@dataclass
class StackConfig:
    var_dir: Path
    stations: list[str]
    nats_url: str | None = None
    redis_url: str | None = None
    # A PostgreSQL URL puts every component in its own schema of that database; None means SQLite files.
    database_url: str | None = None
    schema_prefix: str = ""
    # Each component first wants its usual port (gateway 8080...); False: any free one. A port an
    # earlier run of the same state folder chose (var/ports.json) is wanted before either.
    preferred_ports: bool = True
    # Other usual ports by component name ("gateway", "nats"...), wanted even when preferred_ports is False.
    usual_ports: dict[str, int] = field(default_factory=dict)
    with_devices: bool = True
    device_args: list[str] = field(default_factory=list)
    # Extra environment per component name ("gateway", "bike_share", ...), e.g. shorter timeouts in tests.
    component_env: dict[str, dict[str, str]] = field(default_factory=dict)
    # Environment given to the stack by the person running it (NATS_URL, BIKE_SHARE_DATABASE_URL...).
    overrides: dict[str, str] = field(default_factory=dict)
    log_level: str = "INFO"
    log_limits: LogLimits = field(default_factory=LogLimits)
    # Processes per service (by name; 1 when absent): they share the service's listening socket and
    # the kernel spreads the gateway's connections among them, e.g. {"parcel_lockers": 2}.
    replicas: dict[str, int] = field(default_factory=dict)


def replica_names(name: str, replicas: int) -> list[str]:
    """The process names of a component run as `replicas` processes: `name`, `name-2`, ..."""
    return [name, *(f"{name}-{n}" for n in range(2, replicas + 1))]


def _http_ok(url: str) -> bool:
    return _http_json(url) is not None


def _http_json(url: str) -> Any:
    """The JSON body of a 200 answer, else None."""
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return json.loads(response.read()) if response.status == 200 else None
    except (OSError, ValueError):
        return None


class StationStack:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.var = config.var_dir.resolve()
        self.logs = self.var / "logs"
        self._ports: set[int] = set()
        self.nats: NatsServer | None = None
        self.redis: RedisServer | None = None
        self.processes: dict[str, ManagedProcess] = {}
        self.ports: dict[str, int] = {}
        self.nats_url = config.nats_url or ""
        self.redis_url = config.redis_url or ""
        self.demo: dict[str, Any] = {}
        # Listening sockets bound here and handed to each component as it starts.
        self._sockets: dict[str, socket.socket] = {}
        # The sockets of services run as several processes, held for a replica's restart.
        self._shared_sockets: dict[str, socket.socket] = {}
        self._lock: IO[str] | None = None
        # The gateway tells it on /healthz: the readiness wait never mistakes another stack's for ours.
        self.instance_id = uuid.uuid4().hex
        # Ports chosen by an earlier run, wanted again; what to tell the person when one moved.
        self._recorded_ports: dict[str, int] = {}
        self.notices: list[str] = []

    # -- addresses -------------------------------------------------------------------------
    def url(self, component: str) -> str:
        return f"http://127.0.0.1:{self.ports[component]}"

    @property
    def gateway_url(self) -> str:
        return self.url("gateway")

    # -- environment -----------------------------------------------------------------------
    def _database_env(self, component: Component) -> dict[str, str]:
        if self.config.database_url:
            return {
                "DATABASE_URL": self.config.database_url,
                "DATABASE_SCHEMA": f"{self.config.schema_prefix}{component.name}",
            }
        return {"DATABASE_URL": f"sqlite+aiosqlite:///{self.var / 'db' / f'{component.name}.sqlite'}"}

    def component_env(self, component: Component) -> dict[str, str]:
        values = {
            "PORT": str(self.ports[component.name]),
            "NATS_URL": self.nats_url,
            "REDIS_URL": self.redis_url,
            "STATIONS": ",".join(self.config.stations),
            "LOG_LEVEL": self.config.log_level,
            "ENVIRONMENT": "development",
            # Every absolute URL a component writes (links, QR codes, GBFS, OAuth) starts with it.
            "PUBLIC_URL": self.gateway_url,
            **self._database_env(component),
        }
        if component is GATEWAY:
            values |= {
                "KEYS_DIR": str(self.var / "keys" / "gateway"),
                "SECRETS_DIR": str(self.var / "secrets"),
                "INSTANCE_ID": self.instance_id,
            }
            values |= {f"UPSTREAM_URLS__{s.name.upper()}": self.url(s.name) for s in SERVICES}
        else:
            values["JWKS_URL"] = f"{self.gateway_url}/.well-known/jwks.json"
        if component.name == "info_kiosk" and DEPARTURES_FEED in self.ports and self.config.with_devices:
            # The demo's departure sources point at the simulated producer, on loopback.
            feed = self.url(DEPARTURES_FEED)
            values["FETCH_ALLOW"] = f"127.0.0.1:{self.ports[DEPARTURES_FEED]}"
            values["DEMO_DEPARTURES_URL"] = feed
        if component.name == "parcel_lockers":
            # Each stack its own unlock key (made on first start), never one shared through the cwd.
            values["UNLOCK_KEY_FILE"] = str(self.var / "keys" / "parcel_lockers" / "unlock.pem")
        # The gateway's tokens name it by its address (extra gateways too: the station's issuer);
        # every service expects that issuer.
        values["TOKEN_ISSUER"] = self.gateway_url
        values |= self.config.component_env.get(component.name, {})
        env = {k: v for k, v in os.environ.items() if not k.startswith(component.env_prefix)}
        env |= {f"{component.env_prefix}{k}": v for k, v in values.items()}
        # What the person running the stack set explicitly wins over our defaults.
        env |= {k: v for k, v in self.config.overrides.items() if k.startswith(component.env_prefix)}
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def _command(self, component: Component, *args: str) -> list[str]:
        return [sys.executable, "-m", component.module, *args]

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        started = time.monotonic()
        self.var.mkdir(parents=True, exist_ok=True)
        self._take_lock()
        self._recorded_ports = recorded_ports(self.var / PORTS_FILE)
        self._start_infra()
        for component in COMPONENTS:
            wanted = self._wanted_port(component.name, component.default_port)
            sock = reserve_port(wanted)
            self._sockets[component.name] = sock
            self._chose_port(component.name, wanted, sock.getsockname()[1])
        # The simulated departures producer (devices/departures_feed.py), pulled by info_kiosk.
        wanted = self._wanted_port(DEPARTURES_FEED, DEPARTURES_FEED_PORT)
        feed_socket = reserve_port(wanted)
        self._chose_port(DEPARTURES_FEED, wanted, feed_socket.getsockname()[1])
        feed_socket.close()  # the devices' process binds it
        record_ports(self.var / PORTS_FILE, self.ports)
        self._prepare_databases()
        for component in SERVICES:
            self._spawn(component, "serve")
        self._spawn(GATEWAY, "serve")
        self.wait_ready()
        if self.config.with_devices:
            self._spawn_devices()
        log.info("station stack ready", extra={"seconds": round(time.monotonic() - started, 1)})

    def _take_lock(self) -> None:
        lock = (self.var / LOCK_FILE).open("a+")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or "another process"
            lock.close()
            raise StackAlreadyRunning(
                f"A station stack already runs on {self.var} (pid {holder}). Stop it first (Ctrl-C in its "
                "terminal), or give this one its own state folder with --var."
            ) from None
        lock.seek(0)
        lock.truncate()
        lock.write(f"{os.getpid()}\n")
        lock.flush()
        self._lock = lock

    def _wanted_port(self, name: str, usual: int) -> int | None:
        """The port a component asks for first: the one it had last time, else its usual one."""
        if name in self._recorded_ports:
            return self._recorded_ports[name]
        if name in self.config.usual_ports:
            return self.config.usual_ports[name]
        return usual if self.config.preferred_ports else None

    def _chose_port(self, name: str, wanted: int | None, got: int) -> None:
        self.ports[name] = got
        if wanted is not None and got != wanted:
            notice = moved_notice(name, wanted, got, recorded=name in self._recorded_ports)
            log.warning(notice)
            self.notices.append(notice)

    def _start_infra(self) -> None:
        if not self.nats_url:
            self.nats = self._start_server(
                NATS,
                lambda port: NatsServer(
                    port=port,
                    store_dir=self.var / "nats",
                    log_dir=self.logs,
                    cwd=REPO_ROOT,
                    log_limits=self.config.log_limits,
                ),
            )
            self.nats_url = self.nats.url
        if not self.redis_url:
            self.redis = self._start_server(
                REDIS,
                lambda port: RedisServer(
                    port=port,
                    data_dir=self.var / "redis",
                    log_dir=self.logs,
                    cwd=REPO_ROOT,
                    log_limits=self.config.log_limits,
                ),
            )
            self.redis_url = self.redis.url

    def _start_server(self, name: str, make: Callable[[int], OwnServer]) -> Any:
        """nats-server and redis-server bind by themselves: on a clash with a port taken meanwhile,
        try another one."""
        wanted = self._wanted_port(name, INFRA_PORTS[name])
        candidate = wanted
        for attempt in range(3):
            server = make(pick_port(candidate, self._ports))
            server.start()
            try:
                server.wait_ready()
            except (ServerExited, TimeoutError):
                server.stop()
                if attempt == 2:
                    raise
                candidate = None
                continue
            self._chose_port(name, wanted, server.port)
            return server
        raise AssertionError("unreachable")

    def _prepare_databases(self) -> None:
        """Each component migrated, then given the demo data, in one process of its own (all at once)."""
        demo_path = self.var / "demo.json"
        credentials = demo_credentials(self.config.stations, read_previous(demo_path))
        self.demo = {
            "gateway": self.gateway_url,
            "stations": list(self.config.stations),
            **credentials,
            "services": {c.name: self.url(c.name) for c in SERVICES},
            "nats_url": self.nats_url,
            **({"departures_feed": self.url(DEPARTURES_FEED)} if self.config.with_devices else {}),
            "redis_url": self.redis_url,
        }
        demo_path.write_text(json.dumps(self.demo, indent=2, ensure_ascii=False) + "\n")
        demo_path.chmod(0o600)
        seeds: dict[str, tuple[list[str], dict[str, str]]] = {
            f"prepare-{c.name}": (
                self._command(c, "seed-demo", "--catalog", str(CATALOG_DIR), "--migrate"),
                self.component_env(c),
            )
            for c in SERVICES
        }
        seeds["prepare-gateway"] = (
            self._command(GATEWAY, "load-accounts", str(demo_path), "--migrate"),
            self.component_env(GATEWAY),
        )
        run_all(seeds, cwd=REPO_ROOT, log_dir=self.logs, log_limits=self.config.log_limits)

    def _spawn(self, component: Component, *args: str) -> ManagedProcess:
        """Start a component on the socket bound for it (each of its replicas); a restart binds its
        port again."""
        replicas = self.config.replicas.get(component.name, 1)
        shared = self._shared_sockets.get(component.name)
        sock = (
            shared or self._sockets.pop(component.name, None) or listening_socket(self.ports[component.name])
        )
        try:
            started = [
                self._spawn_on(component, sock, name, *args)
                for name in replica_names(component.name, replicas)
            ]
        finally:
            if replicas > 1:
                # Kept: a replica restarted alone serves on the same socket as the others.
                self._shared_sockets[component.name] = sock
            else:
                # The child holds its copy; ours would keep accepting connections nobody serves when it dies.
                sock.close()
        return started[0]

    def _spawn_on(self, component: Component, sock: socket.socket, name: str, *args: str) -> ManagedProcess:
        process = ManagedProcess(
            name=name,
            argv=self._command(component, *args),
            env={**self.component_env(component), LISTEN_FD_ENV: str(sock.fileno())},
            log_path=self.logs / f"{name}.log",
            cwd=REPO_ROOT,
            pass_fds=(sock.fileno(),),
            log_limits=self.config.log_limits,
        )
        process.start()
        self.processes[name] = process
        return process

    def _spawn_devices(self) -> None:
        process = ManagedProcess(
            name=DEVICES,
            argv=[
                sys.executable,
                "-m",
                "devices",
                "--demo",
                str(self.var / "demo.json"),
                *self.config.device_args,
            ],
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            log_path=self.logs / "devices.log",
            cwd=REPO_ROOT,
            log_limits=self.config.log_limits,
        )
        process.start()
        self.processes[DEVICES] = process

    def wait_ready(self, timeout: float = 60) -> None:
        def all_ready() -> bool:
            for name, process in self.processes.items():
                if name != DEVICES and not process.running:
                    raise RuntimeError(f"{name} exited during start-up:\n{process.tail()}")
            health = _http_json(f"{self.gateway_url}/healthz")
            if health is None:
                return False
            if health.get("instance") != self.instance_id:
                raise RuntimeError(f"{self.gateway_url} is answered by another gateway than this stack's")
            return _http_ok(f"{self.gateway_url}/readyz")

        wait_until(all_ready, timeout=timeout, what="station stack (gateway /readyz)", interval=0.25)

    def start_extra_gateway(self, name: str, env: dict[str, str]) -> tuple[ManagedProcess, str]:
        """A second gateway in front of the same services, with its own settings (e.g. tight rate limits)."""
        sock = listening_socket(0)
        port = sock.getsockname()[1]
        extra = {f"{GATEWAY.env_prefix}{k}": v for k, v in env.items()}
        try:
            process = ManagedProcess(
                name=name,
                argv=self._command(GATEWAY, "serve"),
                env={
                    **self.component_env(GATEWAY),
                    f"{GATEWAY.env_prefix}PORT": str(port),
                    f"{GATEWAY.env_prefix}PUBLIC_URL": f"http://127.0.0.1:{port}",
                    f"{GATEWAY.env_prefix}INSTANCE_ID": uuid.uuid4().hex,
                    LISTEN_FD_ENV: str(sock.fileno()),
                    **extra,
                },
                log_path=self.logs / f"{name}.log",
                cwd=REPO_ROOT,
                pass_fds=(sock.fileno(),),
                log_limits=self.config.log_limits,
            )
            process.start()
        finally:
            sock.close()
        self.processes[name] = process
        url = f"http://127.0.0.1:{port}"
        wait_until(lambda: _http_ok(f"{url}/healthz"), timeout=30, what=name)
        return process, url

    def _infra(self) -> dict[str, OwnServer]:
        """The nats-server and redis-server this stack started (none when given their URLs)."""
        return {name: server for name, server in ((NATS, self.nats), (REDIS, self.redis)) if server}

    @property
    def _replica_of(self) -> dict[str, Component]:
        """Each process of a service run as several, by its process name."""
        return {
            name: component
            for component in COMPONENTS
            for name in replica_names(component.name, self.config.replicas.get(component.name, 1))
        }

    def supervisor(self) -> Supervisor:
        """Restarts this stack's nats-server, redis-server, services, gateway and device simulators
        when they crash."""
        supervised = {c.name for c in COMPONENTS} | set(self._replica_of) | {DEVICES}

        def running() -> dict[str, bool]:
            states = {n: s.running for n, s in self._infra().items()}
            return states | {n: p.running for n, p in self.processes.items() if n in supervised}

        return Supervisor(
            running=running,
            restart=self.restart_component,
            tail=lambda name: (self._infra().get(name) or self.processes[name]).tail(),
        )

    def restart_component(self, name: str) -> None:
        if name in self._infra():
            # Same port, same data folder: clients reconnect to where they were, JetStream keeps its streams.
            self._infra()[name].start()
        elif name == DEVICES:
            self._spawn_devices()
        elif name in self._replica_of and self._replica_of[name].name in self._shared_sockets:
            # One process of a service run as several: alone, on the socket they share.
            component = self._replica_of[name]
            self._spawn_on(component, self._shared_sockets[component.name], name, "serve")
        else:
            self._spawn(next(c for c in COMPONENTS if c.name == name), "serve")

    def stop_component(self, name: str) -> None:
        self.processes[name].stop()

    def start_component(self, name: str) -> None:
        component = next(c for c in COMPONENTS if c.name == name)
        self._spawn(component, "serve")
        wait_until(lambda: _http_ok(f"{self.url(name)}/healthz"), timeout=30, what=name)

    def stop(self) -> None:
        core = [
            GATEWAY.name,
            *(n for c in SERVICES for n in replica_names(c.name, self.config.replicas.get(c.name, 1))),
        ]
        extras = [name for name in self.processes if name not in core]
        for name in [*extras, *core]:
            if name in self.processes:
                self.processes[name].stop()
        for server in (self.redis, self.nats):
            if server is not None:
                server.stop()
        for sock in [*self._sockets.values(), *self._shared_sockets.values()]:
            sock.close()
        self._sockets.clear()
        self._shared_sockets.clear()
        if self._lock is not None:
            self._lock.close()  # releases the flock
            self._lock = None
