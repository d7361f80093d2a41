"""Scenario gateway_overhead: the same public read served directly by bike_share and through the gateway.

Both are measured in the same run, alternating, at 1, 16 and 64 concurrent connections (wrk), and the
median of `--rounds` runs is recorded. Target: the gateway keeps at least 0.6 of the direct throughput.

    ./dev bench -- gateway_overhead [--seconds 10] [--rounds 3] [--postgres URL] [--profile]

With --postgres the whole scenario runs a second time with every service on PostgreSQL (the
production database); metric names carry the backend.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from bench.common import RESULTS_DIR, bench_stack, median_run, metric, record, stack_configuration, wrk
from deploy.embedded.stack import StationStack

READ_PATH = "/api/v1/stations/saint-denis-pleyel/mobility/vehicle-stations"
CONCURRENCY = (1, 16, 64)
TARGET_RATIO = 0.6


def summarize_profile(raw: Path, top: int = 15) -> str:
    """Where the gateway's CPU goes, from py-spy's collapsed stacks: samples by the package of the
    innermost frame (self time), then the busiest functions."""
    by_package: Counter[str] = Counter()
    by_function: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        innermost = stack.split(";")[-1]
        total += int(count)
        by_function[innermost] += int(count)
        by_package[package_of(innermost)] += int(count)
    rows = ["| share of samples | package (self time) |", "| --- | --- |"]
    rows += [f"| {n / total:.0%} | {name} |" for name, n in by_package.most_common(top)]
    rows += ["", "| share of samples | function (self time) |", "| --- | --- |"]
    rows += [f"| {n / total:.1%} | `{name}` |" for name, n in by_function.most_common(top)]
    return "\n".join(rows)


def package_of(frame: str) -> str:
    """`send (httpcore/_async/http11.py:80)` -> `httpcore`."""
    location = frame.rpartition("(")[2]
    path = location.split(":")[0]
    return path.split("/")[0] if "/" in path else (path or "other")


def profile_gateway(stack: StationStack, seconds: int) -> Path:
    """Sample the gateway with py-spy while wrk loads it at 16 connections; writes a summary table."""
    raw = Path(tempfile.mkstemp(suffix=".txt")[1])
    out = RESULTS_DIR / "gateway_overhead.profile.md"
    pid = stack.processes["gateway"].pid
    spy = subprocess.Popen(
        [
            "py-spy",
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(seconds),
            "--rate",
            "200",
            "--format",
            "raw",
            "--output",
            str(raw),
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wrk(f"{stack.gateway_url}{READ_PATH}", connections=16, seconds=seconds)
    spy.wait(timeout=seconds + 30)
    out.write_text(
        "# Where the gateway spends its time (py-spy, 16 connections)\n\n" + summarize_profile(raw) + "\n"
    )
    raw.unlink()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench gateway_overhead")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", metavar="URL", help="also measure with the services on this PostgreSQL")
    parser.add_argument("--profile", action="store_true", help="also sample the gateway with py-spy")
    args = parser.parse_args()

    metrics: dict = {}
    lines: list[str] = []
    backends = {"sqlite": None} | ({"postgres": args.postgres} if args.postgres else {})
    configuration: dict = {}
    for backend, database_url in backends.items():
        configuration[backend] = measure(backend, database_url, args, metrics, lines)
    command = "./dev bench -- gateway_overhead " + " ".join(sys.argv[1:])
    print(record("gateway_overhead", command.strip(), metrics, "; ".join(lines), configuration=configuration))


def measure(
    backend: str, database_url: str | None, args: argparse.Namespace, metrics: dict, lines: list[str]
) -> dict:
    with bench_stack(database_url) as stack:
        configuration = stack_configuration(stack)
        direct_url = f"{stack.url('bike_share')}{READ_PATH}"
        gateway_url = f"{stack.gateway_url}{READ_PATH}"
        wrk(gateway_url, connections=16, seconds=2)  # warm up pools and caches
        for connections in CONCURRENCY:
            direct_runs, gateway_runs = [], []
            for _ in range(args.rounds):
                direct_runs.append(wrk(direct_url, connections=connections, seconds=args.seconds))
                gateway_runs.append(wrk(gateway_url, connections=connections, seconds=args.seconds))
            direct, through = median_run(direct_runs), median_run(gateway_runs)
            ratio = through.requests_per_second / direct.requests_per_second
            c = f"{backend}_c{connections}"
            metrics |= {
                f"direct_rps_{c}": metric(direct.requests_per_second, "requests/s"),
                f"gateway_rps_{c}": metric(through.requests_per_second, "requests/s"),
                f"direct_p50_{c}": metric(direct.p50_ms, "ms"),
                f"direct_p99_{c}": metric(direct.p99_ms, "ms"),
                f"gateway_p50_{c}": metric(through.p50_ms, "ms"),
                f"gateway_p99_{c}": metric(through.p99_ms, "ms"),
                f"ratio_{c}": metric(ratio, "gateway/direct throughput", f">= {TARGET_RATIO}"),
                f"errors_{c}": metric(direct.errors + through.errors, "requests", "0"),
            }
            line = (
                f"{backend} c={connections}: direct {direct.requests_per_second:.0f} req/s (p50 {direct.p50_ms:.1f} ms, p99 {direct.p99_ms:.1f} ms), "
                f"gateway {through.requests_per_second:.0f} req/s (p50 {through.p50_ms:.1f} ms, p99 {through.p99_ms:.1f} ms), ratio {ratio:.2f}"
            )
            lines.append(line)
            print(line, flush=True)
        if args.profile and backend == "sqlite":
            print(f"profile: {profile_gateway(stack, args.seconds)}")
    return configuration


if __name__ == "__main__":
    main()
