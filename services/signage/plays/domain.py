"""Proof of play rules: the station's day a play belongs to, and the plays that cannot be right."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from kernel.rules import FieldProblem
from services.signage.schedules.domain import STATION_TZ


def played_on(started_at: datetime) -> date:
    """The station's day a play belongs to."""
    return started_at.astimezone(STATION_TZ).date()


def play_problems(*, started_at: datetime, at: datetime) -> list[FieldProblem]:
    if started_at > at + timedelta(minutes=5):
        return [FieldProblem("started_at", "a play cannot start in the future")]
    return []
