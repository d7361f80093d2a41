"""The kernel's guarded fetcher against real HTTP servers on loopback: what the allow-list does
not name is refused with a reason before any connection, after every redirect too; size and time
are bounded; the connection goes to the address that was checked."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from kernel.fetch import FetchError, FetchRefused, GuardedFetcher
from services.bike_share.app import DEFINITION
from services.bike_share.feeds import FeedClient, pull
from services.bike_share.ingest import FeedRejected
from services.bike_share.settings import Settings
from testkit.http_server import serving
from testkit.service import SAINT_DENIS, SigningKey, bearer, migrated_sqlite_async, running_service

MIGRATIONS = Path(__file__).parents[1] / "services" / "bike_share" / "migrations"


class Origin:
    """A loopback server whose answers the test sets per path; it records the Host headers seen."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.hosts: list[str] = []
        self.slow_paths: set[str] = set()
        self.release = threading.Event()
        origin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                origin.hosts.append(self.headers.get("Host", ""))
                status, headers, body = origin.routes.get(self.path, (404, {}, b""))
                self.send_response(status)
                for name, value in headers.items():
                    if value:  # an empty value: the header is left out
                        self.send_header(name, value)
                if self.path in origin.slow_paths:
                    # Headers now, the body only when the test ends: a feed that never finishes.
                    self.send_header("Content-Length", str(len(body) + 1))
                    self.end_headers()
                    self.wfile.write(body)
                    self.wfile.flush()
                    origin.release.wait(30)
                    return
                if "Content-Length" not in headers:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.address = f"127.0.0.1:{self.httpd.server_address[1]}"
        self.base = f"http://{self.address}"


@pytest.fixture
def origin() -> Iterator[Origin]:
    server = Origin()
    with serving(server.httpd):
        yield server
        server.release.set()


@pytest.fixture
def closed_port() -> int:
    """A loopback port with nothing listening (the fetch must not even try it)."""
    probe = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = probe.server_address[1]
    probe.server_close()
    return port


async def refusal(fetcher: GuardedFetcher, url: str) -> str:
    with pytest.raises(FetchRefused) as refused:
        await fetcher.get(url)
    await fetcher.aclose()
    return refused.value.reason


async def test_an_allowed_loopback_origin_is_fetched_with_its_status_and_headers(origin):
    origin.routes["/gbfs.json"] = (200, {"ETag": '"v1"'}, b'{"data": {}}')
    fetcher = GuardedFetcher(allow=[origin.address])
    fetched = await fetcher.get(f"{origin.base}/gbfs.json")
    await fetcher.aclose()
    assert (fetched.status_code, fetched.headers["etag"], fetched.content) == (200, '"v1"', b'{"data": {}}')


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:{port}/metrics", "127.0.0.1 is a loopback address"),
        ("http://localhost:{port}/", "is a loopback address"),
        ("http://[::1]:{port}/", "::1 is a loopback address"),
        ("http://[::ffff:127.0.0.1]:{port}/", "127.0.0.1 is a loopback address (inside ::ffff:7f00:1)"),
        ("http://2130706433:{port}/", "127.0.0.1 is a loopback address"),  # 127.0.0.1 as one number
        ("http://0.0.0.0:{port}/", "0.0.0.0 is a unspecified address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("http://10.0.0.7:6379/", "10.0.0.7 is a private address"),
        ("http://192.168.1.1/", "192.168.1.1 is a private address"),
        ("http://[fe80::1]/", "fe80::1 is a link-local address"),
        ("http://[fd12::1]/", "fd12::1 is a private address"),
        ("http://224.0.0.1/", "224.0.0.1 is a multicast address"),
        ("http://100.64.0.1/", "100.64.0.1 is not a public address"),
        ("http://[2002:7f00:1::]/", "127.0.0.1 is a loopback address (inside 2002:7f00:1::)"),
        ("file:///etc/passwd", "only http and https URLs are fetched"),
        ("gopher://127.0.0.1:{port}/", "only http and https URLs are fetched"),
    ],
)
async def test_addresses_that_are_not_public_are_refused_before_any_connection(url, reason, closed_port):
    # Nothing listens on `closed_port`: a fetch that connected would fail with ConnectError instead.
    assert reason in await refusal(GuardedFetcher(), url.format(port=closed_port))


async def test_the_allow_list_names_an_address_and_port_not_the_whole_host(origin, closed_port):
    other_port = f"http://127.0.0.1:{closed_port}/"
    assert "loopback" in await refusal(GuardedFetcher(allow=[origin.address]), other_port)
    network_wide = GuardedFetcher(allow=["127.0.0.0/8"])
    origin.routes["/"] = (200, {}, b"{}")
    assert (await network_wide.get(f"{origin.base}/")).status_code == 200
    await network_wide.aclose()


async def test_a_redirect_to_a_private_address_is_refused_after_the_hop(origin, closed_port):
    origin.routes["/gbfs.json"] = (302, {"Location": f"http://127.0.0.1:{closed_port}/metrics"}, b"")
    origin.routes["/meta"] = (301, {"Location": "http://169.254.169.254/latest/meta-data/"}, b"")
    fetcher = GuardedFetcher(allow=[origin.address])
    assert f"127.0.0.1:{closed_port}/metrics: refused" in await refusal(fetcher, f"{origin.base}/gbfs.json")
    assert "link-local" in await refusal(GuardedFetcher(allow=[origin.address]), f"{origin.base}/meta")


