"""Scenario departures: how fast a source's update reaches the screens, and what the departures read costs.

1. Fan-out: `--clients` event streams (`GET .../kiosk/departures/live`, Server-Sent Events) are opened
   through the gateway, the way screens and kiosks hold them. A departure source of the bench's own
   (a SIRI Lite stop-monitoring document on a local HTTP server, pulled every 5 s) changes its
   departures `--rounds` times; each time the latency is measured from the moment the service
   pulled the new document (the server answers it) to each client's receipt of a `departures` event
   that shows it: p50, p99, max. Target: p99 <= 2000 ms at 500 clients.
2. The departures hot read through the gateway (`GET .../kiosk/departures`, public), full bodies at 64
   connections: wrk when it is installed (median of `--rounds` runs of `--seconds`), else an
   in-process asyncio client (slower than wrk: it shares the cores with the stack, and says so in
   the results). Target: >= 3000 requests/s.

    ./dev bench -- departures [--clients 500] [--rounds 5] [--seconds 10]

The SSE clients run in this process, on the same cores as the stack: their own reading is part of
the measured latency.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import shutil
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from bench.common import (
    bench_stack,
    machine_load,
    median_run,
    metric,
    operator_token,
    record_run,
    stack_configuration,
    wrk,
)
from deploy.embedded.stack import StationStack
from testkit.http_server import serving

STATION = "saint-denis-pleyel"
KIOSK = f"/api/v1/stations/{STATION}/kiosk"
FANOUT_P99_MS, HOT_READ_RPS = 2000, 3000
SOURCE = "bench-feed"
STOP_REF, LINE_REF, LINE = "BENCH:StopPoint:Q:1:", "BENCH:Line::B:", "BENCH"


# -- the bench's own producer -------------------------------------------------------------------


def stop_monitoring(marker: str, now: datetime) -> bytes:
    """A SIRI Lite stop-monitoring answer: three trains to `marker` in the next minutes."""
    visits = []
    for index in range(3):
        at = (now + timedelta(minutes=2 + 3 * index)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        visits.append(
            {
                "RecordedAtTime": now.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "ItemIdentifier": f"BENCH:Item::{marker}-{index}:LOC",
                "MonitoringRef": {"value": STOP_REF},
                "MonitoredVehicleJourney": {
                    "LineRef": {"value": LINE_REF},
                    "DirectionName": [{"value": "Banc d'essai"}],
                    "DestinationName": [{"value": marker}],
                    "MonitoredCall": {"AimedDepartureTime": at, "ExpectedDepartureTime": at},
                },
            }
        )
    document = {
        "Siri": {
            "ServiceDelivery": {
                "ResponseTimestamp": now.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "StopMonitoringDelivery": [
                    {"Version": "2.0", "Status": "true", "MonitoredStopVisit": visits}
                ],
            }
        }
    }
    return json.dumps(document).encode()


class Producer:
    """A real HTTP server on 127.0.0.1 serving one document with its ETag; it notes when it first
    served each version with a 200 (the service's pull of it)."""

    def __init__(self) -> None:
        self.body = b""
        self.etag = ""
        self.served: dict[str, float] = {}
        producer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body, etag = producer.body, producer.etag
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                producer.served.setdefault(etag, time.monotonic())
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/stop-monitoring"

    def publish(self, marker: str) -> str:
        body = stop_monitoring(marker, datetime.now(UTC))
        self.body, self.etag = body, '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        return self.etag


@contextlib.contextmanager
def producing() -> Iterator[Producer]:
    producer = Producer()
    producer.publish("start")
    with serving(producer.httpd):
        yield producer


def operator_headers(stack: StationStack) -> dict[str, str]:
    return {"Authorization": f"Bearer {operator_token(stack, STATION)}"}


def register_source(stack: StationStack, producer: Producer) -> None:
    operator = operator_headers(stack)
    body = {
        "code": SOURCE,
        "name": "Bench",
        "kind": "siri-lite",
        "url": producer.url,
        "stops": [{"ref": STOP_REF, "stop_code": "bench-quai", "stop_name": "Quai d'essai", "mode": "metro"}],
        "lines": [{"ref": LINE_REF, "name": LINE, "color": "#123456"}],
        "poll_seconds": 5,
        "ttl_seconds": 60,
    }
    url = f"{stack.gateway_url}{KIOSK}/departure-sources"
    httpx.delete(f"{url}/{SOURCE}", headers=operator, timeout=10)
    response = httpx.post(url, json=body, headers=operator, timeout=10)
    response.raise_for_status()


def remove_source(stack: StationStack) -> None:
    httpx.delete(
        f"{stack.gateway_url}{KIOSK}/departure-sources/{SOURCE}", headers=operator_headers(stack), timeout=10
    )


# -- 1. fan-out ---------------------------------------------------------------------------------


class Client:
    """One event stream, and when it first saw each destination (the round's marker)."""

    def __init__(self) -> None:
        self.ready = asyncio.Event()
        self.seen: dict[str, float] = {}

    async def listen(self, http: httpx.AsyncClient, url: str) -> None:
        async with http.stream("GET", url, headers={"Accept": "text/event-stream"}) as response:
            response.raise_for_status()
            event = None
            async for line in response.aiter_lines():
                if line.startswith("event: "):
                    event = line.removeprefix("event: ")
                elif line.startswith("data: ") and event == "departures":
                    now = time.monotonic()
                    self.ready.set()
                    for board in json.loads(line.removeprefix("data: "))["boards"]:
                        for departure in board["departures"]:
                            self.seen.setdefault(departure["destination"], now)


@dataclass
class Fanout:
    clients: int
    rounds: int
    latencies_ms: list[float]
    missed: int

    def p(self, fraction: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


async def fanout(
    stack: StationStack, producer: Producer, *, clients: int, rounds: int, wait: float = 20
) -> Fanout:
    url = f"{stack.gateway_url}{KIOSK}/departures/live?line={LINE}"
    limits = httpx.Limits(max_connections=clients + 10, max_keepalive_connections=clients + 10)
    async with httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(30, read=None)) as http:
        listeners = [Client() for _ in range(clients)]
        tasks = [asyncio.create_task(c.listen(http, url)) for c in listeners]
        try:
            await asyncio.wait_for(asyncio.gather(*(c.ready.wait() for c in listeners)), 120)
            latencies: list[float] = []
            missed = 0
            for round_ in range(rounds):
                marker = f"Essai {round_} {time.time_ns()}"
                etag = producer.publish(marker)
                for _ in range(int(wait / 0.05)):
                    if etag in producer.served and all(marker in c.seen for c in listeners):
                        break
                    await asyncio.sleep(0.05)
                pulled = producer.served.get(etag)
                if pulled is None:
                    raise SystemExit(f"round {round_}: the service did not pull the source within {wait:g} s")
                got = [c.seen[marker] - pulled for c in listeners if marker in c.seen]
                missed += clients - len(got)
                # A client that did not get it in time counts as the whole wait, not as nothing.
                latencies += [max(0.0, g) * 1000 for g in got] + [wait * 1000] * (clients - len(got))
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    return Fanout(clients, rounds, latencies, missed)


# -- 2. the hot read ----------------------------------------------------------------------------


@dataclass
class Throughput:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    tool: str


async def asyncio_load(url: str, *, connections: int, seconds: float) -> Throughput:
    """Without wrk: `connections` clients asking in a loop for `seconds`."""
    durations: list[float] = []
    errors = 0
    stop = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=10) as http:

        async def one() -> None:
            nonlocal errors
            while time.monotonic() < stop:
                started = time.monotonic()
                try:
                    response = await http.get(url)
                    if response.status_code != 200:
                        errors += 1
                except httpx.HTTPError:
                    errors += 1
                durations.append(time.monotonic() - started)

        began = time.monotonic()
        await asyncio.gather(*(one() for _ in range(connections)))
        elapsed = time.monotonic() - began
    ordered = sorted(durations) or [0.0]
    return Throughput(
        requests_per_second=len(durations) / elapsed,
        p50_ms=statistics.median(ordered) * 1000,
        p99_ms=ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        errors=errors,
        tool="asyncio",
    )


