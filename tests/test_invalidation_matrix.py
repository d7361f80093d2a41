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
import io
import zipfile
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.bike_share.app import DEFINITION as BIKE_SHARE
from services.bike_share.settings import Settings as BikeShareSettings
from services.common.contracts import kiosk as kiosk_contract
from services.common.contracts import lockers as lockers_contract
from services.common.contracts import mobility, signage
from services.common.events import new_event
from services.common.service_app import ServiceDefinition, build_runtime, create_service_app
from services.common.settings import ServiceSettings
from services.common.testing import (
    SAINT_DENIS,
    ServiceUnderTest,
    SigningKey,
    bearer,
    migrated_sqlite_async,
    running_service,
    wait_until,
)
from services.info_kiosk.tests.test_api import publish

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
    ids: dict[str, Any] = field(default_factory=dict)

    @property
    def admin(self) -> dict[str, str]:
        return bearer(self.keys.admin())

    async def call(self, method: str, path: str, *, token: str | None = None, **kw: Any) -> httpx.Response:
        headers = bearer(token) if token else self.admin
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


def row(write: Step, *changes: str, prepare: Step = nothing) -> Row:
    return Row(write=write, changes=frozenset(changes), prepare=prepare)


@dataclass(frozen=True)
class Matrix:
    definition: ServiceDefinition
    settings: Callable[..., ServiceSettings]
    seed: Step
    reads: tuple[Read, ...]
    writes: Mapping[str, Row]  # "METHOD /path/template" -> row
    events: Mapping[str, Row]  # consumer durable name -> row

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
    stack: AsyncExitStack, matrix: Matrix, *, tmp_path: Path, keys: SigningKey, nats_url: str, count: int = 3
) -> list[ServiceUnderTest]:
    name = matrix.definition.name
    url = await migrated_sqlite_async(REPO / "services" / name / "migrations", tmp_path / f"{name}.sqlite")
    return [
        await stack.enter_async_context(
            running_service(
                matrix.definition, matrix.settings, database_url=url, keys=keys, nats_url=nats_url
            )
        )
        for _ in range(count)
    ]


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


async def check_row(matrix: Matrix, row: Row, *, tmp_path: Path, keys: SigningKey, nats_url: str) -> None:
    async with AsyncExitStack() as stack:
        group = await replicas(stack, matrix, tmp_path=tmp_path, keys=keys, nats_url=nats_url)
        writer, other, truth = group
        ctx = Ctx(writer=writer, keys=keys, nats_url=nats_url)
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
        assert changed == set(row.changes), f"changed {sorted(changed)}, the row says {sorted(row.changes)}"


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


# A station without a report yet is not in station_status; a station's own answer names no types.
STATIONS_AND_INFO = ("vehicle-stations", "gbfs/station_information")
VEHICLE_TYPES = ("vehicle-stations", "gbfs/vehicle_types")
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
        # The discovery files carry the feeds' newest change.
        "gbfs/gbfs",
        "gbfs/manifest",
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


# -- the matrices, and their tests ----------------------------------------------------------------

MATRICES = {"bike_share": BIKE_SHARE_MATRIX}
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
    assert consumers == set(matrix.events), "an event consumer without a row, or a stale row"
    declared = {read.name for read in matrix.definition.hot_reads}
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
    name: str, kind: str, key: str, tmp_path: Path, keys: SigningKey, nats_server
) -> None:
    matrix = MATRICES[name]
    rows = matrix.writes if kind == "write" else matrix.events
    await check_row(matrix, rows[key], tmp_path=tmp_path, keys=keys, nats_url=nats_server.url)


# Kept for the imports a later row uses (zip archives for the station map, dates for schedules).
_ = (
    io,
    zipfile,
    date,
    AsyncIterator,
    kiosk_contract,
    lockers_contract,
    mobility,
    signage,
    new_event,
    publish,
)
