"""The invalidation matrix: every hot read by every kind of write, on three replicas of a service.

The kinds of write are read from the code: every write operation in the service's OpenAPI and every
event consumer it declares. Each needs a row here (how to make that write, and which reads it must
change), so a new write operation or consumer without a row fails `test_every_write_has_a_row`.

For each row, three replicas of the service share one SQLite file and one real nats-server. Every
read is cached on each replica, the write is made on the first (or published on NATS), the
replicas' broadcasts settle, and then:

- the replica that wrote, and the one that did not, answer exactly what a replica rebuilding from the
  database answers (the third, whose cache is emptied before each read): nothing stale anywhere;
- the reads whose answer changed (body, hence strong ETag) are exactly the ones the row names.

Waiting is by observation (every broadcast sent has been received), never by time, so a missing
invalidation fails here rather than hiding behind the read's TTL.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import io
import json
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
from redis.asyncio import Redis

from deploy.embedded.infra import RedisServer
from devices.locker_controller import LockerController
from kernel.contracts import kiosk as kiosk_contract
from kernel.contracts import lockers as lockers_contract
from kernel.contracts import signage
from kernel.events import new_event
from kernel.hot_reads import hot_reads_of
from kernel.notifier import INBOX_KEY
from kernel.service_app import ServiceDefinition, build_runtime, create_service_app
from kernel.settings import ServiceSettings
from services.bike_share.app import DEFINITION as BIKE_SHARE
from services.bike_share.settings import Settings as BikeShareSettings
from services.info_kiosk.app import DEFINITION as INFO_KIOSK
from services.info_kiosk.settings import Settings as InfoKioskSettings
from services.info_kiosk.tests.test_api import publish, status_event
from services.parcel_lockers.app import DEFINITION as PARCEL_LOCKERS
from services.parcel_lockers.settings import Settings as ParcelLockersSettings
from services.parcel_lockers.tests.test_api import CONTROLLER_A, bank
from services.signage.app import DEFINITION as SIGNAGE
from services.signage.demo import artwork_png
from services.signage.exhibitions.demo import CODE as DEMO_EXHIBITION
from services.signage.exhibitions.demo import load_demo_exhibition
from services.signage.settings import Settings as SignageSettings
from testkit.service import (
    SAINT_DENIS,
    ServiceUnderTest,
    SigningKey,
    bearer,
    migrated_sqlite_async,
    running_redis,
    running_service,
    wait_until,
)

# Over a hundred rows, each on its own replicas: every worker takes its share.
pytestmark = pytest.mark.spread

REPO = Path(__file__).parents[1]
WRITE_METHODS = ("post", "put", "patch", "delete")
# A generous bound on waiting for a condition (broadcasts received, an event handled), not a claim
# about speed: bench/ measures that.
PATIENCE = 30.0


# -- the harness ----------------------------------------------------------------------------------


@dataclass
class Ctx:
    """What a row's steps see: the replica that writes, the keys, NATS, and ids a step made."""

    writer: ServiceUnderTest
    keys: SigningKey
    nats_url: str
    stack: AsyncExitStack
    tmp_path: Path
    redis_url: str | None = None
    ids: dict[str, Any] = field(default_factory=dict)

    @property
    def admin(self) -> dict[str, str]:
        return bearer(self.keys.admin())

    async def call(
        self, method: str, path: str, *, token: str | None = None, headers: Mapping[str, str] = {}, **kw: Any
    ) -> httpx.Response:
        headers = {**(bearer(token) if token else self.admin), **headers}
        response = await self.writer.http.request(method, path, headers=headers, **kw)
        assert response.is_success, f"{method} {path}: {response.status_code} {response.text}"
        return response


Step = Callable[[Ctx], Awaitable[Any]]


async def nothing(_: Ctx) -> None:
    return None


@dataclass(frozen=True)
class Read:
    """One concrete request of a hot read; `label` names it in rows."""

    label: str
    hot_read: str
    path: str
    token: Callable[[SigningKey], str] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Row:
    """How to make one kind of write (after `prepare`, which runs before the reads are cached), and
    the labels of the reads it must change."""

    write: Step
    changes: frozenset[str]
    prepare: Step = nothing
    # Reads whose bytes change only when the write falls in a later second than the last change
    # (a GBFS `last_updated`): never stale, but not always changed.
    maybe: frozenset[str] = frozenset()


def row(write: Step, *changes: str, prepare: Step = nothing, maybe: tuple[str, ...] = ()) -> Row:
    return Row(write=write, changes=frozenset(changes), prepare=prepare, maybe=frozenset(maybe))


@dataclass(frozen=True)
class Matrix:
    definition: ServiceDefinition
    settings: Callable[..., ServiceSettings]
    seed: Step
    reads: tuple[Read, ...]
    writes: Mapping[str, Row]  # "METHOD /path/template" -> row
    events: Mapping[str, Row]  # consumer durable name -> row
    needs_redis: bool = False
    # Settings that name files of the test's own (shared by the replicas, like their database).
    files: Callable[[Path], dict[str, Any]] = lambda _: {}

    def write_operations(self) -> set[str]:
        spec = self.definition_app_openapi()
        return {
            f"{method.upper()} {path}"
            for path, operations in spec["paths"].items()
            for method in operations
            if method in WRITE_METHODS
        }

    def definition_app_openapi(self) -> dict[str, Any]:
        settings = self.settings(environment="test", stations=[SAINT_DENIS], log_level="WARNING")
        return create_service_app(self.definition, settings).openapi()


async def replicas(
    stack: AsyncExitStack,
    matrix: Matrix,
    *,
    tmp_path: Path,
    keys: SigningKey,
    nats_url: str,
    redis_url: str | None,
    count: int = 3,
) -> list[ServiceUnderTest]:
    name = matrix.definition.name
    database = tmp_path / f"{name}.sqlite"
    shutil.copyfile(await migrated_template(name), database)
    url = f"sqlite+aiosqlite:///{database}"
    settings = functools.partial(matrix.settings, **matrix.files(tmp_path))
    return [
        await stack.enter_async_context(
            running_service(
                matrix.definition,
                settings,
                database_url=url,
                keys=keys,
                nats_url=nats_url,
                redis_url=redis_url,
            )
        )
        for _ in range(count)
    ]


_TEMPLATES: dict[str, Path] = {}


