"""What every benchmark shares: a stack to measure, wrk runs, and the results format of DESIGN.md."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from deploy.embedded.stack import CATALOG_DIR, StackConfig, StationStack
from kernel.catalog import load_catalog

BENCH_DIR = Path(__file__).parent
RESULTS_DIR = BENCH_DIR / "results"
UNLIMITED = {"PER_SECOND": "1000000", "BURST": "1000000"}


@dataclass(frozen=True)
class WrkRun:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def machine() -> dict[str, Any]:
    with open("/proc/meminfo") as f:
        total_kb = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
    return {"cores": os.cpu_count(), "memory_gib": round(total_kb / 1024 / 1024, 1)}


@contextmanager
def bench_stack(
    database_url: str | None = None,
    *,
    log_level: str = "INFO",
    with_devices: bool = True,
    replicas: dict[str, int] | None = None,
    **component_env: dict[str, str],
) -> Iterator[StationStack]:
    """A station stack for measuring, configured as `./dev up` gives it (access logs at INFO, the
    simulated devices running), on SQLite (or the PostgreSQL given), its own NATS and Redis, rate
    limits out of the way (they are still evaluated on every request); `replicas`: processes per
    service (one by default)."""
    limits = {
        f"RATE_LIMIT_{n}__{k}": v
        for n in ("ANONYMOUS", "AUTHENTICATED", "WRITE", "AUTH")
        for k, v in UNLIMITED.items()
    }
    var = Path(tempfile.mkdtemp(prefix="gare-bench-"))
    stack = StationStack(
        StackConfig(
            var_dir=var,
            stations=[s.slug for s in load_catalog(CATALOG_DIR)],
            database_url=database_url,
            schema_prefix=f"bench{os.getpid()}_",
            preferred_ports=False,
            with_devices=with_devices,
            component_env={**component_env, "gateway": {**limits, **component_env.get("gateway", {})}},
            log_level=log_level,
            replicas=replicas or {},
        )
    )
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()
        shutil.rmtree(var, ignore_errors=True)
        if database_url:
            drop_schemas(database_url, f"bench{os.getpid()}_")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (fields 14 and 15 of /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def drop_schemas(database_url: str, prefix: str) -> None:
    import asyncio

    import asyncpg

    async def drop() -> None:
        connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            for row in await connection.fetch(
                "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)", prefix
            ):
                await connection.execute(f'DROP SCHEMA "{row["nspname"]}" CASCADE')
        finally:
            await connection.close()

    asyncio.run(drop())


def wrk(url: str, *, connections: int, seconds: int, headers: dict[str, str] | None = None) -> WrkRun:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    argv = [
        "wrk",
        f"--threads={min(connections, 2)}",
        f"--connections={connections}",
        f"--duration={seconds}s",
        "--timeout=10s",
        f"--script={BENCH_DIR / 'wrk_report.lua'}",
    ]
    for name, value in (headers or {}).items():
        argv += ["--header", f"{name}: {value}"]
    output = subprocess.run([*argv, url], capture_output=True, text=True, check=True).stdout
    report = json.loads(next(line for line in reversed(output.splitlines()) if line.startswith("{")))
    return WrkRun(
        requests_per_second=report["requests"] / (report["duration_us"] / 1e6),
        p50_ms=report["p50_us"] / 1000,
        p99_ms=report["p99_us"] / 1000,
        errors=report["socket_errors"] + report["non_2xx"],
    )


def median_run(runs: list[WrkRun]) -> WrkRun:
    return WrkRun(
        requests_per_second=statistics.median(r.requests_per_second for r in runs),
        p50_ms=statistics.median(r.p50_ms for r in runs),
        p99_ms=statistics.median(r.p99_ms for r in runs),
        errors=sum(r.errors for r in runs),
    )


def metric(value: float, unit: str, target: str | None = None) -> dict[str, Any]:
    return {"value": round(value, 3), "unit": unit, "target": target}


_OPERATORS = {
    ">=": float.__ge__,
    "<=": float.__le__,
    ">": float.__gt__,
    "<": float.__lt__,
    "==": float.__eq__,
}


def met(value: float, target: str) -> bool:
    """Whether a value meets a target written `"OP NUMBER"` (DESIGN.md, Benchmarks)."""
    operator, _, number = target.partition(" ")
    if operator not in _OPERATORS:
        raise ValueError(f"a target is 'OP NUMBER' with OP one of {sorted(_OPERATORS)}, not {target!r}")
    return bool(_OPERATORS[operator](float(value), float(number)))


def commit() -> str:
    """The commit measured, with `+changes` when the work tree differed from it."""

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], capture_output=True, text=True, cwd=BENCH_DIR).stdout.strip()

    head = git("rev-parse", "--short=12", "HEAD") or "unknown"
    return head + ("+changes" if git("status", "--porcelain", "--untracked-files=no") else "")


def stack_configuration(stack: StationStack, **more: Any) -> dict[str, Any]:
    """How a stack under measure was configured: what changes the numbers."""
    config = stack.config
    gateway_env = config.component_env.get("gateway", {})
    return {
        "stack": "bench_stack (deploy/embedded, one process per component)"
        if not config.replicas
        else "bench_stack (deploy/embedded, processes: "
        + ", ".join(f"{name} {n}" for name, n in sorted(config.replicas.items()))
        + ", one for the others)",
        "as_dev_up": config.log_level == "INFO" and config.with_devices,
        "database": "postgresql" if config.database_url else "sqlite",
        "log_level": config.log_level,
        "devices": config.with_devices,
        "rate_limits": "evaluated on every request, limits raised out of the way"
        if any(k.startswith("RATE_LIMIT_") for k in gateway_env)
        else "as configured by default",
        "edge_cache_entries": gateway_env.get("EDGE_CACHE_ENTRIES", "default"),
        **more,
    }


def record(
    scenario: str,
    command: str,
    metrics: dict[str, dict[str, Any]],
    summary: str,
    *,
    configuration: dict[str, Any],
) -> Path:
    """Write bench/results/<scenario>.json and add a line to bench/results/README.md.

    Every metric with a target gets `met`; the document says which commit and configuration."""
    for measured in metrics.values():
        if measured.get("target"):
            measured["met"] = met(measured["value"], measured["target"])
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    path = RESULTS_DIR / f"{scenario}.json"
    document = {
        "scenario": scenario,
        "command": command,
        "commit": commit(),
        "machine": machine(),
        "configuration": configuration,
        "date": now,
        "metrics": metrics,
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    readme = RESULTS_DIR / "README.md"
    if not readme.exists():
        readme.write_text(
            "# Benchmark results\n\nOne line per run, newest last; details in `<scenario>.json`.\n\n"
        )
    missed = [name for name, m in metrics.items() if m.get("met") is False]
    with readme.open("a") as f:
        f.write(
            f"- {now} `{scenario}` ({machine()['cores']} cores, {document['commit']}): {summary}"
            + (f" — missed: {', '.join(missed)}" if missed else "")
            + "\n"
        )
    return path


def command_of(scenario: str) -> str:
    """The command that ran this scenario, as its results name it."""
    return f"./dev bench -- {scenario} {' '.join(sys.argv[1:])}".strip()


def record_run(
    scenario: str, metrics: dict[str, dict[str, Any]], lines: list[str], *, configuration: dict[str, Any]
) -> Path:
    """`record` of this run: its command, its metrics, its summary lines."""
    return record(scenario, command_of(scenario), metrics, "; ".join(lines), configuration=configuration)


def machine_load(
    metrics: dict[str, dict[str, Any]], lines: list[str], key: str = "machine_load_1min"
) -> None:
    """The load at the end of the run, as a metric and in the summary: on a shared machine it says
    how far the numbers are from a quiet run."""
    load = os.getloadavg()[0]
    metrics[key] = metric(load, "runnable processes")
    lines.append(f"load average {load:.1f} on {os.cpu_count()} cores")


def operator_token(stack: StationStack, station: str) -> str:
    """A bearer token of the station's demo operator, signed in at the stack's gateway."""
    username = f"operator-{station}"
    account = next(a for a in stack.demo["accounts"] if a["username"] == username)
    response = httpx.post(
        f"{stack.gateway_url}/auth/token",
        data={"grant_type": "password", "username": username, "password": account["password"]},
        timeout=10,
    )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


def status_report(count: int) -> dict[str, Any]:
    """A vehicle station's status report with `count` mechanical bikes, reported now."""
    return {
        "num_vehicles_available": count,
        "vehicle_types_available": [
            {"vehicle_type_id": "velib-mechanical", "count": count},
            {"vehicle_type_id": "velib-ebike", "count": 0},
        ],
        "num_docks_available": 10,
        "last_reported": datetime.now(UTC).isoformat(),
    }
