"""The gateway's HTTP/1.1 client against real sockets: a small server that answers as told."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest

from deploy.embedded.ports import any_free_port
from gateway.upstream import (
    UpstreamBroken,
    UpstreamBusy,
    UpstreamPool,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from testkit.service import wait_until

Answer = Callable[[bytes, bytes], Awaitable[bytes | None]]


def ok(body: bytes = b'{"ok": true}', extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n%s\r\n%s" % (
        len(body),
        extra,
        body,
    )


@dataclass
class Server:
    """Reads each request (head and Content-Length body), lets `answer` reply (None: close)."""

    answer: Answer
    port: int = field(default_factory=any_free_port)
    connections: int = 0
    requests: list[tuple[bytes, bytes]] = field(default_factory=list)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                body = await reader.readexactly(length) if length else b""
                self.requests.append((head, body))
                reply = await self.answer(head, body)
                if reply is None:
                    break
                writer.write(reply)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Answer], Awaitable[Server]]]:
    servers = []

    async def start(answer: Answer) -> Server:
        server = Server(answer)
        servers.append(await asyncio.start_server(server.handle, "127.0.0.1", server.port))
        return server

    yield start
    for s in servers:
        s.close()


def pool_for(server: Server, **kw) -> UpstreamPool:
    options = {"max_in_flight": 4, "connect_timeout": 1.0, "timeout": 2.0, **kw}
    return UpstreamPool(f"http://127.0.0.1:{server.port}", **options)


async def test_requests_reuse_one_kept_alive_connection_and_send_the_target_verbatim(serve):
    async def answer(head: bytes, body: bytes) -> bytes:
        return ok()

    server = await serve(answer)
    pool = pool_for(server)
    target = b"/api/v1/stations/saint-denis-pleyel/mobility/vehicle-stations/velib%2Dmetropole?lang=fr"
    for _ in range(3):
        response = await pool.send("GET", target, [(b"x-request-id", b"r1")])
        assert response.status == 200 and response.body == b'{"ok": true}'
        assert (b"content-type", b"application/json") in response.headers
    assert server.connections == 1
    head = server.requests[0][0].split(b"\r\n")
    assert head[0] == b"GET " + target + b" HTTP/1.1"
    assert b"host: 127.0.0.1:%d" % server.port in head and b"x-request-id: r1" in head
    await pool.aclose()


async def test_a_body_is_sent_with_its_length(serve):
    async def answer(head: bytes, body: bytes) -> bytes:
        return ok(body)

    server = await serve(answer)
    pool = pool_for(server)
    response = await pool.send("POST", b"/echo", [(b"content-type", b"application/json")], b'{"a": 1}')
    assert response.body == b'{"a": 1}'
    assert b"content-length: 8" in server.requests[0][0]
    empty = await pool.send("PUT", b"/echo", [])
    assert empty.body == b"" and b"content-length: 0" in server.requests[1][0]
    await pool.aclose()


async def test_chunked_and_bodiless_answers(serve):
    answers = iter(
        [
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
            b'HTTP/1.1 304 Not Modified\r\netag: "v1"\r\n\r\n',
            b"HTTP/1.1 204 No Content\r\n\r\n",
            b"HTTP/1.1 200 OK\r\ncontent-length: 500\r\n\r\n",  # the answer to a HEAD
            ok(b"after"),
        ]
    )

    async def answer(head: bytes, body: bytes) -> bytes:
        return next(answers)

    server = await serve(answer)
    pool = pool_for(server)
    assert (await pool.send("GET", b"/chunked", [])).body == b"hello world"
    not_modified = await pool.send("GET", b"/etag", [])
    assert not_modified.status == 304 and not_modified.body == b""
    assert (await pool.send("DELETE", b"/x", [])).status == 204
    head = await pool.send("HEAD", b"/x", [])
    assert head.status == 200 and head.body == b""
    # The connection is still in step: the next answer is read whole.
    assert (await pool.send("GET", b"/after", [])).body == b"after"
    assert server.connections == 1
    await pool.aclose()


async def test_connection_close_is_honoured(serve):
    async def answer(head: bytes, body: bytes) -> bytes:
        return ok(extra=b"connection: close\r\n")

    server = await serve(answer)
    pool = pool_for(server)
    for _ in range(2):
        assert (await pool.send("GET", b"/", [])).status == 200
    assert server.connections == 2
    await pool.aclose()


async def test_a_service_that_is_not_there_is_unavailable():
    pool = UpstreamPool(
        f"http://127.0.0.1:{any_free_port()}", max_in_flight=1, connect_timeout=1.0, timeout=1.0
    )
    with pytest.raises(UpstreamUnavailable):
        await pool.send("GET", b"/", [])


async def test_a_service_that_never_answers_times_out(serve):
    never = asyncio.Event()

    async def answer(head: bytes, body: bytes) -> bytes:
        await never.wait()
        return ok()

    server = await serve(answer)
    pool = pool_for(server, timeout=0.3)
    # The answer never comes: only the pool's own timeout can end the call (the outer bound only
    # keeps a broken pool from hanging the suite).
    with pytest.raises(UpstreamTimeout):
        await asyncio.wait_for(pool.send("GET", b"/slow", []), timeout=60)
    await pool.aclose()


async def test_garbage_or_a_cut_answer_is_broken(serve):
    answers = iter([b"SMTP ready\r\n\r\n", b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nshort"])

    async def answer(head: bytes, body: bytes) -> bytes | None:
        reply = next(answers)
        return reply

    server = await serve(answer)
    pool = pool_for(server)
    with pytest.raises(UpstreamBroken):
        await pool.send("GET", b"/", [])

    async def cut(head: bytes, body: bytes) -> bytes | None:
        return None  # closes mid-exchange

    other = await serve(cut)
    with pytest.raises(UpstreamBroken):
        await pool_for(other).send("POST", b"/", [], b"x")
    await pool.aclose()


async def test_a_connection_the_service_closed_while_idle_is_retried_for_idempotent_requests(serve):
    async def answer(head: bytes, body: bytes) -> bytes:
        return ok()

    server = await serve(answer)
    pool = pool_for(server)
    assert (await pool.send("GET", b"/", [])).status == 200
    # The service drops the idle connection without the client having noticed yet (a race with
    # its keep-alive timeout): the kept connection is closed from the server side.
    server.answer = _close_once(answer)
    assert (await pool.send("GET", b"/again", [])).status == 200
    assert server.connections == 2
    await pool.aclose()


def _close_once(then: Answer) -> Answer:
    closed = False

    async def answer(head: bytes, body: bytes) -> bytes | None:
        nonlocal closed
        if not closed:
            closed = True
            return None
        return await then(head, body)

    return answer


async def test_a_non_idempotent_request_is_never_sent_twice(serve):
    async def answer(head: bytes, body: bytes) -> bytes:
        return ok()

    server = await serve(answer)
    pool = pool_for(server)
    assert (await pool.send("POST", b"/", [], b"1")).status == 200
    server.answer = _close_once(answer)
    with pytest.raises(UpstreamBroken):
        await pool.send("POST", b"/", [], b"2")
    assert [body for _, body in server.requests] == [b"1", b"2"]
    await pool.aclose()


async def held(serve) -> tuple[Server, asyncio.Event]:
    """A service that answers each request once the test sets the event."""
    release = asyncio.Event()

    async def answer(head: bytes, body: bytes) -> bytes:
        await release.wait()
        return ok()

    return await serve(answer), release


async def test_a_request_beyond_the_in_flight_cap_waits_and_takes_its_turn(serve):
    server, release = await held(serve)
    pool = pool_for(server, max_in_flight=1, timeout=30)
    first = asyncio.create_task(pool.send("GET", b"/0", []))
    await wait_until(lambda: len(server.requests) == 1, timeout=30)
    second = asyncio.create_task(pool.send("GET", b"/1", []))
    await wait_until(lambda: pool.waiting == 1, timeout=30)
    assert len(server.requests) == 1  # the second waits here, not at the service
    release.set()
    assert [r.status for r in await asyncio.gather(first, second)] == [200, 200]
    assert [head.split(b" ")[1] for head, _ in server.requests] == [b"/0", b"/1"]
    assert pool.waiting == 0
    await pool.aclose()


async def test_a_request_that_waits_longer_than_the_timeout_gives_up_busy(serve):
    server, release = await held(serve)
    pool = pool_for(server, max_in_flight=1, timeout=30)
    holder = asyncio.create_task(pool.send("GET", b"/held", []))
    await wait_until(lambda: len(server.requests) == 1, timeout=30)
    # The slot stays held (its own answer is 30 s away); a request waiting 0.2 s gives up busy and
    # never reaches the service.
    pool.timeout = 0.2
    with pytest.raises(UpstreamBusy):
        await pool.send("GET", b"/waits", [])
    assert len(server.requests) == 1 and pool.waiting == 0
    release.set()
    assert (await holder).status == 200
    assert (await pool.send("GET", b"/after", [])).status == 200
    await pool.aclose()


def test_only_http_upstreams():
    with pytest.raises(ValueError):
        UpstreamPool("https://example.org", max_in_flight=1, connect_timeout=1, timeout=1)
