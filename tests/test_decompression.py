"""Nothing a client sends expands past a known bound once inside: a GTFS zip bomb, an image whose
header declares gigapixels, a compressed request body. Each is a clear problem and changes nothing."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

import httpx
import pytest

from kernel.tests.test_limits import png_declaring
from testkit.stack import SAINT_DENIS, assert_problem, bearer

pytestmark = pytest.mark.e2e

SDP = f"/api/v1/stations/{SAINT_DENIS}"
SERVICES = ("parcel_lockers", "signage", "bike_share", "info_kiosk")


def gtfs_bomb(expanded: int) -> bytes:
    """A GTFS zip whose stops.txt inflates to `expanded` bytes (a header, then blank lines)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("levels.txt", "level_id,level_index\nL0,0\n")
        with archive.open("stops.txt", "w", force_zip64=True) as member:
            member.write(b"stop_id,stop_name,stop_lat,stop_lon\n")
            for start in range(0, expanded, 1 << 20):
                member.write(b"\n" * min(1 << 20, expanded - start))
    return out.getvalue()


def peak_rss_kib(pid: int) -> int:
    """The highest resident memory of a process and its children so far (VmHWM, Linux)."""
    tree = [pid]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            tree.append(int(stat.parent.name))
    total = 0
    for member in tree:
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue
        total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
    return total


def test_a_gtfs_zip_bomb_is_413_and_the_kiosk_memory_stays_bounded(stack, gateway, tokens):
    bomb = gtfs_bomb(200 << 20)
    assert len(bomb) < 300_000  # about 1,000 times smaller than what it expands to
    before_graph = httpx.get(f"{gateway}{SDP}/kiosk/graph/gtfs").content
    pid = stack.processes["info_kiosk"].pid
    assert pid is not None
    before = peak_rss_kib(pid)
    response = httpx.put(
        f"{gateway}{SDP}/kiosk/graph/gtfs",
        content=bomb,
        headers={"Content-Type": "application/zip"} | bearer(tokens.operator()),
    )
    body = assert_problem(response, 413, "payload-too-large")
    assert "stops.txt" in body["detail"]
    # The bomb alone would take 200 MiB; a generous bound well under it.
    assert peak_rss_kib(pid) - before < 64 * 1024
    assert httpx.get(f"{gateway}{SDP}/kiosk/graph/gtfs").content == before_graph


def test_a_gtfs_zip_with_a_corrupt_member_is_422_not_a_crash(gateway, tokens):
    exported = bytearray(httpx.get(f"{gateway}{SDP}/kiosk/graph/gtfs").content)
    start = exported.index(b"stops.txt") + len(b"stops.txt")
    exported[start + 40 : start + 60] = bytes(20)
    response = httpx.put(
        f"{gateway}{SDP}/kiosk/graph/gtfs",
        content=bytes(exported),
        headers={"Content-Type": "application/zip"} | bearer(tokens.operator()),
    )
    body = assert_problem(response, 422, "validation-error")
    assert [error["field"] for error in body["errors"]] == ["stops.txt"]


def test_an_image_declaring_gigapixels_is_413_and_not_stored(stack, gateway, tokens):
    operator = bearer(tokens.operator())
    # Listed from the service itself: the gateway's routing of signage media is another matter.
    media = f"{stack.url('signage')}{SDP}/signage/media"
    listed = httpx.get(media, headers=operator).json()
    bomb = png_declaring(50_000, 50_000)
    response = httpx.post(
        f"{gateway}{SDP}/signage/media",
        content=bomb,
        headers={"Content-Type": "application/octet-stream"} | operator,
    )
    assert_problem(response, 413, "payload-too-large")
    assert httpx.get(media, headers=operator).json() == listed


@pytest.mark.parametrize("component", ["gateway", *SERVICES])
@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "GZIP, identity"])
def test_compressed_request_bodies_are_415_everywhere(stack, tokens, component, encoding):
    # Any write will do: the body is refused before a route reads it, so nothing changes.
    path = f"{SDP}/kiosk/points-of-interest"
    before = httpx.get(f"{stack.gateway_url}{path}").json()
    response = httpx.post(
        f"{stack.url(component)}{path}",
        content=gzip.compress(b'{"padding": "' + b"x" * 1_000_000 + b'"}'),
        headers={"Content-Type": "application/json", "Content-Encoding": encoding}
        | bearer(tokens.operator()),
    )
    assert_problem(response, 415, "unsupported-media-type")
    assert response.headers["accept-encoding"] == "identity"
    assert httpx.get(f"{stack.gateway_url}{path}").json() == before
