"""Demo accounts and device secrets: generated once per var/ folder, kept in var/demo.json."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

from kernel.catalog import demo_device_ids

# Contract 2: what each demo device is bound to (screen code, bank code, vehicle-sharing system).
DEMO_BINDINGS = {
    "screen": "hall",
    "kiosk": "entrance",
    "locker_controller": "A",
    "mobility_feed": "velib-metropole",
}


# Demo courier accounts and the carrier each works for.
DEMO_COURIERS = {"courier": "colissimo", "courier-mondial-relay": "mondial-relay"}


def _secret() -> str:
    return secrets.token_urlsafe(12)


def demo_credentials(stations: list[str], previous: dict[str, Any] | None) -> dict[str, Any]:
    """Accounts and devices for `stations`, reusing the secrets of an earlier run when there are some."""
    old_accounts = {a["username"]: a for a in (previous or {}).get("accounts", [])}
    old_devices = {d["client_id"]: d for d in (previous or {}).get("devices", [])}

    def account(username: str, role: str, on: list[str], carrier: str | None = None) -> dict[str, Any]:
        password = old_accounts.get(username, {}).get("password") or _secret()
        found = {"role": role, "username": username, "password": password, "stations": on}
        return found | ({"carrier": carrier} if carrier else {})

    # A courier works for one carrier: one demo courier per carrier the demo uses.
    accounts = [account("admin", "admin", ["*"])]
    accounts += [account("culture", "culture", ["*"])]
    accounts += [account(name, "courier", list(stations), carrier) for name, carrier in DEMO_COURIERS.items()]
    accounts += [account(f"operator-{slug}", "operator", [slug]) for slug in stations]
    devices = []
    for slug in stations:
        for kind, client_id in demo_device_ids(slug).items():
            secret = old_devices.get(client_id, {}).get("client_secret") or _secret()
            devices.append(
                {
                    "role": "device",
                    "kind": kind,
                    "client_id": client_id,
                    "client_secret": secret,
                    "station": slug,
                    "binding": DEMO_BINDINGS[kind],
                }
            )
    return {"accounts": accounts, "devices": devices}


def read_previous(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return None
