"""Parcels in process: the service over ASGI with a migrated SQLite, a real nats-server with the
simulated locker controller answering door commands, and a real redis-server (codes, dev inbox)."""

from __future__ import annotations

import asyncio
import functools
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
from redis.asyncio import Redis

from deploy.embedded.infra import RedisServer
from devices.locker_controller import LockerController, _key_from_jwks
from kernel.contracts import doors
from kernel.db import utcnow
from kernel.notifier import INBOX_KEY
from services.parcel_lockers.app import DEFINITION
from services.parcel_lockers.doors.codes import keypad_counter_key
from services.parcel_lockers.settings import Settings
from services.parcel_lockers.sweeps.service import sweep
from services.parcel_lockers.tests.test_api import BASE, CONTROLLER_A, MIGRATIONS, bank
from services.parcel_lockers.tools import tools_of
from testkit.service import (
    SAINT_DENIS,
    ServiceUnderTest,
    SigningKey,
    assert_problem,
    bearer,
    migrated_sqlite_async,
    running_redis,
    running_service,
)

PHONE = "+33612345678"
OTHER_PHONE = "+33698765432"


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with running_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server


@dataclass
class Station:
    service: ServiceUnderTest
    controller: LockerController
    redis: Redis
    events: list[dict[str, Any]]

    @property
    def http(self) -> httpx.AsyncClient:
        return self.service.http

    @property
    def keys(self) -> SigningKey:
        return self.service.keys

    def controller_token(self) -> str:
        return self.keys.device("locker_controller", binding="A", client_id=CONTROLLER_A)

    async def at_bank(self, code: str = "A") -> dict[str, str]:
        """The open request's body: the code bank A's screen shows now, as its controller reads it."""
        shown = await self.http.get(
            f"{BASE}/banks/{code}/presence-code", headers=bearer(self.controller_token())
        )
        assert shown.status_code == 200, shown.text
        return {"presence_code": shown.json()["code"]}

    def traveller(self, phone: str = PHONE) -> dict[str, str]:
        return bearer(
            self.keys.token(
                role="traveller", stations="*", subject=f"traveller:{phone[-4:]}", phone_number=phone
            )
        )

    async def deposit(self, reference: str, size: str = "S", phone: str = PHONE, code: str = "A") -> Any:
        return await self.http.post(
            f"{BASE}/deposits",
            json={
                "bank": code,
                "carrier": "colissimo",
                "carrier_reference": reference,
                "size": size,
                "recipient_phone": phone,
            },
            headers=bearer(self.keys.courier()),
        )

    async def door_closed(self, label: str) -> dict[str, Any]:
        response = await self.http.post(
            f"{BASE}/banks/A/door-events",
            json={
                "events": [
                    {
                        "id": uuid.uuid4().hex,
                        "kind": "closed",
                        "compartment": label,
                        "at": utcnow().isoformat(),
                    }
                ]
            },
            headers=bearer(self.controller_token()),
        )
        assert response.status_code == 200, response.text
        return response.json()["results"][0]

    async def ready_parcel(self, reference: str, phone: str = PHONE) -> tuple[dict[str, Any], str]:
        """A parcel deposited and its door closed: ready, with the code of its SMS."""
        deposited = await self.deposit(reference, phone=phone)
        assert deposited.status_code == 201, deposited.text
        parcel = deposited.json()["parcel"]
        assert (await self.door_closed(parcel["compartment"]))["outcome"] == "applied"
        return parcel, await self.code_sent_to(phone)

    async def code_sent_to(self, phone: str) -> str:
        newest = json.loads(
            next(m for m in await self.redis.lrange(INBOX_KEY, 0, -1) if json.loads(m)["to"] == phone)
        )
        return next(
            word.rstrip(".")
            for word in newest["text"].split()
            if word.rstrip(".").isdigit() and len(word.rstrip(".")) == 8
        )

    async def parcel(self, parcel_id: str) -> dict[str, Any]:
        return (
            await self.http.get(f"{BASE}/parcels/{parcel_id}", headers=bearer(self.keys.operator()))
        ).json()

    def events_of(self, verb: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"].endswith(f".{verb}.v1")]


@pytest.fixture
async def station(tmp_path: Path, keys: SigningKey, nats_server, redis_server) -> AsyncIterator[Station]:
    url = await migrated_sqlite_async(MIGRATIONS, tmp_path / "parcel_lockers.sqlite")
    redis = Redis.from_url(redis_server.url)
    await redis.flushall()
    settings = functools.partial(
        Settings,
        unlock_key_file=tmp_path / "unlock.pem",
        controller_timeout_seconds=0.5,
        door_open_limit_seconds=60,
    )
    events: list[dict[str, Any]] = []
    nc = await nats.connect(nats_server.url)

    async def caught(msg: Any) -> None:
        events.append(json.loads(msg.data))

    await nc.subscribe(f"gare.{SAINT_DENIS}.lockers.>", cb=caught)
    async with running_service(
        DEFINITION,
        settings,
        database_url=url,
        keys=keys,
        nats_url=nats_server.url,
        redis_url=redis_server.url,
    ) as running:
        controller = LockerController(
            nc, station_id=SAINT_DENIS, client_id=CONTROLLER_A, journal_path=tmp_path / "journal.jsonl"
        )
        await controller.start()
        for new in (bank("A", "SSMML", CONTROLLER_A), bank("B", "SM", "lockers-nobody-answers")):
            created = await running.http.post(f"{BASE}/banks", json=new, headers=bearer(keys.operator()))
            assert created.status_code == 201, created.text
        yield Station(running, controller, redis, events)
    await nc.close()
    await redis.aclose()


async def wait_for(predicate: Any, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


# -- deposit --------------------------------------------------------------------------------------


async def test_deposit_opens_the_smallest_fitting_door_then_the_recipient_gets_a_code(station):
    deposited = await station.deposit("CP-1", size="M")
    assert deposited.status_code == 201, deposited.text
    parcel = deposited.json()["parcel"]
    assert (parcel["compartment"], parcel["status"], parcel["door_open"]) == ("A03", "deposited", True)
    assert station.controller.open_doors == {"A03"}
    assert (await station.http.get(f"{BASE}/availability/A")).json()["availability"]["M"]["free"] == 1

    await station.door_closed("A03")
    ready = await station.parcel(parcel["id"])
    assert ready["status"] == "ready" and not ready["door_open"] and ready["expires_at"]
    assert [h["status"] for h in ready["history"]] == ["announced", "deposited", "ready"]
    code = await station.code_sent_to(PHONE)
    assert len(code) == 8
    await wait_for(
        lambda: station.events_of("ready_for_pickup") and station.events_of("availability_changed")
    )
    notice = station.events_of("ready_for_pickup")[0]["data"]
    assert (
        notice["compartment_label"] == "A03"
        and PHONE not in json.dumps(notice)
        and code not in json.dumps(notice)
    )


async def test_deposit_is_idempotent_on_the_carrier_reference(station):
    first = await station.deposit("CP-2")
    again = await station.deposit("CP-2")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["parcel"]["id"] == first.json()["parcel"]["id"]
    assert (await station.http.get(f"{BASE}/availability/A")).json()["availability"]["S"]["free"] == 1


async def test_full_sizes_are_named_and_too_large_parcels_refused(station):
    for n in range(3):
        assert (await station.deposit(f"CP-L{n}", size="M")).status_code == 201
    full = assert_problem(await station.deposit("CP-L9", size="M"), 409, "sizes-full")
    assert full["full_sizes"] == ["M", "L"]
    assert_problem(await station.deposit("CP-XL", size="XL"), 422)
    huge = await station.http.post(
        f"{BASE}/deposits",
        json={
            "bank": "A",
            "carrier": "dhl",
            "carrier_reference": "BIG",
            "dimensions": {"height": 90, "width": 90, "depth": 90},
            "recipient_phone": PHONE,
        },
        headers=bearer(station.keys.courier(carrier="dhl")),
    )
    assert_problem(huge, 422)
    assert_problem(
        await station.http.post(
            f"{BASE}/deposits", json={"bank": "A"}, headers=bearer(station.keys.courier())
        ),
        422,
    )
    as_traveller = await station.http.post(
        f"{BASE}/deposits",
        json={
            "bank": "A",
            "carrier": "colissimo",
            "carrier_reference": "x",
            "size": "S",
            "recipient_phone": PHONE,
        },
        headers=station.traveller(),
    )
    assert_problem(as_traveller, 403)


async def test_a_controller_that_never_answers_opens_nothing_and_the_attempt_is_logged(station):
    refused = await station.deposit("CP-B1", code="B")
    assert_problem(refused, 504, "controller-timeout")
    assert (await station.http.get(f"{BASE}/availability/B")).json()["availability"]["S"]["free"] == 1
    audit = (
        await station.http.get(f"{BASE}/openings?bank=B", headers=bearer(station.keys.operator()))
    ).json()
    assert [(o["outcome"], o["method"], o["purpose"]) for o in audit["items"]] == [
        ("timeout", "courier", "deposit")
    ]
    assert_problem(await station.http.get(f"{BASE}/openings", headers=bearer(station.keys.courier())), 403)


# -- collecting -----------------------------------------------------------------------------------


async def test_the_recipient_opens_from_the_phone_and_the_closed_door_collects(station):
    parcel, _ = await station.ready_parcel("CP-3")
    mine = (await station.http.get(f"{BASE}/parcels/mine", headers=station.traveller())).json()["items"]
    assert [p["id"] for p in mine] == [parcel["id"]]
    assert (await station.http.get(f"{BASE}/parcels/mine", headers=station.traveller(OTHER_PHONE))).json()[
        "items"
    ] == []
    assert_problem(
        await station.http.post(
            f"{BASE}/parcels/{parcel['id']}/open",
            json=await station.at_bank(),
            headers=station.traveller(OTHER_PHONE),
        ),
        404,
        "unknown-parcel",
    )

    opened = await station.http.post(
        f"{BASE}/parcels/{parcel['id']}/open", json=await station.at_bank(), headers=station.traveller()
    )
    assert opened.status_code == 200, opened.text
    assert opened.json()["compartment"] == parcel["compartment"]
    assert (await station.parcel(parcel["id"]))["status"] == "ready"  # collected only when the door closes
    await station.door_closed(parcel["compartment"])
    collected = await station.parcel(parcel["id"])
    assert collected["status"] == "collected" and collected["compartment"] is None
    assert_problem(
        await station.http.post(
            f"{BASE}/parcels/{parcel['id']}/open", json=await station.at_bank(), headers=station.traveller()
        ),
        409,
        "parcel-status",
    )
    audit = (await station.http.get(f"{BASE}/openings", headers=bearer(station.keys.operator()))).json()[
        "items"
    ]
    assert (
        audit[0]["method"] == "app"
        and audit[0]["outcome"] == "closed"
        and audit[0]["actor"].startswith("traveller:")
    )


async def test_two_phones_racing_open_exactly_one_door(station):
    parcel, _ = await station.ready_parcel("CP-4")
    answers = await asyncio.gather(
        *[
            station.http.post(
                f"{BASE}/parcels/{parcel['id']}/open",
                json=await station.at_bank(),
                headers=station.traveller(),
            )
            for _ in range(4)
        ]
    )
    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409]
    audit = (await station.http.get(f"{BASE}/openings", headers=bearer(station.keys.operator()))).json()[
        "items"
    ]
    assert sum(1 for o in audit if o["parcel_id"] == parcel["id"] and o["purpose"] == "collect") == 1


async def test_keypad_codes_open_once_and_five_wrong_codes_lock_the_keypad(station):
    parcel, code = await station.ready_parcel("CP-5")
    keypad = f"{BASE}/banks/A/keypad"
    controller = bearer(station.controller_token())
    for left in (4, 3, 2, 1, 0):
        body = assert_problem(
            await station.http.post(keypad, json={"code": "99999999"}, headers=controller), 403, "wrong-code"
        )
        assert f"{left} tries left" in body["detail"]
    locked = assert_problem(
        await station.http.post(keypad, json={"code": code}, headers=controller), 429, "keypad-locked"
    )
    assert locked["detail"]
    await wait_for(lambda: station.events_of("keypad_locked"))
    attempts = tools_of(station.service.app.state.runtime).attempts
    assert attempts is not None
    await attempts.clear(keypad_counter_key(SAINT_DENIS, "A"))  # the cooling period is over

    opened = await station.http.post(keypad, json={"code": code}, headers=controller)
    assert opened.status_code == 200 and opened.json()["compartment"] == parcel["compartment"]
    await station.door_closed(parcel["compartment"])
    assert (await station.parcel(parcel["id"]))["status"] == "collected"
    assert_problem(
        await station.http.post(keypad, json={"code": code}, headers=controller), 403, "wrong-code"
    )
    other = bearer(station.keys.device("locker_controller", binding="B", client_id="other"))
    assert_problem(await station.http.post(keypad, json={"code": code}, headers=other), 403, "forbidden")
    assert_problem(await station.http.post(keypad, json={"code": "12ab"}, headers=controller), 422)


async def test_a_qr_token_opens_offline_once_even_after_a_controller_restart_and_is_reconciled(
    station, tmp_path
):
    parcel, _ = await station.ready_parcel("CP-6")
    issued = await station.http.post(
        f"{BASE}/parcels/{parcel['id']}/unlock-tokens", headers=station.traveller()
    )
    assert issued.status_code == 201, issued.text
    token = issued.json()["token"]
    assert issued.json()["qr_svg"].lstrip().startswith("<")
    png = await station.http.get(f"{BASE}/parcels/{parcel['id']}/qr.png", headers=station.traveller())
    assert png.headers["content-type"] == "image/png" and png.content.startswith(b"\x89PNG")

    key = (await station.http.get(f"{BASE}/unlock-keys", headers=bearer(station.controller_token()))).json()
    # The controller alone, with the public key: no service involved.
    station.controller.public_key = _key_from_jwks(key)
    assert isinstance(await station.controller.scan(token), doors.DoorOpened)
    assert isinstance(await station.controller.scan(token), doors.CommandRefused)
    station.controller.close_door(parcel["compartment"])
    restarted = LockerController(
        station.controller.nats,
        station_id=SAINT_DENIS,
        client_id=CONTROLLER_A,
        journal_path=station.controller.journal.path,
        public_key=station.controller.public_key,
    )
    assert isinstance(await restarted.scan(token), doors.CommandRefused)
    wrong_bank = LockerController(
        station.controller.nats,
        station_id=SAINT_DENIS,
        client_id="x",
        bank_code="B",
        journal_path=tmp_path / "b.jsonl",
        public_key=restarted.public_key,
    )
    refused = await wrong_bank.scan(token)
    assert isinstance(refused, doors.CommandRefused) and "another locker bank" in refused.error

    # The link is back: the journal goes to the service, twice (a lost answer): applied once.
    journal = [e for e in restarted.journal.pending.values()]
    body = {"events": [{k: v for k, v in e.items() if k != "token_id"} for e in journal]}
    path = f"{BASE}/banks/A/door-events"
    first = await station.http.post(path, json=body, headers=bearer(station.controller_token()))
    assert [r["outcome"] for r in first.json()["results"]] == ["applied", "applied"], first.text
    again = await station.http.post(path, json=body, headers=bearer(station.controller_token()))
    assert [r["outcome"] for r in again.json()["results"]] == ["duplicate", "duplicate"]
    assert (await station.parcel(parcel["id"]))["status"] == "collected"
    # The same token reported by a new event id is a replay: refused, and operators hear of it.
    replay = {"events": [{**body["events"][0], "id": uuid.uuid4().hex}]}
    replayed = await station.http.post(path, json=replay, headers=bearer(station.controller_token()))
    assert replayed.json()["results"][0] == {
        "id": replay["events"][0]["id"],
        "outcome": "refused",
        "detail": "token already used",
        "first_outcome": None,
    }
    await wait_for(lambda: station.events_of("token_replayed"))
    audit = (await station.http.get(f"{BASE}/openings", headers=bearer(station.keys.operator()))).json()[
        "items"
    ]
    assert sum(1 for o in audit if o["method"] == "qr") == 1


async def test_tokens_are_only_for_ready_parcels_of_their_recipient(station):
    deposited = (await station.deposit("CP-7")).json()["parcel"]
    path = f"{BASE}/parcels/{deposited['id']}/unlock-tokens"
    assert_problem(await station.http.post(path, headers=station.traveller()), 409, "parcel-status")
    assert_problem(
        await station.http.post(path, headers=station.traveller(OTHER_PHONE)), 404, "unknown-parcel"
    )
    assert_problem(
        await station.http.post(f"{BASE}/parcels/{'0' * 32}/unlock-tokens", headers=station.traveller()), 404
    )


# -- expiry and return, doors left open -------------------------------------------------------------


async def test_expired_parcels_go_back_with_the_courier_and_free_their_compartment(station):
    parcel, code = await station.ready_parcel("CP-8")
    tools = tools_of(station.service.app.state.runtime)
    async with station.service.runtime.sessionmaker() as session:
        swept = await sweep(
            session=session, tools=tools, station_id=SAINT_DENIS, now=utcnow() + timedelta(days=4)
        )
    assert swept["expired"] == 1
    expired = await station.parcel(parcel["id"])
    assert expired["status"] == "expired"
    await wait_for(lambda: station.events_of("expired"))
    # The code no longer opens; the recipient's button neither.
    assert_problem(
        await station.http.post(
            f"{BASE}/banks/A/keypad", json={"code": code}, headers=bearer(station.controller_token())
        ),
        403,
    )
    assert_problem(
        await station.http.post(
            f"{BASE}/parcels/{parcel['id']}/open", json=await station.at_bank(), headers=station.traveller()
        ),
        409,
    )
    returns = (
        await station.http.get(f"{BASE}/parcels?status=expired", headers=bearer(station.keys.courier()))
    ).json()
    assert [p["id"] for p in returns["items"]] == [parcel["id"]]

    taken = await station.http.post(
        f"{BASE}/parcels/{parcel['id']}/open", headers=bearer(station.keys.courier())
    )
    assert taken.status_code == 200, taken.text
    await station.door_closed(parcel["compartment"])
    assert (await station.parcel(parcel["id"]))["status"] == "returned"
    assert (await station.http.get(f"{BASE}/availability/A")).json()["availability"]["S"]["free"] == 2


async def test_a_door_left_open_takes_its_compartment_out_of_service(station):
    deposited = (await station.deposit("CP-9")).json()["parcel"]
    async with station.service.runtime.sessionmaker() as session:
        swept = await sweep(
            session=session,
            tools=tools_of(station.service.app.state.runtime),
            station_id=SAINT_DENIS,
            now=utcnow() + timedelta(minutes=5),
        )
    assert swept["door_faults"] == 1
    banks = (await station.http.get(f"{BASE}/banks", headers=bearer(station.keys.operator()))).json()["items"]
    a01 = next(c for c in banks[0]["compartments"] if c["label"] == deposited["compartment"])
    assert a01["state"] == "out_of_service" and a01["out_of_service_reason"] == "door left open too long"
    await wait_for(lambda: station.events_of("door_fault"))


# -- send from the locker -------------------------------------------------------------------------


async def test_a_traveller_sends_a_parcel_from_the_locker_and_the_carrier_collects_it(station):
    booked = await station.http.post(
        f"{BASE}/shipments",
        json={"bank": "A", "carrier": "mondial-relay", "carrier_reference": "MR-1", "size": "S"},
        headers=station.traveller(),
    )
    assert booked.status_code == 201, booked.text
    code, parcel = booked.json()["drop_off_code"], booked.json()["parcel"]
    assert parcel["direction"] == "outbound" and parcel["status"] == "announced"
    assert_problem(
        await station.http.post(
            f"{BASE}/shipments",
            json={"bank": "A", "carrier": "mondial-relay", "carrier_reference": "MR-1", "size": "S"},
            headers=station.traveller(),
        ),
        409,
        "duplicate-reference",
    )
    dropped = await station.http.post(
        f"{BASE}/banks/A/keypad", json={"code": code}, headers=bearer(station.controller_token())
    )
    assert dropped.status_code == 200, dropped.text
    await station.door_closed(parcel["compartment"])
    assert (await station.parcel(parcel["id"]))["status"] == "ready"

    picked = await station.http.post(
        f"{BASE}/parcels/{parcel['id']}/open", headers=bearer(station.keys.courier(carrier="mondial-relay"))
    )
    assert picked.status_code == 200, picked.text
    await station.door_closed(parcel["compartment"])
    done = await station.parcel(parcel["id"])
    assert done["status"] == "collected"
    assert [h["status"] for h in done["history"]] == ["announced", "deposited", "ready", "collected"]


async def test_a_door_that_does_not_open_takes_the_compartment_out_of_service(station):
    async def jammed(msg: Any) -> None:
        await msg.respond(json.dumps({"ok": False, "error": "latch stuck"}).encode())

    await station.controller.nats.subscribe(
        f"gare.{SAINT_DENIS}.device.lockers-nobody-answers.open", cb=jammed
    )
    await station.controller.nats.flush()  # subscribed on the server before the service asks
    refused = await station.deposit("CP-J", code="B")
    assert_problem(refused, 502, "door-jammed")
    banks = (await station.http.get(f"{BASE}/banks", headers=bearer(station.keys.operator()))).json()["items"]
    b01 = next(c for c in banks[1]["compartments"] if c["label"] == "B01")
    assert b01["state"] == "out_of_service" and "latch stuck" in b01["out_of_service_reason"]
    await wait_for(lambda: station.events_of("door_fault"))
    # The next deposit gets the next compartment.
    assert_problem(await station.deposit("CP-J2", code="B"), 502, "door-jammed")
    audit = (
        await station.http.get(f"{BASE}/openings?bank=B", headers=bearer(station.keys.operator()))
    ).json()
    assert [o["outcome"] for o in audit["items"]] == ["jammed", "jammed"]


async def test_a_reminder_goes_out_the_day_before_expiry_once(station):
    parcel, _ = await station.ready_parcel("CP-R")
    expires = (await station.parcel(parcel["id"]))["expires_at"]
    from datetime import datetime

    day_before = datetime.fromisoformat(expires) - timedelta(hours=12)
    tools = tools_of(station.service.app.state.runtime)
    for expected in (1, 0):
        async with station.service.runtime.sessionmaker() as session:
            swept = await sweep(session=session, tools=tools, station_id=SAINT_DENIS, now=day_before)
        assert swept == {"expired": 0, "reminded": expected, "door_faults": 0}
    texts = [json.loads(m)["text"] for m in await station.redis.lrange(INBOX_KEY, 0, -1)]
    assert sum("attend toujours" in t for t in texts) == 1


async def test_staff_find_a_parcel_by_its_id_or_the_beginning_of_its_reference(station):
    ids = {}
    for reference in ("CP-Q1", "CP-Q2", "XY_Q3", "XYZQ4"):
        deposited = await station.deposit(reference)
        assert deposited.status_code == 201, deposited.text
        ids[reference] = deposited.json()["parcel"]["id"]

    async def found(**query: str) -> list[str]:
        response = await station.http.get(
            f"{BASE}/parcels", params=query, headers=bearer(station.keys.operator())
        )
        assert response.status_code == 200, response.text
        return sorted(p["carrier_reference"] for p in response.json()["items"])

    assert await found(q="CP-Q") == ["CP-Q1", "CP-Q2"]
    assert await found(q="XY_") == ["XY_Q3"]  # "_" is a character here, not SQL's wildcard
    assert await found(q=ids["CP-Q2"].upper()) == ["CP-Q2"]
    assert await found(q="CP-Q", status="ready") == []
    assert_problem(
        await station.http.get(f"{BASE}/parcels?q=a%20b", headers=bearer(station.keys.operator())), 422
    )


async def test_a_couriers_round_is_deposited_parcel_by_parcel(station):
    def one(reference: str, size: str) -> dict[str, Any]:
        return {
            "bank": "A",
            "carrier": "chronopost",
            "carrier_reference": reference,
            "size": size,
            "recipient_phone": PHONE,
        }

    response = await station.http.post(
        f"{BASE}/deposits/bulk",
        json={"parcels": [one("R-1", "S"), one("R-2", "XL"), one("R-1", "S")]},
        headers=bearer(station.keys.courier(carrier="chronopost")),
    )
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["status"] for r in results] == [201, 422, 200]
    assert results[0]["parcel"]["id"] == results[2]["parcel"]["id"]


