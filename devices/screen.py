"""A screen player: polls its playlist with ETag, keeps showing the last one when the network drops."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx

from devices.client import DeviceSession

log = logging.getLogger("devices.screen")


class ScreenPlayer:
    def __init__(
        self, session: DeviceSession, *, station_id: str, screen_code: str, poll_seconds: float
    ) -> None:
        self.session = session
        self.path = f"/api/v1/stations/{station_id}/signage/screens/{screen_code}/playlist"
        self.poll_seconds = poll_seconds
        self.etag: str | None = None
        self.playlist: dict[str, Any] | None = None

    async def poll_once(self) -> bool:
        """Fetch the playlist; True when it changed."""
        headers = {"If-None-Match": self.etag} if self.etag else {}
        response = await self.session.request("GET", self.path, headers=headers)
        if response.status_code == 304:
            return False
        response.raise_for_status()
        self.etag = response.headers.get("etag")
        self.playlist = response.json().get("playlist")
        return True

    async def run(self) -> None:
        while True:
            try:
                if await self.poll_once():
                    items = (self.playlist or {}).get("items", [])
                    log.info(
                        "playlist updated", extra={"path": self.path, "items": len(items), "etag": self.etag}
                    )
            except (httpx.HTTPError, KeyError, ValueError) as exc:
                # Offline: the player keeps looping over the playlist it already has.
                log.warning("playlist fetch failed, showing the last one", extra={"error": repr(exc)})
            await asyncio.sleep(self.poll_seconds)
