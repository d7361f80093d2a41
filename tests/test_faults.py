"""Faults with real processes: a service down or frozen, NATS down, Redis down. Each test restores the stack."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime

import httpx
import nats
from nats.aio.msg import Msg

from testkit.stack import SAINT_DENIS, assert_problem, bearer, eventually

BASE = f"/api/v1/stations/{SAINT_DENIS}"


def readiness(gateway: str) -> tuple[int, dict]:
    response = httpx.get(f"{gateway}/readyz", timeout=10)
    return response.status_code, response.json()


def wait_ready(gateway: str, timeout: float = 30) -> None:
    eventually(lambda: readiness(gateway)[0] == 200, timeout=timeout, interval=0.2)


def test_a_service_down_is_503_and_readyz_says_which(stack, gateway):
    cached = f"{gateway}{BASE}/mobility/vehicle-stations"
    assert httpx.get(cached).status_code == 200  # now in the gateway's edge cache
    stack.stop_component("bike_share")
    try:
        # The last answer of a public read stays served while fresh (5 s), with its age (RFC 9111):
        # asked first, before that freshness runs out.
        served = httpx.get(cached)
        assert served.status_code == 200 and "age" in served.headers
        # A read the gateway has not cached needs the service.
        body = assert_problem(
            httpx.get(cached, params={"lat": 48.918, "lon": 2.343}), 503, "upstream-unavailable"
        )
        assert "bike_share" in body["detail"]
        status, ready = readiness(gateway)
        assert status == 503
        assert ready["checks"]["bike_share"]["status"] == "down"
        assert ready["checks"]["info_kiosk"]["status"] == "up"
        # The other services still answer.
        assert httpx.get(f"{gateway}{BASE}/kiosk/points-of-interest").status_code == 200
    finally:
        stack.start_component("bike_share")
    wait_ready(gateway)
    assert httpx.get(f"{gateway}{BASE}/mobility/vehicle-stations").status_code == 200


def test_a_frozen_service_is_504(stack, gateway, tokens):
    process = stack.processes["signage"]
    process.signal(signal.SIGSTOP)  # accepts connections, never answers
    try:
        response = httpx.get(
            f"{gateway}{BASE}/signage/screens", headers=bearer(tokens.operator()), timeout=15
        )
        assert_problem(response, 504, "upstream-timeout")
    finally:
        process.signal(signal.SIGCONT)
    wait_ready(gateway)


def test_status_update_while_nats_is_down_is_delivered_when_it_returns(stack, gateway, tokens):
    station_id = "velib-metropole-653046369"
    count = 11
    report = {
        "num_vehicles_available": count,
        "vehicle_types_available": [{"vehicle_type_id": "velib-ebike", "count": count}],
        "num_docks_available": 50,
        "last_reported": datetime.now(UTC).isoformat(),
    }
    assert stack.nats is not None
    stack.nats.stop()
    try:
        accepted = httpx.put(
            f"{gateway}{BASE}/mobility/vehicle-stations/{station_id}/status",
            json=report,
            headers=bearer(tokens.operator()),
        )
        assert accepted.status_code == 200, accepted.text
        # bike_share says it is degraded, with the event waiting in its outbox.
        service_ready = httpx.get(f"{stack.url('bike_share')}/readyz").json()
        assert service_ready["status"] == "degraded"
        assert service_ready["checks"]["nats"]["status"] == "down"
        assert readiness(gateway)[1]["checks"]["nats"]["status"] == "down"
        kiosk_row = next(
            r
            for r in httpx.get(f"{gateway}{BASE}/kiosk/mobility").json()["vehicle_stations"]
            if r["vehicle_station_id"] == station_id
        )
        assert kiosk_row["num_vehicles_available"] != count
    finally:
        stack.nats.start()
        stack.nats.wait_ready()

    def kiosk_caught_up() -> bool:
        rows = httpx.get(f"{gateway}{BASE}/kiosk/mobility").json()["vehicle_stations"]
        return any(
            r["vehicle_station_id"] == station_id and r["num_vehicles_available"] == count for r in rows
        )

    eventually(kiosk_caught_up, timeout=30, interval=0.2)
    wait_ready(gateway)
    assert "pending" not in json.dumps(
        httpx.get(f"{stack.url('bike_share')}/readyz").json()["checks"]["nats"]
    )


def handled_counts(stack) -> dict[str, float]:
    text = httpx.get(f"{stack.url('info_kiosk')}/metrics").text
    counts = {}
    for outcome in ("handled", "duplicate"):
        pattern = rf'gare_events_handled_total\{{[^}}]*outcome="{outcome}"[^}}]*\}} ([0-9.e+]+)'
        counts[outcome] = sum(float(v) for v in re.findall(pattern, text))
    return counts


def test_a_redelivered_event_is_handled_once(stack, gateway, tokens):
    """The same event reaches the kiosk twice (as after a lost ack): it is applied once."""
    station_id = "velib-metropole-653042442"
    report = {
        "num_vehicles_available": 2,
        "vehicle_types_available": [{"vehicle_type_id": "velib-mechanical", "count": 2}],
        "num_docks_available": 38,
        "last_reported": datetime.now(UTC).isoformat(),
    }

    async def capture_and_replay() -> dict:
        nc = await nats.connect(stack.nats_url)
        js = nc.jetstream()
        got: asyncio.Queue = asyncio.Queue()
        subject = f"gare.{SAINT_DENIS}.mobility.vehicle_station.status_changed"

        async def on_message(msg: Msg) -> None:
            await got.put(msg.data)

        await nc.subscribe(subject, cb=on_message)
        await nc.flush()
        start = await asyncio.to_thread(handled_counts, stack)
        response = await asyncio.to_thread(
            httpx.put,
            f"{gateway}{BASE}/mobility/vehicle-stations/{station_id}/status",
            json=report,
            headers=bearer(tokens.operator()),
        )
        assert response.status_code == 200
        original = await asyncio.wait_for(got.get(), 30)

        def kiosk_handled_the_original() -> dict[str, float] | None:
            counts = handled_counts(stack)
            rows = httpx.get(f"{gateway}{BASE}/kiosk/mobility").json()["vehicle_stations"]
            shown = any(
                r["vehicle_station_id"] == station_id and r["num_vehicles_available"] == 2 for r in rows
            )
            return counts if shown and counts["handled"] > start["handled"] else None

        before, _ = await asyncio.to_thread(eventually, kiosk_handled_the_original, timeout=30)
        # A second copy under another message id: JetStream keeps it, so the consumer gets it again.
        await js.publish(subject, original, headers={"Nats-Msg-Id": uuid.uuid4().hex})
        await nc.close()
        return before

    before = asyncio.run(capture_and_replay())
    after, _ = eventually(
        lambda: (c := handled_counts(stack))["duplicate"] > before["duplicate"] and c,
        timeout=30,
        interval=0.1,
    )
    assert after["handled"] == before["handled"]
    assert after["duplicate"] == before["duplicate"] + 1


def test_redis_down_degrades_rate_limits_but_keeps_serving(stack, gateway, tokens):
    assert stack.redis is not None
    stack.redis.stop()
    try:
        assert httpx.get(f"{gateway}{BASE}/mobility/vehicle-stations").status_code == 200
        status, ready = readiness(gateway)
        assert status == 503 and ready["checks"]["redis"]["status"] == "down"
        # A screen's playlist does not need Redis either (only its heartbeat does).
        assert (
            httpx.get(
                f"{gateway}{BASE}/signage/screens/hall/playlist", headers=bearer(tokens.device("screen"))
            ).status_code
            == 200
        )
    finally:
        stack.redis.start()
        stack.redis.wait_ready()
    wait_ready(gateway)


def test_a_saturated_service_sheds_load_with_503_busy(stack, tokens):
    """One request in flight per service: the next waits its turn, the one after gives up with 503."""
    process, url = stack.start_extra_gateway(
        "gateway-one-slot", {"UPSTREAM_MAX_IN_FLIGHT": "1", "UPSTREAM_TIMEOUT": "5"}
    )
    signage = stack.processes["signage"]
    headers = bearer(tokens.operator())

    def requests_to_signage(state: str) -> float:
        metrics = httpx.get(f"{url}/metrics").text
        line = f'gare_gateway_upstream_requests{{service="signage",state="{state}"}} '
        return next(float(m.removeprefix(line)) for m in metrics.splitlines() if m.startswith(line))

    signage.signal(signal.SIGSTOP)
    try:
        with ThreadPoolExecutor(3) as pool:

            def call() -> Future[httpx.Response]:
                return pool.submit(httpx.get, f"{url}{BASE}/signage/screens", headers=headers, timeout=30)

            # The first holds the one slot until it times out; the two others queue behind it. Whatever
            # the timing after that, the first gets 504, the queue hands the slot on once, and the last
            # waiting gives up busy.
            calls = [call()]
            eventually(lambda: requests_to_signage("in_flight") == 1, timeout=30)
            calls += [call(), call()]
            eventually(lambda: requests_to_signage("waiting") == 2, timeout=30)
            responses = [c.result() for c in calls]
    finally:
        signage.signal(signal.SIGCONT)
        process.stop()
    assert responses[0].status_code == 504
    assert sorted(r.status_code for r in responses) == [503, 504, 504]
    shed = next(r for r in responses if r.status_code == 503)
    assert_problem(shed, 503, "upstream-busy")
    assert shed.headers["retry-after"]