async def migrated_template(name: str) -> Path:
    """The service's migrated, empty database, made once per test process and copied for each row."""
    if name not in _TEMPLATES:
        folder = Path(tempfile.mkdtemp(prefix=f"matrix-{name}-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        await migrated_sqlite_async(REPO / "services" / name / "migrations", folder / "template.sqlite")
        _TEMPLATES[name] = folder / "template.sqlite"
    return _TEMPLATES[name]


async def settled(group: list[ServiceUnderTest]) -> None:
    """Every invalidation any replica queued has been sent, and every replica received the others'."""

    def done() -> bool:
        broadcasters = [r.runtime.broadcaster for r in group]
        if any(b.broadcasting for b in broadcasters):
            return False
        total = sum(b.sent for b in broadcasters)
        return all(b.received == total - b.sent for b in broadcasters)

    await wait_until(done, timeout=PATIENCE)


async def answer(replica: ServiceUnderTest, read: Read, keys: SigningKey) -> httpx.Response:
    headers = dict(read.headers)
    if read.token is not None:
        headers |= bearer(read.token(keys))
    response = await replica.http.get(read.path, headers=headers)
    assert response.status_code == 200, f"{read.label}: {response.status_code} {response.text}"
    return response


async def rebuilt(truth: ServiceUnderTest, read: Read, keys: SigningKey) -> httpx.Response:
    truth.runtime.hot.flush()
    return await answer(truth, read, keys)


async def check_row(
    matrix: Matrix, row: Row, *, tmp_path: Path, keys: SigningKey, nats_url: str, redis_url: str | None
) -> None:
    async with AsyncExitStack() as stack:
        group = await replicas(
            stack, matrix, tmp_path=tmp_path, keys=keys, nats_url=nats_url, redis_url=redis_url
        )
        writer, other, truth = group
        ctx = Ctx(
            writer=writer, keys=keys, nats_url=nats_url, stack=stack, tmp_path=tmp_path, redis_url=redis_url
        )
        await matrix.seed(ctx)
        await row.prepare(ctx)
        await settled(group)
        before = {}
        for read in matrix.reads:
            cached = [await answer(r, read, keys) for r in (writer, other)]
            assert cached[0].headers["etag"] == cached[1].headers["etag"], f"{read.label}: replicas disagree"
            before[read.label] = cached[0]

        await row.write(ctx)
        if row.changes:
            # An event is handled by whichever replica's consumer takes it: wait until the state shows it.
            async def state_changed() -> bool:
                for read in matrix.reads:
                    if read.label in row.changes:
                        fresh = await rebuilt(truth, read, keys)
                        if fresh.content != before[read.label].content:
                            return True
                return False

            await wait_async(state_changed)
        await settled(group)

        changed = set()
        for read in matrix.reads:
            fresh = await rebuilt(truth, read, keys)
            for name, replica in (("the writer", writer), ("another replica", other)):
                seen = await answer(replica, read, keys)
                assert seen.content == fresh.content, f"{read.label}: {name} answers stale bytes"
                assert seen.headers["etag"] == fresh.headers["etag"], f"{read.label}: {name}'s ETag"
            if fresh.content != before[read.label].content:
                assert fresh.headers["etag"] != before[read.label].headers["etag"]
                changed.add(read.label)
        assert changed - row.maybe == set(row.changes), (
            f"changed {sorted(changed)}, the row says {sorted(row.changes)}"
        )


async def wait_async(condition: Callable[[], Awaitable[bool]]) -> None:
    deadline = asyncio.get_running_loop().time() + PATIENCE
    while not await condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"the write's effect did not show within {PATIENCE}s")
        await asyncio.sleep(0.02)


# -- bike_share -----------------------------------------------------------------------------------

MOBILITY = f"/api/v1/stations/{SAINT_DENIS}/mobility"
MOBILITY_T = "/api/v1/stations/{station_id}/mobility"  # as the OpenAPI names it
PLEYEL = "velib-metropole-1001"
NOW = datetime.now(UTC)


def gbfs(file: str) -> Read:
    return Read(f"gbfs/{file}", "gbfs", f"/gbfs/{SAINT_DENIS}/{file}.json")


BIKE_SHARE_READS = (
    Read("vehicle-stations", "vehicle-stations", f"{MOBILITY}/vehicle-stations"),
    Read("vehicle-station", "vehicle-station", f"{MOBILITY}/vehicle-stations/{PLEYEL}"),
    gbfs("manifest"),
    gbfs("gbfs"),
    gbfs("system_information"),
    gbfs("vehicle_types"),
    gbfs("station_information"),
    gbfs("station_status"),
    gbfs("vehicle_status"),
    gbfs("system_pricing_plans"),
)


async def bike_share_seed(ctx: Ctx) -> None:
    await ctx.call(
        "POST",
        f"{MOBILITY}/systems",
        json={"id": "velib-metropole", "name": {"fr": "Vélib' Métropole"}, "timezone": "Europe/Paris"},
    )
    await ctx.call(
        "POST",
        f"{MOBILITY}/pricing-plans",
        json={
            "id": "velib-v",
            "system_id": "velib-metropole",
            "name": {"fr": "V-Plus"},
            "description": {"fr": "Trajet"},
            "price": 3.0,
        },
    )
    for type_id in ("velib-mechanical", "velib-ebike"):
        await ctx.call("POST", f"{MOBILITY}/vehicle-types", json=vehicle_type(type_id))
    await ctx.call("POST", f"{MOBILITY}/vehicle-stations", json=vehicle_station("1001", "Carrefour Pleyel"))
    await ctx.call(
        "PUT",
        f"{MOBILITY}/vehicle-stations/{PLEYEL}/status",
        json=status_report(2, at=NOW - timedelta(seconds=60)),
    )


def vehicle_type(type_id: str) -> dict[str, Any]:
    return {
        "id": type_id,
        "system_id": "velib-metropole",
        "form_factor": "bicycle",
        "propulsion_type": "electric_assist" if "ebike" in type_id else "human",
        "name": {"fr": type_id},
        "pricing_plan_id": "velib-v",
        **({"max_range_meters": 60_000} if "ebike" in type_id else {}),
    }


def vehicle_station(external_id: str, name: str) -> dict[str, Any]:
    return {
        "system_id": "velib-metropole",
        "external_id": external_id,
        "name": name,
        "lat": 48.918,
        "lon": 2.343,
        "capacity": 30,
    }


def status_report(count: int, *, at: datetime | None = None) -> dict[str, Any]:
    return {
        "num_vehicles_available": count,
        "vehicle_types_available": [{"vehicle_type_id": "velib-ebike", "count": count}],
        "num_docks_available": 30 - count,
        "last_reported": (at or datetime.now(UTC)).isoformat(),
    }


def free_vehicle(external_id: str) -> dict[str, Any]:
    return {
        "system_id": "velib-metropole",
        "external_id": external_id,
        "vehicle_type_id": "velib-ebike",
        "lat": 48.918,
        "lon": 2.344,
        "last_reported": datetime.now(UTC).isoformat(),
    }


async def add_vehicle(ctx: Ctx) -> None:
    made = await ctx.call("POST", f"{MOBILITY}/vehicles", json=free_vehicle("v-1"))
    ctx.ids["vehicle"] = made.json()["id"]


async def add_unused_type(ctx: Ctx) -> None:
    await ctx.call("POST", f"{MOBILITY}/vehicle-types", json=vehicle_type("velib-cargo"))


async def add_unused_plan(ctx: Ctx) -> None:
    await ctx.call(
        "POST",
        f"{MOBILITY}/pricing-plans",
        json={
            "id": "velib-jour",
            "system_id": "velib-metropole",
            "name": {"fr": "Jour"},
            "description": {"fr": "24 h"},
            "price": 5.0,
        },
    )


async def add_other_system(ctx: Ctx) -> None:
    await ctx.call(
        "POST",
        f"{MOBILITY}/systems",
        json={"id": "cityscoot", "name": {"fr": "Cityscoot"}, "timezone": "Europe/Paris"},
    )


# A station without a report yet is not in station_status; the vehicle stations' answers name no
# types (a client reads them from /vehicle-types).
STATIONS_AND_INFO = ("vehicle-stations", "gbfs/station_information")
VEHICLE_TYPES = ("gbfs/vehicle_types",)
BIKE_SHARE_WRITES = {
    f"POST {MOBILITY_T}/vehicle-stations": row(
        lambda ctx: ctx.call("POST", f"{MOBILITY}/vehicle-stations", json=vehicle_station("1002", "Étoiles")),
        *STATIONS_AND_INFO,
    ),
    f"PATCH {MOBILITY_T}/vehicle-stations/{{vehicle_station_id}}": row(
        lambda ctx: ctx.call("PATCH", f"{MOBILITY}/vehicle-stations/{PLEYEL}", json={"name": "Pleyel Nord"}),
        "vehicle-stations",
        "vehicle-station",
        "gbfs/station_information",
    ),
    f"DELETE {MOBILITY_T}/vehicle-stations/{{vehicle_station_id}}": row(
        lambda ctx: ctx.call("DELETE", f"{MOBILITY}/vehicle-stations/{MOBILITY_SECOND}"),
        *STATIONS_AND_INFO,
        prepare=lambda ctx: ctx.call(
            "POST", f"{MOBILITY}/vehicle-stations", json=vehicle_station("1002", "Étoiles")
        ),
    ),
    f"PUT {MOBILITY_T}/vehicle-stations/{{vehicle_station_id}}/status": row(
        lambda ctx: ctx.call("PUT", f"{MOBILITY}/vehicle-stations/{PLEYEL}/status", json=status_report(7)),
        "vehicle-stations",
        "vehicle-station",
        "gbfs/station_status",
    ),
    # A system with no vehicle station here is not in the station's feeds: nothing may go stale.
    f"POST {MOBILITY_T}/systems": row(add_other_system),
    f"PATCH {MOBILITY_T}/systems/{{system_id}}": row(
        lambda ctx: ctx.call("PATCH", f"{MOBILITY}/systems/velib-metropole", json={"name": {"fr": "Vélib'"}}),
        "gbfs/system_information",
        # The discovery files carry the system's last change, to the second.
        maybe=("gbfs/gbfs", "gbfs/manifest"),
    ),
    f"DELETE {MOBILITY_T}/systems/{{system_id}}": row(
        lambda ctx: ctx.call("DELETE", f"{MOBILITY}/systems/cityscoot"),
        prepare=add_other_system,
    ),
    f"POST {MOBILITY_T}/pricing-plans": row(add_unused_plan, "gbfs/system_pricing_plans"),
    f"PATCH {MOBILITY_T}/pricing-plans/{{plan_id}}": row(
        lambda ctx: ctx.call("PATCH", f"{MOBILITY}/pricing-plans/velib-v", json={"price": 3.5}),
        "gbfs/system_pricing_plans",
    ),
    f"DELETE {MOBILITY_T}/pricing-plans/{{plan_id}}": row(
        lambda ctx: ctx.call("DELETE", f"{MOBILITY}/pricing-plans/velib-jour"),
        "gbfs/system_pricing_plans",
        prepare=add_unused_plan,
    ),
    f"POST {MOBILITY_T}/vehicle-types": row(add_unused_type, *VEHICLE_TYPES),
    f"PATCH {MOBILITY_T}/vehicle-types/{{vehicle_type_id}}": row(
        lambda ctx: ctx.call(
            "PATCH", f"{MOBILITY}/vehicle-types/velib-ebike", json={"name": {"fr": "Vélo électrique"}}
        ),
        *VEHICLE_TYPES,
    ),
    f"DELETE {MOBILITY_T}/vehicle-types/{{vehicle_type_id}}": row(
        lambda ctx: ctx.call("DELETE", f"{MOBILITY}/vehicle-types/velib-cargo"),
        *VEHICLE_TYPES,
        prepare=add_unused_type,
    ),
    f"POST {MOBILITY_T}/vehicles": row(add_vehicle, "gbfs/vehicle_status"),
    f"PATCH {MOBILITY_T}/vehicles/{{vehicle_id}}": row(
        lambda ctx: ctx.call(
            "PATCH", f"{MOBILITY}/vehicles/{ctx.ids['vehicle']}", json={"is_reserved": True}
        ),
        "gbfs/vehicle_status",
        prepare=add_vehicle,
    ),
    f"DELETE {MOBILITY_T}/vehicles/{{vehicle_id}}": row(
        lambda ctx: ctx.call("DELETE", f"{MOBILITY}/vehicles/{ctx.ids['vehicle']}"),
        "gbfs/vehicle_status",
        prepare=add_vehicle,
    ),
}
MOBILITY_SECOND = "velib-metropole-1002"

BIKE_SHARE_MATRIX = Matrix(
    definition=BIKE_SHARE,
    settings=BikeShareSettings,
    seed=bike_share_seed,
    reads=BIKE_SHARE_READS,
    writes=BIKE_SHARE_WRITES,
    events={},
)


# -- signage --------------------------------------------------------------------------------------

SIGNAGE_P = f"/api/v1/stations/{SAINT_DENIS}/signage"
SIGNAGE_T = "/api/v1/stations/{station_id}/signage"
PLAYER = "screen-player-hall"


def player_token(keys: SigningKey) -> str:
    return keys.device("screen", binding="hall", client_id=PLAYER)


SIGNAGE_READS = (
    Read("hall", "screen-playlist", f"{SIGNAGE_P}/screens/hall/playlist", token=player_token),
    Read("calendar", "agenda-calendar", f"{SIGNAGE_P}/agenda/calendar.ics?lang=en"),
)


def screen(code: str, **changes: Any) -> dict[str, Any]:
    return {
        "code": code,
        "name": code.title(),
        "location": "Hall",
        "orientation": "landscape",
        "resolution": "1920x1080",
        "languages": ["fr", "en"],
        **changes,
    }


async def add_content(ctx: Ctx, title: str, **fields: Any) -> str:
    made = await ctx.call(
        "POST",
        f"{SIGNAGE_P}/content",
        json={"kind": "message", "title": title, "texts": {"fr": title}, "duration_seconds": 10, **fields},
    )
    item_id: str = made.json()["id"]
    ctx.ids[title] = item_id
    return item_id


async def add_playlist(ctx: Ctx, code: str, *item_ids: str, is_default: bool = False) -> None:
    made = await ctx.call(
        "POST",
        f"{SIGNAGE_P}/playlists",
        json={
            "code": code,
            "name": code.title(),
            "is_default": is_default,
            "items": [{"content_item_id": i} for i in item_ids],
        },
    )
    ctx.ids[code] = made.json()["id"]


async def signage_seed(ctx: Ctx) -> None:
    await ctx.call("POST", f"{SIGNAGE_P}/screens", json=screen("hall", device_client_id=PLAYER))
    welcome = await add_content(ctx, "Bienvenue")
    vehicles = await add_content(ctx, "Vélos", kind="widget", texts={}, widget="vehicle_availability")
    lifts = await add_content(ctx, "Ascenseurs", kind="widget", texts={}, widget="lift_status")
    await add_playlist(ctx, "boucle", welcome, vehicles, lifts, is_default=True)


async def add_second_screen(ctx: Ctx) -> None:
    await ctx.call("POST", f"{SIGNAGE_P}/screens", json=screen("quai"))


async def add_reserve(ctx: Ctx) -> None:
    await add_playlist(ctx, "reserve", await add_content(ctx, "Réserve"))


def schedule(ctx: Ctx, code: str, **changes: Any) -> dict[str, Any]:
    return {
        "code": code,
        "name": code.title(),
        "playlist_id": ctx.ids["reserve"],
        "targets": {"screens": ["hall"]},
    } | changes


async def add_schedule(ctx: Ctx) -> None:
    await add_reserve(ctx)
    await ctx.call("POST", f"{SIGNAGE_P}/schedules", json=schedule(ctx, "soiree"))


async def add_visit(ctx: Ctx) -> None:
    """The demo's exhibition, its visit on now accepted: its works play on every screen."""
    async with ctx.writer.runtime.sessionmaker() as session:
        await load_demo_exhibition(session, SAINT_DENIS, [], artwork_png)
    visits = (await ctx.call("GET", f"{SIGNAGE_P}/visits", params={"when": "current"})).json()["items"]
    ctx.ids["visit"] = visits[0]["code"]


async def raise_alert(ctx: Ctx) -> None:
    made = await ctx.call(
        "POST",
        f"{SIGNAGE_P}/alerts",
        json={"severity": "emergency", "texts": {"fr": "Évacuez la gare"}, "targets": {"screens": ["hall"]}},
    )
    ctx.ids["alert"] = made.json()["id"]


async def upload_png(ctx: Ctx) -> None:
    from PIL import Image

    image = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(image, format="PNG")
    await ctx.call(
        "POST", f"{SIGNAGE_P}/media", content=image.getvalue(), headers={"content-type": "image/png"}
    )


def agenda_event(code: str, **changes: Any) -> dict[str, Any]:
    """An event running now that sets the welcome: the screens' languages follow it."""
    now = datetime.now(UTC)
    return {
        "code": code,
        "kind": "fair",
        "title": {"fr": "Salon", "en": "Trade fair"},
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(days=2)).isoformat(),
        "welcome": {"languages": ["en", "zh"]},
    } | changes


