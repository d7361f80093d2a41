"""Scenario gateway_cpu: the gateway's own CPU per proxied request, and what it serves per second.

The gateway's cost is measured apart from the service's: a second gateway of the bench stack sends
the public read `GET /api/v1/stations/saint-denis-pleyel/mobility/vehicle-stations` to a stand-in
bike_share that answers from memory (raw asyncio + httptools, its own process), so the service is
never the bottleneck. For each concurrency, wrk loads the gateway for `--seconds`, and

    CPU per request = (utime + stime of the gateway process, from /proc/<pid>/stat) / requests served

Two gateways are measured against the stand-in: one with the edge cache off (every request is
proxied: the gateway's cost per proxied request) and one with it on (the stand-in's answer says
`public, max-age=5`). The same read through the stack's own gateway and real bike_share is
measured too, for the realistic picture.

    ./dev bench -- gateway_cpu [--seconds 10] [--rounds 3] [--profile] [--only NAME...]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from bench.common import BENCH_DIR, RESULTS_DIR, bench_stack, metric, record_run, stack_configuration, wrk
from bench.profiling import profile_under_load

READ_PATH = "/api/v1/stations/saint-denis-pleyel/mobility/vehicle-stations"
CONCURRENCY = (16, 64)
TARGET_CPU_MS = 0.5
BODY = json.dumps(
    {
        "station_id": "saint-denis-pleyel",
        "vehicle_stations": [
            {"id": f"velib-metropole-65304{i}", "name": f"Station {i}", "num_vehicles_available": 7 + i}
            for i in range(8)
        ],
    }
).encode()


def serve_stand_in(port: int) -> None:
    """A bike_share that answers every read from memory; /openapi.json names the read."""
    import asyncio

    import httptools
    import uvloop

    openapi = json.dumps(
        {
            "openapi": "3.1.0",
            "info": {"title": "stand-in", "version": "0"},
            "paths": {
                "/api/v1/stations/{station_id}/mobility/vehicle-stations": {
                    "get": {"responses": {"200": {"description": "ok"}}}
                }
            },
        }
    ).encode()

    def answer(body: bytes) -> bytes:
        return (
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
            b'etag: "v1"\r\ncache-control: public, max-age=5\r\n\r\n%s' % (len(body), body)
        )

    read, document = answer(BODY), answer(openapi)
    ready = answer(b'{"status": "ready"}')

    class Protocol(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport = transport
            self.parser = httptools.HttpRequestParser(self)
            self.url = b""

        def data_received(self, data: bytes) -> None:
            self.parser.feed_data(data)

        def on_url(self, url: bytes) -> None:
            self.url = url

        def on_message_complete(self) -> None:
            reply = document if self.url == b"/openapi.json" else ready if self.url == b"/readyz" else read
            self.transport.write(reply)  # type: ignore[attr-defined]

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(Protocol, "127.0.0.1", port)
        await server.serve_forever()

    uvloop.run(main())


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure_gateway(pid: int, url: str, connections: int, seconds: int) -> tuple[float, float, float, int]:
    """(CPU ms per request, requests/s, p99 ms, errors) of one wrk run."""
    before = cpu_seconds(pid)
    run = wrk(url, connections=connections, seconds=seconds)
    used = cpu_seconds(pid) - before
    served = run.requests_per_second * seconds
    return used / served * 1000, run.requests_per_second, run.p99_ms, run.errors


def profile(pid: int, url: str, seconds: int) -> Path:
    return profile_under_load(
        pid,
        url,
        seconds,
        RESULTS_DIR / "gateway_cpu.profile.md",
        "Where the gateway spends its time (py-spy, 16 connections, stand-in service, edge cache off)",
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench gateway_cpu")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="also sample the proxying gateway with py-spy")
    parser.add_argument(
        "--only",
        nargs="*",
        choices=["stand_in_proxied", "stand_in_cached", "real_service"],
        help="measure these",
    )
    args = parser.parse_args()

    from deploy.embedded.ports import any_free_port

    port = any_free_port()
    stand_in = subprocess.Popen(
        [sys.executable, "-c", f"from bench.gateway_cpu import serve_stand_in; serve_stand_in({port})"],
        cwd=BENCH_DIR.parent,
    )
    metrics: dict = {}
    lines: list[str] = []
    try:
        with bench_stack() as stack:
            configuration = stack_configuration(
                stack, proxied_gateway="edge cache off, in front of a stand-in service"
            )
            stand_in_url = f"http://127.0.0.1:{port}"
            # Both spellings: the setting's name changed with the registry-driven upstreams.
            to_stand_in = {"UPSTREAM_URLS__BIKE_SHARE": stand_in_url, "BIKE_SHARE_URL": stand_in_url}
            proxied, proxied_url = stack.start_extra_gateway(
                "gateway-cpu-proxied", {**to_stand_in, "EDGE_CACHE_ENTRIES": "0"}
            )
            cached, cached_url = stack.start_extra_gateway("gateway-cpu-cached", to_stand_in)
            extra = [proxied, cached]
            targets = {
                "stand_in_proxied": (proxied.pid or 0, proxied_url),
                "stand_in_cached": (cached.pid or 0, cached_url),
                "real_service": (stack.processes["gateway"].pid or 0, stack.gateway_url),
            }
            if args.only:
                targets = {k: v for k, v in targets.items() if k in args.only}
            for name, (pid, base) in targets.items():
                wrk(f"{base}{READ_PATH}", connections=16, seconds=2)  # warm up
                for connections in CONCURRENCY:
                    runs = [
                        measure_gateway(pid, f"{base}{READ_PATH}", connections, args.seconds)
                        for _ in range(args.rounds)
                    ]
                    cpu = statistics.median(r[0] for r in runs)
                    rps = statistics.median(r[1] for r in runs)
                    p99 = statistics.median(r[2] for r in runs)
                    errors = sum(r[3] for r in runs)
                    key = f"{name}_c{connections}"
                    metrics |= {
                        f"gateway_cpu_ms_per_request_{key}": metric(cpu, "ms CPU", f"< {TARGET_CPU_MS}"),
                        f"gateway_rps_{key}": metric(rps, "requests/s"),
                        f"gateway_p99_{key}": metric(p99, "ms"),
                        f"errors_{key}": metric(errors, "requests (non-2xx or socket errors)", "== 0"),
                    }
                    lines.append(
                        f"{name} c={connections}: {cpu:.3f} ms CPU/request, {rps:.0f} req/s, p99 {p99:.1f} ms"
                        + (f", {errors} errors" if errors else "")
                    )
                    print(lines[-1], flush=True)
            if args.profile:
                print(f"profile: {profile(proxied.pid or 0, f'{proxied_url}{READ_PATH}', args.seconds)}")
            for process in extra:
                process.stop()
    finally:
        stand_in.terminate()
    print(record_run("gateway_cpu", metrics, lines, configuration=configuration))


if __name__ == "__main__":
    main()
