"""info_kiosk's rules, without I/O: translations, the order of the directory, which report wins."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

from services.common.i18n import parse_accept_language
from services.common.rules import FieldProblem


class DirectoryEntry(Protocol):
    @property
    def level(self) -> int: ...

    @property
    def category(self) -> str: ...

    @property
    def name(self) -> str: ...


def repeated_language_tags(texts: Mapping[str, str]) -> list[str]:
    """Tags that differ only by case (`fr`, `FR`): tags are case-insensitive, so one would hide the other."""
    by_lower: dict[str, list[str]] = {}
    for tag in texts:
        by_lower.setdefault(tag.lower(), []).append(tag)
    return sorted(tag for tags in by_lower.values() if len(tags) > 1 for tag in tags)


def point_of_interest_problems(
    *, names: Mapping[str, str], descriptions: Mapping[str, str]
) -> list[FieldProblem]:
    """Everything wrong with a point of interest that its schema cannot see."""
    problems: list[FieldProblem] = []
    for field, texts in (("names", names), ("descriptions", descriptions)):
        repeated = repeated_language_tags(texts)
        if repeated:
            problems.append(FieldProblem(field, f"language tags differ only by case: {', '.join(repeated)}"))
    return problems


def preferred_languages(*, lang: str | None, accept_language: str | None) -> list[str]:
    """The kiosk's language button (`lang`) wins over the browser's Accept-Language."""
    return [lang] if lang else parse_accept_language(accept_language)


def reading_order(text: str) -> str:
    """How people look a name up in a list: without case or accents (Étoiles next to Etoile)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def directory_key(entry: DirectoryEntry) -> tuple[int, str, str]:
    """Street level first then going down; within a level by category, then by name."""
    return (-entry.level, entry.category, reading_order(entry.name))


def supersedes(last_reported: datetime, stored_last_reported: datetime | None) -> bool:
    """Events arrive late or twice: a report replaces the stored one unless it is older."""
    return stored_last_reported is None or last_reported >= stored_last_reported
