"""Scenario gateway_overhead: the same public read served directly by bike_share and through the gateway.

Both are measured in the same run, alternating, at 1, 16 and 64 concurrent connections (wrk), and the
median of `--rounds` runs is recorded. Target: the gateway keeps at least 0.6 of the direct throughput.

    ./dev bench -- gateway_overhead [--seconds 10] [--rounds 3] [--postgres URL] [--profile]

With --postgres the whole scenario runs a second time with every service on PostgreSQL (the
production database); metric names carry the backend.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.common import RESULTS_DIR, bench_stack, median_run, metric, record_run, stack_configuration, wrk
from bench.profiling import profile_under_load
from deploy.embedded.stack import StationStack

READ_PATH = "/api/v1/stations/saint-denis-pleyel/mobility/vehicle-stations"
CONCURRENCY = (1, 16, 64)
TARGET_RATIO = 0.6


def profile_gateway(stack: StationStack, seconds: int) -> Path:
    """Sample the gateway with py-spy while wrk loads it at 16 connections; writes a summary table."""
    return profile_under_load(
        stack.processes["gateway"].pid,
        f"{stack.gateway_url}{READ_PATH}",
        seconds,
        RESULTS_DIR / "gateway_overhead.profile.md",
        "Where the gateway spends its time (py-spy, 16 connections)",
    )


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
    print(record_run("gateway_overhead", metrics, lines, configuration=configuration))


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
