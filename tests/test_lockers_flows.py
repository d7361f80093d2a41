"""Parcel lockers end to end, through the gateway, against the real stack: the simulated controller
answers door commands on NATS, closes its doors a moment later and reports them over HTTP."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import nats
import nats.errors
import pytest
from sqlalchemy import update

from deploy.embedded.stack import StationStack
from kernel.db import create_engine
from kernel.registry import PARCEL_LOCKERS
from services.parcel_lockers.models import Parcel
from testkit.auth import phone_sign_in
from testkit.stack import SAINT_DENIS, assert_problem, bearer, eventually

BASE = f"/api/v1/stations/{SAINT_DENIS}/lockers"


def new_phone() -> str:
    return "+3361" + f"{uuid.uuid4().int % 10**7:07d}"


def deposit(gateway: str, courier: str, phone: str, reference: str) -> dict[str, Any]:
    response = httpx.post(
        f"{gateway}{BASE}/deposits",
        json={
            "bank": "A",
            "carrier": "colissimo",
            "carrier_reference": reference,
            "size": "S",
            "recipient_phone": phone,
        },
        headers=bearer(courier),
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return response.json()["parcel"]


def parcel_status(gateway: str, token: str, parcel_id: str) -> str:
    response = httpx.get(f"{gateway}{BASE}/parcels/{parcel_id}", headers=bearer(token), timeout=10)
    assert response.status_code == 200, response.text
    return str(response.json()["status"])


def wait_status(gateway: str, token: str, parcel_id: str, status: str, timeout: float = 15) -> None:
    eventually(lambda: parcel_status(gateway, token, parcel_id) == status, timeout=timeout, interval=0.1)


def sms_to(gateway: str, phone: str) -> str:
    inbox = httpx.get(f"{gateway}/dev/notifier/messages", params={"to": phone}).json()
    return next((m["text"] for m in inbox["items"] if "retrait" in m["text"]), "")


def ask_controller(nats_url: str, controller: str, command: str, body: dict[str, Any]) -> dict[str, Any]:
    async def ask() -> dict[str, Any]:
        nc = await nats.connect(nats_url)
        try:
            subject = f"gare.{SAINT_DENIS}.device.{controller}.{command}"
            reply = await nc.request(subject, json.dumps(body).encode(), timeout=5)
            return dict(json.loads(reply.data))
        finally:
            await nc.close()

    # In a thread of its own: the browser tests' playwright keeps an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, ask()).result()


def scan(nats_url: str, controller: str, token: str) -> dict[str, Any]:
    """The bank's reader reads a QR code (the simulator takes it on NATS)."""
    return ask_controller(nats_url, controller, "scan", {"token": token})


@pytest.fixture(scope="module")
def controller(stack: StationStack) -> str:
    return answering_controller(stack)


def answering_controller(stack: StationStack) -> str:
    """Bank A's simulated controller, once it answers (the devices start after the services)."""
    client_id = next(
        d["client_id"]
        for d in stack.demo["devices"]
        if d["kind"] == "locker_controller" and d["station"] == SAINT_DENIS
    )

    def answers() -> bool:
        try:
            return ask_controller(stack.nats_url, client_id, "status", {}).get("ok") is True
        except nats.errors.Error:
            return False

    eventually(answers, timeout=30, interval=0.2)
    return client_id


def test_deposit_notify_open_from_the_phone_then_collected(stack, gateway, tokens, controller):
    phone = new_phone()
    parcel = deposit(gateway, tokens.courier(), phone, f"E2E-{uuid.uuid4().hex[:8]}")
    assert parcel["status"] == "deposited" and parcel["bank"] == "A"
    operator = tokens.operator()
    # The controller closes the door and says so: the parcel is ready and its recipient has the SMS.
    wait_status(gateway, operator, parcel["id"], "ready")
    text, _ = eventually(lambda: sms_to(gateway, phone), timeout=10)
    assert re.search(r"Code de retrait : \d{8}\.", text), text

    # The kiosk's locker panel follows bank.availability_changed to the same free counts.
    def kiosk_agrees() -> bool:
        lockers = httpx.get(f"{gateway}{BASE}/availability/A").json()["availability"]
        live = httpx.get(f"{gateway}/api/v1/stations/{SAINT_DENIS}/kiosk/live").json()["lockers"]["items"]
        return any(b["bank_code"] == "A" and b["availability"] == lockers for b in live)

    eventually(kiosk_agrees, timeout=15, interval=0.2)

    traveller = phone_sign_in(gateway, phone)["access_token"]
    mine = httpx.get(f"{gateway}{BASE}/parcels/mine", headers=bearer(traveller)).json()["items"]
    assert [p["id"] for p in mine] == [parcel["id"]]
    # The code on bank A's screen (its controller shows it), proof the traveller stands there;
    # the open below succeeding is what proves it is the service's code.
    screen, _ = eventually(
        lambda: ask_controller(stack.nats_url, controller, "status", {}).get("presence_code"),
        timeout=10,
        interval=0.2,
    )
    opened = httpx.post(
        f"{gateway}{BASE}/parcels/{parcel['id']}/open",
        json={"presence_code": screen},
        headers=bearer(traveller),
        timeout=10,
    )
    assert opened.status_code == 200, opened.text
    assert opened.json()["compartment"] == parcel["compartment"]
    wait_status(gateway, operator, parcel["id"], "collected")
    again = httpx.post(
        f"{gateway}{BASE}/parcels/{parcel['id']}/open",
        json={"presence_code": screen},
        headers=bearer(traveller),
        timeout=10,
    )
    assert_problem(again, 409, "parcel-status")
    audit = httpx.get(f"{gateway}{BASE}/openings?bank=A", headers=bearer(operator)).json()["items"]
    mine_opened = [o for o in audit if o["parcel_id"] == parcel["id"]]
    assert {(o["method"], o["purpose"], o["outcome"]) for o in mine_opened} == {
        ("courier", "deposit", "closed"),
        ("app", "collect", "closed"),
    }