async def test_operators_update_and_retire_banks(station):
    listing = (await station.http.get(f"{BASE}/banks", headers=bearer(station.keys.operator()))).json()[
        "items"
    ]
    bank_b = next(b for b in listing if b["code"] == "B")
    path = f"{BASE}/banks/{bank_b['id']}"
    operator = bearer(station.keys.operator())
    changed = await station.http.patch(path, json={"retention_days": 7, "name": "Sortie 2"}, headers=operator)
    assert changed.status_code == 200 and changed.json()["retention_days"] == 7
    assert_problem(await station.http.patch(path, json={"retention_days": 0}, headers=operator), 422)
    assert_problem(await station.http.patch(path, json={"name": None}, headers=operator), 422)
    assert_problem(
        await station.http.patch(path, json={"retention_days": 5}, headers=bearer(station.keys.courier())),
        403,
    )
    assert (await station.http.get(f"{BASE}/availability/B")).json()["name"] == "Sortie 2"

    deposited = (await station.deposit("CP-D")).json()["parcel"]
    bank_a = next(b for b in listing if b["code"] == "A")
    assert_problem(
        await station.http.delete(f"{BASE}/banks/{bank_a['id']}", headers=operator), 409, "bank-in-use"
    )
    assert deposited["bank"] == "A"
    assert (await station.http.delete(path, headers=operator)).status_code == 204
    assert_problem(await station.http.get(f"{BASE}/availability/B"), 404)


