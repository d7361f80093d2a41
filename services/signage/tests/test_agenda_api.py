"""The agenda through the API, on SQLite and (with GARE_TEST_POSTGRES_URL) PostgreSQL: operators keep
a station's events, everyone reads them and their iCalendar feed, and an event sets the welcome."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar
from sqlalchemy import select, text

from kernel.db import create_engine
from kernel.migrations import upgrade_to_head
from services.signage.agenda.service import tell_welcome_change
from services.signage.app import DEFINITION
from services.signage.models import OUTBOX
from services.signage.settings import Settings
from services.signage.tests.stations import BASE, MIGRATIONS, Station
from testkit.service import (
    SAINT_DENIS,
    SigningKey,
    assert_problem,
    bearer,
    migrated_sqlite_async,
    running_service,
)

POSTGRES_URL = os.environ.get("GARE_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]
NOW = datetime.now(UTC).replace(microsecond=0)
WELCOME_CHANGED = f"gare.{SAINT_DENIS}.signage.welcome.changed"


@pytest.fixture(params=BACKENDS)
async def station(request: pytest.FixtureRequest, tmp_path: Path, keys: SigningKey) -> AsyncIterator[Station]:
    schema = None
    if request.param == "sqlite":
        url = await migrated_sqlite_async(MIGRATIONS, tmp_path / "signage.sqlite")
    else:
        url, schema = POSTGRES_URL, f"t{uuid.uuid4().hex[:8]}_signage"
        await asyncio.to_thread(upgrade_to_head, MIGRATIONS, url, schema)
    try:
        async with running_service(
            DEFINITION, Settings, database_url=url, keys=keys, database_schema=schema
        ) as running:
            built = Station(running)
            await built.build()
            yield built
    finally:
        if schema is not None:
            engine = create_engine(url)
            async with engine.begin() as connection:
                await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            await engine.dispose()


def at(hours: float) -> str:
    return (NOW + timedelta(hours=hours)).isoformat()


def concert(code: str = "concert-jazz", **overrides: Any) -> dict[str, Any]:
    return {
        "code": code,
        "kind": "concert",
        "title": {"fr": "Jazz sur le quai", "en": "Jazz on the platform"},
        "description": {"fr": "Quartet de Saint-Denis, entrée libre; venez nombreux, avec vos amis."},
        "starts_at": at(24),
        "ends_at": at(26),
        "place": {"name": "Hall nord, mezzanine", "lat": 48.9186, "lon": 2.3433},
        "url": "https://example.org/jazz",
    } | overrides


def without_code(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != "code"}


async def public(station: Station, path: str, **kw: Any) -> Any:
    """A read with no token at all."""
    return await station.running.http.get(f"{BASE}{path}", **kw)


async def test_operators_keep_the_agenda_and_everyone_reads_it(station):
    created = await station.call("POST", "/agenda", 201, json=concert())
    assert created["sequence"] == 0 and created["status"] == "scheduled" and created["welcome"] is None
    assert created["place"] == {"name": "Hall nord, mezzanine", "lat": 48.9186, "lon": 2.3433}

    one = await public(station, "/agenda/concert-jazz")
    assert one.status_code == 200 and one.json()["title"]["en"] == "Jazz on the platform"
    listed = (await public(station, "/agenda")).json()
    assert [e["code"] for e in listed["items"]] == ["concert-jazz"] and listed["next_cursor"] is None

    moved = without_code(concert(starts_at=at(48), ends_at=at(50)))
    updated = await station.call("PUT", "/agenda/concert-jazz", json=moved)
    assert updated["sequence"] == 1 and updated["id"] == created["id"]
    assert updated["starts_at"] == (NOW + timedelta(hours=48)).isoformat().replace("+00:00", "Z")
    again = await station.call("PUT", "/agenda/concert-jazz", json=moved)
    assert again["sequence"] == 1  # the same again changes nothing
    cancelled = await station.call("PUT", "/agenda/concert-jazz", json=moved | {"status": "cancelled"})
    assert cancelled["sequence"] == 2 and cancelled["status"] == "cancelled"

    await station.call("DELETE", "/agenda/concert-jazz", 204)
    assert_problem(await public(station, "/agenda/concert-jazz"), 404, "unknown-event")
    assert (await public(station, "/agenda")).json()["items"] == []


async def test_bad_events_are_refused_and_change_nothing(station):
    await station.call("POST", "/agenda", 201, json=concert())
    http, operator = station.running.http, station.operator

    async def refused(body: dict[str, Any], status: int = 422, slug: str | None = None) -> dict[str, Any]:
        return assert_problem(await http.post(f"{BASE}/agenda", json=body, headers=operator), status, slug)

    problem = await refused(concert("avant", starts_at=at(5), ends_at=at(4)))
    assert [e["field"] for e in problem["errors"]] == ["ends_at"]
    problem = await refused(concert("langues", welcome={"languages": ["en", "ja"]}))
    assert [e["field"] for e in problem["errors"]] == ["welcome.languages"]
    await refused(concert("pas-une-langue", welcome={"languages": ["english!"]}))
    await refused(concert("Bad Code"))
    await refused(concert("sans-fr", title={"en": "No French"}))
    await refused(concert("klingon", title={"fr": "Concert", "tlh": "Qapla'"}))
    await refused(concert("moitie", place={"name": "Parvis", "lat": 48.9}))
    await refused(concert("loin", place={"name": "Parvis", "lat": 148.9, "lon": 2.3}))
    await refused(concert("sans-liste", welcome={"languages": ["en"], "playlist": "nulle-part"}))
    await refused(concert("kiosque", welcome={"languages": ["en"], "kiosk_language": "de"}))
    await refused(concert("genre", kind="party"))
    await refused(concert("date", starts_at="2026-12-10 20:00"))
    await refused(concert("lien", url="javascript:alert(1)"))
    await refused(concert("inconnu", colour="red"))
    await refused(concert(), 409, "event-code-taken")

    traveller = bearer(station.running.keys.traveller())
    assert_problem(await http.post(f"{BASE}/agenda", json=concert("x"), headers=traveller), 403)
    assert_problem(await http.post(f"{BASE}/agenda", json=concert("x")), 401)
    other = bearer(station.running.keys.operator("villejuif-institut-gustave-roussy"))
    assert_problem(await http.delete(f"{BASE}/agenda/concert-jazz", headers=other), 403)
    assert_problem(
        await http.put(f"{BASE}/agenda/nulle-part", json=without_code(concert()), headers=operator),
        404,
        "unknown-event",
    )
    assert_problem(
        await http.put(
            f"{BASE}/agenda/concert-jazz", json=without_code(concert(ends_at=at(1))), headers=operator
        ),
        422,
    )

    assert_problem(await public(station, "/agenda", params={"from": at(5), "to": at(1)}), 422)
    assert_problem(await public(station, "/agenda", params={"from": "2026-12-10T10:00:00"}), 422)
    assert_problem(await public(station, "/agenda", params={"kind": "party"}), 422)
    assert_problem(await public(station, "/agenda/calendar.ics", params={"lang": "not a tag"}), 422)

    listed = (await public(station, "/agenda")).json()["items"]
    assert [(e["code"], e["sequence"], e["ends_at"]) for e in listed] == [
        ("concert-jazz", 0, (NOW + timedelta(hours=26)).isoformat().replace("+00:00", "Z"))
    ]


async def test_the_list_filters_by_dates_and_kind_and_pages_soonest_first(station):
    for code, kind, start in (
        ("passe", "concert", -30),
        ("expo-photo", "exhibition", -2),
        ("danse", "performance", 3),
        ("salon-auto", "fair", 30),
        ("jazz", "concert", 50),
    ):
        await station.call(
            "POST", "/agenda", 201, json=concert(code, kind=kind, starts_at=at(start), ends_at=at(start + 10))
        )

    async def codes(**params: Any) -> list[str]:
        return [e["code"] for e in (await public(station, "/agenda", params=params)).json()["items"]]

    assert await codes() == ["expo-photo", "danse", "salon-auto", "jazz"]  # what is not over yet
    assert await codes(**{"from": at(-100)}) == ["passe", "expo-photo", "danse", "salon-auto", "jazz"]
    assert await codes(to=at(20)) == ["expo-photo", "danse"]
    assert await codes(**{"from": at(14), "to": at(45)}) == ["salon-auto"]
    assert await codes(kind="concert", **{"from": at(-100)}) == ["passe", "jazz"]

    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await public(station, "/agenda", params=params)).json()
        seen += [e["code"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["expo-photo", "danse", "salon-auto", "jazz"]
    assert_problem(await public(station, "/agenda", params={"cursor": "nope"}), 400, "invalid-cursor")


def vevents(body: bytes) -> dict[str, Any]:
    return {str(c["UID"]): c for c in Calendar.from_ical(body).walk("VEVENT")}


async def test_the_feed_is_icalendar_that_an_independent_parser_reads(station):
    jazz = await station.call("POST", "/agenda", 201, json=concert())
    long_text = "Un salon de l'automobile électrique, à deux pas de la gare; " * 4
    fair = await station.call(
        "POST",
        "/agenda",
        201,
        json=concert(
            "salon",
            kind="fair",
            title={"fr": "Salon de l'auto"},
            description={"fr": long_text.strip()},
            all_day=True,
            starts_at="2027-03-27T10:00:00+01:00",
            ends_at="2027-03-29T10:00:00+02:00",
            place={"name": "Parc des Expositions, hall 5"},
            url=None,
        ),
    )
    await station.call("POST", "/agenda", 201, json=concert("annule", status="cancelled"))

    response = await public(station, "/agenda/calendar.ics", params={"lang": "en"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert all(len(line) <= 75 for line in response.content.split(b"\r\n"))
    feed = Calendar.from_ical(response.content)
    assert str(feed["X-WR-CALNAME"]).startswith("Saint-Denis")
    events = vevents(response.content)
    assert len(events) == 3
    uid = f"{jazz['id']}@saint-denis-pleyel.gare-numerique"
    shown = events[uid]
    assert str(shown["SUMMARY"]) == "Jazz on the platform"
    # No English description: the French one, as written (commas and semicolons unescaped again).
    assert str(shown["DESCRIPTION"]) == jazz["description"]["fr"]
    assert str(shown["LOCATION"]) == "Hall nord, mezzanine"
    assert shown["GEO"].latitude == pytest.approx(48.9186) and shown["GEO"].longitude == pytest.approx(2.3433)
    assert str(shown["URL"]) == "https://example.org/jazz"
    assert shown["STATUS"] == "CONFIRMED" and int(shown["SEQUENCE"]) == 0
    assert shown.decoded("DTSTART") == NOW + timedelta(hours=24)
    all_day = events[f"{fair['id']}@saint-denis-pleyel.gare-numerique"]
    assert str(all_day["SUMMARY"]) == "Salon de l'auto"  # French is the fallback
    assert str(all_day["DESCRIPTION"]) == long_text.strip()  # unfolded as it was
    assert str(all_day.decoded("DTSTART")) == "2027-03-27" and str(all_day.decoded("DTEND")) == "2027-03-30"
    assert [e["STATUS"] for e in events.values() if e["STATUS"] == "CANCELLED"] == ["CANCELLED"]
    french = vevents((await public(station, "/agenda/calendar.ics")).content)
    assert str(french[uid]["SUMMARY"]) == "Jazz sur le quai"

    etag = response.headers["etag"]
    unchanged = await public(
        station, "/agenda/calendar.ics", params={"lang": "en"}, headers={"If-None-Match": etag}
    )
    assert unchanged.status_code == 304 and unchanged.content == b""
    await station.call(
        "PUT", "/agenda/concert-jazz", json=without_code(concert(title={"fr": "Jazz au hall"}))
    )
    after = await public(
        station, "/agenda/calendar.ics", params={"lang": "en"}, headers={"If-None-Match": etag}
    )
    assert after.status_code == 200 and after.headers["etag"] != etag
    updated = vevents(after.content)[uid]  # the same UID: calendar apps update the event they have
    assert int(updated["SEQUENCE"]) == 1 and str(updated["SUMMARY"]) == "Jazz au hall"


async def test_an_event_sets_the_welcome_and_the_screens_languages_for_its_dates(station):
    default = (await public(station, "/welcome")).json()
    assert default == {
        "languages": ["fr", "en"],
        "kiosk_language": "fr",
        "playlist": None,
        "event": None,
        "until": None,
    }
    assert (await station.document("hall"))["screen"]["languages"] == ["fr", "en"]

    welcome = {"languages": ["en", "zh", "fr"], "kiosk_language": "zh", "playlist": "main"}
    coming = concert("salon-chine", kind="fair", starts_at=at(2), ends_at=at(30), welcome=welcome)
    await station.call("POST", "/agenda", 201, json=coming)
    before = (await public(station, "/welcome")).json()
    assert before["event"] is None and before["until"] == (NOW + timedelta(hours=2)).isoformat().replace(
        "+00:00", "Z"
    )

    etag = await station.etag("hall")
    await station.call("PUT", "/agenda/salon-chine", json=without_code(coming | {"starts_at": at(-1)}))
    now = (await public(station, "/welcome")).json()
    assert now == {
        "languages": ["en", "zh", "fr"],
        "kiosk_language": "zh",
        "playlist": "main",
        "event": "salon-chine",
        "until": (NOW + timedelta(hours=30)).isoformat().replace("+00:00", "Z"),
    }
    assert await station.etag("hall") != etag  # the screens' documents follow at once
    # Its content set plays on every screen in place of their schedules', until the welcome ends.
    hall = await station.document("hall")
    assert hall["now"]["playlist"]["code"] == "main" and hall["now"]["ends_at"] is not None
    assert hall["next"]["starts_at"] == hall["now"]["ends_at"]
    document = await station.document("quai-1")
    assert document["screen"]["languages"] == ["en", "zh", "fr"]
    assert document["now"]["playlist"]["items"][0]["language"] == "en"

    await station.call(
        "PUT", "/agenda/salon-chine", json=without_code(coming | {"starts_at": at(-1), "status": "cancelled"})
    )
    assert (await public(station, "/welcome")).json()["event"] is None
    hall = await station.document("hall")
    assert hall["screen"]["languages"] == ["fr", "en"] and hall["now"]["playlist"]["code"] == "expo"


async def told(station: Station) -> list[dict[str, Any]]:
    async with station.running.runtime.sessionmaker() as session:
        rows = (await session.execute(select(OUTBOX.c.subject, OUTBOX.c.payload))).all()
    return [json.loads(payload)["data"] for subject, payload in rows if subject == WELCOME_CHANGED]


async def test_a_change_of_welcome_is_told_once_when_its_dates_begin_and_end(station):
    sessionmaker = station.running.runtime.sessionmaker

    async def sweep(at: datetime) -> bool:
        async with sessionmaker() as session:
            return await tell_welcome_change(session=session, station_id=SAINT_DENIS, at=at)

    assert await sweep(NOW) is False  # the station's own welcome, first seen: no news
    welcome = {"languages": ["en", "zh"], "kiosk_language": "zh"}
    await station.call(
        "POST",
        "/agenda",
        201,
        json=concert("salon", kind="fair", starts_at=at(1), ends_at=at(5), welcome=welcome),
    )
    assert await sweep(NOW) is False and await told(station) == []  # not yet

    generation = station.running.runtime.hot.generation
    begins = NOW + timedelta(hours=1)
    # Two replicas' sweepers at once: told once.
    assert sorted(await asyncio.gather(sweep(begins), sweep(begins))) == [False, True]
    assert await sweep(begins + timedelta(minutes=1)) is False
    [began] = await told(station)
    assert (began["event"], began["languages"], began["kiosk_language"]) == ("salon", ["en", "zh"], "zh")
    assert began["until"] == (NOW + timedelta(hours=5)).isoformat().replace("+00:00", "Z")
    # The screens' documents (and the feed) were dropped at once, so players follow within a poll.
    assert station.running.runtime.hot.generation > generation

    assert await sweep(NOW + timedelta(hours=5)) is True
    assert [(t["event"], t["languages"]) for t in await told(station)] == [
        ("salon", ["en", "zh"]),
        (None, ["fr", "en"]),
    ]
