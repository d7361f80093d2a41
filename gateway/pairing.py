"""Pending device pairings (OAuth 2.0 Device Authorization Grant, RFC 8628), kept in Redis.

A screen or kiosk asks for a code pair: a `device_code` it keeps secret and polls with, and a short
`user_code` it shows. An operator claims the user code; the next poll gets the device's tokens.
A pending pairing lives only `ttl` seconds, in two keys:

- `pair:device:<sha256(device_code)>`: a hash (status, user_code, scope, interval, last_poll, client_id)
- `pair:user:<USERCODE>`: the device key's digest, to find the pairing from what the operator typed

State changes are Lua scripts, so two operators, or an operator and a poll, cannot both win."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

from redis.asyncio import Redis

from gateway import domain
from gateway.tokens import new_opaque_token, token_digest

SLOW_DOWN_STEP_SECONDS = 5  # RFC 8628 §3.5: each slow_down adds 5 s to the interval, for good
# Devices time their polls from the previous answer; network jitter must not earn a slow_down.
POLL_TOLERANCE_SECONDS = 0.5
PairingStatus = Literal["pending", "approved", "denied"]

# KEYS[1] record; ARGV: expected status, new status, client id ('' for none). 1 if it moved.
_TRANSITION = """
if redis.call('HGET', KEYS[1], 'status') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'client_id', ARGV[3])
return 1
"""

# KEYS[1] record; ARGV: tolerance, step. Redis's clock, so that several gateways agree.
_POLL = """
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return {'expired'} end
if status == 'approved' then
  local client_id = redis.call('HGET', KEYS[1], 'client_id')
  redis.call('DEL', KEYS[1])
  return {'approved', client_id}
end
if status == 'denied' then
  redis.call('DEL', KEYS[1])
  return {'denied'}
end
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local interval = tonumber(redis.call('HGET', KEYS[1], 'interval'))
local last = redis.call('HGET', KEYS[1], 'last_poll')
redis.call('HSET', KEYS[1], 'last_poll', tostring(now))
if last and now - tonumber(last) < interval - tonumber(ARGV[1]) then
  interval = interval + tonumber(ARGV[2])
  redis.call('HSET', KEYS[1], 'interval', interval)
  return {'slow_down', tostring(interval)}
end
return {'pending'}
"""


@dataclass(frozen=True)
class DeviceAuthorization:
    device_code: str
    user_code: str
    expires_in: int
    interval: int


@dataclass(frozen=True)
class PendingPairing:
    key: str
    user_code: str
    status: PairingStatus
    scope: str | None
    requested_at: float


@dataclass(frozen=True)
class PollResult:
    outcome: Literal["expired", "pending", "slow_down", "denied", "approved"]
    interval: int | None = None
    client_id: str | None = None


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class PairingCodes:
    def __init__(self, redis: Redis, *, ttl_seconds: int, interval_seconds: int) -> None:
        self.redis = redis
        self.ttl = ttl_seconds
        self.interval = interval_seconds
        self._transition = redis.register_script(_TRANSITION)
        self._poll = redis.register_script(_POLL)

    @staticmethod
    def _device_key(digest: str) -> str:
        return f"pair:device:{digest}"

    @staticmethod
    def _user_key(user_code: str) -> str:
        return f"pair:user:{user_code}"

    async def start(self, *, scope: str | None) -> DeviceAuthorization:
        device_code = new_opaque_token()
        digest = token_digest(device_code)
        # A user code names one pending pairing; draw again on the rare collision.
        for _ in range(10):
            user_code = domain.new_user_code()
            if await self.redis.set(self._user_key(user_code), digest, ex=self.ttl, nx=True):
                break
        else:
            raise RuntimeError("no free pairing code after 10 draws")
        record = {
            "status": "pending",
            "user_code": user_code,
            "scope": scope or "",
            "interval": str(self.interval),
            "requested_at": str(time.time()),
        }
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(self._device_key(digest), items=[part for pair in record.items() for part in pair])
            pipe.expire(self._device_key(digest), self.ttl)
            await pipe.execute()
        return DeviceAuthorization(device_code, user_code, self.ttl, self.interval)

    async def find(self, user_code: str) -> PendingPairing | None:
        """The pairing a (normalised) user code names, whatever its state; None when there is none."""
        digest = await self.redis.get(self._user_key(user_code))
        if digest is None:
            return None
        key = self._device_key(_text(digest))
        record = {_text(k): _text(v) for k, v in (await self.redis.hgetall(key)).items()}
        if not record:
            return None
        return PendingPairing(
            key=key,
            user_code=user_code,
            status=record["status"],  # type: ignore[arg-type]
            scope=record.get("scope") or None,
            requested_at=float(record.get("requested_at", "0")),
        )

    async def approve(self, pairing: PendingPairing, *, client_id: str) -> bool:
        return bool(await self._transition(keys=[pairing.key], args=["pending", "approved", client_id]))

    async def deny(self, pairing: PendingPairing) -> bool:
        return bool(await self._transition(keys=[pairing.key], args=["pending", "denied", ""]))

    async def reopen(self, pairing: PendingPairing) -> None:
        """Undo an approval whose device could not be stored, so the operator can try again."""
        await self._transition(keys=[pairing.key], args=["approved", "pending", ""])

    async def poll(self, device_code: str) -> PollResult:
        """One poll of the token endpoint: an approval is handed out once, then the pairing is gone."""
        answer = await self._poll(
            keys=[self._device_key(token_digest(device_code))],
            args=[POLL_TOLERANCE_SECONDS, SLOW_DOWN_STEP_SECONDS],
        )
        outcome = answer[0].decode()
        if outcome == "approved":
            return PollResult("approved", client_id=answer[1].decode())
        if outcome == "slow_down":
            return PollResult("slow_down", interval=int(answer[1]))
        return PollResult(outcome)
