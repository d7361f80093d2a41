"""An operator's availability feed: reports each vehicle station now and then, as people take and return bikes."""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import httpx

from devices.client import DeviceSession

log = logging.getLogger("devices.mobility_feed")
# The largest page a list gives: one request for the vehicle stations of most stations.
PAGE_SIZE = 200


def next_counts(
    types: dict[str, int], docks: int | None, rng: random.Random
) -> tuple[dict[str, int], int | None]:
    """One bike taken or returned, within what the station holds."""
    counts = dict(types)
    type_id = rng.choice(sorted(counts))
    if rng.random() < 0.5 and counts[type_id] > 0:
        counts[type_id] -= 1
        docks = None if docks is None else docks + 1
    elif docks is None or docks > 0:
        counts[type_id] += 1
        docks = None if docks is None else docks - 1
    return counts, docks


class MobilityFeed:
    def __init__(
        self, session: DeviceSession, *, station_id: str, period_seconds: float, seed: int = 0
    ) -> None:
        self.session = session
        self.base = f"/api/v1/stations/{station_id}/mobility/vehicle-stations"
        self.period = period_seconds
        self.rng = random.Random(seed)

    async def vehicle_stations(self) -> list[dict[str, Any]]:
        """Every vehicle station of the listing, a page at a time (the list's own page shape)."""
        found: list[dict[str, Any]] = []
        query: dict[str, str] = {"limit": str(PAGE_SIZE)}
        while True:
            listing = await self.session.request("GET", f"{self.base}?{urlencode(query)}")
            listing.raise_for_status()
            page = listing.json()
            found += page["items"]
            if page["next_cursor"] is None:
                return found
            query["cursor"] = page["next_cursor"]

    async def report_once(self) -> int:
        reported = 0
        for station in await self.vehicle_stations():
            status = station.get("status")
            if not status:
                continue
            types = {c["vehicle_type_id"]: c["count"] for c in status["vehicle_types_available"]}
            if not types:
                continue
            types, docks = next_counts(types, status["num_docks_available"], self.rng)
            response = await self.session.request(
                "PUT",
                f"{self.base}/{station['id']}/status",
                json={
                    "num_vehicles_available": sum(types.values()),
                    "vehicle_types_available": [{"vehicle_type_id": k, "count": v} for k, v in types.items()],
                    "num_docks_available": docks,
                    "is_installed": status["is_installed"],
                    "is_renting": status["is_renting"],
                    "is_returning": status["is_returning"],
                    "last_reported": datetime.now(UTC).isoformat(),
                },
            )
            if response.status_code == 200:
                reported += 1
            else:
                log.warning(
                    "report refused", extra={"status": response.status_code, "body": response.text[:300]}
                )
        return reported

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.period)
            try:
                await self.report_once()
            except (httpx.HTTPError, KeyError, ValueError) as exc:
                log.warning("feed round failed", extra={"error": repr(exc)})
