"""Ports: the usual one when it is free, another free one when the machine already uses it."""

from __future__ import annotations

import socket


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def any_free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def pick_port(preferred: int | None, taken: set[int]) -> int:
    """`preferred` if free and not already handed out, else any free port; records the choice."""
    if preferred is not None and preferred not in taken and port_is_free(preferred):
        port = preferred
    else:
        port = any_free_port()
        while port in taken:
            port = any_free_port()
    taken.add(port)
    return port
