"""Every hot read, on two replicas of its service (two apps on one SQLite file and one real
nats-server): each kind of write that changes what it shows changes its body and ETag at once on the
replica that wrote, and within BOUND seconds on the other (the invalidation broadcast); both replicas
answer the same bytes with the same ETag, and 304 to it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest

from devices.locker_controller import LockerController
from kernel.service_app import ServiceDefinition
from kernel.settings import ServiceSettings
from services.bike_share.app import DEFINITION as BIKE_SHARE
from services.bike_share.demo import VELIB_SYSTEM
from services.bike_share.models import System, VehicleType
from services.bike_share.settings import Settings as BikeShareSettings
from services.bike_share.systems import service as bike_share_systems
from services.bike_share.vehicle_types import service as bike_share_vehicle_types
from services.info_kiosk.app import DEFINITION as INFO_KIOSK
from services.info_kiosk.settings import Settings as InfoKioskSettings
from services.info_kiosk.tests.test_api import publish, status_event
from services.parcel_lockers.app import DEFINITION as PARCEL_LOCKERS
from services.parcel_lockers.settings import Settings as ParcelLockersSettings
from services.parcel_lockers.sweeps.service import sweep as sweep_lockers
from services.parcel_lockers.tools import tools_of as lockers_tools_of
from services.signage.app import DEFINITION as SIGNAGE
from services.signage.content import service as signage_content
from services.signage.playlists import service as signage_playlists
from services.signage.schemas import ContentCreate, PlaylistCreate, PlaylistEntryIn
from services.signage.settings import Settings as SignageSettings
from testkit.service import (
    SAINT_DENIS,
    ServiceUnderTest,
    SigningKey,
    bearer,
    eventually,
    migrated_sqlite_async,
    running_service,
    wait_until,
)

# How long another replica may keep the old answer while the broadcast flows (it takes milliseconds;
# the bound leaves room for a loaded machine). Without the broadcast the bound is the read's TTL.
BOUND = 3.0
REPO = Path(__file__).parents[1]
Write = Callable[[ServiceUnderTest], Awaitable[Any]]
Replicas = tuple[ServiceUnderTest, ServiceUnderTest]


async def two_replicas(
    stack: AsyncExitStack,
    definition: ServiceDefinition,
    settings: Callable[..., ServiceSettings],
    *,
    tmp_path: Path,
    keys: SigningKey,
    nats_url: str,
) -> Replicas:
    url = await migrated_sqlite_async(
        REPO / "services" / definition.name / "migrations", tmp_path / "shared.sqlite"
    )
    a = await stack.enter_async_context(
        running_service(definition, settings, database_url=url, keys=keys, nats_url=nats_url)
    )
    b = await stack.enter_async_context(
        running_service(definition, settings, database_url=url, keys=keys, nats_url=nats_url)
    )
    return a, b


async def changes_everywhere(
    replicas: Replicas, path: str, write: Write, *, headers: dict[str, str] | None = None, **params: str
) -> tuple[httpx.Response, float]:
    """Both replicas cache `path`; `write` runs on the first; returns the new answer and how long the
    second took to show it."""
    writer, other = replicas
    headers = headers or {}
    before = await writer.http.get(path, headers=headers, params=params)
    assert before.status_code == 200, before.text
    etag = before.headers["etag"]
    for replica in replicas:  # each now holds the answer, and revalidates it
        cached = await replica.http.get(path, headers={**headers, "If-None-Match": etag}, params=params)
        assert cached.status_code == 304, "replicas of one state must give one ETag"

    await write(writer)

    after = await writer.http.get(path, headers={**headers, "If-None-Match": etag}, params=params)
    assert after.status_code == 200, "the replica that wrote must show it at once"
    assert after.headers["etag"] != etag and after.content != before.content

    async def other_shows_it() -> httpx.Response | None:
        seen = await other.http.get(path, headers={**headers, "If-None-Match": etag}, params=params)
        return seen if seen.status_code == 200 else None

    seen, seconds = await eventually(other_shows_it, timeout=BOUND)
    assert seen.content == after.content and seen.headers["etag"] == after.headers["etag"]
    for replica in replicas:
        again = await replica.http.get(
            path, headers={**headers, "If-None-Match": after.headers["etag"]}, params=params
        )
        assert again.status_code == 304
    return after, seconds


# -- bike_share -----------------------------------------------------------------------------------

MOBILITY = f"/api/v1/stations/{SAINT_DENIS}/mobility/vehicle-stations"
PLEYEL = "velib-metropole-1001"


@pytest.fixture
async def bike_share(tmp_path: Path, keys: SigningKey, nats_server) -> AsyncIterator[Replicas]:
    async with AsyncExitStack() as stack:
        replicas = await two_replicas(
            stack, BIKE_SHARE, BikeShareSettings, tmp_path=tmp_path, keys=keys, nats_url=nats_server.url
        )
        async with replicas[0].runtime.sessionmaker() as session:
            await bike_share_systems.ensure(session=session, system=System(**VELIB_SYSTEM))
        await register_vehicle_station(replicas[0], "1001", "Carrefour Pleyel")
        async with replicas[0].runtime.sessionmaker() as session:
            await bike_share_vehicle_types.ensure(session=session, vehicle_type=vehicle_type("velib-ebike"))
        yield replicas


def vehicle_type(type_id: str) -> VehicleType:
    return VehicleType(
        id=type_id,
        system_id="velib-metropole",
        form_factor="bicycle",
        propulsion_type="electric_assist",
        name={"fr": type_id},
    )


async def register_vehicle_station(replica: ServiceUnderTest, external_id: str, name: str) -> None:
    created = await replica.http.post(
        MOBILITY,
        json={
            "system_id": "velib-metropole",
            "external_id": external_id,
            "name": name,
            "lat": 48.9,
            "lon": 2.3,
            "capacity": 30,
        },
        headers=bearer(replica.keys.operator()),
    )
    assert created.status_code == 201, created.text


async def report(replica: ServiceUnderTest, count: int) -> None:
    reported = await replica.http.put(
        f"{MOBILITY}/{PLEYEL}/status",
        json={
            "num_vehicles_available": count,
            "vehicle_types_available": [{"vehicle_type_id": "velib-ebike", "count": count}],
            "num_docks_available": 30 - count,
            "last_reported": datetime.now(UTC).isoformat(),
        },
        headers=bearer(replica.keys.device("mobility_feed", binding="velib-metropole")),
    )
    assert reported.status_code == 200, reported.text


async def add_vehicle_type(replica: ServiceUnderTest) -> None:
    async with replica.runtime.sessionmaker() as session:
        await bike_share_vehicle_types.ensure(session=session, vehicle_type=vehicle_type("velib-cargo"))


async def test_vehicle_stations_follow_every_write_on_both_replicas(bike_share):
    after, _ = await changes_everywhere(bike_share, MOBILITY, lambda r: report(r, 7))
    assert after.json()["items"][0]["status"]["num_vehicles_available"] == 7
    after, _ = await changes_everywhere(
        bike_share, MOBILITY, lambda r: register_vehicle_station(r, "1002", "Stade")
    )
    assert [s["name"] for s in after.json()["items"]] == ["Carrefour Pleyel", "Stade"]
    gbfs_types = f"/gbfs/{SAINT_DENIS}/vehicle_types.json"
    after, _ = await changes_everywhere(bike_share, gbfs_types, add_vehicle_type)
    shown = after.json()["data"]["vehicle_types"]
    assert {t["vehicle_type_id"] for t in shown} == {"velib-ebike", "velib-cargo"}


async def test_one_vehicle_station_follows_its_reports_on_both_replicas(bike_share):
    after, _ = await changes_everywhere(bike_share, f"{MOBILITY}/{PLEYEL}", lambda r: report(r, 3))
    assert after.json()["status"]["num_vehicles_available"] == 3
    # The replica that did not write may write next: the broadcast goes both ways.
    after, _ = await changes_everywhere(bike_share[::-1], f"{MOBILITY}/{PLEYEL}", lambda r: report(r, 4))
    assert after.json()["status"]["num_vehicles_available"] == 4


async def test_a_replica_that_reconnects_to_nats_forgets_what_it_held(bike_share, nats_server):
    writer, other = bike_share
    await report(writer, 1)

    async def other_holds_it() -> bool:  # and keeps it: the broadcasts of earlier writes have come
        if other.runtime.broadcaster.received < writer.runtime.broadcaster.sent:
            return False
        seen = (await other.http.get(MOBILITY)).json()["items"][0]["status"]
        return seen["num_vehicles_available"] == 1 and len(other.runtime.hot) == 1

    await eventually(other_holds_it, timeout=10)
    nats_server.stop()
    await wait_until(lambda: not writer.runtime.bus.connected and not other.runtime.bus.connected, timeout=30)
    await report(writer, 9)  # its broadcast cannot flow now
    stale = await other.http.get(MOBILITY)
    assert stale.json()["items"][0]["status"]["num_vehicles_available"] == 1  # until the TTL
    nats_server.start()
    nats_server.wait_ready()

    async def fresh() -> bool:
        seen = await other.http.get(MOBILITY)
        return seen.json()["items"][0]["status"]["num_vehicles_available"] == 9

    await eventually(fresh, timeout=15)


# -- info_kiosk -----------------------------------------------------------------------------------

KIOSK = f"/api/v1/stations/{SAINT_DENIS}/kiosk"
LIFT = {
    "category": "lift",
    "names": {"fr": "Ascenseur", "en": "Lift"},
    "level": -1,
    "lat": 48.9,
    "lon": 2.3,
    "step_free": True,
}


@pytest.fixture
async def kiosk(tmp_path: Path, keys: SigningKey, nats_server) -> AsyncIterator[Replicas]:
    async with AsyncExitStack() as stack:
        yield await two_replicas(
            stack, INFO_KIOSK, InfoKioskSettings, tmp_path=tmp_path, keys=keys, nats_url=nats_server.url
        )


async def add_point(replica: ServiceUnderTest, category: str) -> None:
    created = await replica.http.post(
        f"{KIOSK}/points-of-interest",
        json=LIFT | {"category": category},
        headers=bearer(replica.keys.operator()),
    )
    assert created.status_code == 201, created.text


@pytest.mark.parametrize(
    ("headers", "params"),
    [({}, {}), ({"Accept-Language": "en-GB,en;q=0.8"}, {}), ({}, {"lang": "fr", "category": "lift"})],
    ids=["default", "accept-language", "lang-and-category"],
)
async def test_points_of_interest_follow_new_points_in_every_variant(kiosk, headers, params):
    after, _ = await changes_everywhere(
        kiosk, f"{KIOSK}/points-of-interest", lambda r: add_point(r, "lift"), headers=headers, **params
    )
    names = [p["name"] for p in after.json()["items"]]
    assert names == (["Lift"] if "Accept-Language" in headers else ["Ascenseur"])


async def test_the_mobility_board_follows_availability_events_on_both_replicas(kiosk, nats_server):
    async def event(_: ServiceUnderTest) -> None:
        await publish(nats_server.url, status_event("velib-metropole-1001", 5))
        # The replica whose consumer took the event shows it when its transaction commits: wait for
        # that on either, then the other has BOUND seconds.
        await eventually(lambda: any_shows(kiosk, 5), timeout=BOUND)

    after, _ = await changes_everywhere(kiosk, f"{KIOSK}/mobility", event)
    assert after.json()["vehicle_stations"][0]["num_vehicles_available"] == 5


async def any_shows(replicas: Replicas, count: int) -> bool:
    for replica in replicas:
        rows = (await replica.http.get(f"{KIOSK}/mobility")).json()["vehicle_stations"]
        if rows and rows[0]["num_vehicles_available"] == count:
            return True
    return False


# -- parcel_lockers -------------------------------------------------------------------------------

LOCKERS = f"/api/v1/stations/{SAINT_DENIS}/lockers"


@pytest.fixture
async def lockers(tmp_path: Path, keys: SigningKey, nats_server) -> AsyncIterator[Replicas]:
    async with AsyncExitStack() as stack:
        replicas = await two_replicas(
            stack,
            PARCEL_LOCKERS,
            ParcelLockersSettings,
            tmp_path=tmp_path,
            keys=keys,
            nats_url=nats_server.url,
        )
        await register_bank(replicas[0], "A")
        yield replicas


async def register_bank(replica: ServiceUnderTest, code: str) -> None:
    created = await replica.http.post(
        f"{LOCKERS}/banks",
        json={
            "code": code,
            "name": f"Consigne {code}",
            "location": "Hall",
            "level": 0,
            "compartments": [{"label": f"{code}01", "size": "S"}, {"label": f"{code}02", "size": "M"}],
        },
        headers=bearer(replica.keys.operator()),
    )
    assert created.status_code == 201, created.text


async def set_in_service(replica: ServiceUnderTest, label: str, in_service: bool) -> None:
    operator = bearer(replica.keys.operator())
    banks = (await replica.http.get(f"{LOCKERS}/banks", headers=operator)).json()["items"]
    bank_id = next(b["id"] for b in banks if b["code"] == label[0])
    changed = await replica.http.put(
        f"{LOCKERS}/banks/{bank_id}/compartments/{label}/service-state",
        json={"in_service": in_service, "reason": None if in_service else "Porte bloquée"},
        headers=operator,
    )
    assert changed.status_code == 200, changed.text


@pytest.mark.parametrize("path", ["/availability", "/availability/A"])
async def test_locker_availability_follows_service_state_on_both_replicas(lockers, path):
    after, _ = await changes_everywhere(
        lockers, f"{LOCKERS}{path}", lambda r: set_in_service(r, "A01", False)
    )
    bank = after.json() if path.endswith("/A") else after.json()["banks"][0]
    assert bank["availability"]["S"] == {"free": 0, "total": 1}
    after, _ = await changes_everywhere(
        lockers[::-1], f"{LOCKERS}{path}", lambda r: set_in_service(r, "A01", True)
    )


async def test_locker_availability_follows_new_banks_on_both_replicas(lockers):
    after, _ = await changes_everywhere(lockers, f"{LOCKERS}/availability", lambda r: register_bank(r, "B"))
    assert [b["code"] for b in after.json()["banks"]] == ["A", "B"]


# -- signage --------------------------------------------------------------------------------------

SCREENS = f"/api/v1/stations/{SAINT_DENIS}/signage/screens"
PLAYER = "screen-player-hall"


@pytest.fixture
async def signage(tmp_path: Path, keys: SigningKey, nats_server) -> AsyncIterator[Replicas]:
    async with AsyncExitStack() as stack:
        replicas = await two_replicas(
            stack, SIGNAGE, SignageSettings, tmp_path=tmp_path, keys=keys, nats_url=nats_server.url
        )
        created = await replicas[0].http.post(
            SCREENS,
            json={
                "code": "hall",
                "name": "Hall",
                "location": "Hall",
                "orientation": "landscape",
                "resolution": "1920x1080",
                "languages": ["fr", "en"],
                "device_client_id": PLAYER,
            },
            headers=bearer(keys.operator()),
        )
        assert created.status_code == 201, created.text
        yield replicas


def add_playlist(name: str, *, is_default: bool) -> Write:
    async def write(replica: ServiceUnderTest) -> None:
        async with replica.runtime.sessionmaker() as session:
            item = await signage_content.create_content_item(
                session=session,
                station_id=SAINT_DENIS,
                content_in=ContentCreate(kind="message", title=name, texts={"fr": name}, duration_seconds=10),
            )
            await signage_playlists.create_playlist(
                session=session,
                station_id=SAINT_DENIS,
                playlist_in=PlaylistCreate(
                    code=name.lower().replace("é", "e"),
                    name=name,
                    is_default=is_default,
                    items=[PlaylistEntryIn(content_item_id=item.id)],
                ),
            )

    return write


async def test_a_screens_playlist_follows_a_new_default_on_both_replicas(signage, keys):
    player = bearer(keys.device("screen", binding="hall", client_id=PLAYER))
    after, _ = await changes_everywhere(
        signage, f"{SCREENS}/hall/playlist", add_playlist("Boucle", is_default=True), headers=player
    )
    assert [item["text"] for item in after.json()["now"]["playlist"]["items"]] == ["Boucle"]
    # A playlist that is neither the screen's nor the default changes what the station holds, not what
    # the hall shows: the answer is rebuilt, and is the same bytes.
    await add_playlist("Réserve", is_default=False)(signage[1])
    same = await signage[0].http.get(
        f"{SCREENS}/hall/playlist", headers={**player, "If-None-Match": after.headers["etag"]}
    )
    assert same.status_code == 304


# Every parcel_lockers write that changes a bank's free compartments or what its board says, on a
# bank whose controller answers door commands (the simulator, on the same nats-server).
CONTROLLER = "lockers-hot-reads"
PHONE = "+33612345678"


@pytest.fixture
async def lockers_at_work(lockers, nats_server, tmp_path: Path) -> AsyncIterator[Replicas]:
    nc = await nats.connect(nats_server.url)
    controller = LockerController(
        nc, station_id=SAINT_DENIS, client_id=CONTROLLER, journal_path=tmp_path / "journal.jsonl"
    )
    await controller.start()
    operator = bearer(lockers[0].keys.operator())
    banks = (await lockers[0].http.get(f"{LOCKERS}/banks", headers=operator)).json()["items"]
    wired = await lockers[0].http.patch(
        f"{LOCKERS}/banks/{banks[0]['id']}", json={"controller_client_id": CONTROLLER}, headers=operator
    )
    assert wired.status_code == 200, wired.text
    yield lockers
    await nc.close()


async def deposit_parcel(replica: ServiceUnderTest, reference: str) -> dict[str, Any]:
    deposited = await replica.http.post(
        f"{LOCKERS}/deposits",
        json={
            "bank": "A",
            "carrier": "colissimo",
            "carrier_reference": reference,
            "size": "S",
            "recipient_phone": PHONE,
        },
        headers=bearer(replica.keys.courier()),
    )
    assert deposited.status_code == 201, deposited.text
    return dict(deposited.json()["parcel"])


async def door_closed(replica: ServiceUnderTest, label: str) -> None:
    token = replica.keys.device("locker_controller", binding="A", client_id=CONTROLLER)
    event = {
        "id": uuid.uuid4().hex,
        "kind": "closed",
        "compartment": label,
        "at": datetime.now(UTC).isoformat(),
    }
    closed = await replica.http.post(
        f"{LOCKERS}/banks/A/door-events", json={"events": [event]}, headers=bearer(token)
    )
    assert closed.json()["results"][0]["outcome"] == "applied", closed.text


async def ready_parcel(replica: ServiceUnderTest, reference: str) -> dict[str, Any]:
    parcel = await deposit_parcel(replica, reference)
    await door_closed(replica, parcel["compartment"])
    return parcel


async def collect(replica: ServiceUnderTest, parcel: dict[str, Any]) -> None:
    shown = await replica.http.get(
        f"{LOCKERS}/banks/A/presence-code", headers=bearer(replica.keys.operator())
    )
    traveller = replica.keys.token(
        role="traveller", stations="*", subject="traveller:hot", phone_number=PHONE
    )
    opened = await replica.http.post(
        f"{LOCKERS}/parcels/{parcel['id']}/open",
        json={"presence_code": shown.json()["code"]},
        headers=bearer(traveller),
    )
    assert opened.status_code == 200, opened.text
    await door_closed(replica, parcel["compartment"])


async def expire_and_return(replica: ServiceUnderTest, parcel: dict[str, Any]) -> None:
    async with replica.runtime.sessionmaker() as session:
        swept = await sweep_lockers(
            session=session,
            tools=lockers_tools_of(replica.app.state.runtime),
            station_id=SAINT_DENIS,
            now=datetime.now(UTC) + timedelta(days=30),
        )
    assert swept["expired"] == 1
    taken = await replica.http.post(
        f"{LOCKERS}/parcels/{parcel['id']}/open", headers=bearer(replica.keys.courier())
    )
    assert taken.status_code == 200, taken.text
    await door_closed(replica, parcel["compartment"])


@pytest.mark.parametrize("path", ["/availability", "/availability/A"])
async def test_locker_availability_follows_deposits_collections_and_returns_on_both_replicas(
    lockers_at_work, path
):
    def free_s(response: httpx.Response) -> int:
        body = response.json()
        bank = body if path.endswith("/A") else body["banks"][0]
        return int(bank["availability"]["S"]["free"])

    parcels: list[dict[str, Any]] = []

    async def deposit(replica: ServiceUnderTest) -> None:
        parcels.append(await ready_parcel(replica, f"HOT-{len(parcels)}"))

    after, _ = await changes_everywhere(lockers_at_work, f"{LOCKERS}{path}", deposit)
    assert free_s(after) == 0
    after, _ = await changes_everywhere(
        lockers_at_work[::-1], f"{LOCKERS}{path}", lambda r: collect(r, parcels[0])
    )
    assert free_s(after) == 1
    await changes_everywhere(lockers_at_work, f"{LOCKERS}{path}", deposit)
    after, _ = await changes_everywhere(
        lockers_at_work[::-1], f"{LOCKERS}{path}", lambda r: expire_and_return(r, parcels[1])
    )
    assert free_s(after) == 1


@pytest.mark.parametrize("path", ["/availability", "/availability/A"])
async def test_locker_availability_follows_bank_changes_on_both_replicas(lockers, path):
    operator = bearer(lockers[0].keys.operator())
    bank_id = (await lockers[0].http.get(f"{LOCKERS}/banks", headers=operator)).json()["items"][0]["id"]

    async def rename(replica: ServiceUnderTest) -> None:
        renamed = await replica.http.patch(
            f"{LOCKERS}/banks/{bank_id}",
            json={"name": "Consigne nord", "location": "Hall nord"},
            headers=operator,
        )
        assert renamed.status_code == 200, renamed.text

    after, _ = await changes_everywhere(lockers, f"{LOCKERS}{path}", rename)
    bank = after.json() if path.endswith("/A") else after.json()["banks"][0]
    assert (bank["name"], bank["location"]) == ("Consigne nord", "Hall nord")


async def test_locker_availability_follows_a_retired_bank_on_both_replicas(lockers):
    await register_bank(lockers[0], "B")
    operator = bearer(lockers[0].keys.operator())
    banks = (await lockers[0].http.get(f"{LOCKERS}/banks", headers=operator)).json()["items"]
    bank_b = next(b["id"] for b in banks if b["code"] == "B")
    for replica in lockers:  # both hold bank B's own board
        assert (await replica.http.get(f"{LOCKERS}/availability/B")).status_code == 200

    async def retire(replica: ServiceUnderTest) -> None:
        retired = await replica.http.delete(f"{LOCKERS}/banks/{bank_b}", headers=operator)
        assert retired.status_code == 204, retired.text

    after, _ = await changes_everywhere(lockers, f"{LOCKERS}/availability", retire)
    assert [b["code"] for b in after.json()["banks"]] == ["A"]

    async def gone_everywhere() -> bool:
        answers = [await r.http.get(f"{LOCKERS}/availability/B") for r in lockers]
        return all(a.status_code == 404 for a in answers)

    await eventually(gone_everywhere, timeout=BOUND)
