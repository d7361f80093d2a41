"""Live departures in process: sources and rules over HTTP, the ingest pulling a real local HTTP server
that serves the recorded samples, the departures hot read and stream, disruptions on a real NATS."""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import nats
import pytest
from sqlalchemy import update
from starlette.requests import Request

from kernel.db import utcnow
from services.info_kiosk.app import DEFINITION
from services.info_kiosk.departures import api as departures_api
from services.info_kiosk.departures import live
from services.info_kiosk.departures.loops import IngestLoop
from services.info_kiosk.departures.models import DepartureSource, Disruption
from services.info_kiosk.departures.service import board
from services.info_kiosk.settings import Settings
from services.info_kiosk.tests.departures_support import (
    FeedServer,
    feed_server,
    general_message_without,
    gtfs_source,
    serve_samples,
    siri_at,
    siri_source,
)
from testkit.service import (
    SAINT_DENIS,
    ServiceUnderTest,
    SigningKey,
    assert_problem,
    bearer,
    eventually,
    migrated_sqlite_async,
    running_service,
)

BASE = f"/api/v1/stations/{SAINT_DENIS}/kiosk"
MIGRATIONS = Path(__file__).parents[1] / "migrations"


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with feed_server() as running:
        serve_samples(running, utcnow())
        yield running


@pytest.fixture
async def kiosk(tmp_path: Path, keys: SigningKey, nats_server, server) -> AsyncIterator[ServiceUnderTest]:
    url = await migrated_sqlite_async(MIGRATIONS, tmp_path / "info_kiosk.sqlite")
    # The test pulls when it means to: the ingest loop is off, `pull` runs one round of it.
    settings = functools.partial(Settings, departures_ingest_enabled=False)
    async with running_service(
        DEFINITION,
        settings,
        database_url=url,
        keys=keys,
        nats_url=nats_server.url,
        fetch_allow=(server.allow,),
    ) as running:
        yield running


async def pull(kiosk: ServiceUnderTest) -> int:
    return await IngestLoop(kiosk.runtime, every=1).run_once()


def operator(kiosk: ServiceUnderTest) -> dict[str, str]:
    return bearer(kiosk.keys.operator())


