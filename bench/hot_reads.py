"""Scenario hot_reads: every hot read, served from ready bytes, directly and through the gateway.

For each read (vehicle stations and one vehicle station, the kiosk's points of interest and
mobility board, locker availability and one bank's, a screen's playlist with its device token),
directly from its service, through the gateway's edge cache (`gateway_edge`: public reads, what a
traveller gets) and proxied by a second gateway with its edge cache off (`gateway_proxied`: every
request reaches the service), as a full body and as a 304 (If-None-Match with
the current ETag), at 16 and 64 connections: wrk, median of `--rounds` runs of `--seconds`. Besides
throughput and latency it records the CPU each process spent per request (from /proc/<pid>/stat
over the run: user + system time / requests answered), which is how the gateway's own cost per
proxied request is measured. Targets are issue 6's, for this 2-core machine with wrk on it too.

First, on the stack as `./dev up` gives it (access logs at INFO, simulated devices running), the
gateway's hot reads of `--compare` (edge cache: full body and 304) against a bare FastAPI app and a
bare ASGI app returning the same bytes (bench/gateway_bare.py), at 64 connections, rounds
interleaved: the ratios to bare FastAPI are the targets.

In process, without any network, it also measures one cached hit through the service's ASGI stack
with the access log line on and off: what the log line costs per request.

    ./dev bench -- hot_reads [--seconds 10] [--rounds 3] [--reads vehicle-stations,playlist]
        [--compare vehicle-stations,gbfs-station-status,lockers-availability]

Numbers from a shared machine are noisy; the lead's run on a quiet one is the reference.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.common import WrkRun, bench_stack, median_run, metric, record_run, stack_configuration, wrk
from bench.gateway_bare import bare_app
from deploy.embedded.stack import StationStack
from kernel.observability import BatchedLines, JsonLinesHandler

STATION = "saint-denis-pleyel"
CONCURRENCY = (16, 64)
PROXIED = "gateway-proxied"
GATEWAY_FULL_RPS, GATEWAY_304_RPS, GATEWAY_P99_MS, RATIO = 3000, 4000, 25, 0.7
# Against the yardsticks (bench/gateway_bare.py), at 64 connections: the gateway's hot read at least as
# fast as bare FastAPI returning the same bytes, its 304 30 % faster than its full body, and its p99
# no worse than bare FastAPI's.
VS_FASTAPI, NOT_MODIFIED_VS_FULL, P99_VS_FASTAPI = 1.0, 1.3, 1.0
COMPARED = ("vehicle-stations", "gbfs-station-status", "lockers-availability")


@dataclass(frozen=True)
class Read:
    name: str
    service: str
    path: str
    device: str | None = None  # the kind of device whose token it needs


READS = (
    Read("vehicle-stations", "bike_share", f"/api/v1/stations/{STATION}/mobility/vehicle-stations"),
    Read(
        "vehicle-station",
        "bike_share",
        f"/api/v1/stations/{STATION}/mobility/vehicle-stations/velib-metropole-653042442",
    ),
    Read("points-of-interest", "info_kiosk", f"/api/v1/stations/{STATION}/kiosk/points-of-interest?lang=en"),
    Read("mobility-board", "info_kiosk", f"/api/v1/stations/{STATION}/kiosk/mobility"),
    Read("lockers-availability", "parcel_lockers", f"/api/v1/stations/{STATION}/lockers/availability"),
    Read("gbfs-station-status", "bike_share", f"/gbfs/{STATION}/station_status.json"),
    Read("bank-availability", "parcel_lockers", f"/api/v1/stations/{STATION}/lockers/availability/A"),
    Read("playlist", "signage", f"/api/v1/stations/{STATION}/signage/screens/hall/playlist", device="screen"),
)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (fields 14 and 15 of /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def device_token(stack: StationStack, kind: str) -> str:
    device = next(d for d in stack.demo["devices"] if d["kind"] == kind and d["station"] == STATION)
    response = httpx.post(
        f"{stack.gateway_url}/auth/token",
        data={"grant_type": "client_credentials"},
        auth=(device["client_id"], device["client_secret"]),
        timeout=10,
    )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


def headers_for(stack: StationStack, read: Read) -> dict[str, str]:
    """What a client of this read sends: the device's token, or nothing for a public read."""
    if read.device:
        return {"Authorization": f"Bearer {device_token(stack, read.device)}"}
    return {}