def hot_read(stack: StationStack, *, seconds: int, rounds: int, connections: int = 64) -> Throughput:
    url = f"{stack.gateway_url}{KIOSK}/departures"
    httpx.get(url, timeout=10).raise_for_status()
    if shutil.which("wrk"):
        wrk(url, connections=16, seconds=1)  # warm up
        run = median_run([wrk(url, connections=connections, seconds=seconds) for _ in range(rounds)])
        return Throughput(run.requests_per_second, run.p50_ms, run.p99_ms, run.errors, "wrk")
    runs = [asyncio.run(asyncio_load(url, connections=connections, seconds=seconds)) for _ in range(rounds)]
    return sorted(runs, key=lambda r: r.requests_per_second)[len(runs) // 2]


# -- the scenario -------------------------------------------------------------------------------


def measure(stack: StationStack, args: argparse.Namespace) -> tuple[dict[str, Any], list[str]]:
    metrics: dict[str, Any] = {}
    lines: list[str] = []
    with producing() as producer:
        register_source(stack, producer)
        try:
            result = asyncio.run(fanout(stack, producer, clients=args.clients, rounds=args.rounds))
        finally:
            remove_source(stack)
    p50, p99 = result.p(0.5), result.p(0.99)
    metrics["update_clients"] = metric(result.clients, "clients")
    metrics["update_to_clients_p50_ms"] = metric(p50, "ms")
    metrics["update_to_clients_p99_ms"] = metric(p99, "ms", f"<= {FANOUT_P99_MS}")
    metrics["update_to_clients_max_ms"] = metric(max(result.latencies_ms), "ms")
    metrics["update_missed_receipts"] = metric(result.missed, "receipts", "== 0")
    lines.append(
        f"source update to {result.clients} SSE clients through the gateway x {result.rounds}: "
        f"p50 {p50:.0f} ms, p99 {p99:.0f} ms, missed {result.missed}"
    )
    run = hot_read(stack, seconds=args.seconds, rounds=args.rounds)
    metrics["gateway_departures_rps"] = metric(run.requests_per_second, "requests/s", f">= {HOT_READ_RPS}")
    metrics["gateway_departures_p50_ms"] = metric(run.p50_ms, "ms")
    metrics["gateway_departures_p99_ms"] = metric(run.p99_ms, "ms")
    metrics["gateway_departures_errors"] = metric(run.errors, "requests", "== 0")
    lines.append(
        f"departures hot read through the gateway c=64 ({run.tool}): {run.requests_per_second:.0f} req/s, "
        f"p99 {run.p99_ms:.1f} ms"
    )
    for line in lines:
        print(line, flush=True)
    return metrics, lines


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench departures")
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--no-record", action="store_true", help="print, write no result")
    args = parser.parse_args()
    streams = str(args.clients + 100)
    # Every client is this one address: its share of streams must hold them all (gateway and service).
    with bench_stack(
        gateway={"MAX_STREAMS_PER_CLIENT": streams},
        info_kiosk={"MAX_STREAMS_PER_CLIENT": streams, "FETCH_ALLOW": "127.0.0.1"},
    ) as stack:
        configuration = stack_configuration(stack, sse_clients=args.clients)
        metrics, lines = measure(stack, args)
    machine_load(metrics, lines)
    if not args.no_record:
        print(record_run("departures", metrics, lines, configuration=configuration))


if __name__ == "__main__":
    main()
