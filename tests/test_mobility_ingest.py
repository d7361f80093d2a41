"""bike_share ingests operators' GBFS 2.3 and 3.0 feeds and the real Vélib' Métropole feed,
served over real HTTP from the files the project ships, and re-publishes them as valid GBFS 3.0."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from jsonschema import Draft7Validator, FormatChecker

from services.bike_share.app import DEFINITION
from services.bike_share.feeds import FeedClient, pull
from services.bike_share.loops import IngestLoop
from services.bike_share.settings import Settings
from testkit.http_server import serving
from testkit.service import (
    SAINT_DENIS,
    VILLEJUIF,
    ServiceUnderTest,
    SigningKey,
    bearer,
    eventually,
    migrated_sqlite_async,
    running_service,
)

REPO = Path(__file__).parents[1]
FEEDS = REPO / "tests" / "data" / "gbfs"
SCHEMAS = REPO / "services" / "bike_share" / "gbfs_schemas" / "v3.0"
MIGRATIONS = REPO / "services" / "bike_share" / "migrations"


class FeedServer:
    """Operators' feeds over HTTP with strong ETags; `files` may be changed by the test."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.not_modified = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = server.files.get(self.path)
                if body is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    server.not_modified += 1
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # Served on loopback: the guarded fetcher reaches it only because the test allows it.
        self.address = f"127.0.0.1:{self.httpd.server_address[1]}"
        self.base = f"http://{self.address}"
        for path in FEEDS.rglob("*.json"):
            text = path.read_text(encoding="utf-8").replace("{base}", self.base)
            self.files["/" + path.relative_to(FEEDS).as_posix()] = text.encode()

    def edit(self, path: str, change: object) -> None:
        document = json.loads(self.files[path])
        change(document)  # type: ignore[operator]
        self.files[path] = json.dumps(document).encode()


@pytest.fixture(scope="module")
def feeds() -> Iterator[FeedServer]:
    server = FeedServer()
    with serving(server.httpd):
        yield server


