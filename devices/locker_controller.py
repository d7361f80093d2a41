"""A locker bank controller: answers door commands on NATS request-reply with an explicit ack, reads
QR unlock tokens at the bank (checked here, with the service's public key, so collection works while
the service or the link is down), and keeps a journal on disk of what it opened.

The journal is what makes "never twice" hold: a token id or a parcel once opened is refused for
ever, also after a restart; the events not yet reported are sent to the service when it answers.

The simulated reader and door are NATS commands too (`scan`, and doors close by themselves after
`close_after` seconds), so tests and the demo drive the bank as a person at it would.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import jwt
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from pydantic import BaseModel, ValidationError

from devices.client import DeviceSession
from kernel.contracts import doors
from kernel.contracts.unlock_token import UnlockTokenInvalid, verify_unlock_token
from kernel.tasks import record_item_failure

log = logging.getLogger("devices.locker_controller")
JOURNAL_LOOP = "locker-controller-journal"
# Door events per request (the service takes at most 500).
REPORT_BATCH = 100


class Journal:
    """Append-only JSON lines, flushed to disk before a door opens."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.used_tokens: set[str] = set()
        self.done_parcels: set[str] = set()
        self.pending: dict[str, dict[str, Any]] = {}
        path.parent.mkdir(parents=True, exist_ok=True)
        self.rejected: dict[str, str] = {}
        if path.exists():
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                # A line cut by a crash, or not ours: recorded, and the rest of the journal holds.
                try:
                    self._apply(json.loads(line))
                except Exception as exc:
                    record_item_failure(JOURNAL_LOOP, f"{path.name} line {number}", exc)

    def _apply(self, entry: dict[str, Any]) -> None:
        kind = entry.get("type")
        if kind == "event":
            event = entry["event"]
            self.pending[event["id"]] = event
            if event.get("token_id"):
                self.used_tokens.add(event["token_id"])
            if event.get("parcel_id") and event["kind"] == "opened":
                self.done_parcels.add(event["parcel_id"])
        elif kind == "parcel_done":
            self.done_parcels.add(entry["parcel_id"])
        elif kind == "reported":
            for event_id in entry["ids"]:
                self.pending.pop(event_id, None)
        elif kind == "rejected":
            # The service refused this event on its own: kept here with why, never sent again.
            self.pending.pop(entry["id"], None)
            self.rejected[entry["id"]] = entry["reason"]

    def _append(self, line: str) -> None:
        with self.path.open("a") as out:
            out.write(line)
            out.flush()
            os.fsync(out.fileno())

    def write(self, entry: dict[str, Any]) -> None:
        self._append(json.dumps(entry) + "\n")
        self._apply(entry)

    async def append(self, entry: dict[str, Any]) -> None:
        """`write` with the fsync in a thread: the controller keeps answering other doors meanwhile.
        Applied in memory first, so a second command for the same parcel or token during the fsync
        is already refused."""
        self._apply(entry)
        await asyncio.to_thread(self._append, json.dumps(entry) + "\n")


