"""Scenario wayfinding: routes on a generated station graph of 5,000 places.

- route computation (routes.route, A* over the adjacency built once per graph version): p50 and
  p99 per profile over random place pairs, their CPU time, and the p99 of each pair at its fastest
  over the rounds (the same pairs every round);
- routes per second through the service's HTTP stack, in process (ASGI, SQLite, the graph imported
  as GTFS);
- time from a lift outage (PUT /equipment/{code}) to the first route that avoids it.

    ./dev bench -- wayfinding [--routes 400] [--seconds 5] [--rounds 3]

Targets are issue 10's: p99 under 5 ms per route on 5,000 places, outage respected in under 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from bench.common import bench_stack, metric, operator_token, record
from services.info_kiosk import gtfs
from services.info_kiosk.app import DEFINITION
from services.info_kiosk.domain import graph_rules, routes, routing
from services.info_kiosk.settings import Settings
from testkit.service import SAINT_DENIS, SigningKey, bearer, migrated_sqlite_async, running_service

PUBLISHER = gtfs.Publisher("Gare numérique", "http://127.0.0.1:8080/")

LEVELS, ROWS, COLUMNS = 10, 20, 25  # 10 x 500 = 5,000 places
SPACING_M = 6.0
P99_TARGET_MS, OUTAGE_TARGET_S = 5, 1
MIGRATIONS = Path(__file__).parents[1] / "services" / "info_kiosk" / "migrations"


def generated_feed(seed: int = 10) -> gtfs.Feed:
    """A deep station: 10 levels of 20 x 25 corridors, stairs, escalators and lifts between levels."""
    rng = random.Random(seed)
    feed = gtfs.Feed()
    lat0, lon0 = 48.9, 2.35
    for level in range(LEVELS):
        feed.levels.append(graph_rules.LevelRecord(f"L{-level}", -level, {"fr": f"Niveau {-level}"}))
        for row in range(ROWS):
            for column in range(COLUMNS):
                kind = "node"
                if level == 0 and row == 0 and column % 6 == 0:
                    kind = "entrance_exit"
                elif level > 0 and row == ROWS - 1 and column % 8 == 0:
                    kind = "platform"
                elif rng.random() < 0.02:
                    kind = "toilets"
                lat, lon = lat0 + row * SPACING_M / 111_195, lon0 + column * SPACING_M / 73_000
                feed.places.append(
                    graph_rules.PlaceRecord(
                        f"n{level}-{row}-{column}",
                        kind,
                        {"fr": f"Lieu {level}-{row}-{column}"},
                        f"L{-level}",
                        lat,
                        lon,
                    )
                )
                if column + 1 < COLUMNS:
                    feed.pathways.append(
                        graph_rules.PathwayRecord(
                            f"w{level}-{row}-{column}-e",
                            f"n{level}-{row}-{column}",
                            f"n{level}-{row}-{column + 1}",
                            "walkway",
                            True,
                            SPACING_M,
                            None,
                        )
                    )
                if row + 1 < ROWS:
                    feed.pathways.append(
                        graph_rules.PathwayRecord(
                            f"w{level}-{row}-{column}-s",
                            f"n{level}-{row}-{column}",
                            f"n{level}-{row + 1}-{column}",
                            "walkway",
                            True,
                            SPACING_M,
                            None,
                        )
                    )
        if level + 1 < LEVELS:
            for index, (row, column) in enumerate([(2, 3), (10, 12), (17, 20), (5, 22), (15, 4)]):
                mode = ("stairs", "escalator", "lift", "stairs", "escalator")[index]
                feed.pathways.append(
                    graph_rules.PathwayRecord(
                        f"v{level}-{index}",
                        f"n{level}-{row}-{column}",
                        f"n{level + 1}-{row}-{column}",
                        mode,
                        True,
                        12.0,
                        {"stairs": 30, "escalator": 20, "lift": 45}[mode],
                        40 if mode == "stairs" else None,
                    )
                )
    # The lifts are places one can put out of service: rename the top landing of one lift shaft.
    return feed


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def route_times(feed: gtfs.Feed, count: int) -> dict[str, tuple[list[float], list[float]]]:
    """Per profile, the wall and CPU milliseconds of each route, over the same pairs every round."""
    graph = routing.RoutingGraph(feed.levels, feed.places, feed.pathways)
    rng = random.Random(1)
    codes = [place.code for place in feed.places]
    pairs = [(rng.choice(codes), rng.choice(codes)) for _ in range(count)]
    results: dict[str, tuple[list[float], list[float]]] = {}
    for profile in graph_rules.PROFILES:
        graph.landmarks(profile)  # built once per graph version, like the adjacency
        times, cpu = [], []
        for a, b in pairs:
            started, started_cpu = time.perf_counter(), time.thread_time()
            routes.route(graph, a, b, profile, ["fr"])
            cpu.append((time.thread_time() - started_cpu) * 1000)
            times.append((time.perf_counter() - started) * 1000)
        results[profile] = (times, cpu)
    return results


async def measure_over(
    http: httpx.AsyncClient, operator: dict[str, str], feed: gtfs.Feed, seconds: float, concurrency: int
) -> tuple[float, float]:
    """Import the generated graph, then routes per second (random pairs, fastest, `concurrency`
    clients) and the seconds from a lift outage to the first route that avoids it."""
    base = f"/api/v1/stations/{SAINT_DENIS}/kiosk"
    imported = await http.put(
        f"{base}/graph/gtfs",
        content=gtfs.write_feed(SAINT_DENIS, {}, feed, PUBLISHER),
        headers={"Content-Type": "application/zip"} | operator,
    )
    assert imported.status_code == 200, imported.text
    # The lift shaft between levels 0 and 1 gets a lift place on its top landing.
    created = await http.post(
        f"{base}/places",
        headers=operator,
        json={
            "code": "lift-a",
            "kind": "lift",
            "names": {"fr": "Ascenseur A"},
            "level_code": "L0",
            "lat": 48.9 + 17 * SPACING_M / 111_195,
            "lon": 2.35 + 20 * SPACING_M / 73_000,
        },
    )
    assert created.status_code == 201, created.text
    for code, a, b, mode in (("pa", "n0-17-20", "lift-a", "walkway"), ("pb", "lift-a", "n1-17-20", "lift")):
        await http.post(
            f"{base}/pathways",
            headers=operator,
            json={
                "code": code,
                "from_code": a,
                "to_code": b,
                "mode": mode,
                "bidirectional": True,
                "length_m": 1,
                "traversal_time_s": 5,
            },
        )
    params = {"from": "n0-17-19", "to": "n1-17-21", "profile": "step_free"}
    for profile in graph_rules.PROFILES:  # the first route of each profile measures its landmarks
        await http.get(f"{base}/route", params={**params, "profile": profile}, timeout=60)
    first = (await http.get(f"{base}/route", params=params)).json()
    assert "lift-a" in first["route"]["places"], first
    codes = [place.code for place in feed.places]
    count = 0
    started = time.perf_counter()

    async def client(seed: int) -> None:
        nonlocal count
        rng = random.Random(seed)
        while time.perf_counter() - started < seconds:
            response = await http.get(
                f"{base}/route",
                params={"from": rng.choice(codes), "to": rng.choice(codes), "profile": "fastest"},
            )
            assert response.status_code == 200, response.text
            count += 1

    await asyncio.gather(*(client(seed) for seed in range(concurrency)))
    per_second = count / (time.perf_counter() - started)
    started = time.perf_counter()
    await http.put(f"{base}/equipment/lift-a", json={"status": "out_of_service"}, headers=operator)
    while True:
        answer = (await http.get(f"{base}/route", params=params)).json()
        if answer["route"] is None or "lift-a" not in answer["route"]["places"]:
            break
    return per_second, time.perf_counter() - started


async def through_http(feed: gtfs.Feed, seconds: float) -> tuple[float, float]:
    keys = SigningKey()
    with tempfile.TemporaryDirectory() as tmp:
        url = await migrated_sqlite_async(MIGRATIONS, Path(tmp) / "kiosk.sqlite")
        async with running_service(DEFINITION, Settings, database_url=url, keys=keys) as kiosk:
            return await measure_over(kiosk.http, bearer(keys.operator()), feed, seconds, 1)


def through_gateway(feed: gtfs.Feed, seconds: float, concurrency: int) -> tuple[float, float]:
    """The same over the real stack (gateway, info_kiosk processes, SQLite, NATS, Redis)."""
    with bench_stack() as stack:
        operator = {"Authorization": f"Bearer {operator_token(stack, SAINT_DENIS)}"}

        async def run() -> tuple[float, float]:
            async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=30) as http:
                return await measure_over(http, operator, feed, seconds, concurrency)

        return asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--routes", type=int, default=400)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8, help="clients through the gateway")
    parser.add_argument("--no-gateway", action="store_true", help="skip the measurement on the real stack")
    args = parser.parse_args()
    feed = generated_feed()
    assert len(feed.places) == LEVELS * ROWS * COLUMNS
    metrics = {}
    # The median of each number over the rounds: a shared machine has noisy neighbours.
    rounds = [route_times(feed, args.routes) for _ in range(args.rounds)]
    times = {
        profile: (
            statistics.median(statistics.median(r[profile][0]) for r in rounds),
            statistics.median(percentile(r[profile][0], 0.99) for r in rounds),
            statistics.median(percentile(r[profile][1], 0.99) for r in rounds),
            # Each pair at its fastest over the rounds: a neighbour's burst slows one round of a
            # pair, rarely all of them, so this p99 is the route's own cost on a loaded machine.
            percentile([min(walls) for walls in zip(*(r[profile][0] for r in rounds), strict=True)], 0.99),
        )
        for profile in graph_rules.PROFILES
    }
    for profile, (p50, p99, cpu_p99, best_p99) in times.items():
        metrics[f"route_{profile}_p50_ms"] = metric(p50, "ms")
        # The CPU the route itself took: what the wall-clock p99 would be without neighbours.
        metrics[f"route_{profile}_cpu_p99_ms"] = metric(cpu_p99, "ms")
        metrics[f"route_{profile}_best_of_rounds_p99_ms"] = metric(best_p99, "ms")
        metrics[f"route_{profile}_p99_ms"] = metric(p99, "ms", f"< {P99_TARGET_MS}")
    per_second, outage_s = asyncio.run(through_http(feed, args.seconds))
    metrics["routes_per_second_http_in_process"] = metric(per_second, "routes/s")
    metrics["outage_respected_s"] = metric(outage_s, "s", f"< {OUTAGE_TARGET_S}")
    gateway_line = ""
    if not args.no_gateway:
        gateway_rps, gateway_outage_s = through_gateway(feed, args.seconds, args.concurrency)
        metrics["routes_per_second_gateway"] = metric(gateway_rps, "routes/s")
        metrics["outage_respected_gateway_s"] = metric(gateway_outage_s, "s", f"< {OUTAGE_TARGET_S}")
        gateway_line = (
            f"; through the gateway ({args.concurrency} clients) {gateway_rps:.0f} routes/s, "
            f"outage respected in {gateway_outage_s * 1000:.0f} ms"
        )
    worst = max(p99 for _, p99, _, _ in times.values())
    worst_cpu = max(cpu for _, _, cpu, _ in times.values())
    worst_best = max(best for _, _, _, best in times.values())
    metrics["load_average_1m"] = metric(os.getloadavg()[0], "runnable processes")
    summary = (
        f"5,000 places: worst p99 per profile {worst:.2f} ms (target < {P99_TARGET_MS}; its CPU time "
        f"{worst_cpu:.2f} ms, each pair at its fastest of the rounds {worst_best:.2f} ms; load average {os.getloadavg()[0]:.1f} on this 2-core machine), "
        f"{per_second:.0f} routes/s over HTTP in process, outage respected in {outage_s * 1000:.0f} ms"
        f"{gateway_line}"
    )
    path = record(
        "wayfinding",
        f"./dev bench -- wayfinding --routes {args.routes} --seconds {args.seconds} --rounds {args.rounds}"
        f" --concurrency {args.concurrency}{' --no-gateway' if args.no_gateway else ''}",
        metrics,
        summary,
        configuration={
            "routes": "in process, the domain's router alone (A*, 16 landmarks, 6 active terms per route), "
            "then over HTTP in process",
            "gateway": "none"
            if args.no_gateway
            else "bench_stack (deploy/embedded), SQLite, logs at WARNING, no devices",
        },
    )
    print(summary)
    print(path)


if __name__ == "__main__":
    main()
