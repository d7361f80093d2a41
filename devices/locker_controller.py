"""A locker bank controller: answers door commands on NATS request-reply with an explicit ack."""

from __future__ import annotations

import json
import logging

from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg

log = logging.getLogger("devices.locker_controller")
COMMANDS = ("open", "status")


class LockerController:
    def __init__(self, nats: NatsClient, *, station_id: str, client_id: str) -> None:
        self.nats = nats
        self.subject = f"gare.{station_id}.device.{client_id}.>"
        self.open_doors: set[str] = set()

    async def start(self) -> None:
        await self.nats.subscribe(self.subject, cb=self.on_command)

    async def on_command(self, msg: Msg) -> None:
        command = msg.subject.rsplit(".", 1)[-1]
        try:
            body = json.loads(msg.data or b"{}")
        except ValueError:
            body = None
        if command not in COMMANDS or not isinstance(body, dict):
            reply = {
                "ok": False,
                "error": f"unknown command {command!r}" if body is not None else "bad payload",
            }
        elif command == "open":
            compartment = str(body.get("compartment", ""))
            self.open_doors.add(compartment)
            reply = {"ok": True, "command": "open", "compartment": compartment, "door": "open"}
        else:
            reply = {"ok": True, "command": "status", "open_doors": sorted(self.open_doors)}
        log.info("command answered", extra={"subject": msg.subject, "reply": reply})
        if msg.reply:
            await msg.respond(json.dumps(reply).encode())
