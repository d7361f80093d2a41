"""What departures tests share: the recorded samples, replayed at the test's own time, and a real
local HTTP server that serves them with ETag / Last-Modified and answers conditional GETs."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from google.transit import gtfs_realtime_pb2

from testkit.http_server import serving

SAMPLES = Path(__file__).parent / "samples"
# The samples' own "now".
RECORDED_AT = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z")

M14 = "STIF:Line::C01384:"
RERD = "STIF:Line::C01728:"
S14 = "STIF:StopPoint:Q:473921:"
SD = "STIF:StopPoint:Q:41087:"
B153, B173 = "IDFM:C00153", "IDFM:C01173"
S_PLEYEL, S_PLEYEL_N = "IDFM:463158", "IDFM:463159"

SIRI_STOPS = [
    {"ref": S14, "stop_code": "quai-14", "stop_name": "Ligne 14", "mode": "metro"},
    {"ref": SD, "stop_code": "rer-d", "stop_name": "Stade de France - Saint-Denis", "mode": "rer"},
]
SIRI_LINES = [
    {"ref": M14, "name": "14", "color": "#62259D"},
    {"ref": RERD, "name": "RER D", "color": "#2E9A45"},
]
GTFS_STOPS = [
    {
        "ref": S_PLEYEL,
        "stop_code": "bus-pleyel",
        "stop_name": "Pleyel",
        "mode": "bus",
        "exit_code": "exit-pleyel",
    },
    {"ref": S_PLEYEL_N, "stop_code": "bus-pleyel-nord", "stop_name": "Pleyel Nord", "mode": "bus"},
]
GTFS_LINES = [{"ref": B153, "name": "153"}, {"ref": B173, "name": "173"}]


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def siri_at(name: str, now: datetime) -> bytes:
    """A SIRI Lite sample with every time moved by (now - the time it was recorded at)."""
    delta = now - RECORDED_AT

    def shift(match: re.Match[str]) -> str:
        moved = datetime.fromisoformat(match.group(0).replace("Z", "+00:00")) + delta
        return moved.strftime("%Y-%m-%dT%H:%M:%S.000Z")

    return _ISO.sub(shift, sample(name).decode()).encode()


def gtfs_at(now: datetime) -> bytes:
    """The GTFS-Realtime sample with every time moved the same way."""
    delta = int((now - RECORDED_AT).total_seconds())
    feed = gtfs_realtime_pb2.FeedMessage()
    feed.ParseFromString(sample("gtfs_rt_trip_updates.pb"))
    feed.header.timestamp += delta
    for entity in feed.entity:
        if entity.HasField("trip_update"):
            for stu in entity.trip_update.stop_time_update:
                for event in (stu.arrival, stu.departure):
                    if event.time:
                        event.time += delta
                    if event.scheduled_time:
                        event.scheduled_time += delta
        if entity.HasField("alert"):
            for period in entity.alert.active_period:
                if period.start:
                    period.start += delta
                if period.end:
                    period.end += delta
    return feed.SerializeToString()


@dataclass
class Document:
    body: bytes
    content_type: str = "application/json"
    status: int = 200
    modified: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'


class FeedServer:
    """A real HTTP server on 127.0.0.1: `serve(path, body)` sets what a path answers; it honours
    If-None-Match and counts what it was asked."""

    def __init__(self) -> None:
        self.documents: dict[str, Document] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.not_modified = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                doc = server.documents.get(self.path)
                if doc is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if doc.status == 200 and self.headers.get("If-None-Match") == doc.etag:
                    server.not_modified += 1
                    self.send_response(304)
                    self.send_header("ETag", doc.etag)
                    self.end_headers()
                    return
                self.send_response(doc.status)
                self.send_header("Content-Type", doc.content_type)
                self.send_header("Content-Length", str(len(doc.body)))
                self.send_header("ETag", doc.etag)
                self.send_header("Last-Modified", format_datetime(doc.modified, usegmt=True))
                self.end_headers()
                self.wfile.write(doc.body)

            def log_message(self, *args: Any) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]

    @property
    def allow(self) -> str:
        return f"127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def serve(
        self, path: str, body: bytes, *, content_type: str = "application/json", status: int = 200
    ) -> None:
        self.documents[path] = Document(body, content_type, status)


@contextmanager
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer()
    with serving(server.httpd):
        yield server


def siri_source(server: FeedServer, code: str = "prim-pleyel", **extra: Any) -> dict[str, Any]:
    return {
        "code": code,
        "name": "PRIM - Saint-Denis Pleyel",
        "kind": "siri-lite",
        "url": server.url("/siri/stop-monitoring"),
        "messages_url": server.url("/siri/general-message"),
        "stops": SIRI_STOPS,
        "lines": SIRI_LINES,
        "poll_seconds": 30,
        "ttl_seconds": 120,
        **extra,
    }


def gtfs_source(server: FeedServer, code: str = "bus-gtfs-rt", **extra: Any) -> dict[str, Any]:
    return {
        "code": code,
        "name": "Bus - GTFS-Realtime",
        "kind": "gtfs-rt",
        "url": server.url("/gtfs-rt/trip-updates.pb"),
        "stops": GTFS_STOPS,
        "lines": GTFS_LINES,
        **extra,
    }


def serve_samples(server: FeedServer, now: datetime) -> None:
    server.serve("/siri/stop-monitoring", siri_at("siri_lite_stop_monitoring.json", now))
    server.serve("/siri/general-message", siri_at("siri_lite_general_message.json", now))
    server.serve("/gtfs-rt/trip-updates.pb", gtfs_at(now), content_type="application/x-protobuf")


def general_message_without(ref: str, now: datetime) -> bytes:
    """The general-message sample with one message gone (its producer cleared it)."""
    doc = json.loads(siri_at("siri_lite_general_message.json", now))
    delivery = doc["Siri"]["ServiceDelivery"]["GeneralMessageDelivery"][0]
    delivery["InfoMessage"] = [
        m for m in delivery["InfoMessage"] if m["InfoMessageIdentifier"]["value"] != ref
    ]
    return json.dumps(doc).encode()


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)
