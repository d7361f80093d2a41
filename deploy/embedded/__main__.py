"""`python -m deploy.embedded up`: run the whole station on this machine until Ctrl-C."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from deploy.embedded.ports import PORTS_FILE
from deploy.embedded.stack import (
    CATALOG_DIR,
    REPO_ROOT,
    SERVICES,
    StackAlreadyRunning,
    StackConfig,
    StationStack,
)
from deploy.embedded.supervisor import GaveUp
from kernel.catalog import load_catalog


def summary(stack: StationStack) -> str:
    demo = stack.demo
    lines = [
        "",
        "Gare numérique — station stack is up",
        f"  {'gateway':<16}{stack.gateway_url}   (docs {stack.gateway_url}/docs, readiness {stack.gateway_url}/readyz)",
    ]
    lines += [f"  {s.name:<16}{stack.url(s.name)}" for s in SERVICES]
    lines += [f"  {'nats':<16}{stack.nats_url}", f"  {'redis':<16}{stack.redis_url}", ""]
    lines.append(f"  {'stations':<16}{', '.join(demo['stations'])}")
    lines.append(f"  {'accounts':<16}(POST /auth/token, grant_type=password)")
    lines += [f"    {a['username']:<50} {a['password']:<20} {a['role']}" for a in demo["accounts"]]
    lines.append(f"  {'devices':<16}(grant_type=client_credentials)")
    lines += [f"    {d['client_id']:<50} {d['client_secret']:<20} {d['kind']}" for d in demo["devices"]]
    # A moved port is the one thing a person must act on (screens paired to the old address).
    lines += ["", *(f"  NOTE {notice}" for notice in stack.notices)] if stack.notices else []
    lines += [
        "",
        f"  Everything a client needs is in {stack.var / 'demo.json'}; logs are in {stack.logs}/ "
        "(rotated by size); the ports chosen are kept in "
        f"{stack.var / PORTS_FILE} for the next start.",
        "  Try: curl -s "
        + f"{stack.gateway_url}/api/v1/stations/{demo['stations'][0]}/mobility/vehicle-stations",
        "  Ctrl-C stops everything.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m deploy.embedded")
    parser.add_argument("command", choices=["up"])
    parser.add_argument("--var", type=Path, default=REPO_ROOT / "var", help="state folder (default: var/)")
    parser.add_argument(
        "--stations", default="", help="comma-separated station slugs (default: every station of the catalog)"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    stations = [s for s in args.stations.split(",") if s] or [s.slug for s in load_catalog(CATALOG_DIR)]
    stack = StationStack(
        StackConfig(
            var_dir=args.var,
            stations=stations,
            nats_url=os.environ.get("NATS_URL"),
            redis_url=os.environ.get("REDIS_URL"),
            database_url=os.environ.get("DATABASE_URL"),
            overrides=dict(os.environ),
        )
    )
    stopping = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        stack.start()
    except StackAlreadyRunning as exc:
        print(str(exc), file=sys.stderr)
        sys.exit(1)
    except Exception as exc:
        print(f"station stack failed to start: {exc}", file=sys.stderr)
        stack.stop()
        sys.exit(1)
    print(summary(stack), flush=True)
    exit_code = 0
    try:
        # A crashed component is restarted with backoff; one that keeps crashing stops the station.
        stack.supervisor().run(stopping)
    except GaveUp as exc:
        print(str(exc), file=sys.stderr)
        exit_code = 1
    print("stopping the station stack...", flush=True)
    stack.stop()
    print("stopped.", flush=True)
    sys.exit(exit_code)


if __name__ == "__main__":
    main()