async def add_agenda_event(ctx: Ctx) -> None:
    await ctx.call("POST", f"{SIGNAGE_P}/agenda", json=agenda_event("salon"))


LAYOUT = {
    "name": "Bandeau",
    "columns": ["1fr"],
    "rows": ["1fr", "auto"],
    "areas": ["content", "ticker"],
    "regions": [{"name": "content", "kind": "content"}, {"name": "ticker", "kind": "ticker"}],
}


async def add_layout(ctx: Ctx) -> None:
    await ctx.call("POST", f"{SIGNAGE_P}/layouts", json={"code": "bandeau", **LAYOUT})


async def hall_shows_layout(ctx: Ctx) -> None:
    await add_layout(ctx)
    hall = {k: v for k, v in screen("hall", device_client_id=PLAYER, layout="bandeau").items() if k != "code"}
    await ctx.call("PUT", f"{SIGNAGE_P}/screens/hall", json=hall)


def as_player(method: str, path: str, **kw: Any) -> Step:
    return lambda ctx: ctx.call(method, path, token=player_token(ctx.keys), **kw)


SIGNAGE_WRITES = {
    # A new screen, or one removed, is not the hall: its document must stay right all the same.
    f"POST {SIGNAGE_T}/screens": row(add_second_screen),
    f"PUT {SIGNAGE_T}/screens/{{code}}": row(
        lambda ctx: ctx.call(
            "PUT",
            f"{SIGNAGE_P}/screens/hall",
            json={
                k: v
                for k, v in screen("hall", device_client_id=PLAYER, languages=["fr", "en", "ar"]).items()
                if k != "code"
            },
        ),
        "hall",
    ),
    f"DELETE {SIGNAGE_T}/screens/{{code}}": row(
        lambda ctx: ctx.call("DELETE", f"{SIGNAGE_P}/screens/quai"), prepare=add_second_screen
    ),
    f"POST {SIGNAGE_T}/screens/{{code}}/heartbeat": row(
        as_player("POST", f"{SIGNAGE_P}/screens/hall/heartbeat", json={"version": "2"})
    ),
    f"POST {SIGNAGE_T}/screens/{{code}}/alerts/{{alert_id}}/ack": row(
        lambda ctx: as_player("POST", f"{SIGNAGE_P}/screens/hall/alerts/{ctx.ids['alert']}/ack")(ctx),
        prepare=raise_alert,
    ),
    f"POST {SIGNAGE_T}/screens/{{code}}/plays": row(
        lambda ctx: as_player(
            "POST",
            f"{SIGNAGE_P}/screens/hall/plays",
            json={
                "plays": [
                    {
                        "play_id": "p1",
                        "content_item_id": ctx.ids["Bienvenue"],
                        "started_at": datetime.now(UTC).isoformat(),
                        "duration_seconds": 10,
                    }
                ]
            },
        )(ctx)
    ),
    f"POST {SIGNAGE_T}/media": row(upload_png),
    f"POST {SIGNAGE_T}/content": row(lambda ctx: add_content(ctx, "Inutilisé")),
    f"PUT {SIGNAGE_T}/content/{{content_id}}": row(
        lambda ctx: ctx.call(
            "PUT",
            f"{SIGNAGE_P}/content/{ctx.ids['Bienvenue']}",
            json={
                "kind": "message",
                "title": "Bienvenue",
                "texts": {"fr": "Bonjour"},
                "duration_seconds": 10,
            },
        ),
        "hall",
    ),
    f"DELETE {SIGNAGE_T}/content/{{content_id}}": row(
        lambda ctx: ctx.call("DELETE", f"{SIGNAGE_P}/content/{ctx.ids['Inutilisé']}"),
        prepare=lambda ctx: add_content(ctx, "Inutilisé"),
    ),
    # One default per station: a new playlist plays on the hall once a schedule or the screen names it.
    f"POST {SIGNAGE_T}/playlists": row(add_reserve),
    f"PUT {SIGNAGE_T}/playlists/{{code}}": row(
        lambda ctx: ctx.call(
            "PUT",
            f"{SIGNAGE_P}/playlists/boucle",
            json={"name": "Boucle", "is_default": True, "items": [{"content_item_id": ctx.ids["Bienvenue"]}]},
        ),
        "hall",
    ),
    f"DELETE {SIGNAGE_T}/playlists/{{code}}": row(
        lambda ctx: ctx.call("DELETE", f"{SIGNAGE_P}/playlists/reserve"), prepare=add_reserve
    ),
    f"POST {SIGNAGE_T}/schedules": row(add_schedule, "hall"),
    f"PUT {SIGNAGE_T}/schedules/{{code}}": row(
        lambda ctx: ctx.call(
            "PUT",
            f"{SIGNAGE_P}/schedules/soiree",
            json={
                k: v for k, v in schedule(ctx, "soiree", playlist_id=ctx.ids["boucle"]).items() if k != "code"
            },
        ),
        "hall",
        prepare=add_schedule,
    ),
    f"DELETE {SIGNAGE_T}/schedules/{{code}}": row(
        lambda ctx: ctx.call("DELETE", f"{SIGNAGE_P}/schedules/soiree"), "hall", prepare=add_schedule
    ),
    f"POST {SIGNAGE_T}/visits/{{exhibition}}/{{visit}}/answer": row(
        lambda ctx: ctx.call(
            "POST",
            f"{SIGNAGE_P}/visits/{DEMO_EXHIBITION}/{ctx.ids['visit']}/answer",
            json={"answer": "declined"},
        ),
        "hall",
        prepare=add_visit,
    ),
    f"POST {SIGNAGE_T}/works/{{exhibition}}/{{work}}/scans": row(
        lambda ctx: ctx.call("POST", f"{SIGNAGE_P}/works/{DEMO_EXHIBITION}/le-grand-hall/scans", json={}),
        prepare=add_visit,
    ),
    f"POST {SIGNAGE_T}/alerts": row(raise_alert, "hall"),
    # A layout no screen shows changes no document; one the hall shows changes the hall's.
    f"POST {SIGNAGE_T}/layouts": row(add_layout),
    f"PUT {SIGNAGE_T}/layouts/{{code}}": row(
        lambda ctx: ctx.call("PUT", f"{SIGNAGE_P}/layouts/bandeau", json=LAYOUT | {"rows": ["3fr", "1fr"]}),
        "hall",
        prepare=hall_shows_layout,
    ),
    f"DELETE {SIGNAGE_T}/layouts/{{code}}": row(
        lambda ctx: ctx.call("DELETE", f"{SIGNAGE_P}/layouts/bandeau"), prepare=add_layout
    ),
    f"POST {SIGNAGE_T}/alerts/reach": row(
        lambda ctx: ctx.call("POST", f"{SIGNAGE_P}/alerts/reach", json={"screens": ["hall"]})
    ),
    f"POST {SIGNAGE_T}/alerts/{{alert_id}}/clear": row(
        lambda ctx: ctx.call("POST", f"{SIGNAGE_P}/alerts/{ctx.ids['alert']}/clear"),
        "hall",
        prepare=raise_alert,
    ),
    f"POST {SIGNAGE_T}/agenda": row(add_agenda_event, "calendar", "hall"),
    # A new title is the feed's; the welcome, hence the screens, stay as they were.
    f"PUT {SIGNAGE_T}/agenda/{{code}}": row(
        lambda ctx: ctx.call(
            "PUT",
            f"{SIGNAGE_P}/agenda/salon",
            json={k: v for k, v in agenda_event("salon", title={"fr": "Salon 2027"}).items() if k != "code"},
        ),
        "calendar",
        prepare=add_agenda_event,
    ),
    f"DELETE {SIGNAGE_T}/agenda/{{code}}": row(
        lambda ctx: ctx.call("DELETE", f"{SIGNAGE_P}/agenda/salon"),
        "calendar",
        "hall",
        prepare=add_agenda_event,
    ),
}


