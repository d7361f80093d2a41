"""Scenario locker_unlock ("unlock under a crowd"): opening a locker from the phone, end to end
through the gateway.

phone -> gateway -> parcel_lockers -> NATS request -> a locker controller -> ack -> answer. The
controllers are the project's simulator (devices/locker_controller.py) run here, on the stack's
NATS. Each simulated traveller signs in with the phone-code
grant; then rounds: couriers deposit a parcel for every traveller and the doors close (not timed),
all the travellers open theirs at once (timed), the doors close (collected, not timed). Banks of 10
compartments, each with its controller. Opens per second are over the open phases.
At 50 and 200 concurrent travellers, on SQLite and on PostgreSQL, with two processes of
parcel_lockers behind the gateway: p50, p95, p99 of the open call and opens per second; also the
public availability read of the bank through the gateway (a hot read, wrk). Targets: p99 < 150 ms
at 50 on each database, no error at 50 nor at 200.

    ./dev bench -- locker_unlock [--seconds 10] [--levels 50,200] [--processes 2]
        [--postgres postgresql://postgres@127.0.0.1:5432/test] [--databases sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import nats

from bench.common import RESULTS_DIR, bench_stack, cpu_seconds, metric, record_run, stack_configuration, wrk
from bench.profiling import Sampling, start_sampling, write_table
from deploy.embedded.stack import StationStack
from devices.locker_controller import LockerController

STATION = "saint-denis-pleyel"
BASE = f"/api/v1/stations/{STATION}/lockers"
BANK_SIZE = 10
PHONE_GRANT = "urn:gare-numerique:params:oauth:grant-type:phone-otp"
TARGET_P99_MS_AT_50 = 150
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
# Sign-ins, deposits and closing doors are set-up, not measured: a few at a time, as travellers
# arrive and couriers go round (a courier does not open 200 doors at once). Only the opens are all
# at once.
SIGN_IN_CONCURRENCY = 10
SETUP_CONCURRENCY = 16


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def token(http: httpx.AsyncClient, data: dict[str, str], auth: httpx.BasicAuth | None = None) -> str:
    response = (
        await http.post("/auth/token", data=data, auth=auth)
        if auth
        else await http.post("/auth/token", data=data)
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


async def traveller_token(http: httpx.AsyncClient, phone: str) -> str:
    sent = await http.post("/auth/otp", json={"phone_number": phone})
    sent.raise_for_status()
    inbox = (await http.get("/dev/notifier/messages", params={"to": phone, "limit": 1})).json()
    code = re.search(r"\b(\d{6})\b", inbox["items"][0]["text"])
    assert code, inbox
    return await token(http, {"grant_type": PHONE_GRANT, "phone_number": phone, "code": code.group(1)})


class Bench:
    def __init__(self, stack: StationStack, http: httpx.AsyncClient) -> None:
        self.stack = stack
        self.http = http
        # Where an open's CPU goes: every process of the service, and the gateway.
        self.service_pids = [
            p.pid or 0 for name, p in stack.processes.items() if name.startswith("parcel_lockers")
        ]
        self.gateway_pid = stack.processes["gateway"].pid or 0
        self.pacing = asyncio.Semaphore(SETUP_CONCURRENCY)
        self.courier = ""
        self.operator = ""

    async def setup(self, banks: int) -> None:
        courier = next(a for a in self.stack.demo["accounts"] if a["username"] == "courier")
        self.courier = await token(
            self.http, {"grant_type": "password", "username": "courier", "password": courier["password"]}
        )
        admin = next(a for a in self.stack.demo["accounts"] if a["username"] == "admin")
        operator = self.operator = await token(
            self.http, {"grant_type": "password", "username": "admin", "password": admin["password"]}
        )
        for number in range(1, banks + 1):
            code = bank_code(number)
            bank = {
                "code": code,
                "name": f"Banc de mesure {number}",
                "location": "Labo",
                "level": 0,
                "controller_client_id": controller_id(code),
                "compartments": [{"label": f"{code}{n:02d}", "size": "S"} for n in range(1, BANK_SIZE + 1)],
            }
            created = await self.http.post(
                f"{BASE}/banks", json=bank, headers={"Authorization": f"Bearer {operator}"}
            )
            assert created.status_code in (201, 409), created.text

    async def close(self, parcel_id: str, opener: str) -> str | None:
        """The one who opened the door says it is closed (the bench has no door sensor); None when
        it is, else what went wrong."""
        async with self.pacing:
            try:
                response = await self.http.post(
                    f"{BASE}/parcels/{parcel_id}/door-closed", headers={"Authorization": f"Bearer {opener}"}
                )
            except httpx.TransportError as exc:
                return f"door-closed: {exc!r}"
        return (
            None
            if response.status_code == 200
            else f"door-closed {response.status_code}: {response.text[:120]}"
        )

    async def deposit_ready(self, bank: str, phone: str) -> str:
        """A courier deposits a parcel for the traveller and closes the door (not timed): the
        parcel's id (32 hex digits), else what went wrong."""
        try:
            async with self.pacing:
                deposited = await self.http.post(
                    f"{BASE}/deposits",
                    json={
                        "bank": bank,
                        "carrier": "colissimo",  # the demo courier's carrier
                        "carrier_reference": uuid.uuid4().hex,
                        "size": "S",
                        "recipient_phone": phone,
                    },
                    headers={"Authorization": f"Bearer {self.courier}"},
                )
        except httpx.TransportError as exc:
            return f"deposit: {exc!r}"
        if deposited.status_code != 201:
            return f"deposit {deposited.status_code}: {deposited.text[:120]}"
        problem = await self.close(deposited.json()["parcel"]["id"], self.courier)
        if problem is not None:
            return f"after deposit: {problem}"
        return str(deposited.json()["parcel"]["id"])

    async def screen_code(self, bank: str) -> str:
        """The code the bank's screen shows (the traveller reads it there; not timed)."""
        shown = await self.http.get(
            f"{BASE}/banks/{bank}/presence-code", headers={"Authorization": f"Bearer {self.operator}"}
        )
        shown.raise_for_status()
        return str(shown.json()["code"])

    async def open_one(
        self, parcel_id: str, code: str, traveller: str, latencies: list[float], errors: list[str]
    ) -> None:
        started = time.perf_counter()
        try:
            opened = await self.http.post(
                f"{BASE}/parcels/{parcel_id}/open",
                json={"presence_code": code},
                headers={"Authorization": f"Bearer {traveller}"},
            )
        except httpx.TransportError as exc:
            errors.append(f"open: {exc!r}")
            return
        elapsed = (time.perf_counter() - started) * 1000
        if opened.status_code != 200:
            errors.append(f"open {opened.status_code}: {opened.text[:120]}")
        else:
            latencies.append(elapsed)

    async def level(self, travellers: int, seconds: float) -> dict[str, Any]:
        """Rounds: the couriers fill every traveller's compartment (not timed), then all the
        travellers open at once (timed: `travellers` concurrent opens), then the doors close (not
        timed). Opens per second count the open phases only: couriers are not travellers."""
        # Numbers of their own at each level: the gateway texts at most a few codes per number.
        phones = [f"+337{travellers:03d}{n:05d}" for n in range(travellers)]
        gate = asyncio.Semaphore(SIGN_IN_CONCURRENCY)

        async def sign_in(phone: str) -> str:
            async with gate:
                return await traveller_token(self.http, phone)

        tokens = await asyncio.gather(*(sign_in(p) for p in phones))
        banks = [bank_code(1 + n // BANK_SIZE) for n in range(travellers)]
        latencies: list[float] = []
        errors: list[str] = []
        opening_time = service_cpu = gateway_cpu = 0.0
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            parcels = await asyncio.gather(
                *(self.deposit_ready(b, p) for b, p in zip(banks, phones, strict=True))
            )
            errors.extend(p for p in parcels if not is_parcel_id(p))
            codes = {b: await self.screen_code(b) for b in set(banks)}
            ready = [
                (p, t, codes[b]) for p, t, b in zip(parcels, tokens, banks, strict=True) if is_parcel_id(p)
            ]
            started, cpu_before = time.monotonic(), self.cpu()
            await asyncio.gather(*(self.open_one(p, c, t, latencies, errors) for p, t, c in ready))
            opening_time += time.monotonic() - started
            cpu_after = self.cpu()
            service_cpu += cpu_after[0] - cpu_before[0]
            gateway_cpu += cpu_after[1] - cpu_before[1]
            closed = await asyncio.gather(*(self.close(p, t) for p, t, _ in ready))
            errors.extend(f"after open: {c}" for c in closed if c is not None)
        return {
            "opens": len(latencies),
            "opens_per_second": len(latencies) / opening_time if opening_time else 0.0,
            "p50": percentile(latencies, 0.5) if latencies else 0.0,
            "p95": percentile(latencies, 0.95) if latencies else 0.0,
            "p99": percentile(latencies, 0.99) if latencies else 0.0,
            "mean": statistics.fmean(latencies) if latencies else 0.0,
            "errors": errors,
            "service_cpu_ms_per_open": service_cpu * 1000 / len(latencies) if latencies else 0.0,
            "gateway_cpu_ms_per_open": gateway_cpu * 1000 / len(latencies) if latencies else 0.0,
        }

    def cpu(self) -> tuple[float, float]:
        """CPU seconds so far of the service's processes together, and of the gateway."""
        return sum(cpu_seconds(pid) for pid in self.service_pids), cpu_seconds(self.gateway_pid)


def is_parcel_id(text: str) -> bool:
    return re.fullmatch(r"[0-9a-f]{32}", text) is not None


def bank_code(number: int) -> str:
    return f"Z{number:02d}"


def controller_id(code: str) -> str:
    return f"bench-controller-{code.lower()}"


async def run(stack: StationStack, levels: list[int], seconds: float) -> dict[int, dict[str, Any]]:
    """Banks of BANK_SIZE compartments, one traveller per compartment, each bank with its controller."""
    banks = -(-max(levels) // BANK_SIZE)
    nc = await nats.connect(stack.nats_url)
    for number in range(1, banks + 1):
        code = bank_code(number)
        await LockerController(
            nc,
            station_id=STATION,
            client_id=controller_id(code),
            bank_code=code,
            journal_path=Path(stack.var) / f"bench-{code}.jsonl",
        ).start()
    results: dict[int, dict[str, Any]] = {}
    # Idle connections are dropped before the gateway's keep-alive (5 s) ends them under a request.
    limits = httpx.Limits(
        max_connections=max(levels) * 2, max_keepalive_connections=max(levels) * 2, keepalive_expiry=2.0
    )
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=30, limits=limits) as http:
        bench = Bench(stack, http)
        await bench.setup(banks)
        for travellers in levels:
            results[travellers] = await bench.level(travellers, seconds)
            r = results[travellers]
            print(
                f"{travellers} travellers: {r['opens']} opens, {r['opens_per_second']:.1f}/s, "
                f"p50 {r['p50']:.1f} ms, p95 {r['p95']:.1f} ms, p99 {r['p99']:.1f} ms, "
                f"CPU per open: service {r['service_cpu_ms_per_open']:.1f} ms, "
                f"gateway {r['gateway_cpu_ms_per_open']:.1f} ms; {len(r['errors'])} errors {r['errors'][:3]}",
                flush=True,
            )
    await nc.close()
    return results


def profile_service(stack: StationStack, seconds: float) -> Sampling:
    """py-spy on the service's first process for `seconds` (the first level's opens and deposits)."""
    pid = stack.processes["parcel_lockers"].pid
    assert pid is not None
    return start_sampling(pid, seconds)


def write_profile(sampling: Sampling, database: str, travellers: int) -> None:
    title = (
        f"Where parcel_lockers spends its time ({database}, {travellers} travellers, py-spy on one process)"
    )
    write_table(sampling, RESULTS_DIR / "locker_unlock.profile.md", title, top=25)


def measure(
    database: str,
    database_url: str | None,
    processes: int,
    levels: list[int],
    seconds: float,
    *,
    gateway_in_flight: int,
    profile: bool = False,
) -> tuple[dict[int, dict[str, Any]], Any, dict[str, Any]]:
    """One stack on `database`: every level in turn, then the availability read."""
    gateway = {"UPSTREAM_MAX_IN_FLIGHT": str(gateway_in_flight)}
    with bench_stack(database_url, replicas={"parcel_lockers": processes}, gateway=gateway) as stack:
        configuration = stack_configuration(stack, gateway_upstream_max_in_flight=gateway_in_flight)
        print(f"-- {database}, parcel_lockers in {processes} processes", flush=True)
        spy = profile_service(stack, seconds) if profile else None
        results = asyncio.run(run(stack, levels, seconds))
        if spy is not None:
            write_profile(spy, database, levels[0])
        availability = wrk(
            f"{stack.gateway_url}{BASE}/availability/A", connections=50, seconds=int(min(seconds, 5))
        )
    return results, availability, configuration


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench locker_unlock")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--levels", default="50,200")
    parser.add_argument("--processes", type=int, default=2, help="processes of parcel_lockers")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--postgres", default=os.environ.get("GARE_TEST_POSTGRES_URL", DEFAULT_POSTGRES))
    parser.add_argument(
        "--in-flight-per-process",
        type=int,
        default=8,
        help="the gateway's requests in flight to the service, per process of it (its default is 8 in all)",
    )
    parser.add_argument("--profile", action="store_true", help="py-spy on the service during the first level")
    args = parser.parse_args()
    levels = [int(n) for n in args.levels.split(",")]
    metrics: dict[str, Any] = {}
    lines: list[str] = []
    configurations: dict[str, Any] = {}
    # The machine is shared: say how busy it was, next to numbers it bends.
    metrics["load_average_1min_at_start"] = metric(os.getloadavg()[0], "runnable processes")
    for database in args.databases.split(","):
        url = None if database == "sqlite" else args.postgres
        results, availability, configurations[database] = measure(
            database,
            url,
            args.processes,
            levels,
            args.seconds,
            gateway_in_flight=args.in_flight_per_process * args.processes,
            profile=args.profile and not configurations,
        )
        for travellers, r in results.items():
            at50 = travellers == 50
            name = f"open_{database}_c{travellers}"
            metrics[f"{name}_p50_ms"] = metric(r["p50"], "ms")
            metrics[f"{name}_p95_ms"] = metric(r["p95"], "ms")
            metrics[f"{name}_p99_ms"] = metric(r["p99"], "ms", f"< {TARGET_P99_MS_AT_50}" if at50 else None)
            metrics[f"{name}_opens_per_second"] = metric(r["opens_per_second"], "opens/s")
            # CPU per open holds on a busy machine where latencies do not: what the lean path saves.
            metrics[f"{name}_service_cpu_ms_per_open"] = metric(r["service_cpu_ms_per_open"], "ms")
            metrics[f"{name}_gateway_cpu_ms_per_open"] = metric(r["gateway_cpu_ms_per_open"], "ms")
            metrics[f"{name}_errors"] = metric(len(r["errors"]), "requests", "== 0")
            lines.append(
                f"{database} c={travellers}: {r['opens_per_second']:.1f} opens/s, p50 {r['p50']:.1f} ms, "
                f"p95 {r['p95']:.1f} ms, p99 {r['p99']:.1f} ms, {len(r['errors'])} errors"
            )
        metrics[f"availability_{database}_gateway_c50_rps"] = metric(
            availability.requests_per_second, "requests/s"
        )
        metrics[f"availability_{database}_gateway_c50_p99_ms"] = metric(availability.p99_ms, "ms")
        metrics[f"availability_{database}_gateway_c50_errors"] = metric(
            availability.errors, "requests", "== 0"
        )
        lines.append(
            f"{database} availability/A through the gateway c=50: "
            f"{availability.requests_per_second:.0f} req/s, p99 {availability.p99_ms:.1f} ms"
        )
    metrics["load_average_1min_at_end"] = metric(os.getloadavg()[0], "runnable processes")
    first = next(iter(configurations.values()))
    configuration = {
        **first,
        "database": " and ".join(configurations),
        "parcel_lockers_processes": args.processes,
        "compartments_per_bank": BANK_SIZE,
        "travellers": levels,
    }
    print(record_run("locker_unlock", metrics, lines, configuration=configuration))


if __name__ == "__main__":
    main()
