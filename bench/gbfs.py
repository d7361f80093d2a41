"""Scenario gbfs: the station's GBFS `station_status.json` through the gateway, and how fast a
status update shows.

1. wrk on `/gbfs/{station}/station_status.json` through the gateway, full body and 304
   (If-None-Match with the current ETag), at 64 connections: median of `--rounds` runs.
2. `--updates` times: an operator's status report through the gateway, then the time until
   `station_status.json` (through the gateway) shows it, and until the availability stream
   (Server-Sent Events, through the gateway's stream relay) pushes it; p50 and p99 from the moment
   the report is sent. The report's own round trip (sent to answered) is recorded beside them: it
   is the floor of the update path, the rest is the invalidation, the stream's wake-up and relay.

    ./dev bench -- gbfs [--seconds 3] [--rounds 3] [--updates 50]

Issue 9's targets on this 2-core machine (wrk on it too): >= 3000 requests/s through the gateway,
an update visible in under 100 ms at p99.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

import httpx

from bench.common import (
    bench_stack,
    machine_load,
    median_run,
    metric,
    operator_token,
    record_run,
    stack_configuration,
    status_report,
    wrk,
)
from deploy.embedded.stack import StationStack

STATION = "saint-denis-pleyel"
VEHICLE_STATION = "velib-metropole-653042442"
STATUS = f"/gbfs/{STATION}/station_status.json"
CONNECTIONS = 64
RPS_TARGET, VISIBLE_P99_MS = 3000, 100


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def throughput(stack: StationStack, args: argparse.Namespace, metrics: dict, lines: list[str]) -> None:
    url = f"{stack.gateway_url}{STATUS}"
    first = httpx.get(url, timeout=10)
    first.raise_for_status()
    wrk(url, connections=16, seconds=1)  # warm up
    for kind, headers in (("full", {}), ("304", {"If-None-Match": first.headers["etag"]})):
        run = median_run(
            [
                wrk(url, connections=CONNECTIONS, seconds=args.seconds, headers=headers)
                for _ in range(args.rounds)
            ]
        )
        name = f"station_status_gateway_{kind}_c{CONNECTIONS}"
        metrics[f"{name}_rps"] = metric(run.requests_per_second, "requests/s", f">= {RPS_TARGET}")
        metrics[f"{name}_p50_ms"] = metric(run.p50_ms, "ms")
        metrics[f"{name}_p99_ms"] = metric(run.p99_ms, "ms")
        if kind == "full":
            metrics[f"{name}_errors"] = metric(run.errors, "requests", "== 0")
        lines.append(
            f"station_status gateway {kind} c={CONNECTIONS}: {run.requests_per_second:.0f} req/s, "
            f"p50 {run.p50_ms:.1f} ms, p99 {run.p99_ms:.1f} ms"
        )
        print(lines[-1], flush=True)


async def visibility(stack: StationStack, args: argparse.Namespace, metrics: dict, lines: list[str]) -> None:
    token = operator_token(stack, STATION)
    report_url = (
        f"{stack.gateway_url}/api/v1/stations/{STATION}/mobility/vehicle-stations/{VEHICLE_STATION}/status"
    )
    status_url = f"{stack.gateway_url}{STATUS}"
    stream_url = f"{stack.gateway_url}/api/v1/stations/{STATION}/mobility/events"
    pushed: asyncio.Queue[tuple[int, float]] = asyncio.Queue()

    async def read_stream(client: httpx.AsyncClient) -> None:
        async with client.stream(
            "GET", stream_url, headers={"Accept": "text/event-stream"}, timeout=None
        ) as stream:
            async for line in stream.aiter_lines():
                if line.startswith("data: "):
                    data = json.loads(line.removeprefix("data: "))
                    if data["id"] == VEHICLE_STATION and data["status"]:
                        pushed.put_nowait((data["status"]["num_vehicles_available"], time.perf_counter()))

    answered: list[float] = []
    to_status: list[float] = []
    to_stream: list[float] = []
    async with httpx.AsyncClient(timeout=10) as client:
        reader = asyncio.create_task(read_stream(client))
        await asyncio.sleep(0.5)  # the stream's first frames (the current states) go by
        while not pushed.empty():
            pushed.get_nowait()
        for i in range(args.updates):
            count = 1 + i % 20
            body = status_report(count)
            sent = time.perf_counter()
            response = await client.put(report_url, json=body, headers={"Authorization": f"Bearer {token}"})
            response.raise_for_status()
            answered.append((time.perf_counter() - sent) * 1000)
            while True:
                stations = (await client.get(status_url)).json()["data"]["stations"]
                if (
                    next(s for s in stations if s["station_id"] == VEHICLE_STATION)["num_vehicles_available"]
                    == count
                ):
                    to_status.append((time.perf_counter() - sent) * 1000)
                    break
                if time.perf_counter() - sent > 5:
                    raise SystemExit("the update did not show in station_status within 5 s")
            while True:
                seen, at = await asyncio.wait_for(pushed.get(), 5)
                if seen == count:
                    to_stream.append((at - sent) * 1000)
                    break
        reader.cancel()
    for name, values in (("report_answered", answered), ("station_status", to_status), ("sse", to_stream)):
        p50, p99 = statistics.median(values), percentile(values, 0.99)
        target = None if name == "report_answered" else f"< {VISIBLE_P99_MS}"
        metrics[f"update_to_{name}_p50_ms"] = metric(p50, "ms")
        metrics[f"update_to_{name}_p99_ms"] = metric(p99, "ms", target)
        lines.append(f"update to {name}: p50 {p50:.1f} ms, p99 {p99:.1f} ms ({len(values)} updates)")
        print(lines[-1], flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench gbfs")
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--updates", type=int, default=50)
    args = parser.parse_args()
    metrics: dict = {}
    lines: list[str] = []
    with bench_stack() as stack:
        configuration = stack_configuration(stack)
        throughput(stack, args, metrics, lines)
        asyncio.run(visibility(stack, args, metrics, lines))
    machine_load(metrics, lines, "load_average_1min")
    print(record_run("gbfs", metrics, lines, configuration=configuration))


if __name__ == "__main__":
    main()
