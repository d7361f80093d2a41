"""The player's document's rule: one version for the same content, everywhere."""

from __future__ import annotations

import hashlib
import json


def digest(shown: object) -> str:
    """A version for anything JSON-shaped: the same content gives the same version everywhere."""
    canonical = json.dumps(shown, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]
