"""What the exhibitions' tests share: a hub's config stream on the test NATS, a server of the works'
media (as the hub serves them), and exhibitions to publish."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import nats

from kernel import topology
from kernel.contracts.culture import ExhibitionPublished, exhibition_subject
from services.signage.tests.stations import png
from testkit.http_server import serving
from testkit.service import SAINT_DENIS, VILLEJUIF

IMAGES = {
    name: png(colour) for name, colour in (("aube", "orange"), ("tunnel", "navy"), ("ailleurs", "green"))
}


@contextmanager
def media_server() -> Iterator[str]:
    """Serves the works' images over HTTP on 127.0.0.1 (a port of its own), as the hub would."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # http.server's name
            data = IMAGES.get(self.path.strip("/"))
            if data is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("content-type", "image/png")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with serving(server):
        yield f"127.0.0.1:{server.server_address[1]}"


def work(
    code: str,
    image: str,
    base: str,
    *,
    shown_from: datetime,
    shown_until: datetime,
    stations: list[str] | None = None,
    artist: str = "ines-moreau",
) -> dict[str, Any]:
    return {
        "code": code,
        "artist": artist,
        "title": {"fr": f"Titre {code}", "en": f"Title {code}"},
        "year": 2025,
        "technique": {"fr": "Huile sur toile", "en": "Oil on canvas"},
        "description": {"fr": f"Description de {code}", "en": f"Description of {code}"},
        "audio_description": {"fr": f"Audiodescription de {code}"},
        "media_url": f"http://{base}/{image}",
        "media_sha256": hashlib.sha256(IMAGES[image]).hexdigest(),
        "media_type": "image/png",
        "rights": {
            "licence": "CC BY-NC 4.0",
            "credit": "Collection du territoire",
            "shown_from": shown_from.isoformat(),
            "shown_until": shown_until.isoformat(),
            "stations": stations or [],
        },
    }


def exhibition(
    base: str, *, code: str = "expo-lignes", now: datetime | None = None, **changes: Any
) -> ExhibitionPublished:
    """An exhibition on now at Saint-Denis Pleyel, coming at Villejuif; three works: one shown now,
    one whose rights start tomorrow, one allowed only at Villejuif."""
    now = now or datetime.now(UTC)
    document: dict[str, Any] = {
        "code": code,
        "title": {"fr": "Lignes et lumières", "en": "Lines and lights"},
        "description": {"fr": "Des artistes du territoire.", "en": "Artists of the area."},
        "artists": [
            {
                "code": "ines-moreau",
                "name": "Inès Moreau",
                "biography": {"fr": "Peintre de Saint-Denis.", "en": "A painter from Saint-Denis."},
                "links": ["https://example.org/ines"],
            }
        ],
        "works": [
            work(
                "quai-a-l-aube",
                "aube",
                base,
                shown_from=now - timedelta(days=1),
                shown_until=now + timedelta(days=30),
            ),
            work(
                "tunnelier",
                "tunnel",
                base,
                shown_from=now + timedelta(days=1),
                shown_until=now + timedelta(days=30),
            ),
            work(
                "ailleurs",
                "ailleurs",
                base,
                shown_from=now - timedelta(days=1),
                shown_until=now + timedelta(days=30),
                stations=[VILLEJUIF],
            ),
        ],
        "tour": [
            {
                "station": SAINT_DENIS,
                "starts_at": (now - timedelta(hours=1)).isoformat(),
                "ends_at": (now + timedelta(days=7)).isoformat(),
            },
            {
                "station": VILLEJUIF,
                "starts_at": (now + timedelta(days=8)).isoformat(),
                "ends_at": (now + timedelta(days=15)).isoformat(),
            },
        ],
        "updated_at": now.isoformat(),
    }
    document |= changes
    return ExhibitionPublished.model_validate(document)


@asynccontextmanager
async def hub_config(nats_url: str) -> AsyncIterator[Any]:
    """A plain NETWORK_CONFIG stream on the test NATS (the hub's, as a station's mirror holds it)."""
    nc = await nats.connect(nats_url)
    js = nc.jetstream(timeout=5)
    await topology.ensure_stream(js, topology.config_stream(replicas=1))
    try:
        yield js
    finally:
        await nc.close()


async def publish(js: Any, published: ExhibitionPublished) -> None:
    await js.publish(
        exhibition_subject(published.code),
        published.model_dump_json().encode(),
        stream=topology.CONFIG_STREAM,
    )


@asynccontextmanager
async def caught(nats_url: str, subject: str) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
    """The events published on `subject` while inside, as any other service would see them."""
    nc = await nats.connect(nats_url)
    received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def on_message(msg: Any) -> None:
        await received.put(json.loads(msg.data))

    await nc.subscribe(subject, cb=on_message)
    await nc.flush()
    try:
        yield received
    finally:
        await nc.close()
