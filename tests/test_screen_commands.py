"""The commands signage sends screens (kernel/contracts/screens.py) against the copy recorded in the
repository: changing a command's shape on one side fails here, with what to do about the other side."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from kernel.contracts import screens

REPO = Path(__file__).parents[1]
RECORDED = REPO / "tests" / "data" / "contracts" / "screens.json"
PLAYER_PAGE = REPO / "web" / "player" / "player.js"
# Words for people; the wire is what the players depend on.
PROSE = {"description", "title"}


def shape(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {key: shape(value) for key, value in schema.items() if key not in PROSE}
    if isinstance(schema, list):
        return [shape(value) for value in schema]
    return schema


def current() -> dict[str, Any]:
    return {event: shape(schema) for event, schema in screens.json_schemas().items()}


def test_every_screen_command_has_the_shape_recorded_for_the_players():
    recorded = json.loads(RECORDED.read_text(encoding="utf-8"))
    assert current() == recorded, (
        f"A screen command changed shape. Players in the field (devices/screen.py, web/player/) still "
        f"expect {RECORDED.relative_to(REPO)}: change them too, then record the new shapes with "
        "`python -c 'import json; from tests.test_screen_commands import current; "
        "print(json.dumps(current(), indent=2, sort_keys=True))' > tests/data/contracts/screens.json`."
    )


def test_every_event_the_player_page_obeys_is_a_screen_command():
    listened = set(re.findall(r'stream\.on\("([a-z_]+)"', PLAYER_PAGE.read_text(encoding="utf-8")))
    assert listened, "the player page no longer listens to its push channel the way this test reads it"
    assert listened <= set(screens.BY_EVENT), listened - set(screens.BY_EVENT)


def test_a_command_goes_out_and_comes_back_the_same():
    alert = {
        "id": "a" * 32,
        "severity": "emergency",
        "language": "fr",
        "text": "Quai fermé",
        "texts": {"fr": "Quai fermé", "en": "Platform closed"},
        "raised_at": "2026-12-07T17:00:00Z",
        "expires_at": None,
    }
    for command in (
        screens.ShowAlerts.model_validate([alert]),
        screens.ShowAlerts.model_validate([]),
        screens.Revalidate(generation=42),
        screens.Retired(screen="quai-2"),
    ):
        event = screens.encode(command, event_id="7")
        name = re.search(r"^event: (.+)$", event, re.M)
        data = re.search(r"^data: (.+)$", event, re.M)
        assert name and data and event.endswith("\n\n")
        assert screens.decode(name.group(1), data.group(1)) == command


def test_a_command_that_breaks_the_contract_is_refused_not_guessed():
    with pytest.raises(screens.UnknownCommand):
        screens.decode("reboot", "{}")
    with pytest.raises(ValidationError):
        screens.decode("changed", '{"generation": "soon"}')
    with pytest.raises(ValidationError):
        screens.decode("alerts", '[{"id": "x", "severity": "panic"}]')
