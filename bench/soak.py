"""Scenario soak: the demo load on the `./dev up` stack for ten minutes, every process watched.

The stack is the one `./dev up` runs (deploy/embedded: every station of the catalog, NATS, Redis,
SQLite, the services, the gateway and the device simulators: screens, locker controllers, vehicle
feeds), in a state folder of its own on free ports. On top of the simulators, the people of a
station, with the other scenarios' clients:

- players: `--screens` screens polling their playlist with If-None-Match every 2 s (hot_reads'
  device token);
- kiosks and phones: the public hot reads of hot_reads.py (vehicle stations, points of interest,
  the kiosk's mobility board, locker availability) and GBFS station_status, `--reads` per second;
- feeds: an operator's vehicle station report every 2 s (gbfs.py's update);
- lockers: a parcel every `--parcel-seconds`: a courier deposits it, its traveller signs in with a
  phone code and opens the door from the phone, the door closes (locker_unlock.py's flow, with its
  locker controller answering on NATS).

Every `--sample-seconds`, each process of the stack (with its children) is read from /proc: RSS
and CPU time. The check: over the last half of the run, the least-squares slope of each process's
RSS stays under SLOPE_LIMIT_MIB_PER_MINUTE; a leak of that size (60 MiB an hour) would be seen in a
day of service, while caches that fill up early (edge cache, ready bodies, SQLite's pages) have
levelled off by half-time. The series is written beside the results (soak-series.jsonl).

    ./dev bench -- soak [--minutes 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import nats

from bench.common import RESULTS_DIR, UNLIMITED, command_of, metric, record, status_report
from bench.hot_reads import READS, device_token
from bench.locker_unlock import STATION, Bench, bank_code, controller_id, traveller_token
from bench.procstat import command_line, cpu_seconds, descendants, rss_mib
from deploy.embedded.stack import CATALOG_DIR, StackConfig, StationStack
from devices.locker_controller import LockerController
from kernel.catalog import load_catalog

SLOPE_LIMIT_MIB_PER_MINUTE = 1.0
SERIES = "soak-series.jsonl"
VEHICLE_STATION = "velib-metropole-653042442"
PLAYLIST = f"/api/v1/stations/{STATION}/signage/screens/hall/playlist"
PUBLIC_READS = [read.path for read in READS if read.device is None] + [f"/gbfs/{STATION}/station_status.json"]


def log(line: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {line}", flush=True)


@dataclass
class Outcomes:
    """What each kind of client got: status classes, and the first few failures said in words."""

    counts: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    def note(self, client: str, response: httpx.Response | None, what: str = "") -> None:
        status = "error" if response is None else f"{response.status_code // 100}xx"
        self.counts[f"{client} {status}"] += 1
        if (response is None or response.status_code >= 500) and len(self.failures) < 20:
            detail = what if response is None else f"{response.status_code} {response.text[:120]}"
            self.failures.append(f"{client}: {detail}")


# -- the people of the station ------------------------------------------------------------------


async def player(http: httpx.AsyncClient, token: str, until: float, out: Outcomes) -> None:
    etag = ""
    while time.monotonic() < until:
        headers = {"Authorization": f"Bearer {token}", **({"If-None-Match": etag} if etag else {})}
        try:
            response = await http.get(PLAYLIST, headers=headers)
            etag = response.headers.get("etag", etag)
            out.note("player", response)
        except httpx.HTTPError as exc:
            out.note("player", None, repr(exc))
        await asyncio.sleep(2)


async def reader(http: httpx.AsyncClient, per_second: float, until: float, out: Outcomes) -> None:
    rng = random.Random(1)
    while time.monotonic() < until:
        try:
            out.note("reads", await http.get(rng.choice(PUBLIC_READS)))
        except httpx.HTTPError as exc:
            out.note("reads", None, repr(exc))
        await asyncio.sleep(rng.expovariate(per_second))


async def feed(http: httpx.AsyncClient, operator: str, until: float, out: Outcomes) -> None:
    url = f"/api/v1/stations/{STATION}/mobility/vehicle-stations/{VEHICLE_STATION}/status"
    n = 0
    while time.monotonic() < until:
        n += 1
        count = 1 + n % 20
        body = status_report(count)
        try:
            out.note("feed", await http.put(url, json=body, headers={"Authorization": f"Bearer {operator}"}))
        except httpx.HTTPError as exc:
            out.note("feed", None, repr(exc))
        await asyncio.sleep(2)


async def parcels(bench: Bench, every: float, until: float, out: Outcomes) -> None:
    """locker_unlock's flow, one parcel at a time, each for a traveller of their own."""
    bank = bank_code(1)
    n = 0
    while time.monotonic() < until:
        n += 1
        phone = f"+3376{n:07d}"
        try:
            parcel = await bench.deposit_ready(bank, phone)
            if parcel is None:
                out.counts["parcel deposit failed"] += 1
            else:
                traveller = await traveller_token(bench.http, phone)
                code = await bench.screen_code(bank)
                errors: list[str] = []
                await bench.open_one(parcel, code, traveller, [], errors)
                closed = await bench.close(parcel, traveller)
                out.counts["parcel collected" if not errors and closed else "parcel failed"] += 1
                out.failures.extend(errors[: max(0, 20 - len(out.failures))])
        except (httpx.HTTPError, AssertionError) as exc:
            out.note("parcel", None, repr(exc))
        await asyncio.sleep(every)


