"""Exhibitions at the station, from the hub's config stream (a real NATS) to the screens and the
phone, on SQLite and PostgreSQL (GARE_TEST_POSTGRES_URL)."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kernel.migrations import upgrade_to_head
from services.signage.app import DEFINITION
from services.signage.exhibitions import domain
from services.signage.exhibitions.mirror import ExhibitionMirror
from services.signage.settings import Settings
from services.signage.tests.culture import caught, exhibition, hub_config, media_server, publish
from services.signage.tests.stations import BASE, MIGRATIONS, Station
from testkit.service import SAINT_DENIS, assert_problem, eventually, migrated_sqlite_async, running_service

POSTGRES_URL = os.environ.get("GARE_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]
ANSWERED = f"gare.{SAINT_DENIS}.signage.visit.answered"


class Culture(Station):
    """The station of stations.py, on a real NATS, with the hub's config stream and media server."""

    def __init__(self, running: Any, js: Any, media: str, nats_url: str) -> None:
        super().__init__(running)
        self.js = js
        self.media = media
        self.nats_url = nats_url
        # Another instance of the service on the same database (a restart), once the fixture sets it.
        self.restart: Any = None

    async def visits(self, **params: Any) -> list[dict[str, Any]]:
        return (await self.call("GET", "/visits", params=params))["items"]

    async def mirrored(self, count: int = 1) -> list[dict[str, Any]]:
        """The visits once the mirror has copied every work's media it may show."""

        async def ready() -> list[dict[str, Any]] | None:
            visits = await self.visits()
            return visits if len(visits) == count else None

        visits, _ = await eventually(ready, timeout=15)
        return visits

    async def works_on(self, code: str) -> list[str]:
        document = await self.document(code)
        items = document["now"]["playlist"]["items"] if document["now"]["playlist"] else []
        return [i["work"] for i in items if i.get("work")]

    async def answer(self, answer: str, expected: int = 200, **extra: Any) -> Any:
        code = (await self.visits())[0]["code"]
        return await self.call(
            "POST", f"/visits/expo-lignes/{code}/answer", expected, json={"answer": answer, **extra}
        )


# The mirror reads the hub's stream every 0.2 s here (2 s by default): the tests wait on it often.
QUICK_MIRROR = functools.partial(Settings, exhibition_mirror_seconds=0.2)


@pytest.fixture(params=BACKENDS)
async def culture(
    request: pytest.FixtureRequest, tmp_path: Path, keys: Any, nats_server: Any
) -> AsyncIterator[Culture]:
    if request.param == "postgres":
        schema = f"t{uuid.uuid4().hex[:8]}_signage"
        url = POSTGRES_URL
        await asyncio.to_thread(upgrade_to_head, MIGRATIONS, url, schema)
    else:
        schema = None
        url = await migrated_sqlite_async(MIGRATIONS, tmp_path / "signage.sqlite")
    try:
        with media_server() as media:
            async with (
                hub_config(nats_server.url) as js,
                running_service(
                    DEFINITION,
                    QUICK_MIRROR,
                    database_url=url,
                    database_schema=schema,
                    keys=keys,
                    nats_url=nats_server.url,
                    fetch_allow=(media,),
                ) as running,
            ):
                built = Culture(running, js, media, nats_server.url)
                built.restart = functools.partial(
                    running_service,
                    DEFINITION,
                    QUICK_MIRROR,
                    database_url=url,
                    database_schema=schema,
                    keys=keys,
                    nats_url=nats_server.url,
                    fetch_allow=(media,),
                )
                await built.build()
                yield built
    finally:
        if schema:
            import asyncpg

            connection = await asyncpg.connect(POSTGRES_URL)
            await connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            await connection.close()


def mirror_of(culture: Culture) -> ExhibitionMirror:
    return next(
        loop for loop in culture.running.runtime.background.loops if isinstance(loop, ExhibitionMirror)
    )


