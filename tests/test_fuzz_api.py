"""A property-based API fuzzer (schemathesis) against the merged OpenAPI, through the gateway of a real stack.

Every operation of every service and of the gateway is called with generated requests, valid and
invalid, and every answer is checked against the contract: no 5xx, only documented statuses, content
types and headers, bodies that match their schema, and every schema-violating request refused.
`positive_data_acceptance` is left out: some rules need the server's state or several fields at
once (a report's counts add up, a code is not taken yet) and no schema can say them.

The fuzzer writes junk (banks, screens, vehicle stations), so it runs on a stack of its own, not on
the session's shared `stack`: later tests keep the data they expect, whatever order pytest picks.
That costs one more stack start-up per backend; the run itself is bounded by MAX_EXAMPLES.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from deploy.embedded.stack import StationStack
from testkit.stack import SAINT_DENIS, Tokens, bearer
from tests.conftest import BACKENDS, running_stack

pytestmark = pytest.mark.e2e

# Generated cases per operation in the fuzzing phase (the coverage phase adds its own, ~50 per operation).
MAX_EXAMPLES = int(os.environ.get("GARE_FUZZ_EXAMPLES", "10"))
# A fixed seed replays the same requests: a failure here is a regression, not bad luck. Set
# GARE_FUZZ_SEED to explore further.
SEED = int(os.environ.get("GARE_FUZZ_SEED", "20261125"))
CHECKS_LEFT_OUT = ["positive_data_acceptance"]
CARREFOUR_PLEYEL = "velib-metropole-653046369"
KIOSK_DEVICE = f"kiosk-{SAINT_DENIS}-entrance"


@pytest.fixture(scope="module", params=BACKENDS)
def fuzz_stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[StationStack]:
    backend = request.param
    with running_stack(tmp_path_factory.mktemp(f"fuzz-{backend}"), backend) as station:
        yield station


def toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def fuzz_config(stack: StationStack) -> str:
    """Schemathesis settings: the operator's token everywhere, the devices' on the routes devices use,
    and path parameters pinned to resources that exist, so the fuzzer reaches the code behind them."""
    tokens = Tokens(stack)
    operator = tokens.operator()
    banks = httpx.get(
        f"{stack.gateway_url}/api/v1/stations/{SAINT_DENIS}/lockers/banks",
        headers=bearer(operator),
        timeout=10,
    ).json()["items"]
    bank_a = next(bank for bank in banks if bank["code"] == "A")
    device_routes = {
        # A screen's player polls its own playlist.
        r"/signage/screens/\{code\}/playlist$": (tokens.device("screen"), {"path.code": "hall"}),
        # The station's mobility feed reports the availability of its vehicle stations.
        r"/mobility/vehicle-stations/\{vehicle_station_id\}/status$": (
            tokens.device("mobility_feed"),
            {"path.vehicle_station_id": CARREFOUR_PLEYEL},
        ),
    }
    # Staff accounts are an admin's to manage; changes go to the courier's, whom this run never signs
    # in (left free, the fuzzer learns usernames from the list and changes the operator's password).
    admin_routes = {
        r"^/auth/accounts$": (tokens.admin(), {}),
        r"^/auth/accounts/\{username\}$": (tokens.admin(), {"path.username": "courier"}),
    }
    pinned = {
        r"/lockers/banks/\{bank_id\}": {"path.bank_id": bank_a["id"], "path.label": "A01"},
        r"/mobility/vehicle-stations/\{vehicle_station_id\}$": {"path.vehicle_station_id": CARREFOUR_PLEYEL},
        # The kiosk's device: nothing else in this run uses it, so unpairing it breaks nothing.
        r"^/auth/devices/\{client_id\}$": {"path.client_id": KIOSK_DEVICE},
        r"^/auth/devices$": {"query.station": SAINT_DENIS},
        # An exit that exists, so the fuzzer reaches what it leads to, not only the 404.
        r"/kiosk/exits/\{exit_code\}": {"path.exit_code": "exit-rue-pleyel"},
    }
    lines = [
        f"base-url = {toml_string(stack.gateway_url)}",
        f"seed = {SEED}",
        # One worker: the stack needs the other core, and hypothesis' lambda descriptions are not
        # thread-safe on CPython 3.11 ("AST constructor recursion depth mismatch").
        "workers = 1",
        "[generation]",
        f"max-examples = {MAX_EXAMPLES}",
        'database = "none"',
        "[parameters]",
        f'"path.station_id" = {toml_string(SAINT_DENIS)}',
        "[checks]",
        *(f"{check} = {{ enabled = false }}" for check in CHECKS_LEFT_OUT),
        "[auth.openapi.HTTPBearer]",
        f"bearer = {toml_string(operator)}",
    ]
    for path_regex, (token, parameters) in (device_routes | admin_routes).items():
        lines += [
            "[[operations]]",
            f"include-path-regex = {toml_string(path_regex)}",
            f"headers = {{ Authorization = {toml_string('Bearer ' + token)} }}",
        ]
        if parameters:
            lines += [
                "[operations.parameters]",
                *(f"{toml_string(name)} = {toml_string(value)}" for name, value in parameters.items()),
            ]
    for path_regex, parameters in pinned.items():
        lines += [
            "[[operations]]",
            f"include-path-regex = {toml_string(path_regex)}",
            "[operations.parameters]",
            *(f"{toml_string(name)} = {toml_string(value)}" for name, value in parameters.items()),
        ]
    return "\n".join(lines) + "\n"


def binary_media_types(document: dict[str, Any]) -> list[str]:
    """The media types of request bodies the API takes as raw bytes (`format: binary`), a GTFS zip say."""
    found = {
        media_type
        for item in document.get("paths", {}).values()
        for operation in item.values()
        if isinstance(operation, dict)
        for media_type, content in operation.get("requestBody", {}).get("content", {}).items()
        if content.get("schema", {}).get("format") == "binary"
    }
    return sorted(found - {"application/octet-stream"})


def fuzz_hooks(stack: StationStack) -> str:
    """Schemathesis has serializers for JSON, forms, text and a few file types; raw bytes of any other
    binary media type go on the wire the way it sends application/octet-stream."""
    document = httpx.get(f"{stack.gateway_url}/openapi.json", timeout=10).json()
    media_types = binary_media_types(document)
    lines = ["import schemathesis"]
    if media_types:
        lines.append(f'schemathesis.serializer.alias({media_types!r}, "application/octet-stream")')
    return "\n".join(lines) + "\n"


def run_schemathesis(stack: StationStack, workdir: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    config = workdir / "schemathesis.toml"
    config.write_text(fuzz_config(stack))
    hooks = workdir / "schemathesis_hooks.py"
    hooks.write_text(fuzz_hooks(stack))
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(config),
        "run",
        f"{stack.gateway_url}/openapi.json",
        "--phases",
        "examples,coverage,fuzzing",
        "--no-color",
    ]
    started = time.monotonic()
    environment = os.environ | {"SCHEMATHESIS_HOOKS": str(hooks)}
    result = subprocess.run(
        command, cwd=workdir, env=environment, capture_output=True, text=True, timeout=600
    )
    return result, time.monotonic() - started


def test_every_operation_keeps_its_contract_under_fuzzing(fuzz_stack, tmp_path):
    result, seconds = run_schemathesis(fuzz_stack, tmp_path)
    report = result.stdout + result.stderr
    print(f"schemathesis ran {seconds:.0f}s (max {MAX_EXAMPLES} examples per operation, seed {SEED})")
    print(report[-3000:])
    assert result.returncode == 0, report[-20000:]
    # The run replayed the seed asked for (schemathesis picks a random one when its config lacks it).
    assert f"Seed: {SEED}" in report, report[-3000:]
    # Every operation was exercised: the gateway's own and each service's.
    assert "Tested: " in report
    selected = report.split("Selected: ", 1)[1].split("/", 1)[0]
    tested = report.split("Tested: ", 1)[1].split()[0]
    assert tested == selected, report[-3000:]
