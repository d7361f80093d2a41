"""Media rules: which bytes are which media (sniffed, never taken on trust), and byte ranges."""

from __future__ import annotations

from typing import Literal

MEDIA_KINDS: dict[str, frozenset[str]] = {
    "image": frozenset({"image/png", "image/jpeg", "image/webp", "image/gif"}),
    "artwork": frozenset({"image/png", "image/jpeg", "image/webp"}),
    "video": frozenset({"video/mp4", "video/webm"}),
}


def sniff_media(head: bytes) -> str | None:
    """The media type the bytes really are (never what the client says), or None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[4:8] == b"ftyp":
        return "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    return None


def byte_range(header: str | None, size: int) -> tuple[int, int] | Literal["unsatisfiable"] | None:
    """RFC 9110 §14.1.2, one range: (first, last) inclusive; None to send everything."""
    if not header or not header.startswith("bytes=") or "," in header:
        return None
    first_text, _, last_text = header.removeprefix("bytes=").strip().partition("-")
    try:
        if first_text == "":  # a suffix: the last N bytes
            length = int(last_text)
            if length <= 0:
                return "unsatisfiable"
            return max(size - length, 0), size - 1
        first = int(first_text)
        last = int(last_text) if last_text else size - 1
    except ValueError:
        return None
    if first >= size or first < 0:
        return "unsatisfiable"
    if last < first:
        return None
    return first, min(last, size - 1)
