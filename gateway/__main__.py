"""`python -m gateway serve|migrate|rotate-keys|load-accounts`."""

import argparse
import asyncio
import json
from pathlib import Path

from gateway import accounts
from gateway.app import create_app
from gateway.keys import rotate
from gateway.settings import GatewaySettings
from kernel.cli import MIGRATE_FIRST_HELP, serve
from kernel.db import create_engine, create_sessionmaker
from kernel.migrations import new_revision, upgrade_to_head
from kernel.observability import configure_logging

MIGRATIONS = Path(__file__).parent / "migrations"


async def load_accounts(settings: GatewaySettings, path: Path) -> None:
    """Create or update the accounts and devices listed in a demo.json-shaped file."""
    document = json.loads(path.read_text())  # noqa: ASYNC240  (a one-shot CLI)
    engine = create_engine(settings.database_url, schema=settings.database_schema)
    sessionmaker = create_sessionmaker(engine)
    try:
        async with sessionmaker() as session:
            for a in document.get("accounts", []):
                await accounts.upsert_account(
                    session=session,
                    username=a["username"],
                    password=a["password"],
                    role=a["role"],
                    stations=a["stations"],
                    carrier=a.get("carrier"),
                )
            for d in document.get("devices", []):
                await accounts.upsert_device(
                    session=session,
                    client_id=d["client_id"],
                    client_secret=d["client_secret"],
                    kind=d["kind"],
                    station_id=d["station"],
                    binding=d.get("binding"),
                )
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m gateway")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="serve the gateway")
    commands.add_parser("migrate", help="apply the gateway's database migrations")
    revision = commands.add_parser("revision", help="autogenerate a migration")
    revision.add_argument("-m", "--message", required=True)
    commands.add_parser("rotate-keys", help="add a signing key; older keys stay published until pruned")
    load = commands.add_parser("load-accounts", help="create or update accounts and devices from a JSON file")
    load.add_argument("path", type=Path)
    load.add_argument("--migrate", action="store_true", help=MIGRATE_FIRST_HELP)
    args = parser.parse_args()

    settings = GatewaySettings()
    configure_logging("gateway", settings.log_level)
    if args.command == "serve":
        serve(create_app(settings), settings.host, settings.port)
    elif args.command == "migrate":
        upgrade_to_head(MIGRATIONS, settings.database_url, settings.database_schema)
    elif args.command == "revision":
        new_revision(MIGRATIONS, settings.database_url, settings.database_schema, args.message)
    elif args.command == "rotate-keys":
        print(rotate(settings.keys_dir))
    elif args.command == "load-accounts":
        if args.migrate:
            upgrade_to_head(MIGRATIONS, settings.database_url, settings.database_schema)
        asyncio.run(load_accounts(settings, args.path))


main()