@pytest.fixture
async def bike_share(
    tmp_path: Path, keys: SigningKey, feeds: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[ServiceUnderTest]:
    # The tests pull when they mean to: the service's own ingest loop stays off.
    monkeypatch.setenv("BIKE_SHARE_INGEST_ENABLED", "false")
    url = await migrated_sqlite_async(MIGRATIONS, tmp_path / "bike_share.sqlite")
    async with running_service(
        DEFINITION, Settings, database_url=url, keys=keys, fetch_allow=(feeds.address,)
    ) as running:
        admin = bearer(keys.admin())
        for system_id, folder in (
            ("cargo-pleyel", "v3.0"),
            ("velo-igr", "v2.3"),
            ("velib-metropole", "velib-metropole"),
        ):
            created = await running.http.post(
                f"/api/v1/stations/{SAINT_DENIS}/mobility/systems",
                json={
                    "id": system_id,
                    "name": {"fr": system_id},
                    "feed_url": f"{feeds.base}/{folder}/gbfs.json",
                },
                headers=admin,
            )
            assert created.status_code == 201, created.text
        yield running


async def pull_all(bike_share: ServiceUnderTest, client: FeedClient) -> dict[str, tuple[str, str | None]]:
    states = {}
    for system_id in ("cargo-pleyel", "velo-igr", "velib-metropole"):
        state = await pull(
            sessionmaker=bike_share.runtime.sessionmaker,
            client=client,
            system_id=system_id,
            stations=[SAINT_DENIS, VILLEJUIF],
        )
        states[system_id] = (state.state, state.reason)
    return states


def schema_errors(feed: str, document: dict) -> list[str]:
    validator = Draft7Validator(
        json.loads((SCHEMAS / f"{feed}.json").read_text()), format_checker=FormatChecker()
    )
    return [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(document)]


async def test_feeds_of_every_version_are_ingested_and_republished_as_valid_gbfs_3(bike_share, feeds):
    client = FeedClient(bike_share.runtime.fetcher)
    states = await pull_all(bike_share, client)
    assert states == {s: ("ok", None) for s in states}

    pleyel = (await bike_share.http.get(f"/gbfs/{SAINT_DENIS}/station_status.json")).json()
    by_id = {s["station_id"]: s for s in pleyel["data"]["stations"]}
    assert by_id["cargo-pleyel-pleyel-1"]["vehicle_types_available"] == [
        {"vehicle_type_id": "cargo-pleyel-cargo", "count": 3}
    ]
    assert "cargo-pleyel-far-away" not in by_id  # kilometres from any station served here
    # Vélib': integer ids, 0/1 flags and [{"mechanical": n}, {"ebike": n}] become GBFS 3.0.
    velib = [s for s in by_id.values() if s["station_id"].startswith("velib-metropole-")]
    assert velib and all(s["is_renting"] is True for s in velib)
    assert {c["vehicle_type_id"] for s in velib for c in s["vehicle_types_available"]} == {
        "velib-metropole-mechanical",
        "velib-metropole-ebike",
    }
    scooters = (await bike_share.http.get(f"/gbfs/{SAINT_DENIS}/vehicle_status.json")).json()["data"][
        "vehicles"
    ]
    assert [v["vehicle_id"] for v in scooters] == ["cargo-pleyel-sc-1"]
    villejuif = (await bike_share.http.get(f"/gbfs/{VILLEJUIF}/station_status.json")).json()
    assert {s["station_id"] for s in villejuif["data"]["stations"]} >= {"velo-igr-igr-1"}

    for station in (SAINT_DENIS, VILLEJUIF):
        names = [
            f["name"]
            for f in (await bike_share.http.get(f"/gbfs/{station}/gbfs.json")).json()["data"]["feeds"]
        ]
        for feed in ["manifest", *names]:
            document = (await bike_share.http.get(f"/gbfs/{station}/{feed}.json")).json()
            assert schema_errors(feed, document) == [], (station, feed)

    # Unchanged files are asked for with their ETag and not downloaded again.
    before = feeds.not_modified
    assert await pull_all(bike_share, client) == states
    assert feeds.not_modified - before >= 9


@pytest.mark.parametrize(
    ("path", "change", "outcome", "reason"),
    [
        (
            "/v3.0/station_status.json",
            lambda d: d["data"]["stations"][0].update(num_vehicles_available="three"),
            "stale",
            "not valid GBFS 3.0",
        ),
        (
            "/v3.0/station_information.json",
            lambda d: d["data"]["stations"][0].update(lat=1234.5),
            "stale",
            "not valid GBFS 3.0",
        ),
        ("/v3.0/gbfs.json", lambda d: d.update(version="2.3"), "stale", "not valid GBFS 2.3"),
        # What a schema cannot see costs the station at fault only: its last good data stays.
        (
            "/v3.0/station_information.json",
            lambda d: d["data"]["stations"][0].update(lat=0, lon=0),
            "degraded",
            "(0, 0)",
        ),
        (
            "/v3.0/station_status.json",
            lambda d: d["data"]["stations"][0].update(num_vehicles_available=9),
            "degraded",
            "capacity",
        ),
    ],
)
async def test_an_invalid_source_is_rejected_with_its_reason_and_the_last_good_data_stays(
    bike_share, feeds, path, change, outcome, reason
):
    client = FeedClient(bike_share.runtime.fetcher)
    assert (await pull_all(bike_share, client))["cargo-pleyel"] == ("ok", None)
    good = feeds.files[path]
    try:
        feeds.edit(path, change)
        state, why = (await pull_all(bike_share, client))["cargo-pleyel"]
    finally:
        feeds.files[path] = good
    assert state == outcome
    assert why is not None and reason in why
    status = (await bike_share.http.get(f"/gbfs/{SAINT_DENIS}/station_status.json")).json()
    assert "cargo-pleyel-pleyel-1" in {s["station_id"] for s in status["data"]["stations"]}
    listed = await bike_share.http.get(f"/api/v1/stations/{SAINT_DENIS}/mobility/feeds")
    assert {f["system_id"]: f["state"] for f in listed.json()["items"]}["cargo-pleyel"] == outcome


def odd_velib(feeds: FeedServer) -> None:
    """A copy of the Vélib' feed under /velib-odd/ whose first station lists type names, not
    `{name: count}`: reading it raised and ended every ingest round."""
    for name in ("gbfs", "station_information", "station_status"):
        body = feeds.files[f"/velib-metropole/{name}.json"].replace(b"/velib-metropole/", b"/velib-odd/")
        feeds.files[f"/velib-odd/{name}.json"] = body
    feeds.edit(
        "/velib-odd/station_status.json",
        lambda d: d["data"]["stations"][0].update(num_bikes_available_types=["mechanical"]),
    )


async def test_the_ingest_loop_pulls_every_feed_whatever_one_of_them_does(bike_share, feeds):
    """The loop as the service runs it, over real HTTP: a feed that is not there fails, one whose
    station cannot be read is used without that station, and the feeds after them are pulled."""
    odd_velib(feeds)
    admin = bearer(bike_share.keys.admin())
    for system_id, url in (
        ("aa-odd-velib", f"{feeds.base}/velib-odd/gbfs.json"),  # first in the round
        ("ab-gone", f"{feeds.base}/nowhere/gbfs.json"),
    ):
        created = await bike_share.http.post(
            f"/api/v1/stations/{SAINT_DENIS}/mobility/systems",
            json={"id": system_id, "name": {"fr": system_id}, "feed_url": url},
            headers=admin,
        )
        assert created.status_code == 201, created.text
    loop = IngestLoop(
        sessionmaker=bike_share.runtime.sessionmaker,
        fetcher=bike_share.runtime.fetcher,
        stations=[SAINT_DENIS, VILLEJUIF],
        every=0.1,
    )
    operator = bearer(bike_share.keys.operator())

    async def all_pulled() -> dict[str, dict] | None:
        listed = await bike_share.http.get(f"/api/v1/stations/{SAINT_DENIS}/mobility/feeds", headers=operator)
        states = {f["system_id"]: f for f in listed.json()["items"]}
        return states if all(f["state"] != "pending" for f in states.values()) else None

    loop.start()
    try:
        states, _ = await eventually(all_pulled, timeout=30)
    finally:
        await loop.stop()
    assert {s: f["state"] for s, f in states.items()} == {
        "aa-odd-velib": "degraded",
        "ab-gone": "failing",
        "cargo-pleyel": "ok",
        "velib-metropole": "ok",
        "velo-igr": "ok",
    }
    assert "not {type: count}" in states["aa-odd-velib"]["reason"]
    assert "answered 404" in states["ab-gone"]["reason"]
    # The odd feed's other stations are there.
    listed = await bike_share.http.get(f"/gbfs/{SAINT_DENIS}/station_status.json")
    assert any(s["station_id"].startswith("aa-odd-velib-") for s in listed.json()["data"]["stations"])


async def test_why_a_feed_fails_is_shown_to_operators_only(bike_share, feeds):
    client = FeedClient(bike_share.runtime.fetcher)
    good = feeds.files["/v2.3/gbfs.json"]
    feeds.files["/v2.3/gbfs.json"] = b"not json"
    try:
        await pull_all(bike_share, client)
    finally:
        feeds.files["/v2.3/gbfs.json"] = good
    path = f"/api/v1/stations/{SAINT_DENIS}/mobility/feeds"
    keys = bike_share.keys

    async def reason(headers: dict[str, str]) -> str | None:
        answer = await bike_share.http.get(path, headers=headers)
        assert answer.status_code == 200, answer.text
        assert "no-store" in answer.headers["cache-control"]
        return {f["system_id"]: f for f in answer.json()["items"]}["velo-igr"]["reason"]

    for viewer in (bearer(keys.operator(SAINT_DENIS)), bearer(keys.admin())):
        assert "not JSON" in (await reason(viewer) or "")
    public = [
        {},
        bearer(keys.traveller()),
        bearer(keys.courier()),
        bearer(keys.operator(VILLEJUIF)),  # not an operator of this station
        bearer(keys.device("mobility_feed", binding="velo-igr")),
        bearer(keys.token(role="operator", stations=[SAINT_DENIS], ttl_seconds=-60)),  # expired
        {"Authorization": "Bearer not-a-token"},
    ]
    for viewer in public:
        assert await reason(viewer) is None, viewer
    states = (await bike_share.http.get(path)).json()
    assert {f["system_id"]: f["state"] for f in states["items"]}["velo-igr"] == "failing"


async def test_the_ingest_leaves_what_a_station_registered_by_hand(bike_share, feeds):
    """A feed's pull changes and removes only what it wrote: a vehicle station Villejuif's
    operator registered for the same system, and a vehicle, stay as they are."""
    villejuif = f"/api/v1/stations/{VILLEJUIF}/mobility"
    operator = bearer(bike_share.keys.operator(VILLEJUIF))
    by_hand = {
        "system_id": "cargo-pleyel",
        "external_id": "igr-hand",
        "name": "Parking IGR",
        "lat": 48.7955,
        "lon": 2.3493,
        "capacity": 4,
    }
    assert (
        await bike_share.http.post(f"{villejuif}/vehicle-stations", json=by_hand, headers=operator)
    ).status_code == 201
    # Same id as a station the feed lists: the feed does not take it over.
    taken = by_hand | {"external_id": "pleyel-1", "name": "Pleyel by hand"}
    assert (
        await bike_share.http.post(f"{villejuif}/vehicle-stations", json=taken, headers=operator)
    ).status_code == 201

    states = await pull_all(bike_share, FeedClient(bike_share.runtime.fetcher))

    listed = (await bike_share.http.get(f"{villejuif}/vehicle-stations")).json()["items"]
    mine = {s["id"]: s for s in listed}
    assert mine["cargo-pleyel-igr-hand"]["name"] == "Parking IGR"
    assert mine["cargo-pleyel-pleyel-1"]["name"] == "Pleyel by hand"
    assert mine["cargo-pleyel-pleyel-1"]["status"] is None
    state, reason = states["cargo-pleyel"]
    assert state == "degraded" and reason is not None and "registered by hand" in reason
