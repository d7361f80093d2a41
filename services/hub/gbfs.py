"""The network-wide GBFS 3.0 `manifest.json`: one dataset per station, pointing at its own feeds."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from kernel.topology import StationRegistration

GBFS_VERSION = "3.0"


def network_manifest(
    stations: Collection[StationRegistration], *, ttl: int, started_at: datetime
) -> dict[str, Any]:
    """Every station of the directory that is not retired, by slug. The manifest changes when the
    directory does, so it is dated by the latest registration (`started_at` when there is none)."""
    datasets = [
        {"system_id": s.gbfs_system_id, "versions": [{"version": GBFS_VERSION, "url": s.gbfs_url}]}
        for s in sorted(stations, key=lambda s: s.slug)
        if not s.retired
    ]
    updated = max((s.updated_at for s in stations), default=started_at)
    return {
        "last_updated": updated.isoformat(timespec="seconds"),
        "ttl": ttl,
        "version": GBFS_VERSION,
        "data": {"datasets": datasets},
    }
