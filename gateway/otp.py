"""One-time codes that identify a traveller by their phone number (kept in Redis, hashed)."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from redis.asyncio import Redis

CODE_DIGITS = 6
# At most this many codes per phone number per window: SMS cost and abuse.
MAX_CODES_PER_WINDOW = 3
CODE_WINDOW_SECONDS = 600


@dataclass(frozen=True)
class CodeSent:
    code: str
    expires_in: int


class TooManyCodes(Exception):
    pass


class OneTimeCodes:
    def __init__(self, redis: Redis, *, pepper: bytes, ttl_seconds: int, max_attempts: int) -> None:
        self.redis = redis
        self.pepper = pepper
        self.ttl = ttl_seconds
        self.max_attempts = max_attempts

    def _digest(self, *parts: str) -> str:
        return hmac.new(self.pepper, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()

    def subject_for(self, phone_number: str) -> str:
        """A stable pseudonymous subject, so tokens and logs do not carry the number as id."""
        return "traveller:" + self._digest("subject", phone_number)[:24]

    async def issue(self, phone_number: str) -> CodeSent:
        phone_key = self._digest("phone", phone_number)
        sent_key = f"otp:sent:{phone_key}"
        sent = await self.redis.incr(sent_key)
        if sent == 1:
            await self.redis.expire(sent_key, CODE_WINDOW_SECONDS)
        if sent > MAX_CODES_PER_WINDOW:
            raise TooManyCodes
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        record = json.dumps({"code": self._digest("code", phone_number, code), "attempts": 0})
        await self.redis.set(f"otp:code:{phone_key}", record, ex=self.ttl)
        return CodeSent(code=code, expires_in=self.ttl)

    async def redeem(self, phone_number: str, code: str) -> bool:
        """True once for the right code; a wrong guess counts, and too many burn the code."""
        key = f"otp:code:{self._digest('phone', phone_number)}"
        raw = await self.redis.get(key)
        if raw is None:
            return False
        record = json.loads(raw)
        if hmac.compare_digest(record["code"], self._digest("code", phone_number, code)):
            # Only the caller that deletes the key wins: a code cannot be used twice.
            return bool(await self.redis.delete(key))
        record["attempts"] += 1
        if record["attempts"] >= self.max_attempts:
            await self.redis.delete(key)
        else:
            await self.redis.set(key, json.dumps(record), keepttl=True)
        return False
