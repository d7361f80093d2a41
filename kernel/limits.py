"""Size limits on what comes in: request bodies (before they are parsed), and whatever is unpacked
or decoded from them (zip archives, images), so that a small upload never expands past a known bound."""

from __future__ import annotations

import io
import warnings
import zipfile
import zlib
from dataclasses import dataclass

from PIL import Image
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kernel.errors import PayloadTooLarge, problem_response

MiB = 1024 * 1024


@dataclass(frozen=True)
class ArchiveLimits:
    """What a zip may expand to; checked on the central directory before anything is inflated."""

    max_members: int = 64
    max_member_bytes: int = 32 * MiB
    max_total_bytes: int = 64 * MiB
    # Text compresses about 10:1; a bomb compresses 1000:1 and more.
    max_ratio: int = 200


def open_zip(data: bytes, limits: ArchiveLimits) -> zipfile.ZipFile:
    """The archive, once its declared sizes fit `limits` (else PayloadTooLarge).

    Raises zipfile.BadZipFile when the bytes are not a zip. Read members with `read_member`, which
    also holds a member to its declared size should the directory lie."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    members = archive.infolist()
    if len(members) > limits.max_members:
        archive.close()
        raise PayloadTooLarge(f"The archive has {len(members)} members; at most {limits.max_members}.")
    total = 0
    for member in members:
        total += member.file_size
        problem = None
        if member.file_size > limits.max_member_bytes:
            problem = f"expands to {member.file_size} bytes; at most {limits.max_member_bytes} per member"
        elif member.file_size > limits.max_ratio * max(member.compress_size, 1) and member.file_size > MiB:
            problem = f"expands {member.file_size // max(member.compress_size, 1)} times; at most {limits.max_ratio}"
        if problem:
            archive.close()
            raise PayloadTooLarge(f"The archive member {member.filename!r} {problem}.")
    if total > limits.max_total_bytes:
        archive.close()
        raise PayloadTooLarge(f"The archive expands to {total} bytes; at most {limits.max_total_bytes}.")
    return archive


def read_member(archive: zipfile.ZipFile, name: str, limits: ArchiveLimits) -> bytes:
    """A member's bytes, never more than `limits.max_member_bytes` inflated.

    KeyError if absent; zipfile.BadZipFile for every way its bytes cannot be unpacked (corrupt data,
    a wrong CRC, an unsupported method, encryption)."""
    try:
        with archive.open(name) as member:
            data = member.read(limits.max_member_bytes + 1)
    except KeyError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError) as exc:
        raise zipfile.BadZipFile(f"{name}: {exc}") from exc
    if len(data) > limits.max_member_bytes:
        raise PayloadTooLarge(f"The archive member {name!r} expands past {limits.max_member_bytes} bytes.")
    return data


# 8K UHD is 33 Mpx: no screen of the station shows more.
MAX_IMAGE_PIXELS = 40_000_000


def check_image_pixels(data: bytes, *, max_pixels: int = MAX_IMAGE_PIXELS) -> tuple[int, int]:
    """The image's (width, height) from its header alone, refusing more than `max_pixels` pixels:
    a few KB of PNG can declare gigapixels that a screen's browser would then try to decode.

    Raises ValueError when Pillow cannot read the header."""
    with warnings.catch_warnings():
        # Our bound is lower than Pillow's own bomb warning; only the header is read here.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
        except Image.DecompressionBombError:
            width, height = max_pixels + 1, 1
        except (OSError, SyntaxError) as exc:  # Pillow's UnidentifiedImageError is an OSError
            raise ValueError(str(exc)) from exc
    if width * height > max_pixels:
        raise PayloadTooLarge(
            f"The image is {width} x {height} pixels; at most {max_pixels} pixels are accepted."
        )
    return width, height


class BodySizeLimitMiddleware:
    """Refuses bodies over `max_bytes`: at once when Content-Length says so, else while streaming.

    Also refuses compressed bodies (Content-Encoding other than identity, RFC 9110 §8.4): no route
    inflates them, so their bytes would be read as if plain, and their size would say nothing."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-encoding" and value.strip().lower() not in (b"", b"identity"):
                await self._refuse_encoding(scope, receive, send)
                return
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared < 0 or declared > self.max_bytes:
                    await self._refuse(scope, receive, send)
                    return
                break

        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise PayloadTooLarge(self._detail())
            return message

        await self.app(scope, counting_receive, send)

    def _detail(self) -> str:
        return f"The request body is larger than {self.max_bytes} bytes."

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            status=413, slug="payload-too-large", detail=self._detail(), instance=scope["path"]
        )
        await response(scope, receive, send)

    async def _refuse_encoding(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            status=415,
            slug="unsupported-media-type",
            detail="Compressed request bodies are not accepted: send the body without Content-Encoding.",
            instance=scope["path"],
            headers={"Accept-Encoding": "identity"},
        )
        await response(scope, receive, send)
