"""`python -m services.hub serve`: the hub's network view (GBFS manifest, operator overview)."""

from __future__ import annotations

import argparse

from kernel.cli import serve
from kernel.observability import configure_logging
from services.hub.app import create_app
from services.hub.settings import HubSettings


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m services.hub")
    parser.add_argument("command", choices=["serve"])
    parser.parse_args()
    settings = HubSettings()
    configure_logging("hub", settings.log_level)
    serve(create_app(settings), settings.host, settings.port)


if __name__ == "__main__":
    main()
