"""Signage end to end, through the gateway on the real stack: a screen paired by its code plays an
exhibition scheduled for it, follows every edit, reports heartbeats and plays, and shows an alert
pushed to it on its event stream through the gateway, acknowledged and cleared (with its NATS events)."""

from __future__ import annotations

import contextlib
import io
import json
import queue
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from PIL import Image

from testkit.auth import authorize_device, claim, poll
from testkit.stack import SAINT_DENIS, EventCatcher, assert_problem, bearer, eventually

SIGNAGE = f"/api/v1/stations/{SAINT_DENIS}/signage"


class Player:
    """A screen registered by the operator and paired by the code its player showed."""

    def __init__(self, gateway: str, operator: dict[str, str], code: str, token: str) -> None:
        self.gateway = gateway
        self.operator = operator
        self.code = code
        self.headers = bearer(token)
        self.etag: str | None = None
        self.last: dict[str, Any] = {}

    def fetch(self) -> httpx.Response:
        headers = {**self.headers, **({"If-None-Match": self.etag} if self.etag else {})}
        response = httpx.get(f"{self.gateway}{SIGNAGE}/screens/{self.code}/playlist", headers=headers)
        if response.status_code == 200:
            self.etag = response.headers["etag"]
            self.last = response.json()
        return response


@pytest.fixture(scope="module")
def player(stack, tokens) -> Iterator[Player]:
    gateway = stack.gateway_url
    operator = bearer(tokens.operator())
    code = f"quai-{uuid.uuid4().hex[:6]}"
    registered = httpx.post(
        f"{gateway}{SIGNAGE}/screens",
        headers=operator,
        json={
            "code": code,
            "name": "Écran du quai",
            "location": "Quai 1",
            "zone": "platform",
            "tags": ["e2e"],
            "orientation": "landscape",
            "resolution": "1920x1080",
            "languages": ["fr", "en"],
        },
    )
    assert registered.status_code == 201, registered.text
    started = authorize_device(gateway, scope="signage:play")
    claimed = claim(gateway, tokens.operator(), started["user_code"], binding=code)
    assert claimed.status_code == 201, claimed.text
    time.sleep(started["interval"])  # RFC 8628: the device waits `interval` between polls
    picked_up = poll(gateway, started["device_code"])
    assert picked_up.status_code == 200, picked_up.text
    yield Player(gateway, operator, code, picked_up.json()["access_token"])
    httpx.delete(f"{gateway}{SIGNAGE}/screens/{code}", headers=operator)


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 18), (uuid.uuid4().int % 256, 90, 160)).save(out, format="PNG")
    return out.getvalue()


def test_a_paired_screen_plays_its_exhibition_and_follows_every_edit(player: Player):
    gateway, operator = player.gateway, player.operator
    image = png()
    media = httpx.post(f"{gateway}{SIGNAGE}/media", content=image, headers=operator)
    assert media.status_code == 201, media.text
    url = f"{gateway}{media.json()['url']}"
    assert httpx.get(url).content == image  # public through the gateway: an <img> sends no token
    ranged = httpx.get(url, headers={"Range": "bytes=0-3"})
    assert ranged.status_code == 206 and ranged.content == image[:4]
    assert "immutable" in ranged.headers["cache-control"]

    work = {
        "kind": "artwork",
        "title": f"Œuvre {player.code}",
        "artist": "Inès Moreau",
        "year": 2026,
        "credit": "Atelier du quartier",
        "media": media.json()["sha256"],
        "duration_seconds": 6,
    }
    content = httpx.post(f"{gateway}{SIGNAGE}/content", json=work, headers=operator).json()
    playlist = httpx.post(
        f"{gateway}{SIGNAGE}/playlists",
        headers=operator,
        json={
            "code": f"expo-{player.code}",
            "name": f"Expo {player.code}",
            "items": [{"content_item_id": content["id"]}],
        },
    ).json()
    schedule = httpx.post(
        f"{gateway}{SIGNAGE}/schedules",
        headers=operator,
        json={
            "code": f"expo-{player.code}",
            "name": "Expo du quai",
            "playlist_id": playlist["id"],
            "targets": {"screens": [player.code]},
        },
    )
    assert schedule.status_code == 201, schedule.text

    document = player.fetch()
    assert document.status_code == 200, document.text
    shown = document.json()["now"]["playlist"]["items"]
    assert [(i["title"], i["artist"], i["credit"]) for i in shown] == [
        (work["title"], "Inès Moreau", "Atelier du quartier")
    ]
    assert player.fetch().status_code == 304

    # The player says what it plays; it is online and up to date.
    version = document.json()["version"]
    beat = httpx.post(
        f"{gateway}{SIGNAGE}/screens/{player.code}/heartbeat",
        json={"version": version},
        headers=player.headers,
    )
    assert beat.status_code == 204

    def status() -> dict[str, Any]:
        screens = httpx.get(f"{gateway}{SIGNAGE}/screens", headers=operator).json()["items"]
        return next(s for s in screens if s["code"] == player.code)

    assert status() | {"online": True, "behind": False} == status()

    # An edit of the content reaches the screen at its next poll; until its player catches up it is behind.
    edited = httpx.put(
        f"{gateway}{SIGNAGE}/content/{content['id']}", json=work | {"year": 2025}, headers=operator
    )
    assert edited.status_code == 200, edited.text
    after = player.fetch()
    assert after.status_code == 200 and after.json()["now"]["playlist"]["items"][0]["year"] == 2025
    behind = httpx.get(f"{gateway}{SIGNAGE}/screens", params={"behind": "true"}, headers=operator).json()
    assert player.code in [s["code"] for s in behind["items"]]

    plays = {
        "plays": [
            {
                "play_id": f"{player.code}-1",
                "content_item_id": content["id"],
                "started_at": "2026-01-05T10:00:00Z",
                "duration_seconds": 6,
            }
        ]
    }
    path = f"{gateway}{SIGNAGE}/screens/{player.code}/plays"
    assert httpx.post(path, json=plays, headers=player.headers).json() == {"accepted": 1, "duplicates": 0}
    assert httpx.post(path, json=plays, headers=player.headers).json() == {"accepted": 0, "duplicates": 1}
    report = httpx.get(
        f"{gateway}{SIGNAGE}/plays/report",
        params={"since": "2026-01-05", "until": "2026-01-05", "screen": player.code},
        headers=operator,
    ).json()
    assert report["next_cursor"] is None and report["items"] == [
        {
            "day": "2026-01-05",
            "screen": player.code,
            "content_item_id": content["id"],
            "plays": 1,
            "seconds": 6,
        }
    ]
    httpx.delete(f"{gateway}{SIGNAGE}/schedules/{schedule.json()['code']}", headers=operator)


