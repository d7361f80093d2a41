"""Ports: the usual one when it is free, another free one when the machine already uses it.

The runner binds a service's listening socket itself and hands it to the process (`GARE_LISTEN_FD`),
so the port it reports is the port it holds: two stacks started at once cannot pick the same one.

Once chosen, a stack keeps its ports (recorded in `var/ports.json`): a paired screen or a signed-in
phone knows the gateway by its address, which must survive a restart."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

LOOPBACK = "127.0.0.1"
PORTS_FILE = "ports.json"


def port_is_free(port: int, host: str = LOOPBACK) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def any_free_port(host: str = LOOPBACK) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def pick_port(preferred: int | None, taken: set[int]) -> int:
    """`preferred` if free and not already handed out, else any free port; records the choice.

    For servers that bind by themselves (nats-server, redis-server): the caller retries on a clash."""
    if preferred is not None and preferred not in taken and port_is_free(preferred):
        port = preferred
    else:
        port = any_free_port()
        while port in taken:
            port = any_free_port()
    taken.add(port)
    return port


def listening_socket(port: int, host: str = LOOPBACK) -> socket.socket:
    """A bound, listening, inheritable TCP socket on `port` (0: any free port); raises OSError if taken."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def reserve_port(preferred: int | None) -> socket.socket:
    """A listening socket on `preferred` when it is free, else on any free port."""
    if preferred is not None:
        try:
            return listening_socket(preferred)
        except OSError:
            pass
    return listening_socket(0)


def recorded_ports(path: Path) -> dict[str, int]:
    """The ports an earlier run of this stack chose, by component; {} when none (or unreadable)."""
    try:
        recorded = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return {}
    if not isinstance(recorded, dict):
        return {}
    return {
        name: port
        for name, port in recorded.items()
        if isinstance(port, int) and not isinstance(port, bool) and 0 < port < 65536
    }


def record_ports(path: Path, ports: dict[str, int]) -> None:
    """Written whole then renamed: a crash mid-write never leaves a stack without its ports."""
    partial = path.with_name(f"{path.name}.tmp")
    partial.write_text(json.dumps(dict(sorted(ports.items())), indent=2) + "\n")
    os.replace(partial, path)


def moved_notice(name: str, wanted: int, got: int, *, recorded: bool) -> str:
    """What to tell the person when a component cannot have the port it wanted."""
    if not recorded:
        return f"{name}: port {wanted} is used by another program; {name} uses port {got} (kept from now on)."
    notice = (
        f"{name}: port {wanted}, which this stack used before ({PORTS_FILE}), is now used by another "
        f"program; {name} moves to port {got}."
    )
    if name == "gateway":
        notice += (
            " Clients that know the old address (paired screens, signed-in phones) must be pointed to "
            f"the new one, which is kept from now on; to go back, stop that program, delete {PORTS_FILE} "
            "and start the stack again."
        )
    return notice
