"""Content and media rules: complete content of each kind, HTML sanitising, media sniffing, byte ranges."""

import pytest

from services.signage.content.domain import content_problems, sanitise_html
from services.signage.media.domain import byte_range, sniff_media


def fields(kind: str, **given: object) -> list[str]:
    values = {
        "texts": {},
        "html": {},
        "media": None,
        "media_type": None,
        "artist": None,
        "widget": None,
    } | given
    return [p.field for p in content_problems(kind=kind, **values)]  # type: ignore[arg-type]


def test_complete_content_of_each_kind_has_no_problem() -> None:
    assert fields("message", texts={"fr": "Bonjour"}) == []
    assert fields("html", html={"fr": "<p>Bonjour</p>"}) == []
    assert fields("image", media="a" * 64, media_type="image/jpeg") == []
    assert fields("video", media="a" * 64, media_type="video/mp4") == []
    assert fields("artwork", media="a" * 64, media_type="image/png", artist="Inès Moreau") == []
    assert fields("widget", widget="clock") == []


@pytest.mark.parametrize(
    ("kind", "given", "expected"),
    [
        ("message", {}, ["texts"]),
        ("html", {}, ["html"]),
        ("html", {"html": {"fr": "<script>alert(1)</script>"}}, ["html"]),
        ("image", {}, ["media"]),
        ("image", {"media": "a" * 64}, ["media"]),  # no such upload
        ("video", {"media": "a" * 64, "media_type": "image/png"}, ["media"]),
        ("artwork", {"media": "a" * 64, "media_type": "image/png"}, ["artist"]),
        ("widget", {}, ["widget"]),
        ("message", {"texts": {"fr": "Bonjour"}, "widget": "clock"}, ["widget"]),
        ("widget", {"widget": "clock", "media": "a" * 64}, ["media"]),
        ("message", {"texts": {"fr": "Bonjour"}, "artist": "X"}, ["artist"]),
    ],
)
def test_content_missing_or_foreign_fields_are_named(kind: str, given: dict, expected: list[str]) -> None:
    assert fields(kind, **given) == expected


def test_html_keeps_structure_and_drops_scripts_styles_and_handlers() -> None:
    dirty = '<p onclick="steal()">Quai <strong>2</strong><script>alert(1)</script></p><style>p{}</style><a href="javascript:x">lien</a>'
    assert sanitise_html(dirty) == "<p>Quai <strong>2</strong></p>lien"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 8, "image/png"),
        (b"\xff\xd8\xff\xe0" + b"\0" * 8, "image/jpeg"),
        (b"RIFF\0\0\0\0WEBPVP8 ", "image/webp"),
        (b"\0\0\0\x18ftypmp42", "video/mp4"),
        (b"\x1a\x45\xdf\xa3\0\0", "video/webm"),
        (b"<svg xmlns=", None),
        (b"MZ\x90\0", None),
    ],
)
def test_media_type_comes_from_the_bytes(head: bytes, expected: str | None) -> None:
    assert sniff_media(head) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-99", (0, 99)),
        ("bytes=100-", (100, 999)),
        ("bytes=-100", (900, 999)),
        ("bytes=900-5000", (900, 999)),
        ("bytes=1000-", "unsatisfiable"),
        ("bytes=0-1,5-6", None),  # several ranges: the whole media
        ("items=0-1", None),
        ("bytes=a-b", None),
    ],
)
def test_byte_ranges(header: str | None, expected: object) -> None:
    assert byte_range(header, 1000) == expected