# -- watching the processes -------------------------------------------------------------------------


def watched(stack: StationStack) -> dict[str, int]:
    """Every process of the stack by name, and this run's own clients."""
    pids = {name: p.process.pid for name, p in stack.processes.items() if p.process is not None}
    for name, server in (("nats", stack.nats), ("redis", stack.redis)):
        if server is not None and server.process is not None:
            pids[name] = server.process.pid
    pids["soak-clients"] = os.getpid()
    return pids


def sample(pids: dict[str, int]) -> dict[str, dict[str, float]]:
    """RSS (MiB) and CPU time (s) of each process with its children (a server's workers)."""
    now = {}
    for name, pid in pids.items():
        tree = [pid] + ([] if name == "soak-clients" else descendants(pid))
        rss = [r for r in (rss_mib(p) for p in tree) if r is not None]
        cpu = [c for c in (cpu_seconds(p) for p in tree) if c is not None]
        if rss:
            now[name] = {"rss_mib": sum(rss), "cpu_s": sum(cpu), "processes": len(rss)}
    return now


async def watch(pids: dict[str, int], every: float, until: float, series: list[dict[str, Any]]) -> None:
    started = time.monotonic()
    while time.monotonic() < until:
        series.append({"t": round(time.monotonic() - started, 1), "processes": sample(pids)})
        await asyncio.sleep(every)
    series.append({"t": round(time.monotonic() - started, 1), "processes": sample(pids)})