async def test_the_mirror_keeps_the_exhibitions_that_visit_the_station(culture):
    await publish(culture.js, exhibition(culture.media))
    await publish(culture.js, exhibition(culture.media, code="ailleurs-seulement", tour=[]))
    [visit] = await culture.mirrored()
    assert (visit["exhibition"], visit["answer"], visit["phase"], visit["playable"]) == (
        "expo-lignes",
        "pending",
        "current",
        True,
    )
    assert visit["title"]["fr"] == "Lignes et lumières" and visit["artists"] == ["Inès Moreau"]
    assert visit["code"] == domain.visit_code(datetime.fromisoformat(visit["starts_at"]))
    # Each work's media is copied into the station's store, verified by its hash.
    published = exhibition(culture.media)

    async def copied() -> bool:
        answers = [await culture.running.http.get(f"{BASE}/media/{w.media_sha256}") for w in published.works]
        return all(a.status_code == 200 for a in answers)

    await eventually(copied, timeout=15)
    assert mirror_of(culture).state.stream == "present"
    # Visits filter by answer; the past ones are not listed unless asked.
    assert await culture.visits(answer="declined") == []
    assert await culture.visits(when="past") == []


async def test_a_visit_accepted_plays_its_works_within_their_rights_and_the_hub_is_told(culture):
    await publish(culture.js, exhibition(culture.media))
    await culture.mirrored()
    assert await culture.works_on("hall") == []  # pending: nothing plays
    async with caught(culture.nats_url, ANSWERED) as events:
        accepted = await culture.answer("accepted", targets={"tags": ["expo"]})
        event = await asyncio.wait_for(events.get(), 5)
    assert accepted["answer"] == "accepted" and accepted["targets"]["tags"] == ["expo"]
    assert event["type"] == "fr.gare.signage.visit.answered.v1"
    assert event["data"]["exhibition_code"] == "expo-lignes" and event["data"]["answer"] == "accepted"

    async def playing() -> list[str]:
        return await culture.works_on("hall")

    # Only the work within its rights here: not the one whose rights start tomorrow, not the one
    # allowed only at Villejuif; and only on the screens the visit targets.
    works, _ = await eventually(playing, timeout=15)
    assert works == ["quai-a-l-aube"]
    assert await culture.works_on("quai-1") == []
    document = await culture.document("hall")
    items = document["now"]["playlist"]["items"]
    artwork = items[-1]
    assert items[0]["kind"] == "artwork" and items[0].get("work") is None  # the schedule's own stays first
    assert artwork["kind"] == "artwork" and artwork["artist"] == "Inès Moreau"
    assert artwork["title"] == "Titre quai-a-l-aube" and artwork["credit"] == "Collection du territoire"
    assert (
        artwork["link"]
        == f"http://jwks.invalid/app/#/work/{SAINT_DENIS}/expo-lignes/quai-a-l-aube?screen=hall"
    )
    assert artwork["qr_svg"].startswith("<?xml") or "<svg" in artwork["qr_svg"]
    assert artwork["media_url"].endswith(artwork["media"])
    # Declined: it stops, and the hub is told.
    async with caught(culture.nats_url, ANSWERED) as events:
        await culture.answer("declined")
        event = await asyncio.wait_for(events.get(), 5)
    assert event["data"]["answer"] == "declined"
    assert await culture.works_on("hall") == []


async def test_a_media_whose_bytes_do_not_match_its_hash_is_not_copied_and_its_work_does_not_play(culture):
    published = exhibition(culture.media)
    good = published.works[0].media_sha256
    published.works[0].media_sha256 = hashlib.sha256(b"other bytes").hexdigest()  # not what the hub serves
    await publish(culture.js, published)
    await culture.mirrored()
    await culture.answer("accepted")
    mirror = mirror_of(culture)

    async def tried() -> bool:
        return any(key[2] == "quai-a-l-aube" for key in mirror.state.media_tried)

    await eventually(tried, timeout=10)
    await asyncio.sleep(0.5)
    assert await culture.works_on("hall") == []
    assert_problem(
        await culture.running.http.get(f"{BASE}/works/expo-lignes/quai-a-l-aube"), 404, "unknown-work"
    )
    # The curators fix the hash: copied at once, and it plays.
    published.works[0].media_sha256 = good
    published.updated_at = datetime.now(UTC)
    await publish(culture.js, published)

    async def playing() -> list[str]:
        return await culture.works_on("hall")

    assert (await eventually(playing, timeout=15))[0] == ["quai-a-l-aube"]