def test_offline_collection_while_the_service_is_down_is_reconciled_once(stack, gateway, tokens, controller):
    phone = new_phone()
    operator = tokens.operator()
    parcel = deposit(gateway, tokens.courier(), phone, f"E2E-{uuid.uuid4().hex[:8]}")
    wait_status(gateway, operator, parcel["id"], "ready")
    traveller = phone_sign_in(gateway, phone)["access_token"]
    issued = httpx.post(f"{gateway}{BASE}/parcels/{parcel['id']}/unlock-tokens", headers=bearer(traveller))
    assert issued.status_code == 201, issued.text
    token = issued.json()["token"]

    stack.stop_component("parcel_lockers")
    try:
        assert (
            httpx.get(f"{gateway}{BASE}/parcels/{parcel['id']}", headers=bearer(operator)).status_code == 503
        )
        opened = scan(stack.nats_url, controller, token)
        assert opened == {"ok": True, "command": "scan", "compartment": parcel["compartment"], "door": "open"}
        assert scan(stack.nats_url, controller, token)["ok"] is False
    finally:
        stack.start_component("parcel_lockers")
    # The controller's journal reaches the service once it answers: collected, once.
    wait_status(gateway, operator, parcel["id"], "collected", timeout=20)
    assert scan(stack.nats_url, controller, token)["ok"] is False
    audit = httpx.get(f"{gateway}{BASE}/openings?bank=A", headers=bearer(operator)).json()["items"]
    qr = [o for o in audit if o["parcel_id"] == parcel["id"] and o["method"] == "qr"]
    assert len(qr) == 1 and qr[0]["outcome"] == "closed"


def test_a_traveller_sends_from_the_locker_and_the_carrier_picks_it_up(gateway, tokens, controller):
    phone = new_phone()
    traveller = phone_sign_in(gateway, phone)["access_token"]
    reference = f"E2E-MR-{uuid.uuid4().hex[:8]}"
    booked = httpx.post(
        f"{gateway}{BASE}/shipments",
        json={"bank": "A", "carrier": "mondial-relay", "carrier_reference": reference, "size": "S"},
        headers=bearer(traveller),
    )
    assert booked.status_code == 201, booked.text
    parcel, code = booked.json()["parcel"], booked.json()["drop_off_code"]
    device = bearer(tokens.device("locker_controller"))
    # At the bank: the code on the keypad opens the booked compartment; the door closes behind the parcel.
    assert_problem(
        httpx.post(f"{gateway}{BASE}/banks/A/keypad", json={"code": "00000000"}, headers=device), 403
    )
    opened = httpx.post(f"{gateway}{BASE}/banks/A/keypad", json={"code": code}, headers=device)
    assert opened.status_code == 200, opened.text
    assert opened.json() == {"compartment": parcel["compartment"], "parcel_id": parcel["id"]}
    closed = httpx.post(
        f"{gateway}{BASE}/banks/A/door-events",
        json={
            "events": [
                {
                    "id": uuid.uuid4().hex,
                    "kind": "closed",
                    "compartment": parcel["compartment"],
                    "at": "2026-11-26T12:00:00Z",
                }
            ]
        },
        headers=device,
    )
    assert closed.json()["results"][0]["outcome"] == "applied", closed.text
    operator = tokens.operator()
    assert parcel_status(gateway, operator, parcel["id"]) == "ready"
    # The carrier's courier opens it from the app; the controller closes the door and reports it.
    picked = httpx.post(
        f"{gateway}{BASE}/parcels/{parcel['id']}/open",
        headers=bearer(tokens.courier("mondial-relay")),
        timeout=10,
    )
    assert picked.status_code == 200, picked.text
    wait_status(gateway, operator, parcel["id"], "collected")


