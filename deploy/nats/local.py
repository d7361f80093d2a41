"""The network's NATS servers on this machine: the hub cluster and stations' leaf nodes, run from the
very config files a deployment uses (hub/nats.conf, leaf/nats.conf), on loopback ports.

Used by the tests and the benchmark of the network (bench/network.py); a deployment runs the same files with its own addresses and secrets.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import threading
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from deploy.embedded.infra import OwnServer, nats_server_binary, nats_server_name
from deploy.embedded.ports import listening_socket, pick_port
from deploy.embedded.processes import wait_until

HERE = Path(__file__).parent
HUB_CONF = HERE / "hub" / "nats.conf"
LEAF_CONF = HERE / "leaf" / "nats.conf"
HUB_NODES = 3


def new_password() -> str:
    """nats-server parses a variable's value as config, so a secret must read as a plain word:
    letters and digits, starting with a letter (a value like `2024-...` would parse as a date)."""
    return "k" + secrets.token_hex(16)


class ConfiguredNats(OwnServer):
    """A nats-server run from a config file whose values come from the environment."""

    def __init__(
        self, *, server_name: str, conf: Path, env: dict[str, str], port: int, log_dir: Path
    ) -> None:
        super().__init__(
            name=server_name,
            argv=[nats_server_binary(), "-c", str(conf)],
            env={**os.environ, "GARE_NATS_SERVER_NAME": server_name, **env},
            log_path=log_dir / f"{server_name}.log",
            cwd=conf.parent,
        )
        self.server_name = server_name
        self.port = port

    def is_us(self) -> bool:
        return nats_server_name(self.port) == self.server_name


def _json(url: str) -> dict:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return json.loads(response.read())
    except (OSError, ValueError):
        return {}


@dataclass(frozen=True)
class LinkTls:
    """TLS of the stations' links to the hub: the hub's certificate, and the CA the stations trust."""

    ca_file: Path
    cert_file: Path
    key_file: Path


def configs_with_tls(root: Path, tls: LinkTls) -> tuple[Path, Path]:
    """Copies of the hub and leaf config folders with their TLS includes filled in, as a deployment
    does (docs/operations.md); returns the hub's and the leaf's nats.conf."""
    hub, leaf = root / "hub", root / "leaf"
    shutil.copytree(HUB_CONF.parent, hub)
    shutil.copytree(LEAF_CONF.parent, leaf)
    (hub / "leafnodes-tls.conf").write_text(
        f'tls {{\n  cert_file: "{tls.cert_file}"\n  key_file: "{tls.key_file}"\n  timeout: 5\n}}\n'
    )
    (leaf / "hub-tls.conf").write_text(f'tls {{\n  ca_file: "{tls.ca_file}"\n}}\n')
    return hub / HUB_CONF.name, leaf / LEAF_CONF.name


@dataclass
class HubCluster:
    """Three hub nodes with JetStream (domain `hub`), routes between them, a leaf node port each."""

    root: Path
    conf: Path = HUB_CONF
    leaf_password: str = field(default_factory=new_password)
    hub_password: str = field(default_factory=new_password)
    nodes: list[ConfiguredNats] = field(default_factory=list)
    ports: list[dict[str, int]] = field(default_factory=list)

    def start(self) -> None:
        taken: set[int] = set()
        self.ports = [
            {kind: pick_port(None, taken) for kind in ("client", "cluster", "leaf", "monitor")}
            for _ in range(HUB_NODES)
        ]
        routes = {
            f"GARE_NATS_ROUTE_{i + 1}": f"nats-route://127.0.0.1:{p['cluster']}"
            for i, p in enumerate(self.ports)
        }
        for i, ports in enumerate(self.ports):
            node = ConfiguredNats(
                server_name=f"hub-{i + 1}",
                conf=self.conf,
                port=ports["client"],
                log_dir=self.root / "logs",
                env={
                    "GARE_NATS_LISTEN": f"127.0.0.1:{ports['client']}",
                    "GARE_NATS_MONITOR": f"127.0.0.1:{ports['monitor']}",
                    "GARE_NATS_CLUSTER_LISTEN": f"127.0.0.1:{ports['cluster']}",
                    "GARE_NATS_LEAF_LISTEN": f"127.0.0.1:{ports['leaf']}",
                    "GARE_NATS_STORE_DIR": str(self.root / f"hub-{i + 1}"),
                    "GARE_NATS_SYS_PASSWORD": new_password(),
                    "GARE_NATS_HUB_PASSWORD": self.hub_password,
                    "GARE_NATS_LEAF_PASSWORD": self.leaf_password,
                    **routes,
                },
            )
            node.start()
            self.nodes.append(node)
        for node in self.nodes:
            node.wait_ready()
        # JetStream answers once the three nodes have elected a meta leader.
        wait_until(
            lambda: all(
                _json(self.monitor_url(i) + "/jsz").get("meta_cluster", {}).get("leader")
                for i in range(HUB_NODES)
            ),
            timeout=30,
            what="hub JetStream meta leader",
        )

    def monitor_url(self, node: int) -> str:
        return f"http://127.0.0.1:{self.ports[node]['monitor']}"

    def client_url(self, node: int = 0) -> str:
        """For the hub's own clients (network view, tools)."""
        return f"nats://hub:{self.hub_password}@127.0.0.1:{self.ports[node]['client']}"

    @property
    def leaf_ports(self) -> list[int]:
        return [p["leaf"] for p in self.ports]

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


