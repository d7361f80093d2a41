"""Every background loop of every component, found by reading the code, and the test that puts a
poisoned item between good ones in it (or why it has no items of its own). A new loop fails here
until it says how one bad item is kept from stopping it."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).parents[1]
COMPONENTS = ("kernel", "services", "gateway", "deploy", "devices")

POISONED_ITEM_TESTS = {
    "kernel/outbox.py": "kernel/tests/test_loops.py::test_an_event_jetstream_refuses_is_set_aside_and_the_events_behind_it_go_out",
    "kernel/consumers.py": "kernel/tests/test_loops.py::test_a_poisoned_event_fails_alone_and_is_given_up_after_its_deliveries",
    "kernel/background.py": "kernel/tests/test_background.py::test_a_failing_tick_is_recorded_and_the_loop_goes_on",
    "kernel/hot_read_broadcast.py": "kernel/tests/test_loops.py::test_an_invalidation_that_can_never_be_sent_does_not_hold_the_others",
    "services/hub/feed.py": "tests/test_hub_feed_items.py::test_an_event_the_hub_cannot_apply_fails_alone",
    "devices/locker_controller.py": "services/parcel_lockers/tests/test_controller_journal.py::test_a_door_event_the_service_refuses_is_set_aside_and_the_others_reported",
}  # fmt: skip
# Loops with no items of their own: what each does, and how it already survives a bad round.
NO_ITEMS = {
    "kernel/hot_reads.py": "not background: a request waiting on the render it joined (single flight)",
    "kernel/bus.py": "connects to NATS until it can (each failure retried with backoff)",
    "services/signage/heartbeats.py": "one background write per heartbeat (errors logged in the task)",
    "services/signage/player/live.py": "watches the cache generation (no I/O); one SSE client per stream",
    "services/bike_share/live.py": "one SSE client per stream (mobility area)",
    "services/info_kiosk/departures/live.py": "one SSE client per stream: waits on the departures channel, no I/O of its own",
    "gateway/app.py": "refreshes the services' routes (each round caught and retried)",
    "gateway/ratelimit.py": "one task per early lease refill: Redis failing is the limiter's degraded path (let through, counted)",
    "gateway/cache.py": "one task per early revalidation: a failed one leaves the entry to expire and be fetched again",
    "gateway/edge.py": "reads one request body",
    "gateway/streams.py": "pumps one proxied stream",
    "devices/__main__.py": "starts the simulators",
    "devices/mobility_feed.py": "simulator: one report round per period, errors logged (gwauth area: backoff)",
    "devices/screen.py": "simulator: one poll per period, errors logged (gwauth area: backoff)",
}


def loop_modules() -> set[str]:
    found = set()
    for component in COMPONENTS:
        for path in (REPO / component).rglob("*.py"):
            parts = path.relative_to(REPO).parts
            if "tests" in parts or ".venv" in parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                spawns = (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "create_task"
                )
                forever = (
                    isinstance(node, ast.While) and isinstance(node.test, ast.Constant) and node.test.value
                )
                if spawns or forever:
                    found.add(path.relative_to(REPO).as_posix())
                    break
    return found


def test_every_background_loop_is_accounted_for():
    declared = set(POISONED_ITEM_TESTS) | set(NO_ITEMS)
    found = loop_modules()
    assert found - declared == set(), "a new background loop: poison one of its items in a test"
    assert declared - found == set(), "stale entries: these modules no longer run a loop"


def test_each_poisoned_item_test_exists():
    for test in POISONED_ITEM_TESTS.values():
        path, name = test.split("::")
        tree = ast.parse((REPO / path).read_text(encoding="utf-8"))
        names = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
        assert name in names, test
