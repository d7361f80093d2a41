"""A station with two screens, their content, playlists and schedule, for the API's in-process tests."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from PIL import Image

from testkit.service import SAINT_DENIS, ServiceUnderTest, bearer

BASE = f"/api/v1/stations/{SAINT_DENIS}/signage"


MIGRATIONS = Path(__file__).parents[1] / "migrations"


def png(colour: str = "red", size: tuple[int, int] = (64, 36)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def screen(code: str, zone: str, tags: list[str], device: str) -> dict[str, Any]:
    return {
        "code": code,
        "name": f"Écran {code}",
        "location": "Gare",
        "zone": zone,
        "tags": tags,
        "orientation": "landscape",
        "resolution": "1920x1080",
        "languages": ["fr", "en"],
        "device_client_id": device,
    }


class Station:
    """Two screens: `hall` (tag expo) plays the exhibition all day, `quai-1` the default loop."""

    def __init__(self, running: ServiceUnderTest) -> None:
        self.running = running
        self.operator = bearer(running.keys.operator())
        self.ids: dict[str, str] = {}

    def player(self, code: str) -> dict[str, str]:
        return bearer(self.running.keys.device("screen", binding=code, client_id=f"player-{code}"))

    async def call(self, method: str, path: str, expected: int = 200, **kw: Any) -> Any:
        response = await self.running.http.request(method, f"{BASE}{path}", headers=self.operator, **kw)
        assert response.status_code == expected, response.text
        return response.json() if response.content else None

    async def etag(self, code: str) -> str:
        response = await self.running.http.get(f"{BASE}/screens/{code}/playlist", headers=self.player(code))
        assert response.status_code == 200, response.text
        return response.headers["etag"]

    async def document(self, code: str) -> dict[str, Any]:
        response = await self.running.http.get(f"{BASE}/screens/{code}/playlist", headers=self.player(code))
        assert response.status_code == 200, response.text
        return response.json()

    async def build(self) -> None:
        for code, zone, tags in (("hall", "hall", ["expo"]), ("quai-1", "platform", [])):
            await self.call("POST", "/screens", 201, json=screen(code, zone, tags, f"player-{code}"))
        welcome = await self.call(
            "POST",
            "/content",
            201,
            json={
                "kind": "message",
                "title": "Bienvenue",
                "texts": {"fr": "Bienvenue", "en": "Welcome"},
                "duration_seconds": 10,
            },
        )
        media = await self.call("POST", "/media", 201, content=png())
        work = await self.call(
            "POST",
            "/content",
            201,
            json={
                "kind": "artwork",
                "title": "Quai à l'aube",
                "artist": "Inès Moreau",
                "year": 2025,
                "credit": "Collection de la gare",
                "media": media["sha256"],
                "duration_seconds": 8,
            },
        )
        self.ids |= {"welcome": welcome["id"], "work": work["id"], "media": media["sha256"]}
        main = {
            "code": "main",
            "name": "Boucle",
            "is_default": True,
            "items": [{"content_item_id": welcome["id"]}],
        }
        expo = {
            "code": "expo",
            "name": "Expo",
            "items": [{"content_item_id": work["id"], "transition": "slide"}],
        }
        self.ids["main"] = (await self.call("POST", "/playlists", 201, json=main))["id"]
        self.ids["expo"] = (await self.call("POST", "/playlists", 201, json=expo))["id"]
        await self.call(
            "POST",
            "/schedules",
            201,
            json={
                "code": "expo-jour",
                "name": "Expo toute la journée",
                "playlist_id": self.ids["expo"],
                "targets": {"tags": ["expo"]},
            },
        )


async def changes(station: Station, edit: Any) -> set[str]:
    """The screens whose ETag an edit changed."""
    before = {code: await station.etag(code) for code in ("hall", "quai-1")}
    await edit()
    return {code for code in before if await station.etag(code) != before[code]}
