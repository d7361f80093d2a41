"""Scenario signage_fanout: what screens cost and how fast an alert reaches them.

1. A screen's document through the gateway with its device token: conditional polls (If-None-Match
   with the current ETag, answered 304) and full fetches, at 64 connections with wrk (median of
   `--rounds` runs of `--seconds`).
2. Alert propagation: `--screens` screens are registered, each with one open push channel (Server-
   Sent Events), first through the gateway's stream relay (the way players reach it), then directly
   on the signage service (a station LAN) for comparison; an operator raises an alert through the
   gateway, and the time from the raise request to each screen's receipt of it is recorded (p50,
   p99, max), over `--rounds` alerts per path.

    ./dev bench -- signage_fanout [--seconds 10] [--rounds 3] [--screens 500]

The SSE clients run in this process, on the same 2 cores as the stack: their own reading is part of
the measured latency.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import time
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
from bench.hot_reads import device_token
from deploy.embedded.stack import StationStack

STATION = "saint-denis-pleyel"
SIGNAGE = f"/api/v1/stations/{STATION}/signage"
POLL_304_RPS, ALERT_P99_MS = 4000, 2000


def polls(stack: StationStack, args: argparse.Namespace, metrics: dict[str, Any], lines: list[str]) -> None:
    url = f"{stack.gateway_url}{SIGNAGE}/screens/hall/playlist"
    headers = {"Authorization": f"Bearer {device_token(stack, 'screen')}"}
    first = httpx.get(url, headers=headers, timeout=10)
    first.raise_for_status()
    wrk(url, connections=16, seconds=1, headers=headers)  # warm up
    for kind, extra in (("304", {"If-None-Match": first.headers["etag"]}), ("full", {})):
        run = median_run(
            [
                wrk(url, connections=64, seconds=args.seconds, headers=headers | extra)
                for _ in range(args.rounds)
            ]
        )
        target = f">= {POLL_304_RPS}" if kind == "304" else None
        metrics[f"gateway_{kind}_polls_rps"] = metric(run.requests_per_second, "requests/s", target)
        metrics[f"gateway_{kind}_polls_p50_ms"] = metric(run.p50_ms, "ms")
        metrics[f"gateway_{kind}_polls_p99_ms"] = metric(run.p99_ms, "ms")
        metrics[f"gateway_{kind}_polls_errors"] = metric(run.errors, "requests", "== 0")
        line = f"{kind} polls through the gateway c=64: {run.requests_per_second:.0f} req/s, p50 {run.p50_ms:.1f} ms, p99 {run.p99_ms:.1f} ms"
        lines.append(line)
        print(line, flush=True)


async def register_screens(
    http: httpx.AsyncClient, gateway: str, operator: dict[str, str], count: int
) -> list[str]:
    codes = [f"bench-{index:04d}" for index in range(count)]
    gate = asyncio.Semaphore(8)

    async def one(code: str) -> None:
        body = {
            "code": code,
            "name": code,
            "location": "Banc d'essai",
            "zone": "platform",
            "orientation": "landscape",
            "resolution": "1920x1080",
            "languages": ["fr"],
        }
        async with gate:
            response = await http.post(f"{gateway}{SIGNAGE}/screens", json=body, headers=operator)
        if response.status_code not in (201, 409):
            raise SystemExit(f"screen {code}: {response.status_code} {response.text[:200]}")

    await asyncio.gather(*(one(code) for code in codes))
    return codes


class Tally:
    """How many screens got each alert; `everyone(alert_id)` is set when all of them did."""

    def __init__(self, screens: int) -> None:
        self.screens = screens
        self.counts: dict[str, int] = {}
        self.events: dict[str, asyncio.Event] = {}

    def everyone(self, alert_id: str) -> asyncio.Event:
        return self.events.setdefault(alert_id, asyncio.Event())

    def count(self, alert_id: str) -> None:
        self.counts[alert_id] = self.counts.get(alert_id, 0) + 1
        if self.counts[alert_id] >= self.screens:
            self.everyone(alert_id).set()


class Screen:
    """One push channel, and when each alert first reached it."""

    def __init__(self, code: str, tally: Tally) -> None:
        self.code = code
        self.tally = tally
        self.ready = asyncio.Event()
        self.received: dict[str, float] = {}

    async def listen(self, http: httpx.AsyncClient, url: str, headers: dict[str, str]) -> None:
        async with http.stream("GET", url, headers=headers) as response:
            response.raise_for_status()
            event = None
            async for line in response.aiter_lines():
                if line.startswith("event: "):
                    event = line.removeprefix("event: ")
                elif line.startswith("data: ") and event == "alerts":
                    self.ready.set()
                    for alert_id in _alert_ids(line):
                        if alert_id not in self.received:
                            self.received[alert_id] = time.monotonic()
                            self.tally.count(alert_id)


def _alert_ids(line: str) -> list[str]:
    return [alert["id"] for alert in json.loads(line.removeprefix("data: "))]


async def alert_fanout(
    stack: StationStack, args: argparse.Namespace, metrics: dict[str, Any], lines: list[str]
) -> None:
    for path, base in (("gateway", stack.gateway_url), ("direct", stack.url("signage"))):
        await alert_fanout_via(stack, base, path, args, metrics, lines)


async def alert_fanout_via(
    stack: StationStack,
    base: str,
    path: str,
    args: argparse.Namespace,
    metrics: dict[str, Any],
    lines: list[str],
) -> None:
    gateway = stack.gateway_url
    operator = {"Authorization": f"Bearer {operator_token(stack, STATION)}"}
    listening = operator | {"Accept": "text/event-stream"}
    limits = httpx.Limits(max_connections=args.screens + 20, max_keepalive_connections=args.screens + 20)
    timeout = httpx.Timeout(30, read=None)
    async with httpx.AsyncClient(limits=limits, timeout=timeout) as http:
        codes = await register_screens(http, gateway, operator, args.screens)
        tally = Tally(len(codes))
        screens = [Screen(code, tally) for code in codes]
        listeners = [
            asyncio.create_task(s.listen(http, f"{base}{SIGNAGE}/screens/{s.code}/events", listening))
            for s in screens
        ]
        await asyncio.wait_for(asyncio.gather(*(s.ready.wait() for s in screens)), 60)
        latencies: list[float] = []
        missed = 0
        for round_ in range(args.rounds):
            body = {
                "severity": "emergency",
                "texts": {"fr": f"Essai {round_}"},
                "targets": {"zones": ["platform"]},
            }
            started = time.monotonic()
            raised = await http.post(f"{gateway}{SIGNAGE}/alerts", json=body, headers=operator)
            raised.raise_for_status()
            alert_id = raised.json()["id"]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(tally.everyone(alert_id).wait(), 10)
            got = [s.received[alert_id] - started for s in screens if alert_id in s.received]
            missed += len(screens) - len(got)
            # A screen that did not get it within the 10 s wait counts as 10 s, not as nothing.
            latencies += got + [10.0] * (len(screens) - len(got))
            await http.post(f"{gateway}{SIGNAGE}/alerts/{alert_id}/clear", headers=operator)
            await asyncio.sleep(1)  # the clear reaches every screen before the next alert
        for task in listeners:
            task.cancel()
        await asyncio.gather(*listeners, return_exceptions=True)
    latencies.sort()
    ms = [value * 1000 for value in latencies]
    p50 = statistics.median(ms)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    metrics["alert_screens"] = metric(args.screens, "screens")
    metrics[f"{path}_alert_to_screens_p50_ms"] = metric(p50, "ms")
    metrics[f"{path}_alert_to_screens_p99_ms"] = metric(p99, "ms", f"< {ALERT_P99_MS}")
    metrics[f"{path}_alert_to_screens_max_ms"] = metric(ms[-1], "ms")
    metrics[f"{path}_alert_missed_receipts"] = metric(missed, "receipts", "== 0")
    line = (
        f"alert to {args.screens} SSE screens ({path}) x {args.rounds}: p50 {p50:.0f} ms, "
        f"p99 {p99:.0f} ms, max {ms[-1]:.0f} ms, missed {missed}"
    )
    lines.append(line)
    print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench signage_fanout")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--screens", type=int, default=500)
    args = parser.parse_args()
    metrics: dict[str, Any] = {}
    lines: list[str] = []
    with bench_stack() as stack:
        configuration = stack_configuration(stack)
        polls(stack, args, metrics, lines)
        asyncio.run(alert_fanout(stack, args, metrics, lines))
    machine_load(metrics, lines)
    print(record_run("signage_fanout", metrics, lines, configuration=configuration))


if __name__ == "__main__":
    main()