async def test_redirects_are_followed_within_the_bound(origin):
    origin.routes["/old"] = (301, {"Location": "/new"}, b"")
    origin.routes["/new"] = (200, {}, b"{}")
    origin.routes["/loop"] = (302, {"Location": "/loop"}, b"")
    fetcher = GuardedFetcher(allow=[origin.address], max_redirects=3)
    moved = await fetcher.get(f"{origin.base}/old")
    assert (moved.status_code, moved.url) == (200, f"{origin.base}/new")
    with pytest.raises(FetchError, match="more than 3 redirects"):
        await fetcher.get(f"{origin.base}/loop")
    await fetcher.aclose()


async def test_an_oversized_body_is_refused_whether_declared_or_not(origin):
    origin.routes["/declared"] = (200, {}, b"x" * 2000)
    fetcher = GuardedFetcher(allow=[origin.address], max_bytes=1000)
    with pytest.raises(FetchRefused, match="over 1000 bytes"):
        await fetcher.get(f"{origin.base}/declared")
    await fetcher.aclose()


async def test_an_undeclared_oversized_body_is_cut_at_the_bound(origin):
    # No Content-Length: the body ends when the server closes the connection.
    origin.routes["/undeclared"] = (200, {"Content-Length": "", "Connection": "close"}, b"y" * 5000)
    fetcher = GuardedFetcher(allow=[origin.address], max_bytes=1000)
    with pytest.raises(FetchRefused, match="over 1000 bytes"):
        await fetcher.get(f"{origin.base}/undeclared")
    await fetcher.aclose()


async def test_a_feed_that_never_finishes_is_given_up_with_a_reason(origin):
    origin.routes["/slow"] = (200, {}, b"{")
    origin.slow_paths.add("/slow")
    fetcher = GuardedFetcher(allow=[origin.address], timeout=0.5)
    with pytest.raises(FetchError, match=r"no complete answer within 0\.5 s"):
        await fetcher.get(f"{origin.base}/slow")
    await fetcher.aclose()


async def test_the_connection_goes_to_the_checked_address_with_the_name_as_host(origin):
    """One lookup, checked, then used: a name that would resolve elsewhere on a second lookup (DNS
    rebinding) never gets that lookup. `feeds.invalid` resolves nowhere but through this resolver."""
    lookups: list[str] = []

    async def resolver(host: str, port: int) -> list[str]:
        lookups.append(host)
        return ["127.0.0.1"]

    origin.routes["/gbfs.json"] = (200, {}, b"{}")
    port = origin.address.split(":")[1]
    fetcher = GuardedFetcher(allow=[origin.address], resolver=resolver)
    fetched = await fetcher.get(f"http://feeds.invalid:{port}/gbfs.json")
    await fetcher.aclose()
    assert fetched.status_code == 200
    assert lookups == ["feeds.invalid"]
    assert origin.hosts[-1] == f"feeds.invalid:{port}"


async def test_a_name_with_one_private_address_among_public_ones_is_refused():
    async def resolver(host: str, port: int) -> list[str]:
        return ["93.184.215.14", "10.1.2.3"]

    fetcher = GuardedFetcher(resolver=resolver)
    assert "10.1.2.3 is a private address" in await refusal(fetcher, "https://feeds.example.org/gbfs.json")


async def test_the_feed_client_turns_a_refusal_into_a_rejected_feed_with_the_reason(closed_port):
    client = FeedClient(GuardedFetcher())
    with pytest.raises(FeedRejected) as rejected:
        await client.get_json(f"http://127.0.0.1:{closed_port}/gbfs.json")
    await client.fetcher.aclose()
    assert "127.0.0.1 is a loopback address" in rejected.value.reason


async def test_a_system_whose_feed_is_the_stations_own_port_is_refused_not_scanned(
    tmp_path: Path, keys: SigningKey, origin: Origin
):
    """The reported case: a feed_url on loopback (metrics, Redis...) used to be fetched and its
    outcome ("answered 403", "ConnectError") shown; now the ingest refuses it without connecting."""
    origin.routes["/metrics"] = (200, {}, b"gare_events_published_total 3")
    url = await migrated_sqlite_async(MIGRATIONS, tmp_path / "bike_share.sqlite")
    async with running_service(DEFINITION, Settings, database_url=url, keys=keys) as bike_share:
        created = await bike_share.http.post(
            f"/api/v1/stations/{SAINT_DENIS}/mobility/systems",
            json={"id": "probe", "name": {"fr": "probe"}, "feed_url": f"{origin.base}/metrics"},
            headers=bearer(keys.admin()),
        )
        assert created.status_code == 201, created.text
        state = await pull(
            sessionmaker=bike_share.runtime.sessionmaker,
            client=FeedClient(bike_share.runtime.fetcher),
            system_id="probe",
            stations=[SAINT_DENIS],
        )
    assert state.state == "failing"
    assert state.reason is not None and "refused, 127.0.0.1 is a loopback address" in state.reason
    assert origin.hosts == []  # not even connected to