def lift_event(status: kiosk_contract.EquipmentStatus) -> Any:
    return new_event(
        station_id=SAINT_DENIS,
        domain=kiosk_contract.DOMAIN,
        entity=kiosk_contract.EQUIPMENT,
        verb=kiosk_contract.STATUS_CHANGED,
        subject="lift-1",
        data=kiosk_contract.EquipmentStatusChanged(
            place_code="lift-1",
            kind="lift",
            names={"fr": "Ascenseur quai"},
            level=-1,
            status=status,
            reason="Panne" if status != "in_service" else None,
            until=None,
            changed_at=datetime.now(UTC),
        ),
    )


def disruption_event() -> Any:
    return new_event(
        station_id=SAINT_DENIS,
        domain=kiosk_contract.DOMAIN,
        entity=kiosk_contract.DISRUPTION,
        verb=kiosk_contract.PUBLISHED,
        data=kiosk_contract.DisruptionRaised(
            disruption_id="d-1",
            source_code="idfm-siri",
            source_ref="d-1",
            severity="severe",
            reach="alert",
            text={"fr": "Ligne 15 interrompue"},
            description={},
            lines=["L15"],
            stops=[],
            raised_at=datetime.now(UTC),
            until=None,
        ),
    )


def published(event: Callable[[], Any]) -> Step:
    return lambda ctx: publish(ctx.nats_url, event())


