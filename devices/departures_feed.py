"""A simulated real-time departures producer for the demo stations: what info_kiosk pulls under
`./dev up`, in the formats real producers publish.

- SIRI Lite as Île-de-France Mobilités publishes it: `GET /siri-lite/{station}/stop-monitoring` and
  `GET /siri-lite/{station}/general-message` (JSON);
- GTFS-Realtime: `GET /gtfs-rt/{station}/trip-updates` (TripUpdates) and `GET /gtfs-rt/{station}/alerts`
  (Alerts), protobuf made with `gtfs-realtime-bindings`.

The lines, stops and headways of each station come from `deploy/stations/departures/<station>.json`.
Everything is a pure function of the time, so every replica and restart tells the same story: trains
every 2-4 minutes on the metro at peak (more off-peak), 5-10 on the RER, 8-15 for buses; delays drawn
per trip, an occasional cancellation; every 20 minutes a disruption raised on one line for 8 minutes,
then cleared. Answers change every `STEP_SECONDS` and carry a strong ETag: a conditional GET in between
gets 304.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from google.transit import gtfs_realtime_pb2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

NETWORK_DIR = Path(__file__).parents[1] / "deploy" / "stations" / "departures"
# Answers are the same for this long (the ETag with them).
STEP_SECONDS = 10
# How far ahead departures are published.
HORIZON = timedelta(minutes=75)
# A disruption cycle: raised at the start of each cycle on one line, cleared after `DISRUPTED_FOR`.
CYCLE = timedelta(minutes=20)
DISRUPTED_FOR = timedelta(minutes=8)
PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class Line:
    feed: str  # siri-lite | gtfs-rt
    ref: str
    name: str
    color: str | None
    mode: str
    stop_ref: str
    stop_code: str
    stop_name: str
    exit_code: str | None
    # Each direction: its name on boards, and the destinations its trains alternate between.
    directions: tuple[tuple[str, tuple[str, ...]], ...]
    headway_peak_s: int
    headway_off_s: int
    platforms: tuple[str, ...]


def load_network(folder: Path = NETWORK_DIR) -> dict[str, list[Line]]:
    """The demo stations' lines, by station."""
    network = {}
    for path in sorted(folder.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        network[document["station"]] = [
            Line(
                **{
                    **line,
                    "directions": tuple((d["name"], tuple(d["destinations"])) for d in line["directions"]),
                    "platforms": tuple(line["platforms"]),
                }
            )
            for line in document["lines"]
        ]
    return network


def is_peak(at: datetime) -> bool:
    local = at.astimezone(PARIS)
    return local.weekday() < 5 and (7 <= local.hour < 10 or 16 <= local.hour < 20)


@dataclass(frozen=True)
class Trip:
    line: Line
    number: int
    direction: str
    direction_index: int
    destination: str
    aimed: datetime
    delay_s: int
    cancelled: bool
    platform: str | None

    @property
    def expected(self) -> datetime:
        return self.aimed + timedelta(seconds=self.delay_s)

    @property
    def trip_id(self) -> str:
        return f"{self.line.ref}:{self.aimed:%Y%m%d}:{self.number}"


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def trips(line: Line, now: datetime) -> Iterator[Trip]:
    """The line's departures from its stop from a little before `now` to the horizon, each direction
    every headway, its trains alternating between the direction's destinations. A trip's number,
    destination, delay and fate depend only on the line, its direction and its aimed time."""
    headway = line.headway_peak_s if is_peak(now) else line.headway_off_s
    for index, (direction, destinations) in enumerate(line.directions):
        offset = (index * headway) // max(1, len(line.directions))
        start = int((now - timedelta(minutes=5)).timestamp())
        first = ((start - offset) // headway + 1) * headway + offset
        aimed_s = first
        while aimed_s <= (now + HORIZON).timestamp():
            destination = destinations[(aimed_s // headway) % len(destinations)]
            rng = _rng(line.ref, direction, aimed_s)
            roll = rng.random()
            delay = 0 if roll < 0.7 else rng.randrange(30, 240) if roll < 0.95 else rng.randrange(240, 600)
            platform = line.platforms[index % len(line.platforms)] if line.platforms else None
            yield Trip(
                line=line,
                number=aimed_s // headway,
                direction=direction,
                direction_index=index,
                destination=destination,
                aimed=datetime.fromtimestamp(aimed_s, UTC),
                delay_s=delay,
                cancelled=rng.random() < 0.03,
                platform=platform,
            )
            aimed_s += headway


@dataclass(frozen=True)
class Disruption:
    ref: str
    line: Line
    severity: str
    text_fr: str
    text_en: str
    raised: datetime
    until: datetime


def disruptions(lines: list[Line], now: datetime) -> list[Disruption]:
    """The disruption of the current cycle, while it holds: one line, raised then cleared."""
    if not lines:
        return []
    cycle = int(now.timestamp()) // int(CYCLE.total_seconds())
    start = datetime.fromtimestamp(cycle * CYCLE.total_seconds(), UTC)
    if now - start >= DISRUPTED_FOR:
        return []
    rng = _rng("disruption", cycle)
    line = rng.choice(lines)
    severe = rng.random() < 0.3
    kind = line.mode.upper() if line.mode in ("rer",) else {"metro": "Ligne", "bus": "Bus"}.get(line.mode, "")
    label = line.name if line.mode == "rer" else f"{kind} {line.name}"
    if severe:
        fr, en = f"{label} : trafic interrompu", f"{label}: no service"
    else:
        fr, en = f"{label} : trafic perturbé", f"{label}: disrupted service"
    return [
        Disruption(
            ref=f"SIM:Message::{line.ref}:{cycle}",
            line=line,
            severity="severe" if severe else "warning",
            text_fr=fr,
            text_en=en,
            raised=start,
            until=start + DISRUPTED_FOR,
        )
    ]


# -- SIRI Lite ---------------------------------------------------------------------------------


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def stop_monitoring(lines: list[Line], now: datetime) -> dict[str, Any]:
    visits = []
    for line in lines:
        if line.feed != "siri-lite":
            continue
        for trip in trips(line, now):
            call: dict[str, Any] = {
                "StopPointName": [{"value": line.stop_name}],
                "VehicleAtStop": False,
                "DestinationDisplay": [{"value": trip.destination}],
                "AimedArrivalTime": _iso(trip.aimed),
                "ExpectedArrivalTime": _iso(trip.expected),
                "AimedDepartureTime": _iso(trip.aimed),
                "ExpectedDepartureTime": _iso(trip.expected),
                "DepartureStatus": "cancelled"
                if trip.cancelled
                else "delayed"
                if trip.delay_s >= 60
                else "onTime",
            }
            if trip.platform:
                call["ArrivalPlatformName"] = {"value": trip.platform}
            visits.append(
                {
                    "RecordedAtTime": _iso(now),
                    "ItemIdentifier": f"SIM:Item::{trip.trip_id}:LOC",
                    "MonitoringRef": {"value": line.stop_ref},
                    "MonitoredVehicleJourney": {
                        "LineRef": {"value": line.ref},
                        "OperatorRef": {"value": "SIM:Operator::demo:"},
                        "FramedVehicleJourneyRef": {
                            "DataFrameRef": {"value": "any"},
                            "DatedVehicleJourneyRef": f"SIM:VehicleJourney::{trip.trip_id}:LOC",
                        },
                        "DirectionName": [{"value": trip.direction}],
                        "DestinationName": [{"value": trip.destination}],
                        "JourneyNote": [],
                        "MonitoredCall": call,
                    },
                }
            )
    return {
        "Siri": {
            "ServiceDelivery": {
                "ResponseTimestamp": _iso(now),
                "ProducerRef": "SIM",
                "StopMonitoringDelivery": [
                    {
                        "ResponseTimestamp": _iso(now),
                        "Version": "2.0",
                        "Status": "true",
                        "MonitoredStopVisit": visits,
                    }
                ],
            }
        }
    }


def general_message(lines: list[Line], now: datetime) -> dict[str, Any]:
    messages = [
        {
            "FormatRef": "STIF-IDF",
            "RecordedAtTime": _iso(d.raised),
            "ItemIdentifier": d.ref,
            "InfoMessageIdentifier": {"value": d.ref},
            "InfoMessageVersion": 1,
            "InfoChannelRef": {"value": "Perturbation"},
            "ValidUntilTime": _iso(d.until),
            "Content": {
                "LineRef": [{"value": d.line.ref}],
                "StopPointRef": [{"value": d.line.stop_ref}],
                "Message": [
                    {"MessageType": "SHORT_MESSAGE", "MessageText": {"value": d.text_fr, "lang": "F"}},
                    {"MessageType": "SHORT_MESSAGE", "MessageText": {"value": d.text_en, "lang": "E"}},
                ],
            },
        }
        for d in disruptions(lines, now)
        if d.line.feed == "siri-lite"
    ]
    return {
        "Siri": {
            "ServiceDelivery": {
                "ResponseTimestamp": _iso(now),
                "ProducerRef": "SIM",
                "GeneralMessageDelivery": [
                    {
                        "ResponseTimestamp": _iso(now),
                        "Version": "2.0",
                        "Status": "true",
                        "InfoMessage": messages,
                    }
                ],
            }
        }
    }


# -- GTFS-Realtime -----------------------------------------------------------------------------


def _feed(now: datetime) -> Any:
    feed = gtfs_realtime_pb2.FeedMessage()
    feed.header.gtfs_realtime_version = "2.0"
    feed.header.incrementality = gtfs_realtime_pb2.FeedHeader.FULL_DATASET
    feed.header.timestamp = int(now.timestamp())
    return feed


def trip_updates(lines: list[Line], now: datetime) -> bytes:
    feed = _feed(now)
    for line in lines:
        if line.feed != "gtfs-rt":
            continue
        for trip in trips(line, now):
            entity = feed.entity.add()
            entity.id = trip.trip_id
            update = entity.trip_update
            update.trip.trip_id = trip.trip_id
            update.trip.route_id = line.ref
            update.trip.direction_id = trip.direction_index % 2
            update.trip.start_date = trip.aimed.astimezone(PARIS).strftime("%Y%m%d")
            if trip.cancelled:
                update.trip.schedule_relationship = gtfs_realtime_pb2.TripDescriptor.CANCELED
            update.trip_properties.trip_headsign = trip.destination
            update.timestamp = int(now.timestamp())
            stop = update.stop_time_update.add()
            stop.stop_id = line.stop_ref
            stop.departure.scheduled_time = int(trip.aimed.timestamp())
            stop.departure.time = int(trip.expected.timestamp())
            stop.departure.delay = trip.delay_s
    return bytes(feed.SerializeToString())


def alerts(lines: list[Line], now: datetime) -> bytes:
    feed = _feed(now)
    for d in disruptions(lines, now):
        if d.line.feed != "gtfs-rt":
            continue
        entity = feed.entity.add()
        entity.id = d.ref
        alert = entity.alert
        period = alert.active_period.add()
        period.start, period.end = int(d.raised.timestamp()), int(d.until.timestamp())
        informed = alert.informed_entity.add()
        informed.route_id = d.line.ref
        informed = alert.informed_entity.add()
        informed.stop_id = d.line.stop_ref
        alert.effect = (
            gtfs_realtime_pb2.Alert.NO_SERVICE
            if d.severity == "severe"
            else gtfs_realtime_pb2.Alert.SIGNIFICANT_DELAYS
        )
        alert.severity_level = (
            gtfs_realtime_pb2.Alert.SEVERE if d.severity == "severe" else gtfs_realtime_pb2.Alert.WARNING
        )
        for language, text in (("fr", d.text_fr), ("en", d.text_en)):
            translation = alert.header_text.translation.add()
            translation.text, translation.language = text, language
    return bytes(feed.SerializeToString())


# -- the HTTP server ---------------------------------------------------------------------------


def step_of(now: datetime) -> datetime:
    """`now` rounded down to the step: answers are the same within a step."""
    return datetime.fromtimestamp(int(now.timestamp()) // STEP_SECONDS * STEP_SECONDS, UTC)


def answer(request: Request, body: bytes, media_type: str, at: datetime) -> Response:
    etag = '"' + hashlib.sha256(body).hexdigest()[:24] + '"'
    headers = {"ETag": etag, "Last-Modified": format_datetime(at, usegmt=True), "Cache-Control": "no-cache"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def create_app(network: dict[str, list[Line]] | None = None) -> Starlette:
    known = network if network is not None else load_network()

    def lines_of(request: Request) -> list[Line] | None:
        return known.get(request.path_params["station"])

    async def siri(request: Request) -> Response:
        lines = lines_of(request)
        if lines is None or request.path_params["service"] not in ("stop-monitoring", "general-message"):
            return Response(status_code=404)
        at = step_of(datetime.now(UTC))
        make = stop_monitoring if request.path_params["service"] == "stop-monitoring" else general_message
        body = json.dumps(make(lines, at), ensure_ascii=False).encode()
        return answer(request, body, "application/json", at)

    async def gtfs(request: Request) -> Response:
        lines = lines_of(request)
        if lines is None or request.path_params["feed"] not in ("trip-updates", "alerts"):
            return Response(status_code=404)
        at = step_of(datetime.now(UTC))
        make = trip_updates if request.path_params["feed"] == "trip-updates" else alerts
        return answer(request, make(lines, at), "application/x-protobuf", at)

    return Starlette(
        routes=[
            Route("/siri-lite/{station}/{service:str}", siri, methods=["GET"]),
            Route("/gtfs-rt/{station}/{feed:str}", gtfs, methods=["GET"]),
        ]
    )


async def serve(url: str) -> None:
    """Serve the feeds at `url` (http://127.0.0.1:PORT) until cancelled."""
    import uvicorn

    port = int(url.rsplit(":", 1)[1].strip("/"))
    config = uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    await uvicorn.Server(config).serve()
