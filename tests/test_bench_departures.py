"""The `departures` benchmark runs, small: a stack as the bench starts it, a source of the bench's own
whose update reaches a few event streams through the gateway, and the hot read under load. No result
is recorded: the numbers of a loaded, shared machine are not the benchmark's."""

from __future__ import annotations

import argparse

import pytest

from bench.common import bench_stack
from bench.departures import FANOUT_P99_MS, measure

pytestmark = pytest.mark.e2e


def test_the_departures_scenario_measures_the_fanout_and_the_hot_read():
    with bench_stack(
        gateway={"MAX_STREAMS_PER_CLIENT": "50"},
        info_kiosk={"MAX_STREAMS_PER_CLIENT": "50", "FETCH_ALLOW": "127.0.0.1"},
    ) as stack:
        metrics, lines = measure(stack, argparse.Namespace(clients=5, rounds=2, seconds=1))
    assert metrics["update_clients"]["value"] == 5
    assert metrics["update_missed_receipts"]["value"] == 0
    assert 0 <= metrics["update_to_clients_p50_ms"]["value"] <= metrics["update_to_clients_p99_ms"]["value"]
    assert metrics["update_to_clients_p99_ms"]["target"] == f"<= {FANOUT_P99_MS}"
    assert metrics["gateway_departures_rps"]["value"] > 0
    assert metrics["gateway_departures_errors"]["value"] == 0
    assert len(lines) == 2
