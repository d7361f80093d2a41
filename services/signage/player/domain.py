"""The player's document's rule: one version for the same content, everywhere."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import datetime

from services.signage.schedules.domain import NowAndNext, Segment


def digest(shown: object) -> str:
    """A version for anything JSON-shaped: the same content gives the same version everywhere."""
    canonical = json.dumps(shown, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def with_welcome(plan: NowAndNext, playlist_id: str, *, until: datetime | None) -> NowAndNext:
    """While an event's welcome brings its own content set, every screen plays it in place of what
    its schedules say (their layout kept); what they say comes back when the welcome ends (`until`)."""
    now = Segment(
        playlist_id=playlist_id, schedule=None, starts_at=None, ends_at=until, layout=plan.now.layout
    )
    if until is None:
        return NowAndNext(now=now, next=None)
    # After the welcome: what the schedules play then (the usual stretch, or the one after it).
    back = plan.now if plan.now.ends_at is None or until < plan.now.ends_at else plan.next
    return NowAndNext(now=now, next=replace(back, starts_at=until) if back is not None else None)
