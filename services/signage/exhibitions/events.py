"""What the station tells the hub about exhibitions (kernel/contracts/culture.py), on its signage stream."""

from __future__ import annotations

from pydantic import BaseModel

from kernel.contracts import culture, signage
from kernel.events import OutgoingEvent, new_event


def _event(station_id: str, entity: str, verb: str, data: BaseModel, subject: str) -> OutgoingEvent:
    return new_event(
        station_id=station_id, domain=signage.DOMAIN, entity=entity, verb=verb, data=data, subject=subject
    )


def visit_answered(station_id: str, data: culture.VisitAnswered) -> OutgoingEvent:
    return _event(station_id, culture.VISIT, culture.ANSWERED, data, data.exhibition_code)


def works_played(station_id: str, data: culture.WorksPlayed) -> OutgoingEvent:
    return _event(station_id, culture.WORK, culture.PLAYED, data, data.screen_code)


def work_scanned(station_id: str, data: culture.WorkScanned) -> OutgoingEvent:
    return _event(station_id, culture.WORK, culture.SCANNED, data, f"{data.exhibition_code}/{data.work_code}")