SIGNAGE_MATRIX = Matrix(
    definition=SIGNAGE,
    settings=SignageSettings,
    seed=signage_seed,
    reads=SIGNAGE_READS,
    writes=SIGNAGE_WRITES,
    events={
        "signage-vehicle-availability": row(published(lambda: status_event(PLEYEL, 6)), "hall"),
        "signage-equipment-status": row(published(lambda: lift_event("out_of_service")), "hall"),
        "signage-disruptions": row(published(disruption_event), "hall"),
    },
)


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with running_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server


# -- parcel_lockers -------------------------------------------------------------------------------

LOCKERS = f"/api/v1/stations/{SAINT_DENIS}/lockers"
LOCKERS_T = "/api/v1/stations/{station_id}/lockers"
PHONE = "+33612345678"

LOCKERS_READS = (
    Read("availability", "lockers-availability", f"{LOCKERS}/availability"),
    Read("availability/A", "bank-availability", f"{LOCKERS}/availability/A"),
)


def controller(ctx: Ctx) -> str:
    return ctx.keys.device("locker_controller", binding="A", client_id=CONTROLLER_A)


def recipient(ctx: Ctx) -> str:
    return ctx.keys.token(role="traveller", stations="*", subject="traveller:5678", phone_number=PHONE)


async def lockers_seed(ctx: Ctx) -> None:
    # The bank's controller: the device simulator, answering door commands over the real NATS.
    client = await nats.connect(ctx.nats_url)
    ctx.stack.push_async_callback(client.close)
    device = LockerController(
        client, station_id=SAINT_DENIS, client_id=CONTROLLER_A, journal_path=ctx.tmp_path / "journal.jsonl"
    )
    await device.start()
    await ctx.call("POST", f"{LOCKERS}/banks", json=bank("A", "SSMML", CONTROLLER_A))
    ctx.ids["A"] = await bank_id(ctx, "A")


async def bank_id(ctx: Ctx, code: str) -> str:
    banks = (await ctx.call("GET", f"{LOCKERS}/banks")).json()["items"]
    return str(next(b["id"] for b in banks if b["code"] == code))


