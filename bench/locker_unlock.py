"""Scenario locker_unlock: opening a locker from the phone, end to end through the gateway.

phone -> gateway -> parcel_lockers -> NATS request -> a locker controller -> ack -> answer. The
controller is the project's simulator (devices/locker_controller.py) run here, on the stack's
NATS, for a bench bank of 200 compartments. Each simulated traveller signs in with the phone-code
grant, then loops: a courier deposits a parcel for them and the door closes (not timed), they
open it (timed), the door closes (collected). At 10, 50 and 200 concurrent travellers: p50, p95,
p99 of the open call and opens per second; also the public availability read of the bank through
the gateway (a hot read, wrk).

    ./dev bench -- locker_unlock [--seconds 10] [--levels 10,50,200]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import nats

from bench.common import bench_stack, metric, record, wrk
from deploy.embedded.stack import StationStack
from devices.locker_controller import LockerController

STATION = "saint-denis-pleyel"
BASE = f"/api/v1/stations/{STATION}/lockers"
BANK = "Z"
PHONE_GRANT = "urn:gare-numerique:params:oauth:grant-type:phone-otp"
TARGET_P99_MS_AT_50 = 150


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
    code = re.search(r"\b(\d{6})\b", inbox[0]["text"])
    assert code, inbox
    return await token(http, {"grant_type": PHONE_GRANT, "phone_number": phone, "code": code.group(1)})


class Bench:
    def __init__(self, stack: StationStack, http: httpx.AsyncClient) -> None:
        self.stack = stack
        self.http = http
        self.device = next(
            d for d in stack.demo["devices"] if d["kind"] == "locker_controller" and d["station"] == STATION
        )
        self.courier = ""
        self.controller = ""

    async def setup(self) -> None:
        courier = next(a for a in self.stack.demo["accounts"] if a["username"] == "courier")
        self.courier = await token(
            self.http, {"grant_type": "password", "username": "courier", "password": courier["password"]}
        )
        self.controller = await token(
            self.http,
            {"grant_type": "client_credentials"},
            auth=httpx.BasicAuth(self.device["client_id"], self.device["client_secret"]),
        )
        admin = next(a for a in self.stack.demo["accounts"] if a["username"] == "admin")
        operator = await token(
            self.http, {"grant_type": "password", "username": "admin", "password": admin["password"]}
        )
        bank = {
            "code": BANK,
            "name": "Banc de mesure",
            "location": "Labo",
            "level": 0,
            "controller_client_id": self.device["client_id"],
            "compartments": [{"label": f"Z{n:03d}", "size": "S"} for n in range(1, 201)],
        }
        created = await self.http.post(
            f"{BASE}/banks", json=bank, headers={"Authorization": f"Bearer {operator}"}
        )
        assert created.status_code in (201, 409), created.text

    async def close(self, label: str) -> bool:
        event = {"id": uuid.uuid4().hex, "kind": "closed", "compartment": label, "at": _now()}
        response = await self.http.post(
            f"{BASE}/banks/{BANK}/door-events",
            json={"events": [event]},
            headers={"Authorization": f"Bearer {self.controller}"},
        )
        return response.status_code == 200

    async def traveller(
        self, phone: str, traveller: str, until: float, latencies: list[float], errors: list[str]
    ) -> None:
        headers = {"Authorization": f"Bearer {traveller}"}
        while time.monotonic() < until:
            deposited = await self.http.post(
                f"{BASE}/deposits",
                json={
                    "bank": BANK,
                    "carrier": "bench",
                    "carrier_reference": uuid.uuid4().hex,
                    "size": "S",
                    "recipient_phone": phone,
                },
                headers={"Authorization": f"Bearer {self.courier}"},
            )
            if deposited.status_code != 201:
                errors.append(f"deposit {deposited.status_code}")
                continue
            parcel = deposited.json()["parcel"]
            if not await self.close(parcel["compartment"]):
                errors.append("door-events after deposit")
                continue
            started = time.perf_counter()
            opened = await self.http.post(f"{BASE}/parcels/{parcel['id']}/open", headers=headers)
            elapsed = (time.perf_counter() - started) * 1000
            if opened.status_code != 200:
                errors.append(f"open {opened.status_code}: {opened.text[:120]}")
            else:
                latencies.append(elapsed)
            if not await self.close(parcel["compartment"]):
                errors.append("door-events after open")

    async def level(self, travellers: int, seconds: float) -> dict[str, Any]:
        # Numbers of their own at each level: the gateway texts at most a few codes per number.
        phones = [f"+337{travellers:03d}{n:05d}" for n in range(travellers)]
        tokens = await asyncio.gather(*(traveller_token(self.http, p) for p in phones))
        latencies: list[float] = []
        errors: list[str] = []
        started = time.monotonic()
        until = started + seconds
        await asyncio.gather(
            *(self.traveller(p, t, until, latencies, errors) for p, t in zip(phones, tokens, strict=True))
        )
        duration = time.monotonic() - started
        return {
            "opens": len(latencies),
            "opens_per_second": len(latencies) / duration,
            "p50": percentile(latencies, 0.5) if latencies else 0.0,
            "p95": percentile(latencies, 0.95) if latencies else 0.0,
            "p99": percentile(latencies, 0.99) if latencies else 0.0,
            "mean": statistics.fmean(latencies) if latencies else 0.0,
            "errors": errors,
        }


def _now() -> str:
    return datetime.now(UTC).isoformat()


async def run(stack: StationStack, levels: list[int], seconds: float) -> dict[int, dict[str, Any]]:
    nc = await nats.connect(stack.nats_url)
    device = next(
        d for d in stack.demo["devices"] if d["kind"] == "locker_controller" and d["station"] == STATION
    )
    controller = LockerController(
        nc,
        station_id=STATION,
        client_id=device["client_id"],
        bank_code=BANK,
        journal_path=Path(stack.var) / "bench-controller.jsonl",
    )
    await controller.start()
    results: dict[int, dict[str, Any]] = {}
    limits = httpx.Limits(max_connections=max(levels) * 2, max_keepalive_connections=max(levels) * 2)
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=30, limits=limits) as http:
        bench = Bench(stack, http)
        await bench.setup()
        for travellers in levels:
            results[travellers] = await bench.level(travellers, seconds)
            r = results[travellers]
            print(
                f"{travellers} travellers: {r['opens']} opens, {r['opens_per_second']:.1f}/s, p50 {r['p50']:.1f} ms, "
                f"p95 {r['p95']:.1f} ms, p99 {r['p99']:.1f} ms, {len(r['errors'])} errors {r['errors'][:3]}",
                flush=True,
            )
    await nc.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench locker_unlock")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--levels", default="10,50,200")
    args = parser.parse_args()
    levels = [int(n) for n in args.levels.split(",")]
    metrics: dict[str, Any] = {}
    lines: list[str] = []
    with bench_stack() as stack:
        results = asyncio.run(run(stack, levels, args.seconds))
        availability = wrk(
            f"{stack.gateway_url}{BASE}/availability/A", connections=50, seconds=int(min(args.seconds, 5))
        )
    for travellers, r in results.items():
        at50 = travellers == 50
        metrics[f"open_c{travellers}_p50_ms"] = metric(r["p50"], "ms")
        metrics[f"open_c{travellers}_p95_ms"] = metric(r["p95"], "ms")
        metrics[f"open_c{travellers}_p99_ms"] = metric(
            r["p99"], "ms", f"< {TARGET_P99_MS_AT_50}" if at50 else None
        )
        metrics[f"open_c{travellers}_opens_per_second"] = metric(r["opens_per_second"], "opens/s")
        metrics[f"open_c{travellers}_errors"] = metric(len(r["errors"]), "requests", "== 0" if at50 else None)
        lines.append(
            f"c={travellers}: {r['opens_per_second']:.1f} opens/s, p50 {r['p50']:.1f} ms, p95 {r['p95']:.1f} ms, "
            f"p99 {r['p99']:.1f} ms, {len(r['errors'])} errors"
        )
    metrics["availability_gateway_c50_rps"] = metric(availability.requests_per_second, "requests/s")
    metrics["availability_gateway_c50_p99_ms"] = metric(availability.p99_ms, "ms")
    metrics["availability_gateway_c50_errors"] = metric(availability.errors, "requests", "== 0")
    lines.append(
        f"availability/A through the gateway c=50: {availability.requests_per_second:.0f} req/s, p99 {availability.p99_ms:.1f} ms"
    )
    for values in metrics.values():
        target = values["target"]
        if target:
            op, number = target.split()
            values["met"] = {
                "<": values["value"] < float(number),
                "<=": values["value"] <= float(number),
                "==": values["value"] == float(number),
                ">=": values["value"] >= float(number),
                ">": values["value"] > float(number),
            }[op]
    command = "./dev bench -- locker_unlock " + " ".join(sys.argv[1:])
    print(record("locker_unlock", command.strip(), metrics, "; ".join(lines)))


if __name__ == "__main__":
    main()