async def test_a_work_whose_rights_end_stops_on_time(culture):
    now = datetime.now(UTC)
    ending = now + timedelta(seconds=3)
    published = exhibition(culture.media, now=now)
    published.works[0].rights.shown_until = ending
    await publish(culture.js, published)
    await culture.mirrored()
    await culture.answer("accepted")

    async def playing() -> list[str]:
        return await culture.works_on("quai-1")

    assert (await eventually(playing, timeout=15))[0] == ["quai-a-l-aube"]
    # The players keep asking (the document is cached between): it goes once its rights end.
    while datetime.now(UTC) < ending - timedelta(milliseconds=300):
        assert await culture.works_on("quai-1") == ["quai-a-l-aube"]
        await asyncio.sleep(0.2)
    await asyncio.sleep(max(0.0, (ending - datetime.now(UTC)).total_seconds()) + 1.0)
    assert await culture.works_on("quai-1") == []
    assert await culture.works_on("hall") == []


async def test_a_retired_exhibition_or_a_removed_visit_stops_playing(culture):
    published = exhibition(culture.media)
    await publish(culture.js, published)
    await culture.mirrored()
    await culture.answer("accepted")

    async def playing() -> list[str]:
        return await culture.works_on("hall")

    await eventually(playing, timeout=15)
    # The curators move the visit: the old one is removed (kept, not playable), the new one is pending.
    moved = published.model_copy(deep=True)
    moved.tour[0].starts_at += timedelta(days=20)
    moved.tour[0].ends_at += timedelta(days=20)
    moved.updated_at = datetime.now(UTC)
    await publish(culture.js, moved)

    async def stopped() -> bool:
        return await culture.works_on("hall") == []

    await eventually(stopped, timeout=10)
    coming = await culture.visits(when="coming")
    assert [(v["answer"], v["playable"]) for v in coming] == [("pending", True)]
    # Back as it was, then retired: the answer was kept, and retiring stops it again.
    published.updated_at = datetime.now(UTC)
    await publish(culture.js, published)
    await eventually(playing, timeout=10)
    retired = published.model_copy(update={"retired": True, "updated_at": datetime.now(UTC)})
    await publish(culture.js, retired)
    await eventually(stopped, timeout=10)
    [visit] = await culture.visits(when="current")
    assert (visit["answer"], visit["playable"]) == ("accepted", False)
    response = await culture.running.http.post(
        f"{BASE}/visits/expo-lignes/{visit['code']}/answer",
        headers=culture.operator,
        json={"answer": "declined"},
    )
    assert_problem(response, 409, "visit-closed")


async def test_after_a_restart_the_station_keeps_its_answers_and_a_broken_message_changes_nothing(culture):
    published = exhibition(culture.media)
    await publish(culture.js, published)
    await culture.mirrored()
    await culture.answer("accepted")
    await culture.js.publish(
        "gare-network.config.exhibition.expo-lignes", b'{"code": "expo-lignes"}', stream="NETWORK_CONFIG"
    )
    async with culture.restart() as again:
        station = Culture(again, culture.js, culture.media, culture.nats_url)
        mirror = mirror_of(station)

        async def read_again() -> bool:
            return mirror.state.last_sequence is not None

        await eventually(read_again, timeout=10)
        [visit] = await station.visits()
        assert (visit["answer"], visit["playable"]) == ("accepted", True)

        async def playing() -> list[str]:
            return await station.works_on("hall")

        assert (await eventually(playing, timeout=15))[0] == ["quai-a-l-aube"]


