"""Event streams through the gateway (gateway/streams.py): relayed as they come, a slot each, given
back when the client leaves; a service down is a problem before any stream starts."""

from __future__ import annotations

import queue
import re
import threading
from datetime import UTC, datetime

import httpx

from testkit.stack import SAINT_DENIS, assert_problem, bearer, eventually

EVENTS = f"/api/v1/stations/{SAINT_DENIS}/mobility/events"
VELIB = "velib-metropole-653042442"
STREAM = {"Accept": "text/event-stream"}


def open_streams(gateway: str) -> float:
    found = re.search(
        r'gare_gateway_open_streams\{service="bike_share"\} (\S+)', httpx.get(f"{gateway}/metrics").text
    )
    return float(found.group(1)) if found else 0.0


def report(gateway: str, token: str, available: int) -> None:
    body = {
        "num_vehicles_available": available,
        "vehicle_types_available": [
            {"vehicle_type_id": "velib-mechanical", "count": available},
            {"vehicle_type_id": "velib-ebike", "count": 0},
        ],
        "num_docks_available": 10,
        "last_reported": datetime.now(UTC).isoformat(),
    }
    url = f"{gateway}/api/v1/stations/{SAINT_DENIS}/mobility/vehicle-stations/{VELIB}/status"
    response = httpx.put(url, json=body, headers=bearer(token))
    assert response.status_code == 200, response.text


def test_a_stream_flows_through_the_gateway_and_its_slot_is_given_back(stack, gateway, tokens):
    lines: queue.Queue[str] = queue.Queue()
    opened = threading.Event()
    stop = threading.Event()

    def listen() -> None:
        with httpx.stream("GET", f"{gateway}{EVENTS}", headers=STREAM, timeout=30) as stream:
            assert stream.status_code == 200
            assert stream.headers["content-type"].startswith("text/event-stream")
            assert "ratelimit-limit" in stream.headers
            opened.set()
            for line in stream.iter_lines():
                lines.put(line)
                if stop.is_set():
                    return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert opened.wait(15), "the stream did not open"
    assert open_streams(gateway) >= 1
    # The stream is still open when the change happens: the gateway relays it as it comes.
    report(gateway, tokens.operator(), 7)
    seen: list[str] = []

    def pushed() -> bool:
        while not lines.empty():
            seen.append(lines.get())
        return any(VELIB in line and '"num_vehicles_available":7' in line.replace(" ", "") for line in seen)

    eventually(pushed, timeout=15, interval=0.1)
    stop.set()
    report(gateway, tokens.operator(), 8)  # wakes the listener so it leaves
    listener.join(15)
    eventually(lambda: open_streams(gateway) == 0, timeout=15, interval=0.2)


def test_a_stream_to_a_service_down_is_503_before_it_starts(stack, gateway):
    stack.stop_component("bike_share")
    try:
        response = httpx.get(f"{gateway}{EVENTS}", headers=STREAM, timeout=15)
        body = assert_problem(response, 503, "upstream-unavailable")
        assert "bike_share" in body["detail"]
    finally:
        stack.start_component("bike_share")
    eventually(lambda: httpx.get(f"{gateway}/readyz").status_code == 200, timeout=30, interval=0.2)


def test_one_client_holds_at_most_its_share_of_a_services_streams(stack, gateway):
    """GATEWAY_MAX_STREAMS_PER_CLIENT (20 by default): the next stream of the same client is a
    429 too-many-streams, and a stream that ends gives its slot back."""
    share = 20
    client = httpx.Client(timeout=30, limits=httpx.Limits(max_connections=share + 5))
    held = []
    try:
        for _ in range(share):
            stream = client.stream("GET", f"{gateway}{EVENTS}", headers=STREAM)
            response = stream.__enter__()
            assert response.status_code == 200, response.read()
            held.append(stream)
        refused = client.get(f"{gateway}{EVENTS}", headers=STREAM)
        body = assert_problem(refused, 429, "too-many-streams")
        assert "close one" in body["detail"] and refused.headers["retry-after"]
        held.pop().__exit__(None, None, None)
        eventually(lambda: open_streams(gateway) == share - 1, timeout=15, interval=0.2)
        stream = client.stream("GET", f"{gateway}{EVENTS}", headers=STREAM)
        assert stream.__enter__().status_code == 200
        held.append(stream)
    finally:
        for stream in held:
            stream.__exit__(None, None, None)
        client.close()
    eventually(lambda: open_streams(gateway) == 0, timeout=15, interval=0.2)