async def add_bank_b(ctx: Ctx) -> None:
    await ctx.call("POST", f"{LOCKERS}/banks", json=bank("B", "SM"))
    ctx.ids["B"] = await bank_id(ctx, "B")


def parcel(reference: str) -> dict[str, Any]:
    return {
        "bank": "A",
        "carrier": "colissimo",
        "carrier_reference": reference,
        "size": "S",
        "recipient_phone": PHONE,
    }


async def deposit(ctx: Ctx, reference: str = "CP-1") -> dict[str, Any]:
    made = await ctx.call("POST", f"{LOCKERS}/deposits", json=parcel(reference), token=ctx.keys.courier())
    deposited: dict[str, Any] = made.json()["parcel"]
    ctx.ids["parcel"] = deposited
    return deposited


async def door_closed(ctx: Ctx, label: str) -> None:
    event = {
        "id": uuid.uuid4().hex,
        "kind": "closed",
        "compartment": label,
        "at": datetime.now(UTC).isoformat(),
    }
    closed = await ctx.call(
        "POST", f"{LOCKERS}/banks/A/door-events", json={"events": [event]}, token=controller(ctx)
    )
    assert closed.json()["results"][0]["outcome"] == "applied", closed.text


async def ready_parcel(ctx: Ctx) -> None:
    deposited = await deposit(ctx)
    await door_closed(ctx, deposited["compartment"])


async def presence(ctx: Ctx) -> dict[str, str]:
    shown = await ctx.call("GET", f"{LOCKERS}/banks/A/presence-code", token=controller(ctx))
    return {"presence_code": shown.json()["code"]}


async def open_from_the_phone(ctx: Ctx) -> None:
    await ctx.call(
        "POST",
        f"{LOCKERS}/parcels/{ctx.ids['parcel']['id']}/open",
        json=await presence(ctx),
        token=recipient(ctx),
    )


async def ready_and_opened(ctx: Ctx) -> None:
    await ready_parcel(ctx)
    await open_from_the_phone(ctx)


async def pickup_code(ctx: Ctx) -> str:
    inbox = Redis.from_url(str(ctx.redis_url))
    try:
        newest = json.loads(
            next(m for m in await inbox.lrange(INBOX_KEY, 0, -1) if json.loads(m)["to"] == PHONE)
        )
    finally:
        await inbox.aclose()
    return next(
        w.rstrip(".") for w in newest["text"].split() if w.rstrip(".").isdigit() and len(w.rstrip(".")) == 8
    )


BOTH = ("availability", "availability/A")
LOCKERS_WRITES = {
    # Bank B is not bank A: only the station's list shows it.
    f"POST {LOCKERS_T}/banks": row(add_bank_b, "availability"),
    f"PATCH {LOCKERS_T}/banks/{{bank_id}}": row(
        lambda ctx: ctx.call("PATCH", f"{LOCKERS}/banks/{ctx.ids['A']}", json={"name": "Consigne du hall"}),
        *BOTH,
    ),
    f"DELETE {LOCKERS_T}/banks/{{bank_id}}": row(
        lambda ctx: ctx.call("DELETE", f"{LOCKERS}/banks/{ctx.ids['B']}"), "availability", prepare=add_bank_b
    ),
    f"PUT {LOCKERS_T}/banks/{{bank_id}}/compartments/{{label}}/service-state": row(
        lambda ctx: ctx.call(
            "PUT",
            f"{LOCKERS}/banks/{ctx.ids['A']}/compartments/A01/service-state",
            json={"in_service": False, "reason": "Porte bloquée"},
        ),
        *BOTH,
    ),
    f"POST {LOCKERS_T}/deposits": row(deposit, *BOTH),
    f"POST {LOCKERS_T}/deposits/bulk": row(
        lambda ctx: ctx.call(
            "POST",
            f"{LOCKERS}/deposits/bulk",
            json={"parcels": [parcel("CP-2"), parcel("CP-3")]},
            token=ctx.keys.courier(),
        ),
        *BOTH,
    ),
    # Opened, the compartment still holds the parcel until its door closes.
    f"POST {LOCKERS_T}/parcels/{{parcel_id}}/open": row(open_from_the_phone, prepare=ready_parcel),
    f"POST {LOCKERS_T}/parcels/{{parcel_id}}/door-closed": row(
        lambda ctx: ctx.call(
            "POST", f"{LOCKERS}/parcels/{ctx.ids['parcel']['id']}/door-closed", token=recipient(ctx)
        ),
        *BOTH,
        prepare=ready_and_opened,
    ),
    f"POST {LOCKERS_T}/parcels/{{parcel_id}}/unlock-tokens": row(
        lambda ctx: ctx.call(
            "POST", f"{LOCKERS}/parcels/{ctx.ids['parcel']['id']}/unlock-tokens", token=recipient(ctx)
        ),
        prepare=ready_parcel,
    ),
    f"POST {LOCKERS_T}/shipments": row(
        lambda ctx: ctx.call(
            "POST",
            f"{LOCKERS}/shipments",
            json={"bank": "A", "carrier": "mondial-relay", "carrier_reference": "MR-1", "size": "S"},
            token=recipient(ctx),
        ),
        *BOTH,
    ),
    f"POST {LOCKERS_T}/banks/{{code}}/keypad": row(lambda ctx: keypad(ctx), prepare=ready_parcel),
    f"POST {LOCKERS_T}/banks/{{code}}/door-events": row(
        lambda ctx: door_closed(ctx, ctx.ids["parcel"]["compartment"]), *BOTH, prepare=ready_and_opened
    ),
    f"POST {LOCKERS_T}/sweeps": row(lambda ctx: ctx.call("POST", f"{LOCKERS}/sweeps")),
}


async def keypad(ctx: Ctx) -> None:
    await ctx.call(
        "POST", f"{LOCKERS}/banks/A/keypad", json={"code": await pickup_code(ctx)}, token=controller(ctx)
    )


LOCKERS_MATRIX = Matrix(
    definition=PARCEL_LOCKERS,
    settings=functools.partial(
        ParcelLockersSettings, controller_timeout_seconds=5, door_open_limit_seconds=60
    ),
    seed=lockers_seed,
    reads=LOCKERS_READS,
    writes=LOCKERS_WRITES,
    events={},
    needs_redis=True,
    files=lambda tmp_path: {"unlock_key_file": tmp_path / "unlock.pem"},
)


# -- info_kiosk -----------------------------------------------------------------------------------

KIOSK = f"/api/v1/stations/{SAINT_DENIS}/kiosk"
KIOSK_T = "/api/v1/stations/{station_id}/kiosk"
DEMO_GRAPH = REPO / "services" / "info_kiosk" / "demo_gtfs" / SAINT_DENIS

KIOSK_READS = (
    Read("points-of-interest", "points-of-interest", f"{KIOSK}/points-of-interest"),
    Read("mobility", "mobility-board", f"{KIOSK}/mobility"),
    Read("map", "station-map", f"{KIOSK}/map"),
    Read("live", "live-panels", f"{KIOSK}/live"),
    Read("departures", "departures", f"{KIOSK}/departures"),
)