class LockerController:
    def __init__(
        self,
        nats: NatsClient,
        *,
        station_id: str,
        client_id: str,
        bank_code: str = "A",
        journal_path: Path | None = None,
        session: DeviceSession | None = None,
        close_after: float | None = None,
        public_key: Any = None,
        report_every: float = 2.0,
    ) -> None:
        self.nats = nats
        self.station_id = station_id
        self.bank_code = bank_code
        self.subject = doors.controller_subjects(station_id, client_id)
        self.open_doors: set[str] = set()
        self.journal = Journal(journal_path or Path(f"var/devices/{client_id}.journal.jsonl"))
        self.session = session
        self.close_after = close_after
        self.public_key = public_key
        self.report_every = report_every
        self._key_cache = self.journal.path.with_suffix(".keys.json")
        self._tasks: set[asyncio.Task[None]] = set()
        # What the bank's screen shows: the rotating code a traveller's phone proves presence with.
        self.presence_code: str | None = None
        if self.public_key is None and self._key_cache.exists():
            self.public_key = _key_from_jwks(json.loads(self._key_cache.read_text()))

    @property
    def base(self) -> str:
        return f"/api/v1/stations/{self.station_id}/lockers"

    async def start(self) -> None:
        await self.nats.subscribe(self.subject, cb=self.on_command)
        if self.session is not None:
            self._spawn(self._report_loop())

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def on_command(self, msg: Msg) -> None:
        """Each command and its reply in the protocol's shapes (kernel/contracts/doors.py)."""
        command = doors.command_of(msg.subject)
        reply: BaseModel
        try:
            if command == doors.OPEN:
                reply = await self.open_remote(doors.OpenDoor.model_validate_json(msg.data or b"{}"))
            elif command == doors.SCAN:
                reply = await self.scan(doors.ScanToken.model_validate_json(msg.data or b"{}").token)
            elif command == doors.STATUS:
                doors.DoorStatusQuery.model_validate_json(msg.data or b"{}")
                reply = doors.DoorStatus(
                    ok=True,
                    command="status",
                    open_doors=sorted(self.open_doors),
                    presence_code=self.presence_code,
                )
            else:
                reply = doors.refused(f"unknown command {command!r}")
        except ValidationError:
            reply = doors.refused("bad payload")
        log.info(
            "command answered",
            extra={"subject": msg.subject, "ok": not isinstance(reply, doors.CommandRefused)},
        )
        if msg.reply:
            await msg.respond(reply.model_dump_json().encode())

    async def open_remote(self, command: doors.OpenDoor) -> doors.DoorOpened:
        """The service opens a door: the parcel's QR tokens are spent from now on."""
        if command.parcel_id is not None and command.purpose == "collect":
            await self.journal.append({"type": "parcel_done", "parcel_id": command.parcel_id})
        self._door_opened(command.compartment)
        return doors.opened("open", command.compartment)

    async def scan(self, token: str) -> doors.DoorOpened | doors.CommandRefused:
        """The bank's reader read a QR code: open its compartment if the token is good and new."""
        if self.public_key is None:
            await self.refresh_key()
        if self.public_key is None:
            return doors.refused("no key to check tokens yet")
        try:
            claims = verify_unlock_token(
                token, self.public_key, station_id=self.station_id, bank_code=self.bank_code
            )
        except UnlockTokenInvalid as exc:
            return doors.refused(str(exc))
        if claims.jti in self.journal.used_tokens or claims.parcel_id in self.journal.done_parcels:
            return doors.refused("this parcel was already collected")
        event = {
            "id": uuid.uuid4().hex,
            "kind": "opened",
            "compartment": claims.compartment,
            "at": _now(),
            "token": token,
            "token_id": claims.jti,
            "parcel_id": claims.parcel_id,
        }
        # On disk before the door opens: a crash right after cannot let the token in again.
        await self.journal.append({"type": "event", "event": event})
        self._door_opened(claims.compartment)
        self._spawn(self.report())
        return doors.opened("scan", claims.compartment)

    def _door_opened(self, compartment: str) -> None:
        self.open_doors.add(compartment)
        if self.close_after is not None:
            self._spawn(self._close_later(compartment))

    async def _close_later(self, compartment: str) -> None:
        await asyncio.sleep(self.close_after or 0)
        self.close_door(compartment)
        await self.report()

    def close_door(self, compartment: str) -> None:
        self.open_doors.discard(compartment)
        event = {"id": uuid.uuid4().hex, "kind": "closed", "compartment": compartment, "at": _now()}
        self.journal.write({"type": "event", "event": event})

    async def refresh_key(self) -> None:
        if self.session is None:
            return
        try:
            response = await self.session.request("GET", f"{self.base}/unlock-keys")
        except httpx.HTTPError:
            return
        if response.status_code == 200:
            self._key_cache.write_text(response.text)
            self.public_key = _key_from_jwks(response.json())

    async def refresh_presence_code(self) -> None:
        """The bank's screen follows the service's code (it rotates every 30 s; the previous one is
        still accepted, so refreshing every few seconds is enough)."""
        if self.session is None:
            return
        try:
            response = await self.session.request("GET", f"{self.base}/banks/{self.bank_code}/presence-code")
        except httpx.HTTPError:
            return
        if response.status_code == 200:
            self.presence_code = str(response.json()["code"])

    async def report(self) -> int:
        """Send the journal's unreported events; what the service took is marked reported."""
        if self.session is None or not self.journal.pending:
            return 0
        pending = list(self.journal.pending.values())
        reported = 0
        for start in range(0, len(pending), REPORT_BATCH):
            taken = await self._send(pending[start : start + REPORT_BATCH])
            if taken is None:
                break  # the service is away: the journal keeps the rest
            reported += taken
        return reported

    async def _send(self, events: list[dict[str, Any]]) -> int | None:
        """How many of `events` the service took; None when it could not be asked."""
        assert self.session is not None
        bodies = [(e, self._body(e)) for e in events]
        events = [e for e, b in bodies if b is not None]
        if not events:
            return 0
        body = {"events": [b for _, b in bodies if b is not None]}
        try:
            response = await self.session.request(
                "POST", f"{self.base}/banks/{self.bank_code}/door-events", json=body
            )
        except httpx.HTTPError as exc:
            log.info("service unreachable, journal kept", extra={"pending": len(events), "error": repr(exc)})
            return None
        if response.status_code == 200:
            ids = [r["id"] for r in response.json()["results"]]
            self.journal.write({"type": "reported", "ids": ids})
            return len(ids)
        if response.status_code == 422 and len(events) > 1:
            # One bad event makes the whole request refused: each alone, so that it fails alone.
            taken = 0
            for event in events:
                one = await self._send([event])
                if one is None:
                    return taken or None
                taken += one
            return taken
        if response.status_code == 422:
            reason = record_item_failure(JOURNAL_LOOP, events[0]["id"], f"refused: {response.text}")
            self.journal.write({"type": "rejected", "id": events[0]["id"], "reason": reason})
            return 0
        log.warning("journal refused", extra={"status": response.status_code})
        return None

    def _body(self, event: dict[str, Any]) -> dict[str, Any] | None:
        """The event as the protocol sends it; None, and set aside with why, when it is not one."""
        try:
            return doors.door_event_body(event)
        except ValidationError as exc:
            reason = record_item_failure(JOURNAL_LOOP, event["id"], f"not a door event: {exc}")
            self.journal.write({"type": "rejected", "id": event["id"], "reason": reason})
            return None

    async def _report_loop(self) -> None:
        while True:
            with contextlib.suppress(Exception):
                if self.public_key is None:
                    await self.refresh_key()
                await self.refresh_presence_code()
                await self.report()
            await asyncio.sleep(self.report_every)


def _key_from_jwks(document: dict[str, Any]) -> Any:
    return jwt.PyJWK.from_dict(document["keys"][0]).key


def _now() -> str:
    return datetime.now(UTC).isoformat()
