"""A departure source's configuration as the domain sees it, and as the API shows the source."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kernel.errors import InvalidInput
from services.info_kiosk.departures import domain
from services.info_kiosk.departures.models import DepartureSource
from services.info_kiosk.departures.schemas import SourcePublic


def _stops(stops: list[dict[str, Any]]) -> list[domain.StationStop]:
    return [
        domain.StationStop(s["ref"], s["stop_code"], s["stop_name"], s["mode"], s.get("exit_code"))
        for s in stops
    ]


def _lines(lines: list[dict[str, Any]]) -> list[domain.LineStyle]:
    return [domain.LineStyle(line["ref"], line["name"], line.get("color")) for line in lines]


def station_stops(source: DepartureSource) -> list[domain.StationStop]:
    return _stops(source.stops)


def line_styles(source: DepartureSource) -> list[domain.LineStyle]:
    return _lines(source.lines)


def source_public(source: DepartureSource, now: datetime) -> SourcePublic:
    return SourcePublic.model_validate(
        {
            "code": source.code,
            "name": source.name,
            "kind": source.kind,
            "url": source.url,
            "messages_url": source.messages_url,
            "stops": source.stops,
            "lines": source.lines,
            "poll_seconds": source.poll_seconds,
            "ttl_seconds": source.ttl_seconds,
            "enabled": source.enabled,
            "state": state_of(source, now),
            "reason": source.failure,
            "problems": source.item_problems,
            "departures": len(source.departures),
            "updated_at": source.last_success_at,
            "last_attempt_at": source.last_attempt_at,
            "created_at": source.created_at,
        }
    )


def state_of(source: DepartureSource, now: datetime) -> str:
    return domain.source_state(
        last_success_at=source.last_success_at,
        failure=source.failure,
        ttl_seconds=source.ttl_seconds,
        now=now,
    )


def check_configuration(stops: list[dict[str, Any]], lines: list[dict[str, Any]]) -> None:
    """Refused (422, each problem named) when the stops and lines given contradict each other."""
    problems = domain.configuration_problems(_stops(stops), _lines(lines))
    if problems:
        raise InvalidInput.from_problems(
            "The source's stops or lines are inconsistent; see `errors`.", problems
        )
