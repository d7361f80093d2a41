"""The embedded runner's restart rules, on a pretend clock."""

from __future__ import annotations

import pytest

from deploy.embedded.supervisor import GaveUp, RestartPolicy, Supervisor


def test_backoff_doubles_up_to_its_ceiling_and_forgets_old_crashes():
    policy = RestartPolicy(first_delay=0.5, max_delay=3, max_crashes=10, window_seconds=60)
    assert [policy.crashed(t) for t in (0, 1, 2, 3, 4)] == [0.5, 1.0, 2.0, 3, 3]
    # A minute of running well: the next crash is like a first one.
    assert RestartPolicy(window_seconds=60).crashed(0) == 0.5
    fresh = RestartPolicy(first_delay=0.5, window_seconds=60)
    fresh.crashed(0)
    fresh.crashed(1)
    assert fresh.crashed(100) == 0.5


def test_gives_up_after_too_many_crashes_within_the_window():
    policy = RestartPolicy(max_crashes=3, window_seconds=60)
    assert all(policy.crashed(t) is not None for t in (0, 1, 2))
    assert policy.crashed(3) is None


class FakeStack:
    def __init__(self) -> None:
        self.now = 0.0
        self.alive = {"bike_share": True, "gateway": True}
        self.restarted: list[str] = []

    def restart(self, name: str) -> None:
        self.restarted.append(name)
        self.alive[name] = True


def supervisor(stack: FakeStack, **policy: float) -> Supervisor:
    return Supervisor(
        running=lambda: dict(stack.alive),
        restart=stack.restart,
        tail=lambda name: f"last lines of {name}",
        policy=lambda: RestartPolicy(**policy),  # type: ignore[arg-type]
        clock=lambda: stack.now,
    )


def test_a_crashed_component_is_restarted_after_its_delay_and_others_are_left_alone():
    stack = FakeStack()
    watch = supervisor(stack, first_delay=1.0)
    watch.check()
    stack.alive["bike_share"] = False
    watch.check()
    assert stack.restarted == []  # not before the delay
    stack.now = 1.0
    watch.check()
    assert stack.restarted == ["bike_share"] and watch.restarts == {"bike_share": 1}


def test_a_component_that_keeps_crashing_stops_the_station_with_its_log():
    stack = FakeStack()
    watch = supervisor(stack, first_delay=0.1, max_crashes=2, window_seconds=60)
    with pytest.raises(GaveUp, match=r"(?s)bike_share crashed 3 times.*last lines of bike_share"):
        for _ in range(10):
            stack.alive["bike_share"] = False
            watch.check()
            stack.now += 1
            watch.check()


def test_a_failed_restart_counts_as_another_crash():
    stack = FakeStack()
    calls = []

    def broken_restart(name: str) -> None:
        calls.append(name)
        raise OSError("address already in use")

    watch = Supervisor(
        running=lambda: dict(stack.alive),
        restart=broken_restart,
        tail=lambda name: "",
        policy=lambda: RestartPolicy(first_delay=0.1, max_crashes=2),
        clock=lambda: stack.now,
    )
    stack.alive["gateway"] = False
    with pytest.raises(GaveUp):
        for _ in range(10):
            watch.check()
            stack.now += 1
    assert len(calls) == 2
