"""A real HTTP server on a thread, for what the code under test fetches or calls (feeds, media, an
SMS provider, a JWKS). `serve_forever` looks for shutdown every 0.5 s by default: every test would
wait that long at its end; here it looks every 20 ms."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager

POLL_SECONDS = 0.02


def start_serving(server: socketserver.BaseServer) -> threading.Thread:
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": POLL_SECONDS}, daemon=True
    )
    thread.start()
    return thread


def stop_serving(server: socketserver.BaseServer, thread: threading.Thread | None = None) -> None:
    server.shutdown()
    server.server_close()
    if thread is not None:
        thread.join(5)


@contextmanager
def serving(server: socketserver.BaseServer) -> Iterator[None]:
    """The server answers inside the block, and is closed at its end."""
    thread = start_serving(server)
    try:
        yield
    finally:
        stop_serving(server, thread)
