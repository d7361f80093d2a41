"""Culture at the hub, on a real network on loopback: the 3-node hub cluster, two stations' leaf nodes
(their signage streams as their services make them), the hub's view as deployed (`python -m
services.hub serve`), a token issuer reduced to its JWKS.

The culture team curates an exhibition at the hub; it is published whole on the config stream and
reaches each station's mirror over its leaf link; the stations answer its visits and report plays and
QR scans on their own signage streams, which the hub sources; the hub shows the tour and the reach, and
rebuilds both when it restarts.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig

from deploy.embedded.processes import ManagedProcess
from deploy.nats.local import HubCluster, StationLeaf
from kernel import topology
from kernel.contracts.culture import ExhibitionPublished, exhibition_subject
from kernel.events import STREAMS, new_event
from testkit.hub import JwksServer, nats_command, start_hub_view
from testkit.service import SigningKey
from testkit.stack import SAINT_DENIS, VILLEJUIF, assert_problem, bearer, eventually

pytestmark = pytest.mark.e2e

# The smallest PNG there is: what a curator uploads as a work's image.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f0d4a20000000049454e44ae426082"
)
EXHIBITION = "regards-sur-la-seine"


async def _station_streams(url: str) -> None:
    """The station's event streams, as its services make them (kernel/bus.py)."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream(timeout=5)
        for spec in STREAMS.values():
            await js.add_stream(
                StreamConfig(
                    name=spec.name,
                    subjects=list(spec.subjects),
                    retention=RetentionPolicy.LIMITS,
                    storage=StorageType.FILE,
                    discard=DiscardPolicy.OLD,
                    max_age=spec.max_age_seconds,
                    duplicate_window=spec.duplicate_window_seconds,
                )
            )
    finally:
        await nc.close()


