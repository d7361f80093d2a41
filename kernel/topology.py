"""The network's NATS topology: the hub's streams, each station's, and how they are linked.

Each station's leaf node has its own JetStream domain, named by the station's slug, holding the
streams its services create (`GARE_LOCKERS`... of kernel/events.py). The hub (domain `hub`,
a 3-node cluster) holds:

- `NETWORK_<DOMAIN>`: one aggregate stream per service domain that *sources* that stream from every
  registered station. A source resumes from the last message it copied, so a station whose link was
  cut is caught up exactly once when the link returns. The aggregates have no subjects of their own:
  nothing reaches them by subject interest.
- `NETWORK_CONFIG`: what the centre tells every station (the directory of stations, network
  notices), the last message per subject kept. Each station *mirrors* it, so config published
  while a station is cut off reaches it when the link returns, and the station keeps the last
  config it had meanwhile.

The station directory is itself in NETWORK_CONFIG (`gare-network.config.station.<slug>`): registering
a station there is what makes the hub source its streams (`apply_hub`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from nats.js import JetStreamContext
from nats.js.api import (
    DiscardPolicy,
    ExternalStream,
    RetentionPolicy,
    StorageType,
    StreamConfig,
    StreamSource,
)
from nats.js.errors import NotFoundError
from pydantic import BaseModel, Field

from kernel.events import STREAMS
from kernel.stations import STATION_SLUG_PATTERN

HUB_DOMAIN = "hub"
CONFIG_STREAM = "NETWORK_CONFIG"
CONFIG_ROOT = "gare-network.config"
STATION_DIRECTORY = f"{CONFIG_ROOT}.station"
# The hub keeps a month of every station's events; a station keeps its own week (events.py).
AGGREGATE_MAX_AGE_SECONDS = 30 * 24 * 3600
# Mirrors the stations' own window, so an event re-sent after a retry is stored once.
DUPLICATE_WINDOW_SECONDS = 120


class StationRegistration(BaseModel):
    """A station of the network directory, as the hub publishes it to every station."""

    slug: str = Field(pattern=STATION_SLUG_PATTERN, max_length=40)
    name: str
    # Where travellers and open-data users reach the station's gateway (its /gbfs/{slug}/ feeds).
    public_url: str = Field(pattern=r"^https?://[^/?#\s]+(/[^?#\s]*)?$")
    gbfs_system_id: str
    retired: bool = False
    updated_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    @property
    def gbfs_url(self) -> str:
        return f"{self.public_url.rstrip('/')}/gbfs/{self.slug}/gbfs.json"


def aggregate_stream_name(domain: str) -> str:
    return f"NETWORK_{domain.upper()}"


AGGREGATE_STREAMS = {domain: aggregate_stream_name(domain) for domain in STREAMS}


def domain_api(domain: str) -> str:
    """The JetStream API prefix of a domain (a station's slug, or `hub`), as the other side reaches it."""
    return f"$JS.{domain}.API"


def station_of_api(api: str) -> str | None:
    parts = api.split(".")
    return parts[1] if len(parts) == 3 and parts[0] == "$JS" and parts[2] == "API" else None


def registration_subject(slug: str) -> str:
    return f"{STATION_DIRECTORY}.{slug}"


def aggregate_stream(domain: str, stations: list[str], *, replicas: int) -> StreamConfig:
    return StreamConfig(
        name=AGGREGATE_STREAMS[domain],
        description=f"Every station's {STREAMS[domain].name}, sourced from the stations' leaf nodes",
        sources=[
            StreamSource(name=STREAMS[domain].name, external=ExternalStream(api=domain_api(slug)))
            for slug in sorted(stations)
        ],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        discard=DiscardPolicy.OLD,
        max_age=AGGREGATE_MAX_AGE_SECONDS,
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
        num_replicas=replicas,
    )


def config_stream(*, replicas: int) -> StreamConfig:
    return StreamConfig(
        name=CONFIG_STREAM,
        description="What the centre tells every station; each station mirrors it",
        subjects=[f"{CONFIG_ROOT}.>"],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        max_msgs_per_subject=1,
        num_replicas=replicas,
    )


def station_config_mirror() -> StreamConfig:
    return StreamConfig(
        name=CONFIG_STREAM,
        description="Mirror of the hub's NETWORK_CONFIG",
        mirror=StreamSource(name=CONFIG_STREAM, external=ExternalStream(api=domain_api(HUB_DOMAIN))),
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        max_msgs_per_subject=1,
    )


async def ensure_stream(js: JetStreamContext, config: StreamConfig) -> None:
    """Create the stream, or bring an existing one to this config (sources added or dropped)."""
    assert config.name is not None
    try:
        await js.stream_info(config.name)
    except NotFoundError:
        await js.add_stream(config)
    else:
        await js.update_stream(config)


async def read_directory(js: JetStreamContext, stream: str = CONFIG_STREAM) -> dict[str, StationRegistration]:
    """Every station of the directory (retired ones too), from the hub's stream or a station's mirror."""
    info = await js.stream_info(stream, subjects_filter=f"{STATION_DIRECTORY}.*")
    directory = {}
    for subject in sorted(info.state.subjects or {}):
        message = await js.get_last_msg(stream, subject)
        if message.data:
            registration = StationRegistration.model_validate_json(message.data)
            directory[registration.slug] = registration
    return directory


async def apply_hub(js: JetStreamContext, *, replicas: int = 3) -> list[str]:
    """The hub's streams, sourcing every station of the directory that is not retired; returns them."""
    await ensure_stream(js, config_stream(replicas=replicas))
    stations = sorted(slug for slug, r in (await read_directory(js)).items() if not r.retired)
    for domain in STREAMS:
        await ensure_stream(js, aggregate_stream(domain, stations, replicas=replicas))
    return stations


async def publish_registration(js: JetStreamContext, registration: StationRegistration) -> None:
    payload = registration.model_dump_json().encode()
    await js.publish(registration_subject(registration.slug), payload, stream=CONFIG_STREAM)


async def apply_station(js: JetStreamContext) -> None:
    """A station's own part of the topology: the mirror of the hub's config (its event streams are
    created by its services)."""
    await ensure_stream(js, station_config_mirror())


def source_states(stream_info: dict) -> dict[str, dict]:
    """From a raw STREAM.INFO answer of an aggregate: each station's source (lag, active, error)."""
    states = {}
    for source in stream_info.get("sources") or []:
        station = station_of_api((source.get("external") or {}).get("api", ""))
        if station:
            states[station] = source
    return states


def stream_info_request(stream: str) -> tuple[str, bytes]:
    """The raw JetStream API request for a stream's info, whose answer keeps each source's origin
    (nats-py's StreamSourceInfo drops it)."""
    return f"$JS.API.STREAM.INFO.{stream}", json.dumps({}).encode()