def measure_run(
    url: str, headers: dict[str, str], pids: list[int], connections: int, seconds: int
) -> tuple[WrkRun, list[float]]:
    """One wrk run, and the CPU milliseconds each process spent per request during it."""
    before = [cpu_seconds(pid) for pid in pids]
    run = wrk(url, connections=connections, seconds=seconds, headers=headers)
    spent = [cpu_seconds(pid) - b for pid, b in zip(pids, before, strict=True)]
    requests = max(run.requests_per_second * seconds, 1)
    return run, [s * 1000 / requests for s in spent]


def measure_read(
    stack: StationStack,
    read: Read,
    args: argparse.Namespace,
    metrics: dict,
    lines: list[str],
    proxied_url: str,
) -> None:
    """The read directly from its service, through the gateway's edge cache (public reads: what a
    traveller gets), and proxied by a gateway whose edge cache is off (every request to the service)."""
    service_pid = stack.processes[read.service].pid
    gateway_pid = stack.processes["gateway"].pid
    proxied_pid = stack.processes[PROXIED].pid
    assert service_pid is not None and gateway_pid is not None and proxied_pid is not None
    wheres = [("direct", stack.url(read.service), [service_pid])]
    if read.device is None:  # a private answer is never kept at the edge
        wheres.append(("gateway_edge", stack.gateway_url, [gateway_pid, service_pid]))
    wheres.append(("gateway_proxied", proxied_url, [proxied_pid, service_pid]))
    for where, base, pids in wheres:
        url = f"{base}{read.path}"
        headers = headers_for(stack, read)
        first = httpx.get(url, headers=headers, timeout=10)
        if first.status_code != 200:
            print(f"{read.name} {where}: {first.status_code} {first.text[:200]}; skipped", flush=True)
            continue
        for kind, extra in (("full", {}), ("304", {"If-None-Match": first.headers["etag"]})):
            for connections in CONCURRENCY:
                runs, cpu = [], []
                for _ in range(args.rounds):
                    run, per_request = measure_run(url, headers | extra, pids, connections, args.seconds)
                    runs.append(run)
                    cpu.append(per_request)
                median = median_run(runs)
                cpu_ms = [sorted(c[i] for c in cpu)[len(cpu) // 2] for i in range(len(pids))]
                record_metrics(read, where, kind, connections, median, cpu_ms, metrics, lines)


def record_metrics(
    read: Read,
    where: str,
    kind: str,
    connections: int,
    run: WrkRun,
    cpu_ms: list[float],
    metrics: dict,
    lines: list[str],
) -> None:
    name = f"{read.name}_{where}_{kind}_c{connections}"
    rps_target = None
    through_gateway = where.startswith("gateway")
    if through_gateway:
        rps_target = f">= {GATEWAY_FULL_RPS if kind == 'full' else GATEWAY_304_RPS}"
    p99_target = f"<= {GATEWAY_P99_MS}" if through_gateway and connections == 64 else None
    metrics[f"{name}_rps"] = metric(run.requests_per_second, "requests/s", rps_target)
    metrics[f"{name}_p50"] = metric(run.p50_ms, "ms")
    metrics[f"{name}_p99"] = metric(run.p99_ms, "ms", p99_target)
    metrics[f"{name}_errors"] = metric(run.errors, "requests", "== 0")
    if through_gateway:
        metrics[f"{name}_gateway_cpu"] = metric(cpu_ms[0], "ms CPU per request", "< 0.5")
        direct = metrics.get(f"{read.name}_direct_{kind}_c{connections}_rps")
        if direct and direct["value"]:
            metrics[f"{name}_ratio"] = metric(
                run.requests_per_second / direct["value"],
                "gateway/direct throughput",
                f">= {RATIO}" if kind == "full" else None,
            )
    metrics[f"{name}_service_cpu"] = metric(cpu_ms[-1], "ms CPU per request")
    line = (
        f"{read.name} {where} {kind} c={connections}: {run.requests_per_second:.0f} req/s, "
        f"p50 {run.p50_ms:.1f} ms, p99 {run.p99_ms:.1f} ms, CPU/request "
        + ", ".join(f"{c:.3f} ms" for c in cpu_ms)
    )
    lines.append(line)
    print(line, flush=True)


# -- against the yardsticks: the same bytes from bare FastAPI and bare ASGI ------------------------


def compare_read(
    stack: StationStack, read: Read, args: argparse.Namespace, metrics: dict, lines: list[str]
) -> None:
    """The gateway's hot read (edge cache: full body and 304) against a bare FastAPI app and a bare
    ASGI app returning the same bytes, at 64 connections, the rounds interleaved so that the noise
    of a shared machine falls on all four alike."""
    url = f"{stack.gateway_url}{read.path}"
    first = httpx.get(url, timeout=10)
    first.raise_for_status()
    gateway_pid = stack.processes["gateway"].pid
    assert gateway_pid is not None
    with (
        bare_app("fastapi", read.path, first) as (fastapi_url, fastapi_pid),
        bare_app("asgi", read.path, first) as (asgi_url, asgi_pid),
    ):
        candidates = {
            "gateway_full": (url, {}, gateway_pid),
            "gateway_304": (url, {"If-None-Match": first.headers["etag"]}, gateway_pid),
            "bare_fastapi_full": (fastapi_url, {}, fastapi_pid),
            "bare_asgi_full": (asgi_url, {}, asgi_pid),
        }
        runs: dict[str, list[WrkRun]] = {name: [] for name in candidates}
        cpu: dict[str, list[float]] = {name: [] for name in candidates}
        for _ in range(args.rounds):
            for name, (target, headers, pid) in candidates.items():
                run, (per_request,) = measure_run(target, headers, [pid], 64, args.seconds)
                runs[name].append(run)
                cpu[name].append(per_request)
    medians = {name: median_run(r) for name, r in runs.items()}
    for name, run in medians.items():
        key = f"{read.name}_{name}_c64"
        metrics[f"{key}_rps"] = metric(run.requests_per_second, "requests/s")
        metrics[f"{key}_p50"] = metric(run.p50_ms, "ms")
        metrics[f"{key}_p99"] = metric(run.p99_ms, "ms")
        metrics[f"{key}_errors"] = metric(run.errors, "requests", "== 0")
        metrics[f"{key}_cpu"] = metric(sorted(cpu[name])[len(cpu[name]) // 2], "ms CPU per request")
        line = (
            f"{read.name} {name} c=64: {run.requests_per_second:.0f} req/s, p50 {run.p50_ms:.1f} ms, "
            f"p99 {run.p99_ms:.1f} ms"
        )
        lines.append(line)
        print(line, flush=True)
    full, not_modified = medians["gateway_full"], medians["gateway_304"]
    fastapi = medians["bare_fastapi_full"]
    metrics[f"{read.name}_gateway_vs_bare_fastapi"] = metric(
        full.requests_per_second / fastapi.requests_per_second, "throughput ratio", f">= {VS_FASTAPI}"
    )
    metrics[f"{read.name}_gateway_vs_bare_asgi"] = metric(
        full.requests_per_second / medians["bare_asgi_full"].requests_per_second, "throughput ratio"
    )
    metrics[f"{read.name}_gateway_304_vs_full"] = metric(
        not_modified.requests_per_second / full.requests_per_second,
        "throughput ratio",
        f">= {NOT_MODIFIED_VS_FULL}",
    )
    metrics[f"{read.name}_gateway_p99_vs_bare_fastapi"] = metric(
        full.p99_ms / max(fastapi.p99_ms, 0.001), "p99 ratio", f"<= {P99_VS_FASTAPI}"
    )


# -- in process: the hot path without the network, with and without the access log --------------


async def in_process_hit_cost(requests: int) -> dict[str, float]:
    """CPU microseconds per cached GET through bike_share's whole ASGI stack, access log on and off."""
    from services.bike_share.app import DEFINITION
    from services.bike_share.settings import Settings
    from testkit.service import SigningKey, migrated_sqlite_async, running_service

    folder = Path(tempfile.mkdtemp(prefix="gare-bench-"))
    migrations = Path(__file__).parents[1] / "services" / "bike_share" / "migrations"
    url = await migrated_sqlite_async(migrations, folder / "bike_share.sqlite")
    costs: dict[str, float] = {}
    async with running_service(DEFINITION, Settings, database_url=url, keys=SigningKey()) as service:
        path = f"/api/v1/stations/{STATION}/mobility/vehicle-stations"
        assert (await service.http.get(path)).status_code == 200
        access = logging.getLogger("bike_share.access")
        # The process's own log handler (kernel/observability.py: JSON lines, written in batches),
        # into a file rather than stdout.
        handler = JsonLinesHandler("bike_share", BatchedLines((folder / "access.log").open("w")))
        root = logging.getLogger()
        # A hit's access line is written at DEBUG (kernel/observability.py): DEBUG writes it.
        for label, level in (("log_off", logging.WARNING), ("log_on", logging.DEBUG)):
            root.handlers[:] = [handler]
            access.setLevel(level)
            app = service.app
            started = time.process_time()  # CPU time: what a loaded machine's waits do not inflate
            for _ in range(requests):
                await call(app, path)
            costs[label] = (time.process_time() - started) / requests * 1e6
            handler.flush()
    return costs


async def call(app: object, path: str) -> None:
    """One GET through the ASGI app, the way a server calls it (no HTTP client in the measure)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"bench")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        return None

    await app(scope, receive, send)  # type: ignore[operator]


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench hot_reads")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--reads", default=",".join(r.name for r in READS), help="comma-separated read names ('' for none)"
    )
    parser.add_argument(
        "--compare",
        default=",".join(COMPARED),
        help="reads measured against bare FastAPI and bare ASGI, comma-separated ('' for none)",
    )
    parser.add_argument("--in-process-requests", type=int, default=20_000)
    args = parser.parse_args()
    wanted = [r for r in READS if r.name in args.reads.split(",")]
    compared = [r for r in READS if r.name in args.compare.split(",")]

    metrics: dict = {}
    lines: list[str] = []
    costs = asyncio.run(in_process_hit_cost(args.in_process_requests))
    metrics["in_process_hit_log_off"] = metric(costs["log_off"], "µs CPU per request")
    metrics["in_process_hit_log_on"] = metric(costs["log_on"], "µs CPU per request")
    metrics["access_log_line"] = metric(costs["log_on"] - costs["log_off"], "µs CPU per request")
    lines.append(
        f"in process: cached hit {costs['log_off']:.0f} µs, {costs['log_on']:.0f} µs with the access log line"
    )
    print(lines[-1], flush=True)
    with bench_stack() as stack:
        _, proxied_url = stack.start_extra_gateway(PROXIED, {"EDGE_CACHE_ENTRIES": "0"})
        configuration = stack_configuration(stack, proxied_gateway="a second gateway, edge cache off")
        wrk(f"{stack.gateway_url}{READS[0].path}", connections=16, seconds=1)  # warm up
        for read in compared:
            compare_read(stack, read, args, metrics, lines)
        for read in wanted:
            measure_read(stack, read, args, metrics, lines, proxied_url)
    print(record_run("hot_reads", metrics, lines, configuration=configuration))


if __name__ == "__main__":
    main()