@dataclass
class StationLeaf:
    """A station's leaf node: JetStream domain = the station's slug, linked to the hub at `hub_address`."""

    slug: str
    root: Path
    hub_address: str  # host:port of a hub leaf node port (or of whatever stands in the way)
    leaf_password: str
    conf: Path = LEAF_CONF
    password: str = field(default_factory=new_password)
    node: ConfiguredNats | None = None
    port: int = 0

    def start(self) -> None:
        taken: set[int] = set()
        self.port, monitor = pick_port(None, taken), pick_port(None, taken)
        self.node = ConfiguredNats(
            server_name=f"station-{self.slug}",
            conf=self.conf,
            port=self.port,
            log_dir=self.root / "logs",
            env={
                "GARE_STATION": self.slug,
                "GARE_NATS_LISTEN": f"127.0.0.1:{self.port}",
                "GARE_NATS_MONITOR": f"127.0.0.1:{monitor}",
                "GARE_NATS_STORE_DIR": str(self.root / f"leaf-{self.slug}"),
                "GARE_NATS_SYS_PASSWORD": new_password(),
                "GARE_NATS_PASSWORD": self.password,
                "GARE_NATS_HUB_URL": f"nats-leaf://station:{self.leaf_password}@{self.hub_address}",
            },
        )
        self.node.start()
        self.node.wait_ready()

    @property
    def url(self) -> str:
        """For the station's services."""
        return f"nats://station:{self.password}@127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.node is not None:
            self.node.stop()


class LinkGate:
    """A TCP relay standing for the WAN between a station and the hub: `cut()` drops the link and
    refuses it, as a dead line would, until `restore()`. New connections go round the hub's nodes."""

    def __init__(self, upstream_ports: list[int]) -> None:
        self.upstream_ports = upstream_ports
        self._listener = listening_socket(0)
        self.port = self._listener.getsockname()[1]
        self._open = threading.Event()
        self._open.set()
        self._connections: list[socket.socket] = []
        self._lock = threading.Lock()
        self._next = 0
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if not self._open.is_set():
                client.close()
                continue
            port = self.upstream_ports[self._next % len(self.upstream_ports)]
            self._next += 1
            try:
                upstream = socket.create_connection(("127.0.0.1", port), timeout=2)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._connections += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, target: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while chunk := source.recv(65536):
                if not self._open.is_set():
                    break  # a chunk read as the line went dead never crosses it
                target.sendall(chunk)
        for s in (source, target):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self._open.clear()
        with self._lock:
            connections, self._connections = self._connections, []
        for s in connections:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def restore(self) -> None:
        self._open.set()

    def close(self) -> None:
        self._closed = True
        self.cut()
        self._listener.close()