async def add(kiosk: ServiceUnderTest, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await kiosk.http.post(f"{BASE}/{path}", json=body, headers=operator(kiosk))
    assert response.status_code == 201, response.text
    return response.json()


async def source_state(kiosk: ServiceUnderTest, code: str) -> dict[str, Any]:
    response = await kiosk.http.get(f"{BASE}/departure-sources/{code}", headers=operator(kiosk))
    assert response.status_code == 200, response.text
    return response.json()


class Disruptions:
    """Every disruption event published at the station, as it arrives on NATS."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.seen: list[tuple[str, dict[str, Any]]] = []

    async def __aenter__(self) -> Disruptions:
        self.nc = await nats.connect(self.url)

        async def on_message(msg: Any) -> None:
            self.seen.append((msg.subject.rsplit(".", 1)[1], json.loads(msg.data)["data"]))

        await self.nc.subscribe(f"gare.{SAINT_DENIS}.kiosk.disruption.>", cb=on_message)
        await self.nc.flush()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.nc.close()

    async def wait_for(self, count: int) -> list[tuple[str, dict[str, Any]]]:
        await eventually(lambda: asyncio.sleep(0, len(self.seen) >= count), timeout=10)
        return self.seen


# -- sources: CRUD and refusals ------------------------------------------------------------------


async def test_operators_manage_sources_by_code_and_bad_input_changes_nothing(kiosk, server):
    created = await add(kiosk, "departure-sources", siri_source(server))
    assert created["state"] == "stale" and created["updated_at"] is None and created["departures"] == 0
    await add(kiosk, "departure-sources", gtfs_source(server))
    listed = await kiosk.http.get(f"{BASE}/departure-sources", params={"limit": 1}, headers=operator(kiosk))
    page = listed.json()
    assert [s["code"] for s in page["items"]] == ["bus-gtfs-rt"] and page["next_cursor"]
    rest = await kiosk.http.get(
        f"{BASE}/departure-sources", params={"cursor": page["next_cursor"]}, headers=operator(kiosk)
    )
    assert [s["code"] for s in rest.json()["items"]] == ["prim-pleyel"]
    only = await kiosk.http.get(
        f"{BASE}/departure-sources", params={"kind": "gtfs-rt"}, headers=operator(kiosk)
    )
    assert [s["code"] for s in only.json()["items"]] == ["bus-gtfs-rt"]

    changed = await kiosk.http.patch(
        f"{BASE}/departure-sources/prim-pleyel", json={"poll_seconds": 60}, headers=operator(kiosk)
    )
    assert changed.status_code == 200 and changed.json()["poll_seconds"] == 60

    refusals = [
        ("post", "departure-sources", siri_source(server), 409, "conflict"),
        (
            "post",
            "departure-sources",
            {**siri_source(server, "x"), "url": "ftp://example.org/feed"},
            422,
            None,
        ),
        ("post", "departure-sources", {**siri_source(server, "x"), "kind": "gtfs"}, 422, None),
        ("post", "departure-sources", {**siri_source(server, "x"), "stops": []}, 422, None),
        ("post", "departure-sources", {**siri_source(server, "x"), "poll_seconds": 1}, 422, None),
        ("post", "departure-sources", {**siri_source(server, "x"), "surprise": 1}, 422, None),
        (
            "post",
            "departure-sources",
            {**siri_source(server, "x"), "stops": [siri_source(server)["stops"][0]] * 2},
            422,
            "validation-error",
        ),
        ("patch", "departure-sources/prim-pleyel", {"url": None}, 422, None),
        ("patch", "departure-sources/nope", {"poll_seconds": 60}, 404, "unknown-departure-source"),
        ("delete", "departure-sources/nope", None, 404, "unknown-departure-source"),
    ]
    for method, path, body, status, slug in refusals:
        kwargs = {"json": body} if body is not None else {}
        response = await kiosk.http.request(
            method.upper(), f"{BASE}/{path}", headers=operator(kiosk), **kwargs
        )
        assert_problem(response, status, slug)
    assert_problem(await kiosk.http.get(f"{BASE}/departure-sources"), 401)
    traveller = bearer(kiosk.keys.traveller())
    assert_problem(
        await kiosk.http.post(f"{BASE}/departure-sources", json=siri_source(server, "t"), headers=traveller),
        403,
    )
    codes = await kiosk.http.get(f"{BASE}/departure-sources", headers=operator(kiosk))
    assert sorted(s["code"] for s in codes.json()["items"]) == ["bus-gtfs-rt", "prim-pleyel"]

    deleted = await kiosk.http.delete(f"{BASE}/departure-sources/bus-gtfs-rt", headers=operator(kiosk))
    assert deleted.status_code == 204
    assert_problem(
        await kiosk.http.get(f"{BASE}/departure-sources/bus-gtfs-rt", headers=operator(kiosk)), 404
    )


# -- the ingest and the read -----------------------------------------------------------------------


async def test_sources_feed_the_boards_and_an_unchanged_feed_is_asked_conditionally(kiosk, server):
    await add(kiosk, "departure-sources", siri_source(server))
    await add(kiosk, "departure-sources", gtfs_source(server))
    assert await pull(kiosk) == 2
    response = await kiosk.http.get(f"{BASE}/departures")
    assert response.status_code == 200 and response.headers["etag"].startswith('"')
    body = response.json()
    assert body["station_id"] == SAINT_DENIS and body["generated_at"]
    assert [(s["code"], s["state"]) for s in body["sources"]] == [
        ("bus-gtfs-rt", "fresh"),
        ("prim-pleyel", "fresh"),
    ]
    boards = {(b["stop_code"], b["line"], b["direction"]): b for b in body["boards"]}
    assert set(boards) == {
        ("bus-pleyel", "153", "Porte de la Chapelle"),
        ("bus-pleyel-nord", "173", "Porte de Clichy"),
        ("quai-14", "14", "Aéroport d'Orly"),
        ("rer-d", "RER D", "Creil / Orry-la-Ville"),
        ("rer-d", "RER D", "Melun / Corbeil-Essonnes"),
    }
    metro = boards[("quai-14", "14", "Aéroport d'Orly")]
    assert metro["mode"] == "metro" and metro["line_color"] == "#62259D" and len(metro["departures"]) == 3
    assert boards[("bus-pleyel", "153", "Porte de la Chapelle")]["exit_code"] == "exit-pleyel"
    rer = boards[("rer-d", "RER D", "Melun / Corbeil-Essonnes")]["departures"]
    assert [(d["destination"], d["status"], d["platform"]) for d in rer] == [
        ("Melun", "delayed", "2"),
        ("Corbeil-Essonnes", "cancelled", "2"),
    ]
    assert rer[0]["delay_seconds"] == 180
    state = await source_state(kiosk, "prim-pleyel")
    assert state["departures"] == 6 and state["problems"] == [
        "visit RATP-SIV:Item::7.broken:LOC: ExpectedDepartureTime is missing",
        "message IDFM:Message::empty:LOC: no message text",
    ]

    # Hot read: the same bytes again, 304 on its ETag; filters narrow it.
    again = await kiosk.http.get(f"{BASE}/departures", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304
    buses = (await kiosk.http.get(f"{BASE}/departures", params={"mode": "bus"})).json()["boards"]
    assert {b["line"] for b in buses} == {"153", "173"}
    one_stop = (await kiosk.http.get(f"{BASE}/departures", params={"stop": "rer-d", "line": "RER D"})).json()
    assert {b["stop_code"] for b in one_stop["boards"]} == {"rer-d"}
    assert_problem(await kiosk.http.get(f"{BASE}/departures", params={"mode": "plane"}), 422)
    assert_problem(await kiosk.http.get(f"{BASE}/departures", params={"stop": "../x"}), 422)

    # The next pull asks with the validators it kept, and the server answers 304.
    before = server.not_modified
    async with kiosk.runtime.sessionmaker() as session:
        await session.execute(update(DepartureSource).values(next_attempt_at=None))
        await session.commit()
    assert await pull(kiosk) == 2
    assert server.not_modified - before == 3  # stop-monitoring, general-message, the GTFS-RT feed
    asked = [headers for path, headers in server.requests if path == "/siri/stop-monitoring"]
    assert asked[-1]["if-none-match"] == server.documents["/siri/stop-monitoring"].etag
    assert (await source_state(kiosk, "prim-pleyel"))["departures"] == 6  # what it had stays


async def test_garbage_keeps_the_last_good_data_and_an_old_pull_is_stale(kiosk, server):
    await add(kiosk, "departure-sources", siri_source(server))
    await add(kiosk, "departure-sources", gtfs_source(server))
    await pull(kiosk)
    good = (await kiosk.http.get(f"{BASE}/departures")).json()

    server.serve("/siri/stop-monitoring", b"<html><body>502 Bad Gateway</body></html>")
    server.serve("/gtfs-rt/trip-updates.pb", b"", status=503)
    async with kiosk.runtime.sessionmaker() as session:
        await session.execute(update(DepartureSource).values(next_attempt_at=None))
        await session.commit()
    await pull(kiosk)
    siri, gtfs = await source_state(kiosk, "prim-pleyel"), await source_state(kiosk, "bus-gtfs-rt")
    assert siri["state"] == "failing" and siri["reason"].startswith("not JSON")
    assert gtfs["state"] == "failing" and "answered 503" in gtfs["reason"]
    after = (await kiosk.http.get(f"{BASE}/departures")).json()
    assert after["boards"] == good["boards"]  # the last good data is still shown
    assert {s["state"] for s in after["sources"]} == {"failing"}

    # Back to good: fresh again; then nothing for longer than its ttl: stale.
    serve_samples(server, utcnow())
    async with kiosk.runtime.sessionmaker() as session:
        await session.execute(update(DepartureSource).values(next_attempt_at=None))
        await session.commit()
    await pull(kiosk)
    assert (await source_state(kiosk, "prim-pleyel"))["state"] == "fresh"
    async with kiosk.runtime.sessionmaker() as session:
        await session.execute(
            update(DepartureSource)
            .where(DepartureSource.code == "prim-pleyel")
            .values(last_success_at=utcnow() - timedelta(minutes=10))
        )
        await session.commit()
    kiosk.runtime.hot.flush()
    states = {s["code"]: s["state"] for s in (await kiosk.http.get(f"{BASE}/departures")).json()["sources"]}
    assert states == {"prim-pleyel": "stale", "bus-gtfs-rt": "fresh"}


async def test_a_feed_the_guard_refuses_fails_with_its_reason(kiosk, server):
    await add(
        kiosk,
        "departure-sources",
        {**siri_source(server, "intranet"), "url": "http://10.0.0.7/sm", "messages_url": None},
    )
    await pull(kiosk)
    state = await source_state(kiosk, "intranet")
    assert state["state"] == "failing" and "private address" in state["reason"]
    assert not any(path.startswith("/sm") for path, _ in server.requests)


async def test_the_stream_sends_the_departures_body(kiosk, server):
    await add(kiosk, "departure-sources", siri_source(server))
    await pull(kiosk)
    plain = await kiosk.http.get(f"{BASE}/departures", params={"mode": "metro"})
    # A client that does not ask for an event stream gets the current event and the end.
    response = await kiosk.http.get(f"{BASE}/departures/live", params={"mode": "metro"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
    events = [block for block in response.text.split("\n\n") if block.startswith("event: departures")]
    [event] = events
    data = next(line for line in event.splitlines() if line.startswith("data: "))[6:]
    assert data.encode() == plain.content
    assert f"id: {plain.headers['etag'].strip(chr(34))}" in event


# -- disruptions -----------------------------------------------------------------------------------


async def test_messages_become_disruptions_placed_by_rules_raised_and_cleared_on_nats(
    kiosk, server, nats_server
):
    await add(
        kiosk,
        "disruption-rules",
        {
            "code": "rer-d-screens",
            "name": "RER D on screens",
            "lines": ["RER D"],
            "reach": "alert",
            "priority": 10,
        },
    )
    async with Disruptions(nats_server.url) as events:
        await add(kiosk, "departure-sources", siri_source(server))
        await add(kiosk, "departure-sources", gtfs_source(server))
        await pull(kiosk)
        raised = await events.wait_for(4)
        by_ref = {data["source_ref"]: data for verb, data in raised if verb == "published"}
        assert set(by_ref) == {
            "IDFM:Message::RERD-travaux:LOC",
            "IDFM:Message::M14-info:LOC",
            "alert-153-deviation",
            "alert-173-no-service",
        }  # T8's message is not the station's
        rer = by_ref["IDFM:Message::RERD-travaux:LOC"]
        assert (rer["source_code"], rer["reach"], rer["severity"]) == ("prim-pleyel", "alert", "warning")
        assert rer["lines"] == ["RER D"] and rer["stops"] == ["rer-d"]
        assert by_ref["IDFM:Message::M14-info:LOC"]["reach"] == "none"
        assert by_ref["alert-153-deviation"]["reach"] == "ticker" and by_ref["alert-153-deviation"][
            "stops"
        ] == ["bus-pleyel"]
        assert by_ref["alert-173-no-service"]["reach"] == "alert"

        listed = (await kiosk.http.get(f"{BASE}/disruptions")).json()["items"]
        assert {d["source_code"] for d in listed} == {"prim-pleyel", "bus-gtfs-rt"}
        only_rer = (await kiosk.http.get(f"{BASE}/disruptions", params={"line": "RER D"})).json()["items"]
        [rer_public] = only_rer
        assert rer_public["state"] == "active" and rer_public["text"]["fr"].startswith("RER D")

        # An operator silences the line 14 message and overrides the bus one.
        m14 = next(d for d in listed if d["source_ref"] == "IDFM:Message::M14-info:LOC")
        silenced = await kiosk.http.patch(
            f"{BASE}/disruptions/{m14['id']}", json={"silenced": True}, headers=operator(kiosk)
        )
        assert silenced.status_code == 200 and silenced.json()["state"] == "silenced"
        bus = next(d for d in listed if d["source_ref"] == "alert-153-deviation")
        overridden = await kiosk.http.patch(
            f"{BASE}/disruptions/{bus['id']}",
            json={"reach": "alert", "text": {"fr": "Arrêt 153 déplacé"}},
            headers=operator(kiosk),
        )
        assert overridden.json()["reach"] == "alert" and overridden.json()["overridden"] is True
        assert overridden.json()["rule_reach"] == "ticker"
        seen = await events.wait_for(6)
        assert ("cleared", {"disruption_id": m14["id"], "cleared_at": seen[4][1]["cleared_at"]}) in seen[4:]
        republished = next(data for verb, data in seen[4:] if verb == "published")
        assert republished["reach"] == "alert" and republished["text"] == {"fr": "Arrêt 153 déplacé"}

        # The source stops sending the RER D message: it is cleared; the silenced one stays quiet.
        server.serve(
            "/siri/general-message", general_message_without("IDFM:Message::RERD-travaux:LOC", utcnow())
        )
        async with kiosk.runtime.sessionmaker() as session:
            await session.execute(update(DepartureSource).values(next_attempt_at=None))
            await session.commit()
        await pull(kiosk)
        seen = await events.wait_for(7)
        assert seen[6] == (
            "cleared",
            {"disruption_id": rer_public["id"], "cleared_at": seen[6][1]["cleared_at"]},
        )
        active = (await kiosk.http.get(f"{BASE}/disruptions")).json()["items"]
        assert {d["source_ref"] for d in active} == {"alert-153-deviation", "alert-173-no-service"}
        cleared = (await kiosk.http.get(f"{BASE}/disruptions", params={"state": "cleared"})).json()["items"]
        assert [(d["source_ref"], d["cleared_by"]) for d in cleared] == [
            ("IDFM:Message::RERD-travaux:LOC", "source")
        ]

        # A rule changed: the bus 173 alert goes to the ticker (an event says so).
        await add(
            kiosk,
            "disruption-rules",
            {"code": "buses-ticker", "name": "Buses", "lines": ["173"], "reach": "ticker", "priority": 1},
        )
        seen = await events.wait_for(8)
        assert (
            seen[7][0] == "published" and seen[7][1]["reach"] == "ticker" and seen[7][1]["lines"] == ["173"]
        )

        # Refusals: a cleared disruption, an unknown one, a bad body, no token.
        assert_problem(
            await kiosk.http.patch(
                f"{BASE}/disruptions/{rer_public['id']}", json={"reach": "alert"}, headers=operator(kiosk)
            ),
            409,
            "disruption-cleared",
        )
        assert_problem(
            await kiosk.http.patch(
                f"{BASE}/disruptions/{'0' * 32}", json={"silenced": True}, headers=operator(kiosk)
            ),
            404,
            "unknown-disruption",
        )
        assert_problem(
            await kiosk.http.patch(
                f"{BASE}/disruptions/{bus['id']}", json={"reach": "everywhere"}, headers=operator(kiosk)
            ),
            422,
        )
        assert_problem(
            await kiosk.http.patch(f"{BASE}/disruptions/{bus['id']}", json={"silenced": True}), 401
        )


async def test_operators_manage_rules_by_code(kiosk):
    rule = {"code": "severe", "name": "Severe everywhere", "severities": ["severe"], "reach": "alert"}
    created = await add(kiosk, "disruption-rules", rule)
    assert created["priority"] == 100 and created["lines"] == []
    assert_problem(await kiosk.http.post(f"{BASE}/disruption-rules", json=rule, headers=operator(kiosk)), 409)
    assert_problem(
        await kiosk.http.post(
            f"{BASE}/disruption-rules", json={**rule, "code": "x", "reach": "loud"}, headers=operator(kiosk)
        ),
        422,
    )
    changed = await kiosk.http.patch(
        f"{BASE}/disruption-rules/severe", json={"reach": "ticker"}, headers=operator(kiosk)
    )
    assert changed.json()["reach"] == "ticker"
    listed = await kiosk.http.get(
        f"{BASE}/disruption-rules", params={"reach": "ticker"}, headers=operator(kiosk)
    )
    assert [r["code"] for r in listed.json()["items"]] == ["severe"]
    assert (
        await kiosk.http.delete(f"{BASE}/disruption-rules/severe", headers=operator(kiosk))
    ).status_code == 204
    assert_problem(
        await kiosk.http.get(f"{BASE}/disruption-rules/severe", headers=operator(kiosk)),
        404,
        "unknown-disruption-rule",
    )


async def test_a_pull_that_brings_new_departures_drops_the_cached_boards(kiosk, server):
    await add(kiosk, "departure-sources", siri_source(server))
    await pull(kiosk)
    cached = await kiosk.http.get(f"{BASE}/departures", params={"line": "14"})
    assert len(cached.json()["boards"][0]["departures"]) == 3
    # The producer's next answer: the same trains five minutes later (the first three are gone).
    server.serve(
        "/siri/stop-monitoring", siri_at("siri_lite_stop_monitoring.json", utcnow() - timedelta(minutes=5))
    )
    async with kiosk.runtime.sessionmaker() as session:
        await session.execute(update(DepartureSource).values(next_attempt_at=None))
        await session.commit()
    await pull(kiosk)
    fresh = await kiosk.http.get(
        f"{BASE}/departures", params={"line": "14"}, headers={"If-None-Match": cached.headers["etag"]}
    )
    assert fresh.status_code == 200 and fresh.headers["etag"] != cached.headers["etag"]
    assert len(fresh.json()["boards"][0]["departures"]) == 2  # the 2-minute train left 3 minutes ago


async def test_replicas_share_the_due_sources_each_pulled_once(kiosk, server):
    await add(kiosk, "departure-sources", siri_source(server))
    await add(kiosk, "departure-sources", gtfs_source(server))
    replicas = [IngestLoop(kiosk.runtime, every=1) for _ in range(3)]
    pulled = await asyncio.gather(*(r.run_once() for r in replicas))
    assert sum(pulled) == 2
    assert [path for path, _ in server.requests].count("/siri/stop-monitoring") == 1
    assert [path for path, _ in server.requests].count("/gtfs-rt/trip-updates.pb") == 1
    assert await pull(kiosk) == 0  # nothing due before its poll interval


async def test_a_new_stop_is_read_from_the_whole_feed_at_once(kiosk, server):
    body = siri_source(server)
    await add(kiosk, "departure-sources", {**body, "stops": body["stops"][:1]})
    await pull(kiosk)
    assert {b["stop_code"] for b in (await kiosk.http.get(f"{BASE}/departures")).json()["boards"]} == {
        "quai-14"
    }
    changed = await kiosk.http.patch(
        f"{BASE}/departure-sources/prim-pleyel", json={"stops": body["stops"]}, headers=operator(kiosk)
    )
    assert changed.status_code == 200
    await pull(kiosk)  # due at once; asked without validators, so the feed is read whole (not a 304)
    boards = (await kiosk.http.get(f"{BASE}/departures")).json()["boards"]
    assert {b["stop_code"] for b in boards} == {"quai-14", "rer-d"}


async def test_a_change_is_rendered_once_for_every_stream(kiosk, server, monkeypatch):
    """Many streams on one process: a change wakes them all, the hot read renders once, and each
    stream sends the new body once."""
    await add(kiosk, "departure-sources", siri_source(server))
    await pull(kiosk)
    renders = 0
    real_view = board.departures_view

    async def counted(**kwargs: Any):
        nonlocal renders
        renders += 1
        return await real_view(**kwargs)

    monkeypatch.setattr(board, "departures_view", counted)
    runtime = kiosk.runtime
    scope = {
        "type": "http",
        "method": "GET",
        "path": f"{BASE}/departures/live",
        "path_params": {"station_id": SAINT_DENIS},
        "query_string": b"",
        "headers": [],
        "app": kiosk.app,
    }
    request = Request(scope)
    current = departures_api.departures_entry(runtime, request, SAINT_DENIS, departures_api.domain.Filters())
    channel = live.channel_of(runtime)
    received: list[list[str]] = [[] for _ in range(20)]

    async def never() -> bool:
        return False

    async def listen(into: list[str]) -> None:
        async for chunk in live.departure_events(channel, current=current, disconnected=never):
            if chunk.startswith("event: departures"):
                into.append(chunk)

    tasks = [asyncio.create_task(listen(into)) for into in received]
    try:
        await eventually(lambda: asyncio.sleep(0, all(len(r) == 1 for r in received)))
        assert renders == 1  # twenty streams, one render
        changed = await kiosk.http.patch(
            f"{BASE}/departure-sources/prim-pleyel",
            json={"lines": [{"ref": "STIF:Line::C01384:", "name": "14", "color": "#000001"}]},
            headers=operator(kiosk),
        )
        assert changed.status_code == 200
        # The service's push watcher notices the commit and wakes every stream.
        await eventually(lambda: asyncio.sleep(0, all(len(r) == 2 for r in received)))
        assert renders == 2
        assert all("#000001" in r[1] for r in received)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def test_an_expired_disruption_is_cleared_and_a_week_later_forgotten(kiosk, server, nats_server):
    await add(kiosk, "departure-sources", siri_source(server))
    await pull(kiosk)
    [rer] = [
        d for d in (await kiosk.http.get(f"{BASE}/disruptions")).json()["items"] if "RER" in d["text"]["fr"]
    ]
    async with kiosk.runtime.sessionmaker() as session:
        await session.execute(
            update(Disruption).where(Disruption.id == rer["id"]).values(until=utcnow() - timedelta(seconds=1))
        )
        await session.commit()
    async with Disruptions(nats_server.url) as events:
        await pull(kiosk)  # nothing due: the round still clears what expired
        [(verb, data)] = await events.wait_for(1)
        assert (verb, data["disruption_id"]) == ("cleared", rer["id"])
    expired = (await kiosk.http.get(f"{BASE}/disruptions/{rer['id']}")).json()
    assert (expired["state"], expired["cleared_by"]) == ("cleared", "expired")
    async with kiosk.runtime.sessionmaker() as session:
        await session.execute(
            update(Disruption)
            .where(Disruption.id == rer["id"])
            .values(cleared_at=utcnow() - timedelta(days=8))
        )
        await session.commit()
    await pull(kiosk)
    assert_problem(await kiosk.http.get(f"{BASE}/disruptions/{rer['id']}"), 404, "unknown-disruption")
