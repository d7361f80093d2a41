"""CloudEvents 1.0 envelope and the subject/stream naming of DESIGN.md."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kernel import registry
from kernel.db import utcnow
from kernel.observability import current_request_id

SUBJECT_ROOT = "gare"


@dataclass(frozen=True)
class StreamSpec:
    """One JetStream stream per service, holding every station's events of that service."""

    name: str
    subjects: tuple[str, ...]
    max_age_seconds: int = 7 * 24 * 3600
    duplicate_window_seconds: int = 120


def stream_for(domain: str) -> StreamSpec:
    return StreamSpec(name=f"GARE_{domain.upper()}", subjects=(f"{SUBJECT_ROOT}.*.{domain}.>",))


# The subject token of each service (`gare.{station}.{domain}.{entity}.{verb}`), and one stream each.
LOCKERS, SIGNAGE, MOBILITY, KIOSK = (
    registry.PARCEL_LOCKERS.domain,
    registry.SIGNAGE.domain,
    registry.BIKE_SHARE.domain,
    registry.INFO_KIOSK.domain,
)
STREAMS = {service.domain: stream_for(service.domain) for service in registry.SERVICES}


class CloudEvent(BaseModel):
    """Structured-mode CloudEvent; `requestid` is an extension attribute carrying the HTTP request id."""

    model_config = ConfigDict(extra="allow")

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(min_length=1, max_length=64)
    # /stations/{station_id}/{domain}: a consumer can rely on finding the station here.
    source: str = Field(pattern=r"^/stations/[a-z0-9]+(?:-[a-z0-9]+)*/[a-z_]+$")
    type: str
    time: datetime
    subject: str | None = None
    datacontenttype: str = "application/json"
    data: dict[str, Any]
    requestid: str | None = None

    @property
    def station_id(self) -> str:
        # source is /stations/{station_id}/{domain}
        return self.source.split("/")[2]


@dataclass(frozen=True)
class OutgoingEvent:
    nats_subject: str
    event: CloudEvent

    def to_json(self) -> str:
        return self.event.model_dump_json(exclude_none=True)


def event_type(domain: str, entity: str, verb: str, version: int = 1) -> str:
    return f"fr.gare.{domain}.{entity}.{verb}.v{version}"


def event_subject(station_id: str, domain: str, entity: str, verb: str) -> str:
    return f"{SUBJECT_ROOT}.{station_id}.{domain}.{entity}.{verb}"


def new_event(
    *,
    station_id: str,
    domain: str,
    entity: str,
    verb: str,
    data: BaseModel | dict[str, Any],
    subject: str | None = None,
) -> OutgoingEvent:
    payload = data.model_dump(mode="json") if isinstance(data, BaseModel) else data
    event = CloudEvent(
        id=uuid.uuid4().hex,
        source=f"/stations/{station_id}/{domain}",
        type=event_type(domain, entity, verb),
        time=utcnow(),
        subject=subject,
        data=payload,
        requestid=current_request_id(),
    )
    return OutgoingEvent(nats_subject=event_subject(station_id, domain, entity, verb), event=event)
