"""`python -m services.<name> serve|migrate|revision|seed-demo`: one command line for every service."""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import uvicorn
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kernel.db import create_engine, create_sessionmaker
from kernel.http_server import ProblemHttpToolsProtocol
from kernel.migrations import new_revision, upgrade_to_head
from kernel.observability import configure_logging
from kernel.settings import ServiceSettings

DemoLoader = Callable[[async_sessionmaker[AsyncSession], ServiceSettings, Path], Awaitable[None]]
S = TypeVar("S", bound=ServiceSettings)


# The embedded stack prepares each component in one process, not two: starting Python with the
# component's modules costs more than the migrations themselves.
MIGRATE_FIRST_HELP = "apply the database migrations first, in the same process"

# A listening socket handed over by the process that started us (the embedded runner): serving on
# it means the port that runner reported is the one we answer on, with no window for a clash.
LISTEN_FD_ENV = "GARE_LISTEN_FD"


def serve(app: FastAPI, host: str, port: int) -> None:
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        loop="uvloop",
        # httptools, with the server's own refusals as problem+json (kernel/http_server.py).
        http=ProblemHttpToolsProtocol,
        log_config=None,
        access_log=False,
        server_header=False,
        # Who called and over what: the gateway decides from its own trusted proxies (gateway/clients.py);
        # uvicorn would otherwise take X-Forwarded-For/-Proto from any local client.
        proxy_headers=False,
        timeout_graceful_shutdown=5,
    )
    inherited = os.environ.pop(LISTEN_FD_ENV, None)
    sockets = [socket.socket(fileno=int(inherited))] if inherited else None
    # What is built by now (modules, the app, its routes and models) lives as long as the process:
    # out of the cycle collector's reach, its full passes walk only what requests allocate, instead of
    # pausing every request in flight for the whole heap (they showed in the latency tail).
    gc.collect()
    gc.freeze()
    uvicorn.Server(config).run(sockets=sockets)


def run_cli(
    *,
    name: str,
    settings_factory: Callable[[], S],
    app_factory: Callable[[S], FastAPI],
    migrations_dir: Path,
    demo_loader: DemoLoader | None = None,
) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m services.{name}")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="serve the HTTP API (and its consumers and outbox relay)")
    commands.add_parser("migrate", help="apply database migrations up to head")
    revision = commands.add_parser("revision", help="autogenerate a migration from the models")
    revision.add_argument("-m", "--message", required=True)
    seed = commands.add_parser("seed-demo", help="load demo data for the stations of a catalog")
    seed.add_argument("--catalog", type=Path, required=True, help="folder of station JSON files")
    seed.add_argument("--migrate", action="store_true", help=MIGRATE_FIRST_HELP)
    args = parser.parse_args()

    settings = settings_factory()
    configure_logging(name, settings.log_level)
    if args.command == "serve":
        serve(app_factory(settings), settings.host, settings.port)
    elif args.command == "migrate":
        upgrade_to_head(migrations_dir, settings.database_url, settings.database_schema)
    elif args.command == "revision":
        new_revision(migrations_dir, settings.database_url, settings.database_schema, args.message)
    elif args.command == "seed-demo":
        if demo_loader is None:
            parser.error(f"{name} has no demo data")
        if args.migrate:
            upgrade_to_head(migrations_dir, settings.database_url, settings.database_schema)
        asyncio.run(_seed(demo_loader, settings, args.catalog))


async def _seed(loader: DemoLoader, settings: ServiceSettings, catalog: Path) -> None:
    engine = create_engine(settings.database_url, schema=settings.database_schema)
    try:
        await loader(create_sessionmaker(engine), settings, catalog)
    finally:
        await engine.dispose()
