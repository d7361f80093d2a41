"""What a screen's player gets: its document, its push channel, without Redis, and nothing of another station."""

from __future__ import annotations

import asyncio

import pytest

from kernel.contracts import screens as commands
from services.signage.player import live
from services.signage.tests.stations import BASE
from testkit.service import SAINT_DENIS, VILLEJUIF, assert_problem, bearer


async def test_screens_play_what_their_schedule_says_with_credits(station):
    hall = await station.document("hall")
    quai = await station.document("quai-1")
    assert hall["now"]["schedule"] == "expo-jour" and quai["now"]["schedule"] is None
    work = hall["now"]["playlist"]["items"][0]
    assert (work["artist"], work["year"], work["credit"], work["transition"]) == (
        "Inès Moreau",
        2025,
        "Collection de la gare",
        "slide",
    )
    assert work["media_url"] == f"{BASE}/media/{station.ids['media']}"
    assert quai["now"]["playlist"]["items"][0]["text"] == "Bienvenue"


def command_of(event: str) -> commands.ScreenCommand:
    """The screen command one server-sent event carries, as a player reads it."""
    fields = dict(line.split(": ", 1) for line in event.strip().splitlines())
    return commands.decode(fields["event"], fields["data"])


async def test_the_push_channel_wakes_a_screen_with_its_alerts(station):
    channel = live.channel_of(station.running.runtime)

    async def never() -> bool:
        return False

    events = live.screen_events(channel, station_id=SAINT_DENIS, code="quai-1", disconnected=never)
    try:
        assert await anext(events) == "retry: 2000\n\n"
        assert await anext(events) == f"event: alerts\nid: {channel.generation}\ndata: []\n\n"
        hall_only = {"severity": "info", "texts": {"fr": "Expo ouverte"}, "targets": {"screens": ["hall"]}}
        platform = {
            "severity": "emergency",
            "texts": {"fr": "Quai fermé"},
            "targets": {"zones": ["platform"]},
        }
        await station.call("POST", "/alerts", 201, json=hall_only)
        # The hall's alert wakes the stream, but quai-1's alerts did not change: only `changed` comes.
        assert (await asyncio.wait_for(anext(events), 15)).startswith("event: changed")
        await station.call("POST", "/alerts", 201, json=platform)
        pushed = command_of(await asyncio.wait_for(anext(events), 15))
        assert isinstance(pushed, commands.ShowAlerts)
        assert [(a.severity, a.text) for a in pushed.root] == [("emergency", "Quai fermé")]
        # The screen retired: its channel says so, and ends.
        await station.call("DELETE", "/screens/quai-1", 204)
        while not isinstance(
            command := command_of(await asyncio.wait_for(anext(events), 15)), commands.Retired
        ):
            assert isinstance(command, commands.Revalidate | commands.ShowAlerts)
        assert command == commands.Retired(screen="quai-1")
        with pytest.raises(StopAsyncIteration):
            await anext(events)
    finally:
        await events.aclose()


async def test_without_accept_event_stream_the_channel_answers_the_alerts_and_ends(station):
    # A client that buffers whole answers (a fuzzer, a proxy) gets the current state, not an endless body.
    alert = await station.call(
        "POST",
        "/alerts",
        201,
        json={"severity": "info", "texts": {"fr": "Expo"}, "targets": {"screens": ["hall"]}},
    )
    answer = await station.running.http.get(f"{BASE}/screens/hall/events", headers=station.player("hall"))
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/event-stream")
    blocks = answer.text.split("\n\n")
    assert blocks[0] == "retry: 2000" and blocks[1].startswith("event: alerts\nid: ")
    assert alert["id"] in blocks[1] and blocks[2:] == [""]


async def test_heartbeats_and_the_playlist_work_without_redis(station):
    beat = await station.running.http.post(
        f"{BASE}/screens/hall/heartbeat", json={"version": "ab" * 16}, headers=station.player("hall")
    )
    assert beat.status_code == 204
    listed = await station.call("GET", "/screens")
    hall = next(s for s in listed["items"] if s["code"] == "hall")
    assert hall["online"] is False and hall["behind"] is True  # nothing recorded without Redis
    assert_problem(
        await station.running.http.post(
            f"{BASE}/screens/hall/heartbeat", json={"version": "ab"}, headers=station.player("quai-1")
        ),
        403,
    )


async def test_a_screen_of_another_station_gets_nothing_here(station):
    elsewhere = bearer(
        station.running.keys.device("screen", binding="hall", client_id="player-hall", station=VILLEJUIF)
    )
    assert_problem(await station.running.http.get(f"{BASE}/screens/hall/playlist", headers=elsewhere), 403)
    assert_problem(await station.running.http.get(f"{BASE}/screens/hall/events", headers=elsewhere), 403)
    assert_problem(
        await station.running.http.post(
            f"{BASE}/alerts", json={"severity": "info", "texts": {"fr": "x"}}, headers=station.player("hall")
        ),
        403,
    )
