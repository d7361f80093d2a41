"""A screen player: polls its playlist with ETag, keeps showing the last one when the network drops."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import httpx

from devices.client import DeviceSession

log = logging.getLogger("devices.screen")
HEARTBEAT_SECONDS = 15.0


class ScreenPlayer:
    def __init__(
        self, session: DeviceSession, *, station_id: str, screen_code: str, poll_seconds: float
    ) -> None:
        self.session = session
        self.base = f"/api/v1/stations/{station_id}/signage/screens/{screen_code}"
        self.path = f"{self.base}/playlist"
        self.poll_seconds = poll_seconds
        self.etag: str | None = None
        self.playlist: dict[str, Any] | None = None
        self.version: str | None = None
        self.failed_polls = 0  # in a row: how long it has been playing on what it had

    async def poll_once(self) -> bool:
        """Fetch the playlist; True when it changed."""
        headers = {"If-None-Match": self.etag} if self.etag else {}
        response = await self.session.request("GET", self.path, headers=headers)
        if response.status_code == 304:
            return False
        response.raise_for_status()
        self.etag = response.headers.get("etag")
        document = response.json()
        self.playlist = (document.get("now") or {}).get("playlist")
        self.version = document.get("version")
        for alert in document.get("alerts", []):
            # The simulator "shows" every alert at once, as the player page does.
            await self.session.request("POST", f"{self.base}/alerts/{alert['id']}/ack")
        return True

    async def heartbeat(self) -> None:
        """Say which version it plays: operators see who is behind."""
        await self.session.request("POST", f"{self.base}/heartbeat", json={"version": self.version})

    async def run(self) -> None:
        last_beat = float("-inf")
        while True:
            try:
                changed = await self.poll_once()
                self.failed_polls = 0
                if changed:
                    items = (self.playlist or {}).get("items", [])
                    log.info(
                        "playlist updated", extra={"path": self.path, "items": len(items), "etag": self.etag}
                    )
                if changed or time.monotonic() - last_beat >= HEARTBEAT_SECONDS:
                    await self.heartbeat()
                    last_beat = time.monotonic()
            except (httpx.HTTPError, KeyError, ValueError) as exc:
                # Offline: the player keeps looping over the playlist it already has.
                self.failed_polls += 1
                log.warning("playlist fetch failed, showing the last one", extra={"error": repr(exc)})
            await asyncio.sleep(self.poll_seconds)
