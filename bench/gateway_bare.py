"""The yardsticks of the gateway's hot reads: a bare FastAPI app and a bare ASGI app returning the same
bytes (status, headers, body) as the gateway, served by the same HTTP server the same way
(uvicorn, uvloop, httptools, no access log: kernel/cli.py), each in a process of its own.

    python -m bench.gateway_bare fastapi|asgi PORT ANSWER_JSON

`bare_app(...)` starts one for a benchmark and stops it after.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from deploy.embedded.ports import reserve_port

# What the bare apps do not repeat: the server writes these itself.
_SERVER_HEADERS = frozenset({"content-length", "date", "server", "connection", "transfer-encoding"})


def fastapi_app(path: str, headers: list[tuple[str, str]], body: bytes) -> object:
    """The least a FastAPI route can do to return ready bytes."""
    from fastapi import FastAPI
    from fastapi.responses import Response

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    ready = dict(headers)

    @app.get(path)
    async def read() -> Response:
        return Response(content=body, headers=ready)

    return app


def asgi_app(headers: list[tuple[str, str]], body: bytes) -> object:
    """The least an ASGI app can do: two messages of constant bytes."""
    start = {
        "type": "http.response.start",
        "status": 200,
        "headers": [(k.encode(), v.encode()) for k, v in headers]
        + [(b"content-length", str(len(body)).encode())],
    }
    whole = {"type": "http.response.body", "body": body}

    async def app(scope: dict, receive: object, send: object) -> None:
        await send(start)  # type: ignore[operator]
        await send(whole)  # type: ignore[operator]

    return app


def serve(kind: str, port: int, answer: Path) -> None:
    import uvicorn

    from kernel.http_server import ProblemHttpToolsProtocol

    document = json.loads(answer.read_text())
    headers = [(k, v) for k, v in document["headers"] if k.lower() not in _SERVER_HEADERS]
    body = document["body"].encode()
    app = fastapi_app(document["path"], headers, body) if kind == "fastapi" else asgi_app(headers, body)
    config = uvicorn.Config(
        app,  # type: ignore[arg-type]
        host="127.0.0.1",
        port=port,
        loop="uvloop",
        http=ProblemHttpToolsProtocol,
        lifespan="on" if kind == "fastapi" else "off",
        log_config=None,
        access_log=False,
        server_header=False,
        proxy_headers=False,
    )
    uvicorn.Server(config).run()


@contextmanager
def bare_app(kind: str, path: str, response: httpx.Response) -> Iterator[tuple[str, int]]:
    """A bare app of `kind` answering GET `path` with `response`'s bytes: (its URL, its pid)."""
    folder = Path(tempfile.mkdtemp(prefix="gare-bare-"))
    answer = folder / "answer.json"
    answer.write_text(
        json.dumps({"path": path, "headers": list(response.headers.items()), "body": response.text})
    )
    sock = reserve_port(None)
    port = sock.getsockname()[1]
    sock.close()
    # Its own session, like every component of the stack (deploy/embedded/processes.py): with the
    # kernel's autogroup scheduling, a process shares the CPU with its session, so the yardsticks
    # and the gateway must be measured on the same terms.
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.gateway_bare", kind, str(port), str(answer)], start_new_session=True
    )
    url = f"http://127.0.0.1:{port}{path}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url, timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"the bare {kind} app did not start")
            time.sleep(0.1)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]))
