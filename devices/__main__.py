"""`python -m devices --demo var/demo.json`: run every simulated device of the demo's stations."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
from pathlib import Path

import httpx
import nats

from devices import departures_feed
from devices.client import DeviceSession
from devices.locker_controller import LockerController
from devices.mobility_feed import MobilityFeed
from devices.screen import ScreenPlayer
from kernel.catalog import DEMO_SCREEN_CODE
from kernel.observability import configure_logging

log = logging.getLogger("devices")


async def run(
    demo: dict, *, screen_poll: float, feed_period: float, journal_dir: Path, door_close_after: float
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)

    nc = await nats.connect(
        demo["nats_url"], name="devices", max_reconnect_attempts=-1, reconnect_time_wait=1
    )
    tasks = []
    if demo.get("departures_feed"):
        # The stations' real-time departures producer, which info_kiosk pulls like a real one.
        tasks.append(asyncio.create_task(departures_feed.serve(demo["departures_feed"])))
    async with httpx.AsyncClient(timeout=10) as http:
        for device in demo["devices"]:
            session = DeviceSession(
                http,
                gateway=demo["gateway"],
                client_id=device["client_id"],
                client_secret=device["client_secret"],
            )
            if device["kind"] == "screen":
                player = ScreenPlayer(
                    session,
                    station_id=device["station"],
                    screen_code=DEMO_SCREEN_CODE,
                    poll_seconds=screen_poll,
                )
                tasks.append(asyncio.create_task(player.run()))
            elif device["kind"] == "locker_controller":
                await LockerController(
                    nc,
                    station_id=device["station"],
                    client_id=device["client_id"],
                    bank_code=device.get("binding") or "A",
                    journal_path=journal_dir / f"{device['client_id']}.journal.jsonl",
                    session=session,
                    close_after=door_close_after,
                ).start()
            elif device["kind"] == "mobility_feed" and feed_period > 0:
                feed = MobilityFeed(session, station_id=device["station"], period_seconds=feed_period)
                tasks.append(asyncio.create_task(feed.run()))
        log.info("devices running", extra={"devices": len(demo["devices"])})
        await stop.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    await nc.drain()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m devices")
    parser.add_argument("--demo", type=Path, required=True, help="the stack's demo.json")
    parser.add_argument("--screen-poll", type=float, default=10.0, help="seconds between playlist polls")
    parser.add_argument(
        "--feed-period", type=float, default=30.0, help="seconds between availability reports"
    )
    parser.add_argument(
        "--door-close-after", type=float, default=1.0, help="seconds a simulated locker door stays open"
    )
    args = parser.parse_args()
    configure_logging("devices")
    asyncio.run(
        run(
            json.loads(args.demo.read_text()),
            screen_poll=args.screen_poll,
            feed_period=args.feed_period,
            journal_dir=args.demo.parent / "devices",
            door_close_after=args.door_close_after,
        )
    )


if __name__ == "__main__":
    main()