def demo_graph_zip(*, without_pathway: str | None = None) -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        for path in sorted(DEMO_GRAPH.glob("*.txt")):
            text = path.read_text()
            if without_pathway and path.name == "pathways.txt":
                text = "".join(
                    line for line in text.splitlines(True) if not line.startswith(f"{without_pathway},")
                )
            z.writestr(path.name, text)
    return archive.getvalue()


async def kiosk_seed(ctx: Ctx) -> None:
    await ctx.call(
        "PUT", f"{KIOSK}/graph/gtfs", content=demo_graph_zip(), headers={"content-type": "application/zip"}
    )
    await add_point(ctx)
    await publish(ctx.nats_url, status_event(PLEYEL, 2))
    await publish(ctx.nats_url, locker_event(free=3))

    async def fed() -> bool:
        live = (await ctx.writer.http.get(f"{KIOSK}/live")).json()
        board = (await ctx.writer.http.get(f"{KIOSK}/mobility")).json()["vehicle_stations"]
        return bool(board) and "3" in json.dumps(live)

    await wait_async(fed)


async def add_point(ctx: Ctx) -> None:
    await ctx.call(
        "POST",
        f"{KIOSK}/points-of-interest",
        json={
            "category": "lift",
            "names": {"fr": "Ascenseur quai", "en": "Platform lift"},
            "level": -1,
            "lat": 48.9175,
            "lon": 2.3468,
            "step_free": True,
        },
    )


async def add_level(ctx: Ctx) -> None:
    await ctx.call("POST", f"{KIOSK}/levels", json={"code": "L-5", "index": -5, "names": {"fr": "Niveau -5"}})


async def add_place(ctx: Ctx) -> None:
    await ctx.call(
        "POST",
        f"{KIOSK}/places",
        json={
            "code": "info-2",
            "kind": "information",
            "names": {"fr": "Accueil"},
            "level_code": "L-1",
            "lat": 48.9175,
            "lon": 2.3467,
        },
    )


async def add_pathway(ctx: Ctx) -> None:
    await ctx.call(
        "POST",
        f"{KIOSK}/pathways",
        json={
            "code": "p-new",
            "from_code": "lift-central",
            "to_code": "lift-15",
            "mode": "walkway",
            "bidirectional": True,
            "length_m": 40,
        },
    )


DESTINATIONS = f"{KIOSK}/exits/exit-rue-pleyel/destinations"


async def add_destination(ctx: Ctx) -> None:
    await ctx.call(
        "POST",
        DESTINATIONS,
        json={"code": "rue-test", "kind": "street", "names": {"fr": "Rue test"}, "lat": 48.918, "lon": 2.346},
    )


def locker_event(*, free: int) -> Any:
    return new_event(
        station_id=SAINT_DENIS,
        domain=lockers_contract.DOMAIN,
        entity=lockers_contract.BANK,
        verb=lockers_contract.AVAILABILITY_CHANGED,
        subject="bank-a",
        data=lockers_contract.BankAvailabilityChanged(
            bank_id="bank-a",
            bank_code="A",
            name="Consigne A",
            level=-1,
            availability={"S": lockers_contract.SizeAvailability(free=free, total=4)},
            changed_at=datetime.now(UTC),
        ),
    )


def alert_raised() -> Any:
    return new_event(
        station_id=SAINT_DENIS,
        domain=signage.DOMAIN,
        entity=signage.ALERT,
        verb=signage.RAISED,
        subject="alert-1",
        data=signage.AlertRaised(
            alert_id="alert-1",
            severity="emergency",
            text={"fr": "Évacuez la gare"},
            targets=signage.AlertTargets(),
            raised_at=datetime.now(UTC),
            expires_at=None,
        ),
    )


def alert_cleared() -> Any:
    return new_event(
        station_id=SAINT_DENIS,
        domain=signage.DOMAIN,
        entity=signage.ALERT,
        verb=signage.CLEARED,
        subject="alert-1",
        data=signage.AlertCleared(alert_id="alert-1", cleared_at=datetime.now(UTC)),
    )


async def alert_shown(ctx: Ctx) -> None:
    await publish(ctx.nats_url, alert_raised())
    await wait_async(lambda: _live_mentions(ctx, "Évacuez"))


async def _live_mentions(ctx: Ctx, text: str) -> bool:
    return text in (await ctx.writer.http.get(f"{KIOSK}/live", params={"lang": "fr"})).text


KIOSK_WRITES = {
    f"POST {KIOSK_T}/points-of-interest": row(add_point, "points-of-interest"),
    f"POST {KIOSK_T}/levels": row(add_level, "map"),
    f"PATCH {KIOSK_T}/levels/{{code}}": row(
        lambda ctx: ctx.call("PATCH", f"{KIOSK}/levels/L-4", json={"names": {"fr": "Quais ligne 15"}}), "map"
    ),
    f"DELETE {KIOSK_T}/levels/{{code}}": row(
        lambda ctx: ctx.call("DELETE", f"{KIOSK}/levels/L-5"), "map", prepare=add_level
    ),
    f"POST {KIOSK_T}/places": row(add_place, "map"),
    f"PATCH {KIOSK_T}/places/{{code}}": row(
        lambda ctx: ctx.call(
            "PATCH", f"{KIOSK}/places/lift-15", json={"names": {"fr": "Ascenseur de la 15"}}
        ),
        "map",
    ),
    f"DELETE {KIOSK_T}/places/{{code}}": row(
        lambda ctx: ctx.call("DELETE", f"{KIOSK}/places/info-2"), "map", prepare=add_place
    ),
    f"POST {KIOSK_T}/pathways": row(add_pathway, "map"),
    f"PATCH {KIOSK_T}/pathways/{{code}}": row(
        lambda ctx: ctx.call("PATCH", f"{KIOSK}/pathways/p-pleyel-stairs", json={"length_m": 35}), "map"
    ),
    f"DELETE {KIOSK_T}/pathways/{{code}}": row(
        lambda ctx: ctx.call("DELETE", f"{KIOSK}/pathways/p-new"), "map", prepare=add_pathway
    ),
    f"PUT {KIOSK_T}/graph/gtfs": row(
        lambda ctx: ctx.call(
            "PUT",
            f"{KIOSK}/graph/gtfs",
            content=demo_graph_zip(without_pathway="p-pleyel-stairs"),
            headers={"content-type": "application/zip"},
        ),
        "map",
    ),
    # What an exit leads to is read by search and routes, which are not hot reads.
    f"POST {KIOSK_T}/exits/{{exit_code}}/destinations": row(add_destination),
    f"PATCH {KIOSK_T}/exits/{{exit_code}}/destinations/{{code}}": row(
        lambda ctx: ctx.call("PATCH", f"{DESTINATIONS}/rue-test", json={"walking_m": 30}),
        prepare=add_destination,
    ),
    f"DELETE {KIOSK_T}/exits/{{exit_code}}/destinations/{{code}}": row(
        lambda ctx: ctx.call("DELETE", f"{DESTINATIONS}/rue-test"), prepare=add_destination
    ),
    f"PUT {KIOSK_T}/equipment/{{code}}": row(
        lambda ctx: ctx.call(
            "PUT", f"{KIOSK}/equipment/lift-central", json={"status": "out_of_service", "reason": "Panne"}
        ),
        "map",
        "live",
    ),
}