async def _publish(url: str, messages: list[tuple[str, str, str]]) -> None:
    """(subject, CloudEvent JSON, Nats-Msg-Id) on the station's stream, each acknowledged."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream(timeout=5)
        for subject, body, msg_id in messages:
            await js.publish(subject, body.encode(), headers={"Nats-Msg-Id": msg_id})
    finally:
        await nc.close()


async def _last(url: str, code: str) -> ExhibitionPublished | None:
    nc = await nats.connect(url)
    try:
        try:
            message = await nc.jetstream(timeout=5).get_last_msg(
                topology.CONFIG_STREAM, exhibition_subject(code)
            )
        except Exception:
            return None
        return ExhibitionPublished.model_validate_json(message.data or b"")
    finally:
        await nc.close()


def station_event(station: str, entity: str, verb: str, data: dict[str, Any]) -> tuple[str, str, str]:
    outgoing = new_event(station_id=station, domain="signage", entity=entity, verb=verb, data=data)
    return outgoing.nats_subject, outgoing.to_json(), outgoing.event.id


class CultureNetwork:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.hub = HubCluster(root / "hub")
        self.leaves: dict[str, StationLeaf] = {}
        self.signing = SigningKey()
        self.jwks = JwksServer(self.signing)
        self.view: ManagedProcess | None = None
        self.view_url = ""

    def start(self) -> None:
        self.hub.start()
        nats_command(self.hub.client_url(), "hub-setup")
        for i, slug in enumerate((SAINT_DENIS, VILLEJUIF)):
            leaf = StationLeaf(
                slug, self.root / "stations", f"127.0.0.1:{self.hub.leaf_ports[i]}", self.hub.leaf_password
            )
            leaf.start()
            self.leaves[slug] = leaf
            nats_command(leaf.url, "station-setup")
            asyncio.run(_station_streams(leaf.url))
            nats_command(
                self.hub.client_url(), "register-station", slug, "--public-url", f"https://{slug}.example.org"
            )
        self.start_view()

    def start_view(self) -> None:
        self.view, self.view_url = start_hub_view(
            nats_url=self.hub.client_url(1),
            jwks_url=self.jwks.url,
            log_path=self.root / "logs" / "hub-view.log",
            settings={
                "HUB_TOKEN_ISSUER": "urn:gare-numerique:gateway",
                "HUB_MEDIA_REPLICAS": "3",
                "HUB_PUBLIC_URL": "https://hub.example.org",
                "HUB_MEDIA_MAX_BYTES": "4096",
                "HUB_LINK_TIMEOUT_SECONDS": "4",
                "HUB_SOURCE_POLL_SECONDS": "0.5",
            },
            ready_timeout=60,
        )

    def stop_view(self) -> None:
        if self.view is not None:
            self.view.stop()
            self.view = None

    def stop(self) -> None:
        self.stop_view()
        for leaf in self.leaves.values():
            leaf.stop()
        self.hub.stop()
        self.jwks.close()

    # -- as the culture team ---------------------------------------------------------------------

    def curator(self) -> dict[str, str]:
        return bearer(
            self.signing.token(role="culture", stations="*", scope="network:culture", subject="culture:test")
        )

    def call(self, method: str, path: str, **kw: Any) -> httpx.Response:
        kw.setdefault("headers", self.curator())
        return httpx.request(method, f"{self.view_url}{path}", timeout=10, **kw)


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CultureNetwork]:
    network = CultureNetwork(tmp_path_factory.mktemp("culture-network"))
    try:
        network.start()
    except Exception:
        network.stop()
        raise
    yield network
    network.stop()


BASE = "/api/v1/network/exhibitions"
MONDAY = datetime(2027, 3, 1, tzinfo=UTC)


def rights(**changes: Any) -> dict[str, Any]:
    return {
        "licence": "CC BY-NC 4.0",
        "credit": "© Awa Diallo, 2026",
        "shown_from": MONDAY.isoformat(),
        "shown_until": (MONDAY + timedelta(days=90)).isoformat(),
        **changes,
    }


def curate(net: CultureNetwork) -> dict[str, Any]:
    """The exhibition of the scenario: one artist, two works, a visit at each station."""
    assert (
        net.call(
            "POST",
            BASE,
            json={"code": EXHIBITION, "title": {"fr": "Regards sur la Seine", "en": "Views of the Seine"}},
        ).status_code
        == 201
    )
    assert (
        net.call(
            "POST",
            f"{BASE}/{EXHIBITION}/artists",
            json={
                "code": "awa-diallo",
                "name": "Awa Diallo",
                "biography": {"fr": "Photographe, Saint-Denis."},
                "links": ["https://example.org/awa"],
            },
        ).status_code
        == 201
    )
    media = net.call(
        "POST", "/api/v1/network/media", content=PNG, headers={**net.curator(), "Content-Type": "image/png"}
    )
    assert media.status_code == 201, media.text
    for code, title in (("quai-1", "Quai, matin"), ("quai-2", "Quai, soir")):
        work = net.call(
            "POST",
            f"{BASE}/{EXHIBITION}/works",
            json={
                "code": code,
                "artist": "awa-diallo",
                "title": {"fr": title},
                "year": 2026,
                "audio_description": {"fr": "Un quai au petit jour."},
                "media_sha256": media.json()["sha256"],
                "rights": rights(),
            },
        )
        assert work.status_code == 201, work.text
    for station, days in ((SAINT_DENIS, 0), (VILLEJUIF, 30)):
        visit = net.call(
            "POST",
            f"{BASE}/{EXHIBITION}/visits",
            json={
                "station": station,
                "starts_at": (MONDAY + timedelta(days=days)).isoformat(),
                "ends_at": (MONDAY + timedelta(days=days + 28)).isoformat(),
            },
        )
        assert visit.status_code == 201, visit.text
    return net.call("GET", f"{BASE}/{EXHIBITION}").json()


@pytest.fixture(scope="module")
def exhibition(net: CultureNetwork) -> dict[str, Any]:
    return curate(net)


# -- curation ---------------------------------------------------------------------------------------


def test_culture_is_for_the_culture_team_and_network_admins(net: CultureNetwork) -> None:
    assert_problem(net.call("GET", BASE, headers={}), 401, "unauthorized")
    operator = bearer(net.signing.operator(SAINT_DENIS))
    assert_problem(net.call("GET", BASE, headers=operator), 403, "forbidden")
    admin = bearer(net.signing.admin())
    assert net.call("GET", BASE, headers=admin).status_code == 200


def test_an_exhibition_is_curated_read_listed_and_published_whole(
    net: CultureNetwork, exhibition: dict[str, Any]
) -> None:
    assert [a["code"] for a in exhibition["artists"]] == ["awa-diallo"]
    assert [w["code"] for w in exhibition["works"]] == ["quai-1", "quai-2"]
    work = exhibition["works"][0]
    assert work["media_type"] == "image/png"
    assert work["media_url"] == f"https://hub.example.org/media/{work['media_sha256']}.png"
    assert [v["station"] for v in exhibition["tour"]] == [SAINT_DENIS, VILLEJUIF]
    # The media is served publicly by its SHA-256, for ever the same.
    media = httpx.get(f"{net.view_url}/media/{work['media_sha256']}.png", timeout=5)
    assert media.status_code == 200 and media.content == PNG
    assert media.headers["content-type"] == "image/png" and "immutable" in media.headers["cache-control"]
    # What the hub published is the whole exhibition as it reads it back, at its revision.
    published = asyncio.run(_last(net.hub.client_url(), EXHIBITION))
    assert published is not None
    assert published.model_dump(mode="json") == {k: v for k, v in exhibition.items() if k != "revision"}
    # The list, a page at a time and filtered.
    first = net.call("GET", BASE, params={"limit": 1}).json()
    assert first["items"][0]["code"] == EXHIBITION and first["items"][0]["works"] == 2
    assert net.call("GET", BASE, params={"station": VILLEJUIF}).json()["items"][0]["code"] == EXHIBITION
    assert net.call("GET", BASE, params={"station": "chatelet"}).json()["items"] == []
    works = net.call("GET", f"{BASE}/{EXHIBITION}/works", params={"limit": 1}).json()
    assert [w["code"] for w in works["items"]] == ["quai-1"] and works["next_cursor"]
    second = net.call(
        "GET", f"{BASE}/{EXHIBITION}/works", params={"limit": 1, "cursor": works["next_cursor"]}
    )
    assert [w["code"] for w in second.json()["items"]] == ["quai-2"]
    assert net.call("GET", f"{BASE}/{EXHIBITION}/artists/awa-diallo").json()["name"] == "Awa Diallo"


def test_the_exhibition_reaches_each_station_over_its_leaf_link(
    net: CultureNetwork, exhibition: dict[str, Any]
) -> None:
    for slug, leaf in net.leaves.items():

        def mirrored_at(url: str = leaf.url) -> ExhibitionPublished | None:
            return asyncio.run(_last(url, EXHIBITION))

        mirrored, _ = eventually(mirrored_at, timeout=30, interval=0.3)
        assert [v.station for v in mirrored.tour] == [SAINT_DENIS, VILLEJUIF], slug
    # A change is published whole again, and reaches them too.
    changed = net.call(
        "PATCH", f"{BASE}/{EXHIBITION}", json={"description": {"fr": "Photographies du fleuve."}}
    )
    assert changed.status_code == 200 and changed.json()["revision"] > exhibition["revision"]

    def has_description() -> bool:
        got = asyncio.run(_last(net.leaves[VILLEJUIF].url, EXHIBITION))
        return got is not None and got.description.get("fr") == "Photographies du fleuve."

    eventually(has_description, timeout=30, interval=0.3)


def test_wrong_curation_is_refused_and_changes_nothing(
    net: CultureNetwork, exhibition: dict[str, Any]
) -> None:
    before = net.call("GET", f"{BASE}/{EXHIBITION}").json()
    sha = exhibition["works"][0]["media_sha256"]

    def work(**changes: Any) -> dict[str, Any]:
        return {
            "code": "quai-3",
            "artist": "awa-diallo",
            "title": {"fr": "Pont"},
            "media_sha256": sha,
            "rights": rights(),
            **changes,
        }

    refusals = [
        ("POST", BASE, {"code": "sans-titre", "title": {"en": "No French"}}, 422, "title"),
        ("POST", BASE, {"code": "Pas Un Code", "title": {"fr": "x"}}, 422, None),
        ("POST", BASE, {"code": EXHIBITION, "title": {"fr": "Encore"}}, 409, "code"),
        ("POST", f"{BASE}/{EXHIBITION}/works", work(artist="nobody"), 422, "works[2].artist"),
        (
            "POST",
            f"{BASE}/{EXHIBITION}/works",
            work(rights=rights(shown_until=MONDAY.isoformat())),
            422,
            "works[2].rights.shown_until",
        ),
        (
            "POST",
            f"{BASE}/{EXHIBITION}/works",
            work(rights=rights(stations=["chatelet"])),
            422,
            "works[2].rights.stations",
        ),
        ("POST", f"{BASE}/{EXHIBITION}/works", work(media_sha256="0" * 64), 422, "media_sha256"),
        ("POST", f"{BASE}/{EXHIBITION}/works", work(code="quai-1"), 409, "code"),
        (
            "POST",
            f"{BASE}/{EXHIBITION}/visits",
            {"station": "chatelet", "starts_at": "2027-06-01T00:00:00Z", "ends_at": "2027-06-08T00:00:00Z"},
            422,
            "tour[2].station",
        ),
        (
            "POST",
            f"{BASE}/{EXHIBITION}/visits",
            {"station": SAINT_DENIS, "starts_at": "2027-03-10T00:00:00Z", "ends_at": "2027-04-10T00:00:00Z"},
            422,
            None,
        ),
        (
            "POST",
            f"{BASE}/{EXHIBITION}/visits",
            {"station": VILLEJUIF, "starts_at": "2027-06-08T00:00:00Z", "ends_at": "2027-06-01T00:00:00Z"},
            422,
            None,
        ),
        (
            "POST",
            f"{BASE}/{EXHIBITION}/visits",
            {"station": VILLEJUIF, "starts_at": "2027-07-01T00:00:00", "ends_at": "2027-07-08T00:00:00"},
            422,
            "starts_at",
        ),
        ("DELETE", f"{BASE}/{EXHIBITION}/artists/awa-diallo", None, 409, None),
        ("GET", f"{BASE}/nothing-here", None, 404, None),
        (
            "PUT",
            f"{BASE}/{EXHIBITION}/works/nothing",
            {k: v for k, v in work().items() if k != "code"},
            404,
            None,
        ),
    ]
    for method, path, body, status, field in refusals:
        response = net.call(method, path, json=body)
        assert response.status_code == status, (method, path, body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        if field:
            assert field in {e["field"] for e in response.json()["errors"]}, response.json()
    # Another exhibition may not be at Saint-Denis over the same dates either.
    assert net.call("POST", BASE, json={"code": "autre-expo", "title": {"fr": "Autre"}}).status_code == 201
    clash = net.call(
        "POST",
        f"{BASE}/autre-expo/visits",
        json={"station": SAINT_DENIS, "starts_at": "2027-03-20T00:00:00Z", "ends_at": "2027-04-20T00:00:00Z"},
    )
    assert_problem(clash, 422, "validation-error")
    assert "regards-sur-la-seine" in clash.text
    retired = net.call("DELETE", f"{BASE}/autre-expo")
    assert retired.status_code == 200 and retired.json()["retired"] is True
    assert net.call("GET", BASE, params={"retired": True}).json()["items"][0]["code"] == "autre-expo"
    # Media: a type the hub does not take, bytes that are not what they say, too big.
    upload = "/api/v1/network/media"
    gif = net.call(
        "POST", upload, content=b"GIF89a...", headers={**net.curator(), "Content-Type": "image/gif"}
    )
    assert_problem(gif, 415, "unsupported-media-type")
    lying = net.call(
        "POST", upload, content=b"not a png", headers={**net.curator(), "Content-Type": "image/png"}
    )
    assert_problem(lying, 422, "unsupported-media")
    huge = net.call(
        "POST", upload, content=PNG + b"\0" * 5000, headers={**net.curator(), "Content-Type": "image/png"}
    )
    assert_problem(huge, 413, "payload-too-large")
    assert httpx.get(f"{net.view_url}/media/{'0' * 64}.png", timeout=5).status_code == 404
    after = net.call("GET", f"{BASE}/{EXHIBITION}").json()
    assert after["revision"] == before["revision"] and after == before


def test_artists_works_and_visits_are_changed_and_removed(
    net: CultureNetwork, exhibition: dict[str, Any]
) -> None:
    code = "atelier-pleyel"
    assert net.call("POST", BASE, json={"code": code, "title": {"fr": "Atelier Pleyel"}}).status_code == 201
    path = f"{BASE}/{code}"
    assert net.call("POST", f"{path}/artists", json={"code": "lina", "name": "Lina"}).status_code == 201
    changed = net.call(
        "PUT",
        f"{path}/artists/lina",
        json={"name": "Lina M.", "biography": {"fr": "Peintre.", "en": "Painter."}},
    )
    assert changed.status_code == 200 and changed.json()["name"] == "Lina M."
    sha = exhibition["works"][0]["media_sha256"]
    body = {
        "artist": "lina",
        "title": {"fr": "Toile"},
        "media_sha256": sha,
        "rights": rights(stations=[SAINT_DENIS]),
    }
    assert net.call("POST", f"{path}/works", json={"code": "toile", **body}).status_code == 201
    moved = net.call("PUT", f"{path}/works/toile", json={**body, "year": 2025})
    assert moved.status_code == 200 and moved.json()["year"] == 2025
    assert [
        w["code"] for w in net.call("GET", f"{path}/works", params={"station": VILLEJUIF}).json()["items"]
    ] == []
    starts = "2027-09-01T00:00:00+00:00"
    assert (
        net.call(
            "POST",
            f"{path}/visits",
            json={"station": VILLEJUIF, "starts_at": starts, "ends_at": "2027-09-15T00:00:00Z"},
        ).status_code
        == 201
    )
    longer = net.call(
        "PUT",
        f"{path}/visits/{VILLEJUIF}/{starts}",
        json={"station": VILLEJUIF, "starts_at": starts, "ends_at": "2027-09-30T00:00:00Z"},
    )
    assert longer.status_code == 200 and longer.json()["tour"][0]["ends_at"].startswith("2027-09-30")
    assert net.call("DELETE", f"{path}/visits/{VILLEJUIF}/{starts}").status_code == 204
    assert net.call("DELETE", f"{path}/works/toile").status_code == 204
    assert net.call("DELETE", f"{path}/artists/lina").status_code == 204
    final = net.call("GET", path).json()
    assert final["artists"] == final["works"] == final["tour"] == []
    assert net.call("POST", f"{path}/restore").json()["retired"] is False


# -- what the stations say back ---------------------------------------------------------------------


def test_the_tour_shows_each_stations_answer_and_reach_counts_each_play_once(
    net: CultureNetwork, exhibition: dict[str, Any]
) -> None:
    tour_url = f"{BASE}/{EXHIBITION}/tour"
    pending = net.call("GET", tour_url).json()["items"]
    assert [(v["station"], v["answer"]) for v in pending] == [
        (SAINT_DENIS, "pending"),
        (VILLEJUIF, "pending"),
    ]
    assert pending[0]["station_name"] == "Saint-Denis Pleyel"
    answered_at = datetime.now(UTC)
    visits = {v["station"]: v for v in exhibition["tour"]}

    def answer(station: str, what: str) -> tuple[str, str, str]:
        return station_event(
            station,
            "visit",
            "answered",
            {
                "exhibition_code": EXHIBITION,
                "starts_at": visits[station]["starts_at"],
                "answer": what,
                "answered_at": answered_at.isoformat(),
            },
        )

    def played(
        station: str, works: list[tuple[str, int, float]], day: str = "2027-03-02"
    ) -> tuple[str, str, str]:
        return station_event(
            station,
            "work",
            "played",
            {
                "screen_code": "hall",
                "day": day,
                "reported_at": answered_at.isoformat(),
                "works": [
                    {
                        "work_code": w,
                        "exhibition_code": EXHIBITION,
                        "artist": "awa-diallo",
                        "plays": n,
                        "seconds": s,
                    }
                    for w, n, s in works
                ],
            },
        )

    def scanned(station: str, work: str) -> tuple[str, str, str]:
        return station_event(
            station,
            "work",
            "scanned",
            {
                "exhibition_code": EXHIBITION,
                "work_code": work,
                "screen_code": "hall",
                "scanned_at": "2027-03-02T10:00:00+01:00",
            },
        )

    once = played(SAINT_DENIS, [("quai-1", 10, 150.0), ("quai-2", 4, 60.0)])
    # The same CloudEvent stored twice (sent again past the stream's duplicate window): counted once.
    again = (once[0], once[1], once[2] + "-again")
    asyncio.run(
        _publish(
            net.leaves[SAINT_DENIS].url,
            [
                answer(SAINT_DENIS, "accepted"),
                once,
                again,
                scanned(SAINT_DENIS, "quai-1"),
                scanned(SAINT_DENIS, "quai-1"),
            ],
        )
    )
    asyncio.run(
        _publish(
            net.leaves[VILLEJUIF].url,
            [
                answer(VILLEJUIF, "declined"),
                played(VILLEJUIF, [("quai-1", 2, 30.0)], day="2027-03-03"),
                scanned(VILLEJUIF, "quai-2"),
            ],
        )
    )

    def answers() -> list[tuple[str, str]] | None:
        items = net.call("GET", tour_url).json()["items"]
        got = [(v["station"], v["answer"]) for v in items]
        return got if got == [(SAINT_DENIS, "accepted"), (VILLEJUIF, "declined")] else None

    eventually(answers, timeout=60, interval=0.5)
    tour = net.call("GET", tour_url).json()["items"]
    assert tour[0]["answered_at"] is not None and tour[0]["link"] == "connected"

    def by_work() -> dict[str, dict[str, Any]] | None:
        rows = {
            r["key"]: r
            for r in net.call("GET", "/api/v1/network/reach", params={"by": "work"}).json()["items"]
        }
        return (
            rows
            if rows.get("quai-2", {}).get("scans") == 1 and rows.get("quai-1", {}).get("plays") == 12
            else None
        )

    rows, _ = eventually(by_work, timeout=60, interval=0.5)
    assert rows["quai-1"] == {
        "key": "quai-1",
        "exhibition": EXHIBITION,
        "plays": 12,
        "seconds": 180.0,
        "scans": 2,
    }
    assert rows["quai-2"]["plays"] == 4
    stations = {
        r["key"]: r
        for r in net.call("GET", "/api/v1/network/reach", params={"by": "station"}).json()["items"]
    }
    assert stations[SAINT_DENIS]["plays"] == 14 and stations[VILLEJUIF]["plays"] == 2
    artists = net.call(
        "GET", "/api/v1/network/reach", params={"by": "artist", "exhibition": EXHIBITION}
    ).json()["items"]
    assert artists == [
        {"key": "awa-diallo", "exhibition": EXHIBITION, "plays": 16, "seconds": 240.0, "scans": 3}
    ]
    one_day = net.call(
        "GET", "/api/v1/network/reach", params={"by": "day", "from": "2027-03-03", "to": "2027-03-03"}
    ).json()["items"]
    assert [(r["key"], r["plays"]) for r in one_day] == [("2027-03-03", 2)]

    # The CSV a funder gets: the same figures, a header row first, by Accept or by path.
    for response in (
        net.call(
            "GET",
            "/api/v1/network/reach",
            params={"by": "station"},
            headers={**net.curator(), "Accept": "text/csv"},
        ),
        net.call("GET", "/api/v1/network/reach.csv", params={"by": "station"}),
    ):
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
        table = list(csv.DictReader(io.StringIO(response.text)))
        assert list(table[0]) == ["by", "key", "exhibition", "plays", "seconds", "scans"]
        assert {r["key"]: (int(r["plays"]), float(r["seconds"]), int(r["scans"])) for r in table} == {
            SAINT_DENIS: (14, 210.0, 2),
            VILLEJUIF: (2, 30.0, 1),
        }
    assert_problem(net.call("GET", "/api/v1/network/reach", params={"by": "colour"}), 422, "validation-error")
    assert_problem(
        net.call("GET", "/api/v1/network/reach", params={"from": "2027-04-01", "to": "2027-03-01"}),
        422,
        "validation-error",
    )

    # The hub restarts: it reads the exhibitions, answers and plays back from the streams, the same.
    reach_before = net.call("GET", "/api/v1/network/reach.csv", params={"by": "work"}).text
    net.stop_view()
    net.start_view()
    assert net.call("GET", f"{BASE}/{EXHIBITION}").json()["revision"] >= exhibition["revision"]
    eventually(answers, timeout=60, interval=0.5)
    assert net.call("GET", "/api/v1/network/reach.csv", params={"by": "work"}).text == reach_before
    # The media are in the hub cluster's object store, not in the process: still served, still the same.
    work = exhibition["works"][0]
    media = httpx.get(f"{net.view_url}/media/{work['media_sha256']}.png", timeout=5)
    assert media.status_code == 200 and media.content == PNG
    revalidated = httpx.get(
        f"{net.view_url}/media/{work['media_sha256']}.png",
        headers={"If-None-Match": media.headers["etag"]},
        timeout=5,
    )
    assert revalidated.status_code == 304
