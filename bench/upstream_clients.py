"""Which HTTP client the gateway should use towards its services: CPU per request, measured.

A tiny keep-alive HTTP/1.1 server (raw asyncio + httptools, in its own process, so its CPU is not
counted) answers every request with the same JSON body. In this process, on uvloop, each client
sends `--requests` GETs from `--concurrency` tasks; the client's cost is this process's CPU time
divided by the requests. Candidates: httpx at transport level (what the gateway used before),
aiohttp's ClientSession, and the gateway's own client (gateway/upstream.py).

    ./dev bench -- upstream_clients [--requests 20000] [--concurrency 16] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable

import uvloop

from bench.common import BENCH_DIR, metric, record_run

BODY = (
    b'{"vehicle_stations": ['
    + b",".join([b'{"id": "velib-%d", "num_bikes_available": 7}' % i for i in range(30)])
    + b"]}"
)
PATH = b"/api/v1/stations/saint-denis-pleyel/mobility/vehicle-stations"


def serve(port: int) -> None:
    """A minimal keep-alive server: every request gets BODY."""
    import httptools

    answer = (
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
        b'etag: "abc"\r\ncache-control: public, max-age=5\r\n\r\n%s' % (len(BODY), BODY)
    )

    class Protocol(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport = transport
            self.parser = httptools.HttpRequestParser(self)

        def data_received(self, data: bytes) -> None:
            self.parser.feed_data(data)

        def on_message_complete(self) -> None:
            self.transport.write(answer)  # type: ignore[attr-defined]

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(Protocol, "127.0.0.1", port)
        await server.serve_forever()

    uvloop.run(main())


async def run_clients(
    make: Callable[[], Awaitable[tuple[Callable[[], Awaitable[int]], Callable[[], Awaitable[None]]]]],
    requests: int,
    concurrency: int,
) -> tuple[float, float]:
    get, close = await make()
    for _ in range(200):  # warm up connections
        await get()
    per_task = requests // concurrency

    async def worker() -> None:
        for _ in range(per_task):
            status = await get()
            assert status == 200

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    await close()
    done = per_task * concurrency
    return cpu / done * 1e6, done / wall


def clients(base: str, concurrency: int) -> dict[str, Callable]:
    async def httpx_transport():
        import httpx

        transport = httpx.AsyncHTTPTransport(
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency), retries=0
        )
        url = base + PATH.decode()
        timeouts = {"connect": 1.0, "read": 10.0, "write": 10.0, "pool": 1.0}

        async def get() -> int:
            request = httpx.Request(
                "GET", url, headers=[(b"x-request-id", b"abc")], extensions={"timeout": timeouts}
            )
            response = await transport.handle_async_request(request)
            try:
                b"".join([chunk async for chunk in response.aiter_raw()])
            finally:
                await response.aclose()
            return response.status_code

        return get, transport.aclose

    async def aiohttp_session():
        import aiohttp

        session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=concurrency),
            auto_decompress=False,
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding"),
        )
        url = base + PATH.decode()

        async def get() -> int:
            async with session.get(url, headers={"x-request-id": "abc"}, allow_redirects=False) as response:
                await response.read()
                return response.status

        return get, session.close

    async def gateway_client():
        from gateway.upstream import UpstreamPool

        pool = UpstreamPool(base, max_in_flight=concurrency, connect_timeout=1.0, timeout=10.0)

        async def get() -> int:
            response = await pool.send("GET", PATH, [(b"x-request-id", b"abc")])
            return response.status

        return get, pool.aclose

    return {
        "httpx_transport": httpx_transport,
        "aiohttp": aiohttp_session,
        "gateway_upstream": gateway_client,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench upstream_clients")
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-c", f"from bench.upstream_clients import serve; serve({port})"],
        cwd=BENCH_DIR.parent,
    )
    deadline = time.monotonic() + 30
    while True:  # until the server accepts connections
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    base = f"http://127.0.0.1:{port}"
    results: dict[str, list[tuple[float, float]]] = {}
    try:
        for _ in range(args.rounds):
            for name, make in clients(base, args.concurrency).items():
                results.setdefault(name, []).append(
                    uvloop.run(run_clients(make, args.requests, args.concurrency))
                )
    finally:
        server.terminate()
    metrics, lines = {}, []
    for name, runs in results.items():
        cpu = statistics.median(r[0] for r in runs)
        rate = statistics.median(r[1] for r in runs)
        metrics[f"{name}_cpu_per_request"] = metric(cpu, "µs CPU of the client process")
        metrics[f"{name}_rps"] = metric(rate, "requests/s")
        lines.append(f"{name} {cpu:.0f} µs/request ({rate:.0f} req/s)")
        print(lines[-1], flush=True)
    configuration = {"stack": "none: each client against one local HTTP server, in one process"}
    print(record_run("upstream_clients", metrics, lines, configuration=configuration))


if __name__ == "__main__":
    main()
