"""The network for real on loopback: a 3-node hub cluster, two stations each with its leaf node and its
whole stack (links over TLS, as deployed), one station's link to the hub cut while it keeps serving,
then restored.

Every event of the cut must reach the hub exactly once, config published at the hub during the cut
must reach the station, and the hub's network view must tell the cut station, then its full lockers.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import functools
import ipaddress
import json
import secrets
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import nats
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from nats.js.api import DeliverPolicy

from deploy.embedded.processes import ManagedProcess
from deploy.embedded.stack import REPO_ROOT, StackConfig, StationStack
from deploy.nats.local import LEAF_CONF, HubCluster, LinkGate, LinkTls, StationLeaf, configs_with_tls
from kernel import topology
from kernel.events import STREAMS
from testkit.hub import nats_command, start_hub_view
from testkit.stack import SAINT_DENIS, VILLEJUIF, Tokens, assert_problem, bearer, eventually
from tests.conftest import POSTGRES_URL, _postgres_schemas

pytestmark = pytest.mark.e2e

CUT, OTHER = SAINT_DENIS, VILLEJUIF
NEW_STATION = "pont-de-sevres"
# NATS's longest retry delay for a stalled source or mirror, plus room for a loaded machine.
CATCH_UP_SECONDS = 150
MANIFEST_SCHEMA = REPO_ROOT / "services" / "hub" / "reference" / "gbfs-3.0-manifest.json"


def link_tls(folder: Path) -> LinkTls:
    """A certificate authority and the hub's certificate (for 127.0.0.1), as a deployment has."""
    folder.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    not_before, not_after = now - dt.timedelta(minutes=5), now + dt.timedelta(days=1)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Gare numérique test CA")])
    ca = (
        x509.CertificateBuilder(
            subject_name=ca_name, issuer_name=ca_name, not_valid_before=not_before, not_valid_after=not_after
        )
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    hub = (
        x509.CertificateBuilder(
            subject_name=x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hub")]),
            issuer_name=ca_name,
            not_valid_before=not_before,
            not_valid_after=not_after,
        )
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    files = LinkTls(folder / "ca.pem", folder / "hub.pem", folder / "hub-key.pem")
    files.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files.cert_file.write_bytes(hub.public_bytes(serialization.Encoding.PEM))
    files.key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return files


# -- NATS helpers ---------------------------------------------------------------------------------


async def _stream_events(url: str, stream: str, subject: str) -> list[dict[str, Any]]:
    """Every message of `stream` matching `subject`, in order, as parsed CloudEvents."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream(timeout=5)
        events: list[dict[str, Any]] = []
        done = asyncio.Event()

        async def on_message(msg: Any) -> None:
            events.append(json.loads(msg.data))
            if msg.metadata.num_pending == 0:
                done.set()

        sub = await js.subscribe(
            subject, stream=stream, ordered_consumer=True, deliver_policy=DeliverPolicy.ALL, cb=on_message
        )
        if (await sub.consumer_info()).num_pending:
            await asyncio.wait_for(done.wait(), 20)
        await sub.unsubscribe()
        return events
    finally:
        await nc.close()


def station_events(leaf: StationLeaf) -> dict[str, list[dict[str, Any]]]:
    """What the station holds, per service stream."""
    return {
        domain: asyncio.run(_stream_events(leaf.url, spec.name, f"gare.{leaf.slug}.{domain}.>"))
        for domain, spec in STREAMS.items()
    }


def hub_events(hub: HubCluster, slug: str) -> dict[str, list[dict[str, Any]]]:
    """What the hub holds of that station, per aggregate stream."""
    return {
        domain: asyncio.run(_stream_events(hub.client_url(1), name, f"gare.{slug}.{domain}.>"))
        for domain, name in topology.AGGREGATE_STREAMS.items()
    }


async def _directory(url: str) -> dict[str, topology.StationRegistration]:
    nc = await nats.connect(url)
    try:
        return await topology.read_directory(nc.jetstream(timeout=5))
    finally:
        await nc.close()


def directory(url: str) -> dict[str, topology.StationRegistration]:
    return asyncio.run(_directory(url))


def events_since(
    before: dict[str, list[dict[str, Any]]], now: dict[str, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    return [e for domain, per_domain in now.items() for e in per_domain[len(before[domain]) :]]


def ids(events: dict[str, list[dict[str, Any]]]) -> list[str]:
    return [event["id"] for per_domain in events.values() for event in per_domain]


# -- the network ----------------------------------------------------------------------------------


class Network:
    def __init__(self, root: Path, backend: str) -> None:
        self.root = root
        self.backend = backend
        # The stations' links to the hub run over TLS, configured the way a deployment does it.
        self.hub_conf, self.leaf_conf = configs_with_tls(root / "conf", link_tls(root / "certs"))
        self.hub = HubCluster(root / "hub", conf=self.hub_conf)
        self.gates: dict[str, LinkGate] = {}
        self.leaves: dict[str, StationLeaf] = {}
        self.stacks: dict[str, StationStack] = {}
        self.schema_prefixes: list[str] = []
        self.view: ManagedProcess | None = None
        self.view_url = ""

    def start(self) -> None:
        self.hub.start()
        nats_command(self.hub.client_url(), "hub-setup")
        for slug in (CUT, OTHER):
            self.gates[slug] = LinkGate(self.hub.leaf_ports)
            leaf = StationLeaf(
                slug,
                self.root / "stations",
                f"127.0.0.1:{self.gates[slug].port}",
                self.hub.leaf_password,
                conf=self.leaf_conf,
            )
            leaf.start()
            self.leaves[slug] = leaf
            nats_command(leaf.url, "station-setup")
        for slug in (CUT, OTHER):
            prefix = f"t{secrets.token_hex(4)}_"
            self.schema_prefixes.append(prefix)
            self.stacks[slug] = StationStack(
                StackConfig(
                    var_dir=self.root / f"stack-{slug}",
                    stations=[slug],
                    nats_url=self.leaves[slug].url,
                    database_url=POSTGRES_URL if self.backend == "postgres" else None,
                    schema_prefix=prefix,
                    preferred_ports=False,
                    with_devices=False,
                    # Signage copies the works of visiting exhibitions from the hub's view (loopback here).
                    component_env={"signage": {"FETCH_ALLOW": "127.0.0.1"}},
                )
            )
        with concurrent.futures.ThreadPoolExecutor(len(self.stacks)) as starting:
            for started in [starting.submit(stack.start) for stack in self.stacks.values()]:
                started.result()
        for slug, stack in self.stacks.items():
            nats_command(self.hub.client_url(), "register-station", slug, "--public-url", stack.gateway_url)
        self._start_view()

    def _start_view(self) -> None:
        self.view, self.view_url = start_hub_view(
            nats_url=self.hub.client_url(2),
            jwks_url=f"{self.stacks[CUT].gateway_url}/.well-known/jwks.json",
            log_path=self.root / "logs" / "hub-view.log",
            settings={"HUB_LINK_TIMEOUT_SECONDS": "4", "HUB_SOURCE_POLL_SECONDS": "0.5"},
        )

    def stop(self) -> None:
        if self.view is not None:
            self.view.stop()
        for stack in self.stacks.values():
            stack.stop()
        for leaf in self.leaves.values():
            leaf.stop()
        for gate in self.gates.values():
            gate.close()
        self.hub.stop()
        if self.backend == "postgres":
            for prefix in self.schema_prefixes:
                asyncio.run(_postgres_schemas(POSTGRES_URL, prefix, drop=True))


def _status(url: str) -> int:
    try:
        return httpx.get(url, timeout=2).status_code
    except httpx.HTTPError:
        return 0


# The hub's behaviour does not depend on a station's database, and the network costs two whole
# stacks: it runs on SQLite only (every station test runs on both databases elsewhere).
@pytest.fixture(scope="module", params=["sqlite"])
def network(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    net = Network(tmp_path_factory.mktemp(f"network-{request.param}"), request.param)
    try:
        net.start()
    except Exception:
        net.stop()
        raise
    yield net
    net.stop()


def overview(net: Network, token: str, slug: str) -> dict[str, Any]:
    response = httpx.get(f"{net.view_url}/api/v1/network/stations/{slug}", headers=bearer(token), timeout=5)
    assert response.status_code == 200, response.text
    return response.json()


# -- the scenario ---------------------------------------------------------------------------------


def test_a_cut_station_keeps_serving_and_the_hub_catches_up_exactly_once(network: Network) -> None:
    net = network
    stack, leaf = net.stacks[CUT], net.leaves[CUT]
    tokens = Tokens(stack)
    admin = tokens.admin()
    base = f"{stack.gateway_url}/api/v1/stations/{CUT}"

    # Linked: the hub sees both stations, and already holds what the cut station has (its demo data).
    def linked(slug: str) -> bool:
        return overview(net, admin, slug)["link"]["state"] == "connected"

    eventually(lambda: linked(CUT) and linked(OTHER), timeout=30)
    before = station_events(leaf)
    eventually(lambda: Counter(ids(hub_events(net.hub, CUT))) == Counter(ids(before)), timeout=30)

    net.gates[CUT].cut()
    cut_at = time.monotonic()
    view, _ = eventually(
        lambda: (v := overview(net, admin, CUT))["status"] == "unreachable" and v, timeout=20, interval=0.2
    )
    assert view["link"]["state"] == "cut"
    assert overview(net, admin, OTHER)["link"]["state"] == "connected"

    # Cut off, the station serves as before. The operator fills bank A (every free compartment out
    # of service), a screen polls its playlist, the kiosk answers, a vehicle feed reports.
    operator = bearer(tokens.operator(CUT))
    banks = httpx.get(f"{base}/lockers/banks", headers=operator, timeout=10).json()["items"]
    bank = next(b for b in banks if b["code"] == "A")
    free = [c["label"] for c in bank["compartments"] if c["state"] == "free"]
    assert free, bank
    for label in free:
        response = httpx.put(
            f"{base}/lockers/banks/{bank['id']}/compartments/{label}/service-state",
            json={"in_service": False, "reason": "Coupure du lien avec le centre : essai"},
            headers=operator,
            timeout=10,
        )
        assert response.status_code == 200, response.text
    playlist = httpx.get(
        f"{base}/signage/screens/hall/playlist", headers=bearer(tokens.device("screen", CUT)), timeout=10
    )
    assert playlist.status_code == 200 and playlist.json()["now"]["playlist"]["items"]
    kiosk = httpx.get(f"{base}/kiosk/points-of-interest", params={"lang": "fr"}, timeout=10)
    assert kiosk.status_code == 200 and kiosk.json()["items"]
    vehicle_station = "velib-metropole-653046369"
    report = httpx.put(
        f"{base}/mobility/vehicle-stations/{vehicle_station}/status",
        json={
            "num_vehicles_available": 3,
            "vehicle_types_available": [
                {"vehicle_type_id": "velib-mechanical", "count": 1},
                {"vehicle_type_id": "velib-ebike", "count": 2},
            ],
            "num_docks_available": 60,
            "last_reported": datetime.now(UTC).isoformat(),
        },
        headers=bearer(tokens.device("mobility_feed", CUT)),
        timeout=10,
    )
    assert report.status_code == 200, report.text

    # Inside the station, events still flow: the kiosk shows the report (through NATS, locally).
    def kiosk_shows_report() -> bool:
        rows = httpx.get(f"{base}/kiosk/mobility", timeout=5).json()["vehicle_stations"]
        return any(
            r["vehicle_station_id"] == vehicle_station and r["num_vehicles_available"] == 3 for r in rows
        )

    eventually(kiosk_shows_report, timeout=10, interval=0.2)

    # The centre publishes config meanwhile: a new station joins the directory. The linked station
    # gets it at once; the cut one cannot yet.
    nats_command(
        net.hub.client_url(),
        "register-station",
        NEW_STATION,
        "--public-url",
        "https://pont-de-sevres.example.org",
    )
    eventually(lambda: NEW_STATION in directory(net.leaves[OTHER].url), timeout=20, interval=0.2)
    assert NEW_STATION not in directory(leaf.url)

    # The station's outbox relay publishes each change to its own streams, link or no link (each
    # change may bring more than one event: a compartment's state and its bank's availability).
    last_count = -1

    def station_has_the_changes() -> dict[str, list[dict[str, Any]]] | None:
        nonlocal last_count
        events = station_events(leaf)
        new = [e["type"] for e in events_since(before, events)]
        complete = (
            sum(t.endswith(".compartment.state_changed.v1") for t in new) == len(free)
            and sum(t.endswith(".vehicle_station.status_changed.v1") for t in new) == 1
        )
        # Complete, and no event came since the last look: the snapshot is the whole of the cut.
        settled, last_count = complete and len(new) == last_count, len(new)
        return events if settled else None

    during, _ = eventually(station_has_the_changes, timeout=20, interval=0.5)
    cut_ids = set(ids(during)) - set(ids(before))
    assert len(cut_ids) >= len(free) + 1
    # The gate forwards nothing while cut, so the hub cannot hold what the station made since.
    assert not cut_ids & set(ids(hub_events(net.hub, CUT)))

    net.gates[CUT].restore()
    restored = time.monotonic()

    def hub_has_every_event() -> Counter[str] | None:
        at_hub = Counter(ids(hub_events(net.hub, CUT)))
        return at_hub if cut_ids <= set(at_hub) else None

    # NATS retries a stalled source or mirror with a delay that grows with the failed attempts (up to
    # 2 minutes), so how soon both sides catch up depends on how long the cut lasted.
    at_hub, _ = eventually(hub_has_every_event, timeout=CATCH_UP_SECONDS, interval=0.5)
    events_in = time.monotonic() - restored
    # Exactly once: every event the station held, each once at the hub, and nothing the station does
    # not hold (the station's services may have made more since the snapshot: those count too).
    assert set(ids(during)) <= set(at_hub), "events lost at the hub"
    assert max(at_hub.values()) == 1, "events doubled at the hub"
    assert set(at_hub) <= set(ids(station_events(leaf))), "events at the hub the station never made"
    eventually(lambda: NEW_STATION in directory(leaf.url), timeout=CATCH_UP_SECONDS, interval=0.5)
    config_in = time.monotonic() - restored
    print(
        f"\nafter a cut of {restored - cut_at:.0f}s: the hub had the {len(cut_ids)} events of the cut "
        f"{events_in:.1f}s after the link returned, the station the new config {config_in:.1f}s after"
    )

    # The hub's view: the station is back, and its bank A is full.
    view, _ = eventually(
        lambda: (
            (v := overview(net, admin, CUT))["link"]["state"] == "connected"
            and v["lockers"]["full_banks"]
            and v
        ),
        timeout=20,
        interval=0.2,
    )
    assert view["status"] == "attention"
    assert view["lockers"]["full_banks"] == ["A"]
    assert any("A" in reason for reason in view["attention"])
    assert view["name"] == "Saint-Denis Pleyel"


def test_the_hub_publishes_the_network_gbfs_manifest(network: Network) -> None:
    response = httpx.get(f"{network.view_url}/gbfs/manifest.json", timeout=5)
    assert response.status_code == 200
    manifest = response.json()
    jsonschema.validate(manifest, json.loads(MANIFEST_SCHEMA.read_text()))
    urls = {d["system_id"]: d["versions"][0]["url"] for d in manifest["data"]["datasets"]}
    for slug in (CUT, OTHER):
        assert urls[f"gare-numerique-{slug}"] == f"{network.stacks[slug].gateway_url}/gbfs/{slug}/gbfs.json"
    cached = httpx.get(
        f"{network.view_url}/gbfs/manifest.json",
        headers={"If-None-Match": response.headers["etag"]},
        timeout=5,
    )
    assert cached.status_code == 304


def test_the_overview_is_for_network_operators_only(network: Network) -> None:
    url = f"{network.view_url}/api/v1/network/stations"
    assert httpx.get(url, timeout=5).status_code == 401
    tokens = Tokens(network.stacks[CUT])
    station_operator = httpx.get(url, headers=bearer(tokens.operator(CUT)), timeout=5)
    assert station_operator.status_code == 403
    assert station_operator.headers["content-type"].startswith("application/problem+json")
    listed = httpx.get(url, headers=bearer(tokens.admin()), timeout=5).json()
    slugs = [s["slug"] for s in listed["items"]]
    assert {CUT, OTHER} <= set(slugs)
    assert listed["next_cursor"] is None
    summary = httpx.get(
        f"{network.view_url}/api/v1/network/summary", headers=bearer(tokens.admin()), timeout=5
    )
    assert summary.status_code == 200
    assert summary.json()["stations"] == sum(summary.json()["counts"].values()) == len(slugs)
    missing = httpx.get(f"{url}/chatelet", headers=bearer(tokens.admin()), timeout=5)
    assert missing.status_code == 404


def test_the_overview_lists_the_stations_a_page_at_a_time(network: Network) -> None:
    url = f"{network.view_url}/api/v1/network/stations"
    admin = bearer(Tokens(network.stacks[CUT]).admin())
    first = httpx.get(url, params={"limit": 1}, headers=admin, timeout=5).json()
    assert len(first["items"]) == 1 and first["next_cursor"]
    second = httpx.get(
        url, params={"limit": 1, "cursor": first["next_cursor"]}, headers=admin, timeout=5
    ).json()
    everyone = httpx.get(url, headers=admin, timeout=5).json()["items"]
    assert [s["slug"] for s in everyone[:2]] == [first["items"][0]["slug"], second["items"][0]["slug"]]
    assert [s["slug"] for s in everyone] == sorted(s["slug"] for s in everyone)
    bad = httpx.get(url, params={"cursor": "not-a-cursor"}, headers=admin, timeout=5)
    assert_problem(bad, 400, "invalid-cursor")


def test_a_leaf_node_that_does_not_trust_the_hub_certificate_is_refused(network: Network) -> None:
    stranger = StationLeaf(
        "bondy",
        network.root / "stranger",
        f"127.0.0.1:{network.hub.leaf_ports[0]}",
        network.hub.leaf_password,
    )
    assert stranger.conf == LEAF_CONF  # the repository's file, without the CA of this hub
    stranger.start()
    try:
        assert stranger.node is not None
        log = stranger.node.log_path

        def refused() -> bool:
            return "certificate signed by unknown authority" in log.read_text()

        eventually(refused, timeout=20, interval=0.2)
        leafs = httpx.get(f"{network.hub.monitor_url(0)}/leafz", timeout=5).json()["leafs"]
        assert "station-bondy" not in {leaf["name"] for leaf in leafs}
    finally:
        stranger.stop()


# -- culture across the network -------------------------------------------------------------------

# The smallest PNG there is: a work's image as the culture team uploads it.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f0d4a20000000049454e44ae426082"
)
EXHIBITION = "lignes-du-territoire"


def test_an_exhibition_tours_both_stations_plays_where_accepted_and_its_reach_is_counted(
    network: Network,
) -> None:
    """Curated at the hub, published on its config, mirrored by each station over its leaf link: the
    cut-to-be station accepts and plays the works (each with its QR code to the work's page), the
    other declines; a work whose rights end while the link is cut stops on time; once linked again,
    the hub's tour shows both answers and its reach counts the plays and the scan."""
    net = network
    hub = f"{net.view_url}/api/v1/network"
    tokens = {slug: Tokens(net.stacks[slug]) for slug in (CUT, OTHER)}
    curator = bearer(tokens[CUT].admin())  # network:admin may curate too
    now = datetime.now(UTC)

    def at_hub(method: str, path: str, **kw: Any) -> dict[str, Any]:
        response = httpx.request(method, f"{hub}{path}", headers=curator, timeout=10, **kw)
        assert response.is_success, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else {}

    # The culture team curates: one artist, two works (the first one's rights end soon), a visit each.
    media = httpx.post(
        f"{hub}/media", content=PNG, headers={**curator, "Content-Type": "image/png"}, timeout=10
    )
    assert media.status_code == 201, media.text
    at_hub("POST", "/exhibitions", json={"code": EXHIBITION, "title": {"fr": "Lignes du territoire"}})
    at_hub(
        "POST",
        f"/exhibitions/{EXHIBITION}/artists",
        json={"code": "awa-diallo", "name": "Awa Diallo", "biography": {"fr": "Photographe."}},
    )
    rights_end = now + timedelta(seconds=75)
    for code, until in (("aube", rights_end), ("soir", now + timedelta(days=30))):
        at_hub(
            "POST",
            f"/exhibitions/{EXHIBITION}/works",
            json={
                "code": code,
                "artist": "awa-diallo",
                "title": {"fr": f"Quai, {code}", "en": f"Platform, {code}"},
                "audio_description": {"fr": "Un quai au petit jour."},
                "media_sha256": media.json()["sha256"],
                "rights": {
                    "licence": "CC BY-NC 4.0",
                    "credit": "© Awa Diallo",
                    "shown_from": (now - timedelta(days=1)).isoformat(),
                    "shown_until": until.isoformat(),
                },
            },
        )
    for slug in (CUT, OTHER):
        at_hub(
            "POST",
            f"/exhibitions/{EXHIBITION}/visits",
            json={
                "station": slug,
                "starts_at": (now - timedelta(hours=1)).isoformat(),
                "ends_at": (now + timedelta(days=7)).isoformat(),
            },
        )

    # Each station mirrors it; its operator answers the visit.
    def visit_of(slug: str) -> dict[str, Any] | None:
        url = f"{net.stacks[slug].gateway_url}/api/v1/stations/{slug}/signage/visits"
        items = httpx.get(url, headers=bearer(tokens[slug].operator(slug)), timeout=10).json()["items"]
        return next((v for v in items if v["exhibition"] == EXHIBITION), None)

    for slug, answer in ((CUT, "accepted"), (OTHER, "declined")):
        visit, _ = eventually(functools.partial(visit_of, slug), timeout=60, interval=0.5)
        answered = httpx.post(
            f"{net.stacks[slug].gateway_url}/api/v1/stations/{slug}/signage/visits/"
            f"{EXHIBITION}/{visit['code']}/answer",
            json={"answer": answer},
            headers=bearer(tokens[slug].operator(slug)),
            timeout=10,
        )
        assert answered.status_code == 200, answered.text

    # The accepting station's hall plays both works, each with its QR code; the other plays none.
    def works_on_hall(slug: str) -> dict[str, dict[str, Any]]:
        url = f"{net.stacks[slug].gateway_url}/api/v1/stations/{slug}/signage/screens/hall/playlist"
        document = httpx.get(url, headers=bearer(tokens[slug].device("screen", slug)), timeout=10).json()
        items = ((document.get("now") or {}).get("playlist") or {}).get("items", [])
        return {i["work"]: i for i in items if i.get("exhibition") == EXHIBITION}

    def both_playing() -> dict[str, dict[str, Any]] | None:
        works = works_on_hall(CUT)
        return works if len(works) == 2 else None

    playing, _ = eventually(both_playing, timeout=60, interval=0.5)
    assert works_on_hall(OTHER) == {}
    link = playing["soir"]["link"]
    assert f"/app/#/work/{CUT}/{EXHIBITION}/soir" in link and "<svg" in playing["soir"]["qr_svg"]

    # The QR code opens the work on a phone: its page, and the scan counted.
    base = f"{net.stacks[CUT].gateway_url}/api/v1/stations/{CUT}/signage/works/{EXHIBITION}/soir"
    page = httpx.get(base, params={"lang": "en"}, timeout=10)
    assert page.status_code == 200 and page.json()["work"]["title"] == "Platform, soir"
    assert httpx.post(f"{base}/scans", json={"screen": "hall"}, timeout=10).status_code == 202

    # The hall reports its plays: three of each work.
    started = datetime.now(UTC) - timedelta(minutes=1)
    plays = [
        {
            "play_id": f"{EXHIBITION}-{work}-{n}",
            "content_item_id": playing[work]["content_item_id"],
            "started_at": (started + timedelta(seconds=10 * n)).isoformat(),
            "duration_seconds": 10,
        }
        for work in ("aube", "soir")
        for n in range(3)
    ]
    reported = httpx.post(
        f"{net.stacks[CUT].gateway_url}/api/v1/stations/{CUT}/signage/screens/hall/plays",
        json={"plays": plays},
        headers=bearer(tokens[CUT].device("screen", CUT)),
        timeout=10,
    )
    assert reported.status_code == 200 and reported.json()["accepted"] == 6, reported.text

    # Cut from the hub, the station still decides by its own clock: the first work stops when its
    # rights end, the second plays on.
    net.gates[CUT].cut()
    try:
        eventually(lambda: set(works_on_hall(CUT)) == {"soir"}, timeout=150, interval=1)
        assert datetime.now(UTC) >= rights_end - timedelta(seconds=1)
    finally:
        net.gates[CUT].restore()

    # Linked again, the hub has both answers and counts the plays and the scan, each once.
    def answers() -> dict[str, str] | None:
        items = at_hub("GET", f"/exhibitions/{EXHIBITION}/tour")["items"]
        found = {v["station"]: v["answer"] for v in items}
        return found if found == {CUT: "accepted", OTHER: "declined"} else None

    eventually(answers, timeout=60, interval=0.5)

    def reach() -> dict[str, dict[str, Any]] | None:
        rows = at_hub("GET", "/reach", params={"exhibition": EXHIBITION, "by": "work"})["items"]
        found = {row["key"]: row for row in rows}
        return (
            found
            if sum(r["plays"] for r in found.values()) >= 6 and found.get("soir", {}).get("scans")
            else None
        )

    by_work, _ = eventually(reach, timeout=60, interval=0.5)
    assert {k: (r["plays"], r["seconds"], r["scans"]) for k, r in by_work.items()} == {
        "aube": (3, 30.0, 0),
        "soir": (3, 30.0, 1),
    }
    by_station = at_hub("GET", "/reach", params={"exhibition": EXHIBITION, "by": "station"})["items"]
    assert {row["key"]: row["plays"] for row in by_station} == {CUT: 6}
