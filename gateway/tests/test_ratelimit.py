"""The local allowance of the rate limiter: how many tokens a replica takes, spends and refuses."""

from __future__ import annotations

import pytest

from gateway.ratelimit import LEASE_SECONDS, Allowance, gcra_parameters, lease_cap, retry_after


@pytest.mark.parametrize(
    ("burst", "max_lease", "lease"),
    [(3, 8, 1), (4, 8, 1), (16, 4, 4), (40, 8, 8), (20, 8, 5), (1_000_000, 8, 8), (1, 8, 1)],
)
def test_a_lease_is_at_most_a_quarter_of_the_burst(burst, max_lease, lease):
    assert lease_cap(burst, max_lease) == lease


def test_a_lease_follows_the_clients_pace():
    allowance = Allowance()
    assert allowance.next_lease(0.0, cap=10) == 1  # a first request: exact
    allowance.leased(0.0, granted=1, wait_seconds=0, left=39)
    # One request a second: a lease of one, exact.
    assert allowance.next_lease(1.0, cap=10) == 1
    # The last token went in 5 ms (200/s): what 200/s spends in LEASE_SECONDS.
    assert allowance.next_lease(0.005, cap=100) == round(200 * LEASE_SECONDS)
    # Never more than the cap, however fast.
    allowance.leased(1.0, granted=8, wait_seconds=0, left=10)
    assert allowance.next_lease(1.0001, cap=10) == 10


def test_gcra_parameters_in_microseconds():
    assert gcra_parameters(20, 40) == (50_000, 2_000_000)
    assert gcra_parameters(0.25, 3) == (4_000_000, 12_000_000)
    assert gcra_parameters(10_000_000, 1) == (1, 1)  # never a zero interval


def test_retry_after_is_whole_seconds_and_never_zero():
    assert retry_after(0.001) == 1
    assert retry_after(1.0) == 1
    assert retry_after(1.2) == 2
    assert retry_after(99.5) == 100


def test_leased_tokens_are_spent_locally_then_redis_is_asked():
    allowance = Allowance()
    assert allowance.take(0.0, limit=40) is None  # nothing held: ask Redis
    allowance.leased(0.0, granted=4, wait_seconds=0, left=30)
    decisions = [allowance.take(0.1, limit=40) for _ in range(4)]
    assert [d.allowed for d in decisions if d] == [True] * 4
    # Remaining counts what Redis still has plus what this replica holds.
    assert [d.remaining for d in decisions if d] == [33, 32, 31, 30]
    assert allowance.take(0.2, limit=40) is None


def test_a_refusal_is_remembered_until_the_next_token_is_due():
    allowance = Allowance()
    allowance.leased(10.0, granted=0, wait_seconds=2.5, left=0)
    refused = allowance.take(10.0, limit=3)
    assert refused is not None and not refused.allowed
    assert refused.retry_after_seconds == 3 and refused.remaining == 0
    later = allowance.take(12.0, limit=3)
    assert later is not None and later.retry_after_seconds == 1
    assert allowance.take(12.5, limit=3) is None  # due: ask Redis again


def test_a_new_lease_clears_a_remembered_refusal():
    allowance = Allowance()
    allowance.leased(0.0, granted=0, wait_seconds=5, left=0)
    allowance.leased(5.0, granted=2, wait_seconds=0, left=0)
    decision = allowance.take(5.0, limit=3)
    assert decision is not None and decision.allowed
