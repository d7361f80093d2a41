"""A screen player: polls its playlist with ETag, keeps showing the last one when the network drops,
and obeys the commands of its push channel (kernel/contracts/screens.py) while it listens to it."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import httpx

from devices.client import DeviceSession
from kernel.contracts import screens as commands

log = logging.getLogger("devices.screen")
HEARTBEAT_SECONDS = 15.0


class ScreenPlayer:
    def __init__(
        self, session: DeviceSession, *, station_id: str, screen_code: str, poll_seconds: float
    ) -> None:
        self.session = session
        self.base = f"/api/v1/stations/{station_id}/signage/screens/{screen_code}"
        self.channel = commands.PUSH_CHANNEL.format(station_id=station_id, code=screen_code)
        self.path = f"{self.base}/playlist"
        self.poll_seconds = poll_seconds
        self.etag: str | None = None
        self.playlist: dict[str, Any] | None = None
        self.version: str | None = None
        self.failed_polls = 0  # in a row: how long it has been playing on what it had
        self.alerts: list[commands.ShownAlert] = []
        self.retired = False
        self.obeyed = 0  # commands of the push channel

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
        await self.show(commands.ShowAlerts.model_validate(document.get("alerts", [])))
        return True

    async def show(self, alerts: commands.ShowAlerts) -> None:
        """The simulator "shows" every alert at once, as the player page does, and says so."""
        shown = {alert.id for alert in self.alerts}
        self.alerts = list(alerts.root)
        for alert in self.alerts:
            if alert.id not in shown:
                await self.session.request("POST", f"{self.base}/alerts/{alert.id}/ack")

    async def obey(self, event: str, data: str) -> None:
        """One command of the push channel; one this simulator does not know raises."""
        command = commands.decode(event, data)
        self.obeyed += 1
        if isinstance(command, commands.ShowAlerts):
            await self.show(command)
        elif isinstance(command, commands.Revalidate):
            await self.poll_once()
        else:
            self.retired = True

    async def listen(self) -> None:
        """Follow the push channel until it ends (the screen retired, or the connection dropped)."""
        headers = {
            "Authorization": f"Bearer {await self.session.token()}",
            "Accept": "text/event-stream",
        }
        url = f"{self.session.gateway}{self.channel}"
        async with self.session.http.stream("GET", url, headers=headers, timeout=None) as response:
            response.raise_for_status()
            event, data = "message", []
            async for line in response.aiter_lines():
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].strip())
                elif not line and data:
                    await self.obey(event, "\n".join(data))
                    event, data = "message", []

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
