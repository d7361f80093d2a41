"""The token verifier on its own: claims to Principal, and the cache of verified tokens."""

from __future__ import annotations

import time

import pytest

from kernel.auth import TokenVerifier
from kernel.errors import Unauthorized
from testkit.service import AUDIENCE, ISSUER, SigningKey


class CountingKeys:
    def __init__(self, keys: SigningKey) -> None:
        self.keys = keys
        self.lookups = 0

    async def lookup(self, kid: str):
        self.lookups += 1
        return await self.keys.lookup(kid)


def verifier_for(keys: CountingKeys, **kwargs) -> TokenVerifier:
    return TokenVerifier(key_lookup=keys.lookup, issuer=ISSUER, audience=AUDIENCE, **kwargs)


async def test_a_device_token_names_its_kind_and_binding():
    keys = SigningKey()
    principal = await verifier_for(CountingKeys(keys)).verify(
        keys.device("locker_controller", binding="A", client_id="lockers-1")
    )
    assert principal.role == "device" and principal.scopes == {"lockers:control"}
    assert (principal.client_id, principal.device_kind, principal.device_binding) == (
        "lockers-1",
        "locker_controller",
        "A",
    )
    assert principal.is_device_bound_to("locker_controller", "A")
    assert not principal.is_device_bound_to("locker_controller", "B")
    assert not principal.is_device_bound_to("screen", "A")


async def test_people_have_no_device_claims_even_if_their_token_says_so():
    keys = SigningKey()
    token = keys.token(
        role="operator", stations=["x"], client_id="c", device_kind="screen", device_binding="hall"
    )
    principal = await verifier_for(CountingKeys(keys)).verify(token)
    assert (principal.client_id, principal.device_kind, principal.device_binding) == (None, None, None)
    assert not principal.is_device_bound_to("screen", "hall")


async def test_a_device_token_without_a_valid_kind_is_refused():
    keys = SigningKey()
    token = keys.token(role="device", stations=["x"], scope="signage:play", device_kind="toaster")
    with pytest.raises(Unauthorized):
        await verifier_for(CountingKeys(keys)).verify(token)


async def test_a_verified_token_is_checked_once_until_it_expires():
    keys = SigningKey()
    counting = CountingKeys(keys)
    now = [time.time()]
    verifier = verifier_for(counting, clock=lambda: now[0])
    token = keys.token(role="operator", stations=["x"], ttl_seconds=60)
    for _ in range(5):
        assert (await verifier.verify(token)).role == "operator"
    assert counting.lookups == 1
    now[0] += 61  # past its exp, the cache forgets it: the next use is checked again
    await verifier.verify(token)
    assert counting.lookups == 2


async def test_a_refused_token_is_not_remembered():
    keys, other = SigningKey(), SigningKey()
    counting = CountingKeys(keys)
    verifier = verifier_for(counting)
    forged = other.token(role="admin", stations="*")
    for _ in range(2):
        with pytest.raises(Unauthorized):
            await verifier.verify(forged)
    assert counting.lookups == 2


async def test_the_cache_is_bounded():
    keys = SigningKey()
    counting = CountingKeys(keys)
    verifier = verifier_for(counting, cache_size=2)
    tokens = [keys.token(role="operator", stations=["x"]) for _ in range(3)]
    for token in tokens:
        await verifier.verify(token)
    await verifier.verify(tokens[0])  # evicted by the third
    assert counting.lookups == 4
    await verifier.verify(tokens[2])
    assert counting.lookups == 4