def slope_per_minute(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MiB), in MiB per minute."""
    n = len(points)
    if n < 2:
        return 0.0
    mean_t = sum(t for t, _ in points) / n
    mean_v = sum(v for _, v in points) / n
    spread = sum((t - mean_t) ** 2 for t, _ in points)
    return 60 * sum((t - mean_t) * (v - mean_v) for t, v in points) / spread if spread else 0.0


def analyse(series: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    duration = series[-1]["t"]
    names = sorted({name for s in series for name in s["processes"]})
    result = {}
    for name in names:
        points = [(s["t"], s["processes"][name]) for s in series if name in s["processes"]]
        last_half = [(t, p["rss_mib"]) for t, p in points if t >= duration / 2]
        (t0, first), (t1, last) = points[0], points[-1]
        result[name] = {
            "rss_first_mib": first["rss_mib"],
            "rss_last_mib": last["rss_mib"],
            "rss_max_mib": max(p["rss_mib"] for _, p in points),
            "rss_slope_last_half_mib_per_min": slope_per_minute(last_half),
            "cpu_percent": 100 * (last["cpu_s"] - first["cpu_s"]) / (t1 - t0) if t1 > t0 else 0.0,
        }
    return result


# -- the run ----------------------------------------------------------------------------------------


async def soak(stack: StationStack, args: argparse.Namespace, series: list[dict[str, Any]]) -> Outcomes:
    out = Outcomes()
    nc = await nats.connect(stack.nats_url)
    code = bank_code(1)
    await LockerController(
        nc,
        station_id=STATION,
        client_id=controller_id(code),
        bank_code=code,
        journal_path=Path(stack.var) / f"soak-{code}.jsonl",
    ).start()
    limits = httpx.Limits(max_connections=args.screens + 16, max_keepalive_connections=args.screens + 16)
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=30, limits=limits) as http:
        bench = Bench(stack, http)
        await bench.setup(1)
        screen = await asyncio.to_thread(device_token, stack, "screen")
        until = time.monotonic() + args.minutes * 60
        log(
            f"load on for {args.minutes:g} minutes: {args.screens} players, {args.reads:g} reads/s, a feed, parcels"
        )
        await asyncio.gather(
            watch(watched(stack), args.sample_seconds, until, series),
            *(player(http, screen, until, out) for _ in range(args.screens)),
            reader(http, args.reads, until, out),
            feed(http, bench.operator, until, out),
            parcels(bench, args.parcel_seconds, until, out),
        )
    await nc.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench soak", description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--screens", type=int, default=20)
    parser.add_argument("--reads", type=float, default=20, help="public reads per second (kiosks, phones)")
    parser.add_argument("--parcel-seconds", type=float, default=5, help="pause between two parcels")
    parser.add_argument("--sample-seconds", type=float, default=5)
    args = parser.parse_args()

    var = Path(tempfile.mkdtemp(prefix="gare-soak-"))
    limits = {
        f"RATE_LIMIT_{n}__{k}": v
        for n in ("ANONYMOUS", "AUTHENTICATED", "WRITE", "AUTH")
        for k, v in UNLIMITED.items()
    }
    stack = StationStack(
        StackConfig(
            var_dir=var,
            stations=[s.slug for s in load_catalog(CATALOG_DIR)],
            preferred_ports=False,
            # Every client here comes from 127.0.0.1: the gateway's per-client limits are raised out
            # of the way (still evaluated on every request).
            component_env={"gateway": limits},
        )
    )
    series: list[dict[str, Any]] = []
    started = time.monotonic()
    try:
        stack.start()
        log(f"stack up in {time.monotonic() - started:.0f} s at {stack.gateway_url}")
        out = asyncio.run(soak(stack, args, series))
        commands = {name: command_line(pid) for name, pid in watched(stack).items()}
    finally:
        stack.stop()
        shutil.rmtree(var, ignore_errors=True)

    analysis = analyse(series)
    metrics: dict[str, Any] = {}
    growing = []
    for name, a in analysis.items():
        slope = a["rss_slope_last_half_mib_per_min"]
        metrics[f"{name}_rss_slope_last_half_mib_per_min"] = metric(
            slope, "MiB/min", f"<= {SLOPE_LIMIT_MIB_PER_MINUTE}"
        )
        metrics[f"{name}_rss_last_mib"] = metric(a["rss_last_mib"], "MiB")
        metrics[f"{name}_rss_max_mib"] = metric(a["rss_max_mib"], "MiB")
        metrics[f"{name}_cpu_percent"] = metric(a["cpu_percent"], "% of one core")
        if slope > SLOPE_LIMIT_MIB_PER_MINUTE:
            growing.append(f"{name} {slope:+.2f} MiB/min")
    server_errors = sum(n for key, n in out.counts.items() if key.endswith("5xx") or key.endswith("error"))
    metrics["client_server_errors"] = metric(server_errors, "requests", "== 0")
    metrics["parcels_collected"] = metric(out.counts["parcel collected"], "parcels")
    metrics["requests"] = metric(sum(n for key, n in out.counts.items() if key.endswith("xx")), "requests")
    summary = (
        f"{args.minutes:g} min of demo load: "
        + ", ".join(
            f"{n} RSS {a['rss_last_mib']:.0f} MiB ({a['rss_slope_last_half_mib_per_min']:+.2f}/min)"
            for n, a in analysis.items()
        )
        + f"; {out.counts['parcel collected']} parcels, {server_errors} server errors"
        + (f"; growing: {', '.join(growing)}" if growing else "; nothing grows")
    )
    log(summary)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    # JSON lines (not a result document): what each process is, then one sample per line.
    with (RESULTS_DIR / SERIES).open("w") as f:
        f.write(json.dumps({"commands": commands}) + "\n")
        f.writelines(json.dumps(s) + "\n" for s in series)
    path = record(
        "soak",
        command_of("soak"),
        metrics,
        summary,
        configuration={
            "stack": "deploy/embedded as ./dev up runs it (every catalog station, device simulators, SQLite)",
            "rate_limits": "raised out of the way, still evaluated",
            "screens": args.screens,
            "public_reads_per_second": args.reads,
            "parcel_every_seconds": args.parcel_seconds,
            "sample_seconds": args.sample_seconds,
            "slope_limit_mib_per_minute": SLOPE_LIMIT_MIB_PER_MINUTE,
            "client_outcomes": dict(out.counts),
            "failures": out.failures,
            "series": f"bench/results/{SERIES}",
            "load_average_1min_at_end": round(os.getloadavg()[0], 1),
        },
    )
    print(f"recorded {path}")


if __name__ == "__main__":
    main()