SOURCE_BODY = {
    "code": "prim-pleyel",
    "name": "PRIM",
    "kind": "siri-lite",
    "url": "https://feeds.invalid/stop-monitoring",
    "stops": [
        {"ref": "STIF:StopPoint:Q:473921:", "stop_code": "quai-14", "stop_name": "Ligne 14", "mode": "metro"}
    ],
}
RULE_BODY = {"code": "rer-d", "name": "RER D", "lines": ["RER D"], "reach": "alert"}


async def add_source(ctx: Ctx) -> None:
    await ctx.call("POST", f"{KIOSK}/departure-sources", json=SOURCE_BODY)


async def add_rule(ctx: Ctx) -> None:
    await ctx.call("POST", f"{KIOSK}/disruption-rules", json=RULE_BODY)


async def add_disruption(ctx: Ctx) -> None:
    """A disruption as the ingest leaves it (the ingest is off in the matrix: no feed to pull)."""
    from services.info_kiosk.departures.models import Disruption

    now = datetime.now(UTC)
    async with ctx.writer.runtime.sessionmaker() as session:
        session.add(
            Disruption(
                id="d" * 32,
                station_id=SAINT_DENIS,
                source_code="prim-pleyel",
                source_ref="IDFM:Message::1:LOC",
                severity="warning",
                lines=["RER D"],
                stops=[],
                text={"fr": "RER D perturbé"},
                description={},
                rule_reach="ticker",
                override_reach=None,
                override_text=None,
                silenced=False,
                raised_at=now,
                until=None,
                updated_at=now,
                cleared_at=None,
                cleared_by=None,
            )
        )
        await session.commit()


KIOSK_WRITES |= {
    f"POST {KIOSK_T}/departure-sources": row(add_source, "departures"),
    f"PATCH {KIOSK_T}/departure-sources/{{code}}": row(
        lambda ctx: ctx.call("PATCH", f"{KIOSK}/departure-sources/prim-pleyel", json={"enabled": False}),
        "departures",
        prepare=add_source,
    ),
    f"DELETE {KIOSK_T}/departure-sources/{{code}}": row(
        lambda ctx: ctx.call("DELETE", f"{KIOSK}/departure-sources/prim-pleyel"),
        "departures",
        prepare=add_source,
    ),
    # Rules and disruptions show on no hot read (their events reach the screens).
    f"POST {KIOSK_T}/disruption-rules": row(add_rule),
    f"PATCH {KIOSK_T}/disruption-rules/{{code}}": row(
        lambda ctx: ctx.call("PATCH", f"{KIOSK}/disruption-rules/rer-d", json={"reach": "ticker"}),
        prepare=add_rule,
    ),
    f"DELETE {KIOSK_T}/disruption-rules/{{code}}": row(
        lambda ctx: ctx.call("DELETE", f"{KIOSK}/disruption-rules/rer-d"), prepare=add_rule
    ),
    f"PATCH {KIOSK_T}/disruptions/{{disruption_id}}": row(
        lambda ctx: ctx.call("PATCH", f"{KIOSK}/disruptions/{'d' * 32}", json={"silenced": True}),
        prepare=add_disruption,
    ),
}

KIOSK_MATRIX = Matrix(
    definition=INFO_KIOSK,
    settings=InfoKioskSettings,
    seed=kiosk_seed,
    reads=KIOSK_READS,
    writes=KIOSK_WRITES,
    # The departures' ingest pulls on its own clock: off, so that only the rows' writes change state.
    files=lambda _: {"departures_ingest_enabled": False},
    events={
        "info_kiosk-vehicle-availability": row(
            published(lambda: status_event(PLEYEL, 6)), "mobility", "live"
        ),
        "info_kiosk-locker-availability": row(published(lambda: locker_event(free=1)), "live"),
        "info_kiosk-alerts: raised": row(published(alert_raised), "live"),
        "info_kiosk-alerts: cleared": row(published(alert_cleared), "live", prepare=alert_shown),
    },
)


# -- the matrices, and their tests ----------------------------------------------------------------

MATRICES = {
    "bike_share": BIKE_SHARE_MATRIX,
    "signage": SIGNAGE_MATRIX,
    "parcel_lockers": LOCKERS_MATRIX,
    "info_kiosk": KIOSK_MATRIX,
}
ROWS = [
    pytest.param(name, kind, key, id=f"{name}: {key}")
    for name, matrix in MATRICES.items()
    for kind, rows in (("write", matrix.writes), ("event", matrix.events))
    for key in rows
]


@pytest.mark.parametrize("name", list(MATRICES))
async def test_every_write_and_every_hot_read_has_a_row(name: str, tmp_path: Path) -> None:
    matrix = MATRICES[name]
    assert matrix.write_operations() == set(matrix.writes), "a write operation without a row, or a stale row"
    consumers = await consumer_names(matrix, tmp_path)
    # A consumer of several kinds of event has a row per kind: "durable: kind".
    assert consumers == {key.split(":")[0] for key in matrix.events}, (
        "a consumer without a row, or a stale row"
    )
    # Declared with their route (hot_get), or still in the definition.
    reads = hot_reads_of(matrix.definition.routers)
    declared = {read.name for read in reads}
    assert declared == {read.hot_read for read in matrix.reads}, "a hot read without a concrete read"
    labels = {read.label for read in matrix.reads}
    for rows in (matrix.writes, matrix.events):
        for key, r in rows.items():
            assert r.changes <= labels, f"{key} names reads that do not exist"


async def consumer_names(matrix: Matrix, tmp_path: Path) -> set[str]:
    """The durable names of the consumers the service declares (built as at start, never run)."""
    settings = matrix.settings(
        environment="test",
        stations=[SAINT_DENIS],
        log_level="WARNING",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'unused.sqlite'}",
    )
    runtime = build_runtime(matrix.definition, settings)
    try:
        return {consumer.durable for consumer in runtime.consumers.consumers}
    finally:
        await runtime.http.aclose()
        await runtime.engine.dispose()


@pytest.mark.parametrize(("name", "kind", "key"), ROWS)
async def test_the_write_changes_what_it_shows_on_every_replica(
    name: str,
    kind: str,
    key: str,
    tmp_path: Path,
    keys: SigningKey,
    nats_server,
    request: pytest.FixtureRequest,
) -> None:
    matrix = MATRICES[name]
    rows = matrix.writes if kind == "write" else matrix.events
    redis_url = None
    if matrix.needs_redis:
        redis_url = request.getfixturevalue("redis_server").url
        flushed = Redis.from_url(redis_url)
        await flushed.flushall()
        await flushed.aclose()
    await check_row(
        matrix, rows[key], tmp_path=tmp_path, keys=keys, nats_url=nats_server.url, redis_url=redis_url
    )