async def test_an_exhibition_gone_from_the_stream_stops_and_comes_back_as_published(culture):
    published = exhibition(culture.media)
    await publish(culture.js, published)
    await culture.mirrored()
    await culture.answer("accepted")

    async def playing() -> list[str]:
        return await culture.works_on("hall")

    async def stopped() -> bool:
        return await culture.works_on("hall") == []

    await eventually(playing, timeout=15)
    await culture.js.purge_stream("NETWORK_CONFIG", subject="gare-network.config.exhibition.expo-lignes")
    await eventually(stopped, timeout=10)
    await publish(culture.js, published)  # the very same document
    await eventually(playing, timeout=10)


async def test_answers_refuse_bad_input_and_unknown_visits(culture):
    await publish(culture.js, exhibition(culture.media))
    [visit] = await culture.mirrored()
    path = f"{BASE}/visits/expo-lignes/{visit['code']}/answer"
    for body in ({"answer": "maybe"}, {"answer": "accepted", "targets": {"zones": ["Hall!"]}}, {}):
        assert_problem(await culture.running.http.post(path, headers=culture.operator, json=body), 422)
    for where in ("expo-lignes/2001-01-01", "inconnue/2001-01-01"):
        response = await culture.running.http.post(
            f"{BASE}/visits/{where}/answer", headers=culture.operator, json={"answer": "accepted"}
        )
        assert_problem(response, 404)
    assert_problem(await culture.running.http.post(path, json={"answer": "accepted"}), 401)
    assert (await culture.visits())[0]["answer"] == "pending"  # nothing changed
    # By its exact start too.
    exact = await culture.call("GET", f"/visits/expo-lignes/{visit['starts_at'].replace('+00:00', 'Z')}")
    assert exact["code"] == visit["code"]


async def test_the_work_on_the_phone_in_its_languages_and_the_scans(culture):
    await publish(culture.js, exhibition(culture.media))
    await culture.mirrored()
    url = f"{BASE}/works/expo-lignes/quai-a-l-aube"

    async def shown() -> Any:
        response = await culture.running.http.get(url, params={"lang": "en"})
        return response.json() if response.status_code == 200 else None

    page, _ = await eventually(shown, timeout=15)  # public: no token
    assert (page["language"], page["work"]["title"], page["exhibition_title"]) == (
        "en",
        "Title quai-a-l-aube",
        "Lines and lights",
    )
    # English asked, French only: the audio description falls back to French.
    assert page["work"]["audio_description"] == "Audiodescription de quai-a-l-aube"
    assert page["work"]["audio_description_language"] == "fr"
    assert (
        page["artist"]["name"] == "Inès Moreau"
        and page["artist"]["biography"] == "A painter from Saint-Denis."
    )
    assert page["other_works"] == []  # the others are outside their rights here now
    assert [(s["station"], s["here"], s["current"]) for s in page["next_stops"]] == [
        (SAINT_DENIS, True, True),
        ("villejuif-institut-gustave-roussy", False, False),
    ]
    arabic = (await culture.running.http.get(url, headers={"accept-language": "ar, en;q=0.5"})).json()
    assert arabic["work"]["title"] == "Title quai-a-l-aube"  # no Arabic: the next language asked
    french = (await culture.running.http.get(url)).json()
    assert french["work"]["title"] == "Titre quai-a-l-aube"
    for missing in (
        "expo-lignes/inconnue",
        "expo-lignes/tunnelier",
        "expo-lignes/ailleurs",
        "autre/quai-a-l-aube",
    ):
        assert_problem(await culture.running.http.get(f"{BASE}/works/{missing}"), 404)
    assert_problem(await culture.running.http.get(url, params={"lang": "not a tag"}), 422)
    # A scan from the hall screen's QR code is told to the hub.
    async with caught(culture.nats_url, f"gare.{SAINT_DENIS}.signage.work.scanned") as events:
        response = await culture.running.http.post(f"{url}/scans", json={"screen": "hall"})
        assert response.status_code == 202, response.text
        event = await asyncio.wait_for(events.get(), 5)
    assert (event["data"]["work_code"], event["data"]["screen_code"]) == ("quai-a-l-aube", "hall")
    assert_problem(await culture.running.http.post(f"{url}/scans", json={"screen": "nulle-part"}), 404)
    assert_problem(await culture.running.http.post(f"{url}/scans", json={"screen": 3}), 422)
    assert_problem(await culture.running.http.post(f"{BASE}/works/expo-lignes/tunnelier/scans", json={}), 404)


