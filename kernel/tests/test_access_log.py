"""The access line: the same JSON the log formatter writes, whichever path writes it, in batches."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import sys

import pytest

from kernel.observability import (
    AccessLog,
    BatchedLines,
    JsonLinesHandler,
    RequestContextMiddleware,
    configure_logging,
)


@pytest.fixture
def stdout(monkeypatch: pytest.MonkeyPatch):
    """The process's stdout as configure_logging sets it up, into memory; logging restored after."""
    captured = io.StringIO()
    monkeypatch.setattr(sys, "stdout", captured)
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    configure_logging("lockers", "INFO")
    yield captured
    logging.getLogger().handlers[0].flush()
    root.handlers[:], _ = saved
    root.setLevel(saved[1])


def only_configured_handler() -> None:
    """pytest adds its capture handlers to the root logger for the test's call: take them off."""
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if isinstance(h, JsonLinesHandler)]


def formatted(record_args: dict) -> dict:
    """What JsonLogFormatter writes for an access record of these values."""
    handler = JsonLinesHandler("lockers", BatchedLines(io.StringIO()))
    record = logging.LogRecord(
        "lockers.access", logging.INFO, __file__, 1, "%s %s %s", record_args["args"], None
    )
    for key, value in record_args["extra"].items():
        setattr(record, key, value)
    return json.loads(handler.format(record))


def test_the_quick_access_line_is_the_formatters_line(stdout: io.StringIO) -> None:
    only_configured_handler()
    access = AccessLog("lockers", logging.getLogger("lockers.access"))
    path = '/api/v1/stations/x/lockers/"quoted"/é'
    access.write(logging.INFO, "GET", path, 200, 0.0123456, "/api/v1/stations/{station_id}/lockers", "abc")
    logging.getLogger().handlers[0].flush()

    written = json.loads(stdout.getvalue())
    expected = formatted(
        {
            "args": ("GET", path, 200),
            "extra": {"status": 200, "duration_ms": 12.35, "route": "/api/v1/stations/{station_id}/lockers"},
        }
    )
    assert written.pop("time").endswith("Z")
    expected.pop("time")
    assert written == expected | {"request_id": "abc"}


def test_another_logging_setup_gets_the_access_record_through_logging(
    stdout: io.StringIO, caplog: pytest.LogCaptureFixture
) -> None:
    access = AccessLog("lockers", logging.getLogger("lockers.access"))
    with caplog.at_level(logging.INFO, logger="lockers.access"):
        access.write(logging.INFO, "GET", "/x", 404, 0.001, "unmatched", "abc")
    [record] = [r for r in caplog.records if r.name == "lockers.access"]
    assert record.getMessage() == "GET /x 404"
    assert record.status == 404  # type: ignore[attr-defined]


async def test_lines_written_in_one_turn_of_the_loop_reach_the_stream_in_one_write() -> None:
    writes: list[str] = []

    class Stream:
        def write(self, data: str) -> None:
            writes.append(data)

        def flush(self) -> None:
            pass

    lines = BatchedLines(Stream())
    for n in range(3):
        lines.write(f"line {n}")
    assert writes == []
    await asyncio.sleep(0)
    assert writes == ["line 0\nline 1\nline 2\n"]


def test_outside_an_event_loop_a_line_is_written_at_once() -> None:
    stream = io.StringIO()
    BatchedLines(stream).write("started")
    assert stream.getvalue() == "started\n"


async def test_every_request_leaves_one_access_line_with_its_request_id(stdout: io.StringIO) -> None:
    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    only_configured_handler()
    middleware = RequestContextMiddleware(app, service="lockers")
    for n in range(2):
        scope = {
            "type": "http",
            "method": "GET",
            "path": f"/things/{n}",
            "headers": [(b"x-request-id", f"req-{n}".encode())],
            "route_template": "/things/{id}",
        }

        async def receive():
            return {"type": "http.request", "body": b""}

        async def send(message):
            return None

        await middleware(scope, receive, send)
    await asyncio.sleep(0)
    lines = [json.loads(line) for line in stdout.getvalue().splitlines()]
    assert [(line["message"], line["request_id"], line["route"]) for line in lines] == [
        ("GET /things/0 204", "req-0", "/things/{id}"),
        ("GET /things/1 204", "req-1", "/things/{id}"),
    ]
