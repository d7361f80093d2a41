"""Culture at the hub, where things are kept.

- Exhibitions: on the hub's config stream, one subject each (`exhibition_subject(code)`, the last
  message kept). That stream is what every station mirrors, so it is the one truth: the hub keeps no
  database of its own, reads the exhibitions back when it starts (`feed.py` subscribes to them, as to
  the directory) and publishes the whole exhibition again at every change, expecting the revision it
  read (two curators changing one exhibition at once: the second gets a 409, nothing is lost).
- Work media: in the hub cluster's object store (bucket `culture-media`, replicated as the streams
  are), named by their SHA-256, served publicly at `/media/<sha>.<ext>`, a URL that never changes
  what it answers. Not on a local disk: the hub's view runs as several replicas, and any of them
  must serve a file another took in.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import nats.errors
from nats.js import JetStreamContext
from nats.js.api import ObjectMeta, ObjectStoreConfig, StorageType
from nats.js.errors import (
    APIError,
    BucketNotFoundError,
    NoStreamResponseError,
    ObjectNotFoundError,
    ServiceUnavailableError,
)
from nats.js.object_store import ObjectStore

from kernel.contracts.culture import ExhibitionPublished, exhibition_subject
from kernel.errors import Conflict, Problem
from kernel.topology import CONFIG_STREAM
from services.hub.culture.domain import MEDIA_TYPES

WRONG_LAST_SEQUENCE = 10071
MEDIA_BUCKET = "culture-media"


@dataclass(frozen=True)
class Stored:
    """One exhibition as the config stream holds it, and its revision (the stream sequence)."""

    exhibition: ExhibitionPublished
    revision: int


@contextlib.asynccontextmanager
async def cluster_answers() -> AsyncIterator[None]:
    """A NATS request that times out or finds no one answering is the hub cluster away: a 503."""
    try:
        yield
    except (
        nats.errors.TimeoutError,
        nats.errors.NoRespondersError,
        NoStreamResponseError,
        ServiceUnavailableError,
    ) as exc:
        raise Problem(
            "The hub's NATS cluster did not answer; nothing was changed. Retry shortly.",
            status=503,
            slug="unavailable",
        ) from exc


async def publish_exhibition(js: JetStreamContext, exhibition: ExhibitionPublished, *, expected: int) -> int:
    """Publishes the whole exhibition if its subject is still at revision `expected` (0: new)."""
    try:
        async with cluster_answers():
            ack = await js.publish(
                exhibition_subject(exhibition.code),
                exhibition.model_dump_json().encode(),
                stream=CONFIG_STREAM,
                headers={"Nats-Expected-Last-Subject-Sequence": str(expected)},
            )
    except APIError as exc:
        if exc.err_code == WRONG_LAST_SEQUENCE:
            raise Conflict(
                f"Exhibition {exhibition.code!r} changed meanwhile (or already exists): read it again."
            ) from exc
        raise
    return ack.seq


class MediaStore:
    """Work media in the hub cluster's object store, named by their SHA-256, the type as description.

    The store is replicated like the hub's streams, so every replica of the hub's view serves every
    file, and a file uploaded twice is kept once."""

    def __init__(self, js: JetStreamContext, *, replicas: int) -> None:
        self.js = js
        self.replicas = replicas

    async def _bucket(self) -> ObjectStore:
        try:
            return await self.js.object_store(MEDIA_BUCKET)
        except BucketNotFoundError:
            return await self.js.create_object_store(
                MEDIA_BUCKET,
                ObjectStoreConfig(
                    description="Works' media of the exhibitions, by SHA-256",
                    storage=StorageType.FILE,
                    replicas=self.replicas,
                ),
            )

    @staticmethod
    def name(sha256: str, media_type: str) -> str:
        return f"{sha256}.{MEDIA_TYPES[media_type]}"

    async def find(self, sha256: str) -> tuple[str, str] | None:
        """(file name, media type) of a stored file, None if the hub has none by that SHA-256."""
        try:
            async with cluster_answers():
                info = await (await self._bucket()).get_info(sha256)
        except ObjectNotFoundError:
            return None
        media_type = info.description or ""
        if getattr(info, "deleted", False) or media_type not in MEDIA_TYPES:
            return None
        return self.name(sha256, media_type), media_type

    async def read(self, sha256: str) -> bytes:
        async with cluster_answers():
            result = await (await self._bucket()).get(sha256)
        return result.data or b""

    async def save(self, body: bytes, media_type: str) -> tuple[str, str]:
        """Keeps the file (once, whoever uploads it again); its SHA-256 and file name."""
        sha256 = hashlib.sha256(body).hexdigest()
        if await self.find(sha256) is None:
            async with cluster_answers():
                bucket = await self._bucket()
                await bucket.put(sha256, body, meta=ObjectMeta(name=sha256, description=media_type))
        return sha256, self.name(sha256, media_type)
