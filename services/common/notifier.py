"""Messages to people (SMS). The embedded run keeps them in a Redis inbox the demo and tests read."""

from __future__ import annotations

import json
from typing import Any

from redis.asyncio import Redis

from services.common.db import utcnow

INBOX_KEY = "notifier:inbox"
INBOX_LIMIT = 1000
INBOX_TTL_SECONDS = 24 * 3600


class RedisInboxNotifier:
    """Development notifier: nothing leaves the machine; messages are listed newest first."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def send_sms(self, to: str, text: str) -> None:
        message = json.dumps({"to": to, "text": text, "sent_at": utcnow().isoformat()})
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.lpush(INBOX_KEY, message)
            pipe.ltrim(INBOX_KEY, 0, INBOX_LIMIT - 1)
            pipe.expire(INBOX_KEY, INBOX_TTL_SECONDS)
            await pipe.execute()

    async def messages(self, *, to: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        raw = await self.redis.lrange(INBOX_KEY, 0, INBOX_LIMIT - 1)
        found = []
        for item in raw:
            message = json.loads(item)
            if to is None or message["to"] == to:
                found.append(message)
                if len(found) >= limit:
                    break
        return found
