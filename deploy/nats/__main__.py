"""`python -m deploy.nats <command>`: set up the hub's and the stations' streams, manage the directory.

    hub-setup                       the hub's config stream and aggregate streams (idempotent)
    station-setup                   a station's mirror of the hub's config (idempotent)
    register-station SLUG --public-url URL   add (or update) a station: the hub sources its streams
    retire-station SLUG             stop sourcing a station; its events already at the hub stay
    directory                       print the stations of the directory

The server comes from --nats-url or NATS_URL (with its credentials: nats://user:password@host:4222).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys

import nats

from deploy.stations.network import load_network
from kernel import topology


def gbfs_system_id(slug: str) -> str:
    """The system_id of a station's GBFS feeds, unless its registration says otherwise."""
    return f"gare-numerique-{slug}"


async def run(args: argparse.Namespace) -> str:
    nc = await nats.connect(args.nats_url, name="gare-topology", connect_timeout=5, max_reconnect_attempts=2)
    try:
        js = nc.jetstream(timeout=5)
        if args.command == "hub-setup":
            stations = await topology.apply_hub(js, replicas=args.replicas)
            return f"hub streams ready, sourcing {len(stations)} stations: {', '.join(stations) or '-'}"
        if args.command == "station-setup":
            await topology.apply_station(js)
            return "station mirror of the hub's config ready"
        if args.command == "directory":
            directory = await topology.read_directory(js)
            return json.dumps([r.model_dump(mode="json") for r in directory.values()], indent=2)
        directory = await topology.read_directory(js)
        if args.command == "register-station":
            known = directory.get(args.slug)
            name = args.name or (known.name if known else load_network().station(args.slug).name)
            registration = topology.StationRegistration(
                slug=args.slug,
                name=name,
                public_url=args.public_url,
                gbfs_system_id=args.gbfs_system_id or gbfs_system_id(args.slug),
            )
        else:  # retire-station
            if args.slug not in directory:
                raise SystemExit(f"{args.slug} is not in the directory")
            registration = directory[args.slug].model_copy(update={"retired": True})
        await topology.publish_registration(js, registration)
        stations = await topology.apply_hub(js, replicas=args.replicas)
        return f"{args.command} {args.slug}: the hub now sources {len(stations)} stations"
    finally:
        await nc.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m deploy.nats", description=__doc__.splitlines()[0])
    parser.add_argument("--nats-url", default=os.environ.get("NATS_URL", "nats://127.0.0.1:4222"))
    parser.add_argument(
        "--replicas", type=int, default=3, help="replicas of the hub's streams (hub commands)"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("hub-setup")
    commands.add_parser("station-setup")
    commands.add_parser("directory")
    register = commands.add_parser("register-station")
    register.add_argument("slug")
    register.add_argument("--public-url", required=True, help="the station gateway's public URL")
    register.add_argument("--name", help="default: the name in deploy/stations/network/gpe-stations.json")
    register.add_argument("--gbfs-system-id")
    retire = commands.add_parser("retire-station")
    retire.add_argument("slug")
    args = parser.parse_args()
    try:
        print(asyncio.run(run(args)))
    except (KeyError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
