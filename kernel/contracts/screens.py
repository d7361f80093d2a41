"""What signage tells a screen's player, and on which channel: the screen commands.

A player listens on its push channel (Server-Sent Events at `PUSH_CHANNEL`); each command is one
event named by the command's `EVENT` (its subject on that channel), with the model's JSON as data.
signage sends them (services/signage/player/live.py); the simulator (devices/screen.py) and the
player page (web/player/player.js) obey them. Both sides use these models, and
tests/test_screen_commands.py holds them to the JSON schemas recorded in tests/data/contracts/, so a
change on one side that the other does not know fails there first.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, RootModel

from kernel.contracts.signage import AlertSeverity
from kernel.registry import SIGNAGE

PUSH_CHANNEL = f"{SIGNAGE.path_prefix}/screens/{{code}}/events"
# How long a player waits before it opens a dropped channel again (the stream's `retry:` field).
RETRY_MILLISECONDS = 2000


class ShownAlert(BaseModel):
    """An alert as one screen shows it: the text in the best of the screen's languages, and all."""

    id: str
    severity: AlertSeverity
    language: str
    text: str
    texts: dict[str, str]
    raised_at: datetime
    expires_at: datetime | None


class ShowAlerts(RootModel[list[ShownAlert]]):
    """Show exactly these alerts over everything else (none: hide them all), and acknowledge each.
    Sent when the channel opens and whenever the screen's alerts change."""

    EVENT: ClassVar[str] = "alerts"


class Revalidate(BaseModel):
    """The screen's document may have changed: fetch it again with If-None-Match (a burst of these
    is worth one fetch). This is how a screen is told to reload."""

    EVENT: ClassVar[str] = "changed"

    generation: int


class Retired(BaseModel):
    """The screen was retired: its player plays nothing here any more and the channel ends."""

    EVENT: ClassVar[str] = "gone"

    screen: str


ScreenCommand = ShowAlerts | Revalidate | Retired
COMMANDS: tuple[type[ScreenCommand], ...] = (ShowAlerts, Revalidate, Retired)
BY_EVENT: dict[str, type[ScreenCommand]] = {command.EVENT: command for command in COMMANDS}


class UnknownCommand(ValueError):
    """An event this side does not know: the other side has moved on (see the module's doc)."""


def encode(command: ScreenCommand, *, event_id: str | None = None) -> str:
    """One Server-Sent Event carrying the command."""
    lines = [f"event: {command.EVENT}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.append(f"data: {command.model_dump_json()}")
    return "\n".join(lines) + "\n\n"


def decode(event: str, data: str) -> ScreenCommand:
    """The command an event carries; UnknownCommand for an event name, ValidationError for data, that
    break the contract."""
    command = BY_EVENT.get(event)
    if command is None:
        raise UnknownCommand(f"no screen command is called {event!r}")
    return command.model_validate(json.loads(data))


def json_schemas() -> dict[str, dict[str, object]]:
    """Each command's JSON schema, by its event name (what the recorded copies are checked against)."""
    return {command.EVENT: command.model_json_schema() for command in COMMANDS}