def test_nats_restarted_in_the_middle_of_a_pickup_leaves_the_parcel_collectable(
    stack, gateway, tokens, controller
):
    phone = new_phone()
    operator = tokens.operator()
    parcel = deposit(gateway, tokens.courier(), phone, f"NATS-{phone[-6:]}")
    wait_status(gateway, operator, parcel["id"], "ready")
    traveller = phone_sign_in(gateway, phone)["access_token"]
    screen = httpx.get(f"{gateway}{BASE}/banks/A/presence-code", headers=bearer(operator)).json()["code"]
    assert stack.nats is not None
    stack.nats.stop()
    try:
        # The open command has no way to the controller: nothing opens, nothing is collected.
        lost = httpx.post(
            f"{gateway}{BASE}/parcels/{parcel['id']}/open",
            json={"presence_code": screen},
            headers=bearer(traveller),
            timeout=15,
        )
        assert_problem(lost, 504, "controller-timeout")
    finally:
        stack.nats.start()
        stack.nats.wait_ready()
    after = httpx.get(f"{gateway}{BASE}/parcels/{parcel['id']}", headers=bearer(operator)).json()
    assert after["status"] == "ready" and after["door_open"] is False
    assert "collected" not in [h["status"] for h in after["history"]]
    audit = httpx.get(f"{gateway}{BASE}/openings?bank=A", headers=bearer(operator)).json()["items"]
    assert [o["outcome"] for o in audit if o["parcel_id"] == parcel["id"] and o["method"] == "app"] == [
        "timeout"
    ]

    # With NATS back (the service and the controller reconnect), the same parcel opens once and is collected.
    answering_controller(stack)

    def opens() -> bool:
        code = httpx.get(f"{gateway}{BASE}/banks/A/presence-code", headers=bearer(operator)).json()["code"]
        answer = httpx.post(
            f"{gateway}{BASE}/parcels/{parcel['id']}/open",
            json={"presence_code": code},
            headers=bearer(traveller),
            timeout=15,
        )
        assert answer.status_code in (200, 504), answer.text
        return answer.status_code == 200

    eventually(opens, timeout=30, interval=0.5)
    wait_status(gateway, operator, parcel["id"], "collected")
    audit = httpx.get(f"{gateway}{BASE}/openings?bank=A", headers=bearer(operator)).json()["items"]
    outcomes = sorted(o["outcome"] for o in audit if o["parcel_id"] == parcel["id"] and o["method"] == "app")
    assert outcomes.count("closed") == 1 and set(outcomes) <= {"closed", "timeout"}


def move_deadline_into_the_past(stack: StationStack, parcel_id: str) -> None:
    """Retention is counted in days: the test moves one parcel's deadline instead of the clock."""
    env = stack._database_env(PARCEL_LOCKERS)

    async def move() -> None:
        engine = create_engine(env["DATABASE_URL"], schema=env.get("DATABASE_SCHEMA"))
        try:
            async with engine.begin() as connection:
                await connection.execute(
                    update(Parcel)
                    .where(Parcel.id == parcel_id)
                    .values(expires_at=datetime.now(UTC) - timedelta(hours=1))
                )
        finally:
            await engine.dispose()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, move()).result()


def test_an_expired_parcel_goes_back_with_the_courier(stack, gateway, tokens, controller):
    courier, operator = tokens.courier(), tokens.operator()
    phone = new_phone()
    parcel = deposit(gateway, courier, phone, f"E2E-EXP-{uuid.uuid4().hex[:8]}")
    wait_status(gateway, operator, parcel["id"], "ready")
    move_deadline_into_the_past(stack, parcel["id"])

    swept = httpx.post(f"{gateway}{BASE}/sweeps", headers=bearer(operator), timeout=10)
    assert swept.status_code == 200, swept.text
    assert swept.json()["expired"] >= 1
    assert parcel_status(gateway, operator, parcel["id"]) == "expired"
    # The recipient can no longer open it; the courier sees it among the returns and takes it.
    traveller = phone_sign_in(gateway, phone)["access_token"]
    code = httpx.get(f"{gateway}{BASE}/banks/A/presence-code", headers=bearer(operator)).json()["code"]
    refused = httpx.post(
        f"{gateway}{BASE}/parcels/{parcel['id']}/open",
        json={"presence_code": code},
        headers=bearer(traveller),
        timeout=10,
    )
    assert_problem(refused, 409)
    returns = httpx.get(f"{gateway}{BASE}/parcels", params={"status": "expired"}, headers=bearer(courier))
    assert parcel["id"] in [p["id"] for p in returns.json()["items"]]
    taken = httpx.post(f"{gateway}{BASE}/parcels/{parcel['id']}/open", headers=bearer(courier), timeout=10)
    assert taken.status_code == 200, taken.text
    wait_status(gateway, operator, parcel["id"], "returned")
