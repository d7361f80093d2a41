"""What is unpacked or decoded from an upload stays within known bounds: zip members, their sum and
their compression ratio, and the pixels an image header declares, whatever its format."""

from __future__ import annotations

import gzip
import io
import json
import random
import resource
import struct
import zipfile
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image

from kernel.errors import PayloadTooLarge
from kernel.fetch import BoundedDecoder, FetchError, FetchRefused, GuardedFetcher
from kernel.limits import (
    ArchiveLimits,
    check_image_pixels,
    open_zip,
    read_member,
)
from testkit.http_server import serving

LIMITS = ArchiveLimits(max_members=4, max_member_bytes=4 << 20, max_total_bytes=6 << 20, max_ratio=50)


def zip_of(members: dict[str, int | bytes]) -> bytes:
    """A zip whose members are the given bytes, or that many zero bytes (written by chunks)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            with archive.open(name, "w", force_zip64=True) as member:
                if isinstance(content, bytes):
                    member.write(content)
                else:
                    for start in range(0, content, 1 << 20):
                        member.write(bytes(min(1 << 20, content - start)))
    return out.getvalue()


def incompressible(size: int) -> bytes:
    return random.Random(size).randbytes(size)


@pytest.mark.parametrize(
    "members",
    [
        pytest.param({"stops.txt": 200 << 20}, id="one-member-of-200-MiB"),
        pytest.param({"stops.txt": 5 << 20}, id="one-member-over-the-member-cap"),
        pytest.param({f"f{index}.txt": 3 << 20 for index in range(3)}, id="members-over-the-total"),
        pytest.param({f"f{index}.txt": b"x" for index in range(5)}, id="too-many-members"),
        pytest.param({"stops.txt": 2 << 20}, id="zeros-over-the-ratio"),
    ],
)
def test_archives_that_expand_past_a_limit_are_refused_before_inflating(members):
    with pytest.raises(PayloadTooLarge):
        open_zip(zip_of(members), LIMITS)


def test_an_archive_within_its_limits_reads_back():
    content = incompressible(3 << 20)
    with open_zip(zip_of({"stops.txt": content, "levels.txt": b"level_id\n"}), LIMITS) as archive:
        assert read_member(archive, "stops.txt", LIMITS) == content
        with pytest.raises(KeyError):
            read_member(archive, "pathways.txt", LIMITS)


def test_a_directory_that_lies_about_sizes_is_held_to_the_cap():
    # The central directory says 1 KiB; the data inflates to 5 MiB: never more than the cap is kept.
    data = bytearray(zip_of({"stops.txt": 5 << 20}))
    directory = data.rindex(b"PK\x01\x02")
    data[directory + 24 : directory + 28] = struct.pack("<I", 1024)
    with open_zip(bytes(data), ArchiveLimits()) as archive, pytest.raises(zipfile.BadZipFile):
        read_member(archive, "stops.txt", LIMITS)


def test_a_corrupt_member_is_bad_zip_not_a_crash():
    data = bytearray(zip_of({"stops.txt": incompressible(4096)}))
    data[60:80] = bytes(20)  # inside the deflated data
    with open_zip(bytes(data), LIMITS) as archive, pytest.raises(zipfile.BadZipFile):
        read_member(archive, "stops.txt", LIMITS)


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header declares width x height; its pixel data is one tiny compressed row."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0"))
        + chunk(b"IEND", b"")
    )


def image(format: str, size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("L", size).save(out, format=format)
    return out.getvalue()


def gif_declaring(width: int, height: int) -> bytes:
    data = bytearray(image("GIF", (1, 1)))
    data[6:10] = struct.pack("<HH", width, height)  # the logical screen
    start = data.index(b"\x2c")  # the image descriptor
    data[start + 5 : start + 9] = struct.pack("<HH", width, height)
    return bytes(data)


def jpeg_declaring(width: int, height: int) -> bytes:
    data = bytearray(image("JPEG", (8, 8)))
    frame = data.index(b"\xff\xc0")
    data[frame + 5 : frame + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def webp_declaring(width: int, height: int) -> bytes:
    data = bytearray(image("WEBP", (16, 16)))
    assert data[12:16] == b"VP8 "  # lossy: the key frame's header follows the chunk's size
    frame = data.index(b"\x9d\x01\x2a")  # the key frame's start code, then 14-bit sizes
    data[frame + 3 : frame + 7] = struct.pack("<HH", width, height)
    return bytes(data)


@pytest.mark.parametrize(
    "bomb",
    [
        pytest.param(png_declaring(50_000, 50_000), id="png-2.5-gigapixels"),
        pytest.param(png_declaring(10_000, 5_000), id="png-over-our-cap-under-pillows"),
        pytest.param(gif_declaring(65_535, 65_535), id="gif"),
        pytest.param(jpeg_declaring(65_000, 65_000), id="jpeg"),
        pytest.param(webp_declaring(16_383, 4_000), id="webp"),
    ],
)
def test_images_declaring_too_many_pixels_are_refused_from_their_header(bomb):
    assert len(bomb) < 2 << 20
    with pytest.raises(PayloadTooLarge):
        check_image_pixels(bomb)


def test_screen_sized_images_pass_and_garbage_is_not_an_image():
    assert check_image_pixels(image("PNG", (3840, 2160))) == (3840, 2160)
    assert check_image_pixels(image("WEBP", (1920, 1080))) == (1920, 1080)
    with pytest.raises(ValueError):
        check_image_pixels(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)


class GzipBombServer:
    """A real HTTP server answering a few hundred KB of gzip that inflate to 200 MiB."""

    def __init__(self) -> None:
        out = io.BytesIO()
        with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as zipped:
            for _ in range(200):
                zipped.write(bytes(1 << 20))
        bomb, small = out.getvalue(), gzip.compress(b'{"data": {}}')

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = small if self.path == "/small.json" else bomb
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.size = len(bomb)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/gbfs.json"


@pytest.fixture(scope="module")
def gzip_bomb() -> Iterator[GzipBombServer]:
    server = GzipBombServer()
    with serving(server.httpd):
        yield server


async def test_a_gzip_answer_is_read_no_further_than_the_cap(gzip_bomb):
    """The kernel's fetcher (every URL fetched on someone's behalf) caps what an answer decodes to."""
    assert gzip_bomb.size < 300_000
    address = gzip_bomb.url.split("/")[2]
    fetcher = GuardedFetcher(allow=[address], max_bytes=5_000_000)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        with pytest.raises(FetchRefused, match="over 5000000 bytes"):
            await fetcher.get(gzip_bomb.url)
    finally:
        await fetcher.aclose()
    # Peak memory (KiB): far from the 200 MiB the answer expands to.
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 64 * 1024


async def test_an_answer_within_the_cap_is_read_decoded(gzip_bomb):
    small = gzip_bomb.url.replace("gbfs.json", "small.json")
    address = small.split("/")[2]
    for max_bytes, fits in ((1024, True), (8, False)):
        fetcher = GuardedFetcher(allow=[address], max_bytes=max_bytes)
        try:
            if fits:
                assert (await fetcher.get(small)).content == b'{"data": {}}'
            else:
                with pytest.raises(FetchRefused):
                    await fetcher.get(small)
        finally:
            await fetcher.aclose()


def raw_deflate(data: bytes) -> bytes:
    deflate = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return deflate.compress(data) + deflate.flush()


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        # Raw deflate, without the zlib wrapper: some servers send it so.
        ("deflate", lambda data: raw_deflate(data)),
        ("", lambda data: data),
    ],
    ids=["gzip", "deflate", "raw-deflate", "identity"],
)
def test_a_body_decodes_in_any_chunking_up_to_the_cap_and_no_further(encoding, encode):
    document = json.dumps({"data": {"stations": list(range(2_000))}}).encode()
    encoded = encode(document)
    for chunk_size in (1, 7, 4096, len(encoded)):
        decoder = BoundedDecoder(encoding, len(document), "https://feed.test/gbfs.json")
        for start in range(0, len(encoded), chunk_size):
            decoder.feed(encoded[start : start + chunk_size])
        assert decoder.finish() == document
    decoder = BoundedDecoder(encoding, len(document) - 1, "https://feed.test/gbfs.json")
    with pytest.raises(FetchRefused, match="over"):
        decoder.feed(encoded)
        decoder.finish()


def test_a_body_in_an_encoding_we_did_not_ask_for_is_refused():
    with pytest.raises(FetchError, match="'br'"):
        BoundedDecoder("br", 1000, "https://feed.test/gbfs.json")
    decoder = BoundedDecoder("gzip", 1000, "https://feed.test/gbfs.json")
    with pytest.raises(FetchError, match="does not decode"):
        decoder.feed(b"this is not gzip at all")