async def test_opening_from_the_phone_needs_the_code_on_the_bank_screen(station):
    parcel, _ = await station.ready_parcel("CP-P1")
    url = f"{BASE}/parcels/{parcel['id']}/open"
    shown = await station.at_bank()
    assert_problem(await station.http.post(url, headers=station.traveller()), 403, "presence-required")
    wrong = f"{(int(shown['presence_code']) + 1) % 1_000_000:06d}"
    assert_problem(
        await station.http.post(url, json={"presence_code": wrong}, headers=station.traveller()),
        403,
        "presence-code",
    )
    # Another bank's code proves nothing here.
    other_bank = await station.http.get(
        f"{BASE}/banks/B/presence-code", headers=bearer(station.keys.operator())
    )
    if other_bank.json()["code"] != shown["presence_code"]:
        assert_problem(
            await station.http.post(
                url, json={"presence_code": other_bank.json()["code"]}, headers=station.traveller()
            ),
            403,
            "presence-code",
        )
    assert_problem(
        await station.http.post(url, json={"presence_code": "12ab"}, headers=station.traveller()), 422
    )
    # Nothing opened, nothing claimed: the right code still opens.
    assert (await station.parcel(parcel["id"]))["door_open"] is False
    opened = await station.http.post(url, json=await station.at_bank(), headers=station.traveller())
    assert opened.status_code == 200, opened.text
    # Only the bank's own controller (or an operator) reads its screen's code.
    other = bearer(station.keys.device("locker_controller", binding="B", client_id="other"))
    assert_problem(await station.http.get(f"{BASE}/banks/A/presence-code", headers=other), 403)
    assert_problem(await station.http.get(f"{BASE}/banks/A/presence-code", headers=station.traveller()), 403)