async def test_plays_of_works_are_told_to_the_hub_once_per_batch(culture):
    await publish(culture.js, exhibition(culture.media))
    await culture.mirrored()
    await culture.answer("accepted")

    async def playing() -> Any:
        items = (await culture.document("quai-1"))["now"]["playlist"]["items"]
        return [i for i in items if i.get("work")]

    [artwork], _ = await eventually(playing, timeout=15)
    started = datetime.now(UTC) - timedelta(minutes=2)
    plays = [
        {
            "play_id": f"p{n}",
            "content_item_id": artwork["content_item_id"],
            "started_at": (started + timedelta(seconds=12 * n)).isoformat(),
            "duration_seconds": 12,
        }
        for n in range(3)
    ] + [
        {
            "play_id": "w",
            "content_item_id": culture.ids["welcome"],
            "started_at": started.isoformat(),
            "duration_seconds": 10,
        }
    ]
    path = f"{BASE}/screens/quai-1/plays"
    async with caught(culture.nats_url, f"gare.{SAINT_DENIS}.signage.work.played") as events:
        response = await culture.running.http.post(
            path, headers=culture.player("quai-1"), json={"plays": plays}
        )
        assert response.json() == {"accepted": 4, "duplicates": 0}
        event = await asyncio.wait_for(events.get(), 5)
        # The same batch again: nothing new, nothing told.
        await culture.running.http.post(path, headers=culture.player("quai-1"), json={"plays": plays})
        await asyncio.sleep(0.5)
        assert events.empty()
    assert event["data"]["screen_code"] == "quai-1"
    assert event["data"]["works"] == [
        {
            "work_code": "quai-a-l-aube",
            "exhibition_code": "expo-lignes",
            "artist": "ines-moreau",
            "plays": 3,
            "seconds": 36.0,
        }
    ]


async def test_without_a_hub_the_station_has_no_exhibitions_and_says_so(tmp_path, keys, nats_server):
    url = await migrated_sqlite_async(MIGRATIONS, tmp_path / "signage.sqlite")
    async with running_service(
        DEFINITION, QUICK_MIRROR, database_url=url, keys=keys, nats_url=nats_server.url
    ) as running:
        station = Station(running)
        mirror = next(loop for loop in running.runtime.background.loops if isinstance(loop, ExhibitionMirror))

        async def absent() -> bool:
            return mirror.state.stream == "absent"

        await eventually(absent, timeout=10)
        assert (await station.call("GET", "/visits"))["items"] == []
        assert (await running.http.get("/readyz")).status_code == 200


def test_the_rights_are_decided_by_the_stations_clock():
    now = datetime(2026, 12, 7, 12, tzinfo=UTC)
    rights = exhibition("h", now=now).works[0].rights
    assert domain.rights_allow(rights, SAINT_DENIS, now)
    assert not domain.rights_allow(rights, SAINT_DENIS, rights.shown_until)  # the end is exclusive
    only_there = exhibition("h", now=now).works[2].rights
    assert not domain.rights_allow(only_there, SAINT_DENIS, now)
    assert domain.rights_allow(only_there, "villejuif-institut-gustave-roussy", now)
    assert domain.visit_code(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == "2027-01-01"  # Paris
    assert domain.boundaries(
        [now - timedelta(1), now + timedelta(2), now + timedelta(1)], now
    ) == now + timedelta(1)