class Stream:
    """A screen's push channel read in a thread, as its player would; `close()` frees the gateway's slot."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.response: httpx.Response | None = None
        self.client = httpx.Client(timeout=httpx.Timeout(5, read=30))
        request = self.client.build_request("GET", url, headers=headers | {"Accept": "text/event-stream"})
        threading.Thread(target=self._read, args=(request,), daemon=True).start()

    def _read(self, request: httpx.Request) -> None:
        with contextlib.suppress(httpx.HTTPError):
            self.response = self.client.send(request, stream=True)
            self.events.put(("status", self.response.status_code))
            kind = None
            for line in self.response.iter_lines():
                if line.startswith("event: "):
                    kind = line.removeprefix("event: ")
                elif line.startswith("data: ") and kind:
                    self.events.put((kind, json.loads(line.removeprefix("data: "))))

    def alerts(self, predicate: Callable[[list[dict[str, Any]]], bool]) -> list[dict[str, Any]]:
        """The first `alerts` event that satisfies `predicate`."""

        def next_alerts() -> tuple[list[dict[str, Any]]] | None:
            kind, data = self.events.get(timeout=10)
            return (data,) if kind == "alerts" and predicate(data) else None  # truthy even when empty

        (found,), _ = eventually(next_alerts, timeout=15)
        return found

    def close(self) -> None:
        if self.response is not None:
            self.response.close()
        self.client.close()


def test_an_alert_reaches_a_screen_on_the_gateway_stream_is_acknowledged_and_cleared(stack, player: Player):
    gateway, operator = player.gateway, player.operator
    player.fetch()
    scheduled, scheduled_etag = player.last, player.etag
    stream = Stream(f"{gateway}{SIGNAGE}/screens/{player.code}/events", player.headers)
    try:
        assert stream.events.get(timeout=10) == ("status", 200)
        assert stream.response is not None
        assert stream.response.headers["content-type"].startswith("text/event-stream")
        assert stream.alerts(lambda shown: True) == []  # the state at once, before any change

        catcher = EventCatcher(stack.nats_url, f"gare.{SAINT_DENIS}.signage.alert.raised")
        body = {
            "severity": "emergency",
            "texts": {"fr": "Quai fermé", "en": "Platform closed"},
            "targets": {"tags": ["e2e"]},
        }
        raised, event = catcher.during(
            lambda: httpx.post(f"{gateway}{SIGNAGE}/alerts", json=body, headers=operator)
        )
        assert raised.status_code == 201, raised.text
        alert = raised.json()
        assert event["type"] == "fr.gare.signage.alert.raised.v1"
        assert event["data"]["alert_id"] == alert["id"] and event["data"]["targets"]["tags"] == ["e2e"]
        assert alert["screens"] == [player.code]

        # Pushed through the gateway's relay, in the screen's first language.
        shown = stream.alerts(bool)
        assert [(a["id"], a["text"]) for a in shown] == [(alert["id"], "Quai fermé")]
        waiting = httpx.get(f"{gateway}{SIGNAGE}/alerts/{alert['id']}", headers=operator).json()
        assert waiting["not_acknowledged"] == [player.code] and waiting["acknowledged"] == {}
        assert [a["id"] for a in player.fetch().json()["alerts"]] == [alert["id"]]

        ack = httpx.post(
            f"{gateway}{SIGNAGE}/screens/{player.code}/alerts/{alert['id']}/ack", headers=player.headers
        )
        assert ack.status_code == 204
        status = httpx.get(f"{gateway}{SIGNAGE}/alerts/{alert['id']}", headers=operator).json()
        assert list(status["acknowledged"]) == [player.code] and status["not_acknowledged"] == []

        catcher = EventCatcher(stack.nats_url, f"gare.{SAINT_DENIS}.signage.alert.cleared")
        cleared, event = catcher.during(
            lambda: httpx.post(f"{gateway}{SIGNAGE}/alerts/{alert['id']}/clear", headers=operator)
        )
        assert cleared.status_code == 200 and event["data"]["alert_id"] == alert["id"]
        assert stream.alerts(lambda shown: not shown) == []
    finally:
        stream.close()

    # Back to its schedule: the very document it had before the alert, ETag included.
    document = player.fetch()
    assert document.status_code == 200 and document.json() == scheduled
    assert document.headers["etag"] == scheduled_etag
    # A screen plays only its own screen, even with a valid player token.
    assert_problem(httpx.get(f"{gateway}{SIGNAGE}/screens/hall/playlist", headers=player.headers), 403)
    assert_problem(httpx.get(f"{gateway}{SIGNAGE}/screens/hall/events", headers=player.headers), 403)
