"""Culture at the hub, where things are kept.

- Exhibitions: on the hub's config stream, one subject each (`exhibition_subject(code)`, the last
  message kept). That stream is what every station mirrors, so it is the one truth: the hub keeps no
  database of its own, reads the exhibitions back when it starts (`feed.py` subscribes to them, as to
  the directory) and publishes the whole exhibition again at every change, expecting the revision it
  read (two curators changing one exhibition at once: the second gets a 409, nothing is lost).
- Work media: files under the hub's data folder named by their SHA-256 (`media/<sha>.<ext>`), served
  publicly at `/media/<sha>.<ext>`, a URL that never changes what it answers.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from nats.js import JetStreamContext
from nats.js.errors import APIError

from kernel.contracts.culture import ExhibitionPublished, exhibition_subject
from kernel.errors import Conflict
from kernel.topology import CONFIG_STREAM
from services.hub.culture.domain import MEDIA_TYPES

WRONG_LAST_SEQUENCE = 10071


@dataclass(frozen=True)
class Stored:
    """One exhibition as the config stream holds it, and its revision (the stream sequence)."""

    exhibition: ExhibitionPublished
    revision: int


async def publish_exhibition(js: JetStreamContext, exhibition: ExhibitionPublished, *, expected: int) -> int:
    """Publishes the whole exhibition if its subject is still at revision `expected` (0: new)."""
    try:
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
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def name(self, sha256: str, media_type: str) -> str:
        return f"{sha256}.{MEDIA_TYPES[media_type]}"

    def path(self, name: str) -> Path:
        return self.folder / name

    def find(self, sha256: str) -> tuple[str, str] | None:
        """(file name, media type) of a stored file, None if the hub has none by that SHA-256."""
        for media_type, extension in MEDIA_TYPES.items():
            if (self.folder / f"{sha256}.{extension}").is_file():
                return f"{sha256}.{extension}", media_type
        return None

    def save(self, body: bytes, media_type: str) -> tuple[str, str]:
        """Keeps the file (once, whoever uploads it again); its SHA-256 and file name."""
        sha256 = hashlib.sha256(body).hexdigest()
        name = self.name(sha256, media_type)
        target = self.folder / name
        if not target.exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=self.folder, prefix=".upload-")
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(body)
                os.replace(temporary, target)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        return sha256, name
