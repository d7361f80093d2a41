"""The live panels' rules: which report wins, and when what a panel shows may be out of date."""

from __future__ import annotations

from datetime import datetime


def is_stale(
    last_event_at: datetime | None, now: datetime, quiet_limit_s: float, *, shows_items: bool
) -> bool:
    """Whether what a panel shows may be out of date: items whose source never spoke, or has been
    quiet longer than its limit. An empty panel is not stale: a source that never spoke, or that
    spoke and left nothing (no alert raised, every alert cleared), means there is nothing to report."""
    if not shows_items:
        return False
    return last_event_at is None or (now - last_event_at).total_seconds() > quiet_limit_s


def supersedes(last_reported: datetime, stored_last_reported: datetime | None) -> bool:
    """Events arrive late or twice: a report replaces the stored one unless it is older."""
    return stored_last_reported is None or last_reported >= stored_last_reported
