"""Every recorded benchmark says how it was measured (DESIGN.md, Benchmarks): the command, the commit,
the machine, the configuration, and each target with whether it was met."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bench.common import RESULTS_DIR, met

RESULTS = sorted(RESULTS_DIR.glob("*.json"))
TARGET = re.compile(r"^(>=|<=|>|<|==) -?[0-9]+(\.[0-9]+)?$")


def test_there_are_results():
    assert RESULTS


@pytest.mark.parametrize("path", RESULTS, ids=lambda p: p.stem)
def test_a_result_states_how_it_was_measured(path: Path) -> None:
    document = json.loads(path.read_text())
    assert document["scenario"] == path.stem
    assert document["command"].startswith(f"./dev bench -- {path.stem}")
    assert document["commit"] and document["date"]
    assert document["machine"]["cores"] and document["machine"]["memory_gib"]
    assert isinstance(document["configuration"], dict) and document["configuration"]
    assert document["metrics"]
    for name, measured in document["metrics"].items():
        assert {"value", "unit", "target"} <= set(measured), name
        target = measured["target"]
        if target is None:
            assert "met" not in measured, name
            continue
        assert TARGET.match(target), f"{name}: {target!r} is not 'OP NUMBER'"
        assert measured["met"] == met(measured["value"], target), name


@pytest.mark.parametrize(
    ("value", "target", "expected"),
    [
        (3000, ">= 3000", True),
        (2999.9, ">= 3000", False),
        (150, "< 150", False),
        (0, "== 0", True),
        (4.9, "<= 5", True),
    ],
)
def test_a_target_is_met_by_its_operator(value: float, target: str, expected: bool) -> None:
    assert met(value, target) is expected


def test_a_target_not_in_the_format_is_refused():
    with pytest.raises(ValueError):
        met(1, "0")
