"""One-time codes that identify a traveller by their phone number (kept in Redis, hashed)."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from redis.asyncio import Redis

from kernel.attempts import AttemptCounter, AttemptPolicy

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


class TooManyGuesses(Exception):
    """The code's guesses are spent: refused without looking at the code."""

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(retry_after_seconds)
        self.retry_after_seconds = retry_after_seconds


class OneTimeCodes:
    def __init__(self, redis: Redis, *, pepper: bytes, ttl_seconds: int, max_attempts: int) -> None:
        self.redis = redis
        self.pepper = pepper
        self.ttl = ttl_seconds
        self.max_attempts = max_attempts
        self.attempts = AttemptCounter(redis, prefix="otp:attempts")
        # Guesses at the codes of one number: `max_attempts` for as long as a code lives.
        self.policy = AttemptPolicy(limit=max_attempts, window_seconds=ttl_seconds)

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
        record = json.dumps({"code": self._digest("code", phone_number, code)})
        await self.redis.set(f"otp:code:{phone_key}", record, ex=self.ttl)
        await self.attempts.clear(phone_key)
        return CodeSent(code=code, expires_in=self.ttl)

    async def redeem(self, phone_number: str, code: str) -> bool:
        """True once for the right code. Each guess is counted before it is looked at (one atomic
        step, so concurrent guesses cannot all slip in); the last allowed wrong guess burns the code,
        and guesses past it raise TooManyGuesses without being evaluated."""
        phone_key = self._digest("phone", phone_number)
        key = f"otp:code:{phone_key}"
        verdict = await self.attempts.spend(phone_key, self.policy)
        if not verdict.allowed:
            raise TooManyGuesses(verdict.retry_after_seconds)
        raw = await self.redis.get(key)
        if raw is None:
            return False
        record = json.loads(raw)
        if hmac.compare_digest(record["code"], self._digest("code", phone_number, code)):
            # Only the caller that deletes the key wins: a code cannot be used twice.
            return bool(await self.redis.delete(key))
        if verdict.attempts >= self.max_attempts:
            await self.redis.delete(key)
        return False
