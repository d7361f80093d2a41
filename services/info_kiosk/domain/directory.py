"""The directory of points of interest: what a point must be, and the order people read it in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from kernel.rules import FieldProblem
from services.info_kiosk.domain.languages import reading_order, repeated_language_tags


class DirectoryEntry(Protocol):
    @property
    def level(self) -> int: ...

    @property
    def category(self) -> str: ...

    @property
    def name(self) -> str: ...


def point_of_interest_problems(
    *, names: Mapping[str, str], descriptions: Mapping[str, str]
) -> list[FieldProblem]:
    """Everything wrong with a point of interest that its schema cannot see."""
    problems: list[FieldProblem] = []
    for field, localized_texts in (("names", names), ("descriptions", descriptions)):
        repeated = repeated_language_tags(localized_texts)
        if repeated:
            problems.append(FieldProblem(field, f"language tags differ only by case: {', '.join(repeated)}"))
    return problems


def directory_key(entry: DirectoryEntry) -> tuple[int, str, str]:
    """Street level first then going down; within a level by category, then by name."""
    return (-entry.level, entry.category, reading_order(entry.name))
