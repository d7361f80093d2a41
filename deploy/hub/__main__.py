"""`python -m deploy.hub serve`: the hub's network view (GBFS manifest, operator overview)."""

from __future__ import annotations

import argparse

from deploy.hub.app import create_app
from deploy.hub.settings import HubSettings
from services.common.cli import serve
from services.common.observability import configure_logging


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m deploy.hub")
    parser.add_argument("command", choices=["serve"])
    parser.parse_args()
    settings = HubSettings()
    configure_logging("hub", settings.log_level)
    serve(create_app(settings), settings.host, settings.port)


if __name__ == "__main__":
    main()
