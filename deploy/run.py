"""`python -m deploy.run <component> <command...>`: run any component of a station or of the hub by name.

The container image's entry point (Dockerfile), so one image runs everything:

    gateway serve | migrate | rotate-keys | load-accounts FILE
    parcel_lockers | signage | bike_share | info_kiosk   serve | migrate | seed-demo --catalog DIR
    hub serve                                   the hub's network view (services/hub)
    nats hub-setup | station-setup | register-station SLUG --public-url URL | ...   (deploy/nats)
    healthcheck [--live]                        probe the component this container runs

`migrate` holds a lock per component while it runs (on PostgreSQL an advisory lock, on SQLite a lock
file beside the database), so replicas starting together (Kubernetes init containers, or two
processes on one machine) migrate one after the other, never at once.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

from sqlalchemy.engine import make_url

from kernel.registry import COMPONENTS
from services.hub import HUB

# Component name -> Python module it runs.
MODULES = {c.name: c.module for c in COMPONENTS} | {HUB.name: "services.hub", "nats": "deploy.nats"}
SERVERS = {c.name: c for c in (*COMPONENTS, HUB)}
# Set by the image: servers listen on every interface unless a component's own setting says otherwise.
DEFAULT_HOST_ENV = "GARE_DEFAULT_HOST"


def usage() -> str:
    return __doc__ or ""


def server_env(name: str) -> dict[str, str]:
    env = dict(os.environ)
    component = SERVERS.get(name)
    default_host = env.get(DEFAULT_HOST_ENV)
    if component is not None and default_host:
        env.setdefault(f"{component.env_prefix}HOST", default_host)
    return env


def postgres_url(name: str) -> str | None:
    url = os.environ.get(f"{SERVERS[name].env_prefix}DATABASE_URL", "")
    if not url.startswith(("postgresql", "postgres:")):
        return None
    return "postgresql://" + url.split("://", 1)[1]


async def migrate_under_lock(name: str, url: str, argv: list[str]) -> int:
    """Run the migration while holding a PostgreSQL advisory lock named after the component."""
    import asyncpg

    key = int.from_bytes(hashlib.sha256(f"gare-migrate-{name}".encode()).digest()[:8], "big", signed=True)
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("SELECT pg_advisory_lock($1)", key)
        return await asyncio.to_thread(lambda: subprocess.run(argv, env=server_env(name)).returncode)
    finally:
        await connection.close()  # releases the lock


def sqlite_database(name: str) -> Path | None:
    """The file of the component's SQLite database, when its DATABASE_URL names one."""
    url = os.environ.get(f"{SERVERS[name].env_prefix}DATABASE_URL", "")
    if not url.startswith("sqlite"):
        return None
    database = make_url(url).database
    return Path(database) if database and database != ":memory:" else None


def migrate_under_file_lock(name: str, database: Path, argv: list[str]) -> int:
    """Run the migration while holding an exclusive lock on `<database>.migrate-lock`."""
    with open(database.with_name(f"{database.name}.migrate-lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or the process dies
        return subprocess.run(argv, env=server_env(name)).returncode


def healthcheck(live: bool, cmdline: Path = Path("/proc/1/cmdline")) -> int:
    """Probe the server of this container (PID 1): /readyz, or /healthz with --live."""
    try:
        argv = cmdline.read_bytes().split(b"\0")
        module = argv[argv.index(b"-m") + 1].decode()
    except (OSError, ValueError, IndexError):
        print("healthcheck: no component runs as PID 1", file=sys.stderr)
        return 1
    name = next((n for n, m in MODULES.items() if m == module and n in SERVERS), None)
    if name is None:
        print(f"healthcheck: {module} is not a server", file=sys.stderr)
        return 1
    component = SERVERS[name]
    port = os.environ.get(f"{component.env_prefix}PORT", str(component.default_port))
    url = f"http://127.0.0.1:{port}/{'healthz' if live else 'readyz'}"
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return 0 if response.status == 200 else 1
    except OSError as exc:
        print(f"healthcheck: {url}: {exc}", file=sys.stderr)
        return 1


def main(args: list[str]) -> int:
    if not args or args[0] in ("-h", "--help"):
        print(usage())
        return 0 if args else 2
    name, rest = args[0], args[1:]
    if name == "healthcheck":
        return healthcheck(live="--live" in rest)
    if name not in MODULES:
        print(f"unknown component {name!r}; one of: {', '.join(MODULES)}", file=sys.stderr)
        return 2
    argv = [sys.executable, "-m", MODULES[name], *rest]
    if rest[:1] == ["migrate"] and name in SERVERS:
        if url := postgres_url(name):
            return asyncio.run(migrate_under_lock(name, url, argv))
        if database := sqlite_database(name):
            return migrate_under_file_lock(name, database, argv)
    # The component becomes this process (PID 1 in a container): signals reach it directly.
    os.execve(sys.executable, argv, server_env(name))
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
