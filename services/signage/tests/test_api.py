"""signage in process: its app over ASGI, a migrated SQLite, tokens from a test key."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.signage.app import DEFINITION
from services.signage.content.service import create_content_item
from services.signage.playlists.service import create_playlist
from services.signage.schemas import ContentCreate, PlaylistCreate, PlaylistEntryIn
from services.signage.settings import Settings
from testkit.service import (
    SAINT_DENIS,
    VILLEJUIF,
    ServiceUnderTest,
    SigningKey,
    assert_problem,
    bearer,
    migrated_sqlite_async,
    running_service,
)

BASE = f"/api/v1/stations/{SAINT_DENIS}/signage"
HALL = f"{BASE}/screens/hall/playlist"
MIGRATIONS = Path(__file__).parents[1] / "migrations"
PLAYER = "screen-player-hall"


def screen(code: str, device: str | None) -> dict:
    return {
        "code": code,
        "name": f"Écran {code}",
        "location": "Hall",
        "orientation": "landscape",
        "resolution": "1920x1080",
        "languages": ["fr", "en"],
        "device_client_id": device,
    }


async def add_playlist(running: ServiceUnderTest, name: str, text: str, *, is_default: bool) -> None:
    async with running.runtime.sessionmaker() as session:
        item = await create_content_item(
            session=session,
            station_id=SAINT_DENIS,
            content_in=ContentCreate(kind="message", title=name, texts={"fr": text}, duration_seconds=10),
        )
        await create_playlist(
            session=session,
            station_id=SAINT_DENIS,
            playlist_in=PlaylistCreate(
                code=name.lower(),
                name=name,
                is_default=is_default,
                items=[PlaylistEntryIn(content_item_id=item.id)],
            ),
        )


@pytest.fixture
async def signage(tmp_path: Path, keys: SigningKey) -> AsyncIterator[ServiceUnderTest]:
    url = await migrated_sqlite_async(MIGRATIONS, tmp_path / "signage.sqlite")
    async with running_service(DEFINITION, Settings, database_url=url, keys=keys) as running:
        created = await running.http.post(
            f"{BASE}/screens", json=screen("hall", PLAYER), headers=bearer(keys.operator())
        )
        assert created.status_code == 201, created.text
        yield running


def player(
    signage: ServiceUnderTest, binding: str | None = "hall", client_id: str = PLAYER
) -> dict[str, str]:
    return bearer(signage.keys.device("screen", binding=binding, client_id=client_id))


async def test_the_bound_player_gets_its_playlist_and_revalidates_it(signage):
    first = await signage.http.get(HALL, headers=player(signage))
    assert first.status_code == 200, first.text
    assert first.json()["now"]["playlist"] is None  # no default playlist yet
    assert first.headers["cache-control"] == "private, no-cache"
    again = await signage.http.get(HALL, headers={**player(signage), "If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.headers["etag"] == first.headers["etag"]


async def test_a_new_default_playlist_reaches_the_screen_at_once(signage):
    first = await signage.http.get(HALL, headers=player(signage))
    await add_playlist(signage, "Boucle", "Bienvenue", is_default=True)
    after = await signage.http.get(HALL, headers={**player(signage), "If-None-Match": first.headers["etag"]})
    assert after.status_code == 200
    items = after.json()["now"]["playlist"]["items"]
    assert [item["text"] for item in items] == ["Bienvenue"]
    assert after.json()["version"] != first.json()["version"]


async def test_a_screen_registered_after_a_miss_is_served(signage):
    operator = bearer(signage.keys.operator())
    assert_problem(
        await signage.http.get(f"{BASE}/screens/quai-1/playlist", headers=operator), 404, "unknown-screen"
    )
    assert (
        await signage.http.post(f"{BASE}/screens", json=screen("quai-1", None), headers=operator)
    ).status_code == 201
    assert (await signage.http.get(f"{BASE}/screens/quai-1/playlist", headers=operator)).status_code == 200


async def test_a_player_plays_only_its_own_screen_even_from_the_cache(signage):
    operator = bearer(signage.keys.operator())
    await signage.http.post(f"{BASE}/screens", json=screen("quai-1", "screen-player-quai"), headers=operator)
    for path in (HALL, f"{BASE}/screens/quai-1/playlist"):
        assert (await signage.http.get(path, headers=operator)).status_code == 200  # now cached

    quai_player = player(signage, binding="quai-1", client_id="screen-player-quai")
    assert_problem(await signage.http.get(HALL, headers=quai_player), 403, "forbidden")
    registered_only = player(signage, binding=None)  # no binding claim: signage's own record decides
    assert (await signage.http.get(HALL, headers=registered_only)).status_code == 200
    stranger = player(signage, binding=None, client_id="someone-else")
    assert_problem(await signage.http.get(HALL, headers=stranger), 403, "forbidden")
    kiosk = bearer(signage.keys.device("kiosk", binding="hall"))
    assert_problem(await signage.http.get(HALL, headers=kiosk), 403, "forbidden")
    elsewhere = bearer(signage.keys.device("screen", binding="hall", client_id=PLAYER, station=VILLEJUIF))
    assert_problem(await signage.http.get(HALL, headers=elsewhere), 403, "forbidden")
    assert_problem(await signage.http.get(HALL), 401, "unauthorized")
    assert_problem(await signage.http.get(HALL, headers=bearer("not-a-token")), 401, "unauthorized")


async def test_screens_are_for_operators(signage):
    assert (
        await signage.http.get(f"{BASE}/screens", headers=bearer(signage.keys.operator()))
    ).status_code == 200
    assert_problem(await signage.http.get(f"{BASE}/screens", headers=player(signage)), 403, "forbidden")
    refused = await signage.http.post(f"{BASE}/screens", json=screen("x", None), headers=player(signage))
    assert_problem(refused, 403, "forbidden")


async def test_renaming_a_playlist_onto_another_ones_name_is_a_409_naming_it(signage):
    """The fuzzer's 500: the rename reached the database at the flush before the commit."""
    operator = bearer(signage.keys.operator())
    for code in ("matin", "soir"):
        made = await signage.http.post(
            f"{BASE}/playlists", json={"code": code, "name": code.title(), "items": []}, headers=operator
        )
        assert made.status_code == 201, made.text
    before = (await signage.http.get(f"{BASE}/playlists/soir", headers=operator)).json()
    renamed = await signage.http.put(
        f"{BASE}/playlists/soir", json={"name": "Matin", "items": []}, headers=operator
    )
    problem = assert_problem(renamed, 409)
    assert [error["field"] for error in problem["errors"]] == ["name"]
    assert (await signage.http.get(f"{BASE}/playlists/soir", headers=operator)).json() == before
