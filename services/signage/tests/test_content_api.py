"""Media, content, playlists and schedules through the API: uploads, sanitising, CRUD, pages, bad
input, and the rule that every edit changes the ETag of exactly the screens it touches."""

from __future__ import annotations

from services.signage.tests.stations import BASE, changes, png, screen
from testkit.service import assert_problem


async def test_uploaded_media_is_immutable_and_served_by_range(station):
    sha = station.ids["media"]
    again = await station.call("POST", "/media", 201, content=png())  # the same bytes: the same media
    assert again["sha256"] == sha
    whole = await station.running.http.get(f"{BASE}/media/{sha}")  # public: an <img> sends no token
    assert whole.status_code == 200 and whole.content == png()
    assert whole.headers["content-type"] == "image/png"
    assert "immutable" in whole.headers["cache-control"]
    part = await station.running.http.get(f"{BASE}/media/{sha}", headers={"Range": "bytes=0-7"})
    assert part.status_code == 206 and part.content == png()[:8]
    assert part.headers["content-range"] == f"bytes 0-7/{len(png())}"
    assert (
        await station.running.http.get(f"{BASE}/media/{sha}", headers={"If-None-Match": f'"{sha}"'})
    ).status_code == 304
    assert_problem(
        await station.running.http.get(f"{BASE}/media/{sha}", headers={"Range": "bytes=99999-"}),
        416,
        "range-not-satisfiable",
    )
    assert_problem(await station.running.http.get(f"{BASE}/media/{'0' * 64}"), 404, "unknown-media")


async def test_a_wrong_or_oversized_upload_is_refused_and_nothing_is_stored(station):
    before = await station.call("GET", "/media")
    fake = b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"
    assert_problem(
        await station.running.http.post(f"{BASE}/media", content=fake, headers=station.operator),
        415,
        "unsupported-media-type",
    )
    huge = png(size=(2, 2)) + b"\0" * 1_100_000
    refused = await station.running.http.post(f"{BASE}/media", content=huge, headers=station.operator)
    assert_problem(refused, 413)
    assert await station.call("GET", "/media") == before
    # Media of the wrong kind for the content: an image is not a video.
    problem = assert_problem(
        await station.running.http.post(
            f"{BASE}/content",
            headers=station.operator,
            json={"kind": "video", "title": "Clip", "media": station.ids["media"], "duration_seconds": 10},
        ),
        422,
    )
    assert [e["field"] for e in problem["errors"]] == ["media"]


async def test_html_messages_are_sanitised(station):
    created = await station.call(
        "POST",
        "/content",
        201,
        json={
            "kind": "html",
            "title": "Travaux",
            "html": {
                "fr": '<p onmouseover="x()">Quai <b>2</b> fermé<script>steal()</script></p><img src=x onerror=y>'
            },
            "duration_seconds": 10,
        },
    )
    assert created["html"] == {"fr": "<p>Quai <b>2</b> fermé</p>"}
    assert_problem(
        await station.running.http.post(
            f"{BASE}/content",
            headers=station.operator,
            json={
                "kind": "html",
                "title": "Rien",
                "html": {"fr": "<script>x()</script>"},
                "duration_seconds": 10,
            },
        ),
        422,
    )


async def test_content_playlists_and_schedules_have_full_crud(station):
    listed = await station.call("GET", "/content", params={"kind": "artwork", "limit": 1})
    assert [i["title"] for i in listed["items"]] == ["Quai à l'aube"] and listed["next_cursor"] is None
    assert (await station.call("GET", f"/content/{station.ids['welcome']}"))["title"] == "Bienvenue"
    in_use = await station.running.http.delete(
        f"{BASE}/content/{station.ids['work']}", headers=station.operator
    )
    assert_problem(in_use, 409, "content-in-use")
    assert [p["code"] for p in (await station.call("GET", "/playlists"))["items"]] == ["expo", "main"]
    assert_problem(
        await station.running.http.delete(f"{BASE}/playlists/expo", headers=station.operator),
        409,
        "playlist-in-use",
    )
    schedule = await station.call("GET", "/schedules/expo-jour")
    assert schedule["weekdays"] == [0, 1, 2, 3, 4, 5, 6] and schedule["targets"]["tags"] == ["expo"]
    await station.call("DELETE", "/schedules/expo-jour", 204)
    await station.call("DELETE", "/playlists/expo", 204)
    await station.call("DELETE", f"/content/{station.ids['work']}", 204)
    assert_problem(
        await station.running.http.get(f"{BASE}/playlists/expo", headers=station.operator),
        404,
        "unknown-playlist",
    )
    # With its exhibition gone, the hall falls back to the default loop.
    assert (await station.document("hall"))["now"]["playlist"]["code"] == "main"
    await station.call("DELETE", "/screens/quai-1", 204)
    assert_problem(
        await station.running.http.get(f"{BASE}/screens/quai-1/playlist", headers=station.player("quai-1")),
        404,
        "unknown-screen",
    )


async def test_every_list_pages_by_cursor_in_one_stable_order(station):
    for texts in ({"fr": "Un"}, {"fr": "Deux"}):
        await station.call("POST", "/alerts", 201, json={"severity": "info", "texts": texts})

    async def walk(path: str, key: str, **filters: str) -> list[str]:
        seen, cursor = [], None
        while True:
            params = {**filters, "limit": 1, **({"cursor": cursor} if cursor else {})}
            page = await station.call("GET", path, params=params)
            assert len(page["items"]) <= 1
            seen += [item[key] for item in page["items"]]
            if (cursor := page["next_cursor"]) is None:
                return seen

    for path, key, filters in [
        ("/screens", "code", {}),
        ("/screens", "code", {"online": "false"}),
        ("/content", "id", {}),
        ("/content", "id", {"kind": "message"}),
        ("/media", "sha256", {}),
        ("/playlists", "code", {}),
        ("/schedules", "code", {}),
        ("/alerts", "id", {}),
    ]:
        whole = await station.call("GET", path, params={**filters, "limit": 200})
        assert whole["next_cursor"] is None and len(whole["items"]) >= 1, path
        assert await walk(path, key, **filters) == [item[key] for item in whole["items"]], (path, filters)
    newest_first = (await station.call("GET", "/alerts"))["items"]
    assert [a["texts"]["fr"] for a in newest_first[:2]] == ["Deux", "Un"]
    for path in ("/screens", "/content", "/alerts"):
        assert_problem(
            await station.running.http.get(
                f"{BASE}{path}", params={"cursor": "pas-un-curseur"}, headers=station.operator
            ),
            400,
            "invalid-cursor",
        )


async def test_bad_schedules_are_refused_and_change_nothing(station):
    before = await station.call("GET", "/schedules")
    bad = [
        {"code": "x", "name": "X", "playlist_id": "0" * 32},
        {"code": "x", "name": "X", "playlist_id": station.ids["main"], "start_time": "25:00"},
        {"code": "x", "name": "X", "playlist_id": station.ids["main"], "weekdays": [7]},
        {
            "code": "x",
            "name": "X",
            "playlist_id": station.ids["main"],
            "starts_on": "2026-12-10",
            "ends_on": "2026-12-01",
        },
    ]
    for body in bad:
        assert_problem(
            await station.running.http.post(f"{BASE}/schedules", json=body, headers=station.operator), 422
        )
    taken = {"code": "expo-jour", "name": "Y", "playlist_id": station.ids["main"]}
    assert_problem(
        await station.running.http.post(f"{BASE}/schedules", json=taken, headers=station.operator),
        409,
        "schedule-code-taken",
    )
    assert await station.call("GET", "/schedules") == before


async def test_each_kind_of_edit_changes_the_etag_of_exactly_the_screens_it_touches(station):
    welcome = {"kind": "message", "title": "Bienvenue", "texts": {"fr": "Bonjour"}, "duration_seconds": 10}
    work = {
        "kind": "artwork",
        "title": "Quai à l'aube",
        "artist": "Inès Moreau",
        "year": 2026,
        "media": station.ids["media"],
        "duration_seconds": 8,
    }
    main = {
        "name": "Boucle",
        "is_default": True,
        "items": [{"content_item_id": station.ids["welcome"], "duration_seconds": 5}],
    }
    quai_schedule = {
        "code": "quai-soir",
        "name": "Quai",
        "playlist_id": station.ids["expo"],
        "targets": {"screens": ["quai-1"]},
    }
    hall = screen("hall", "hall", ["expo"], "player-hall") | {"languages": ["en", "fr"]}
    del hall["code"]
    platform_alert = {
        "severity": "warning",
        "texts": {"fr": "Quai fermé"},
        "targets": {"zones": ["platform"]},
    }

    assert await changes(
        station, lambda: station.call("PUT", f"/content/{station.ids['welcome']}", json=welcome)
    ) == {"quai-1"}
    assert await changes(
        station, lambda: station.call("PUT", f"/content/{station.ids['work']}", json=work)
    ) == {"hall"}
    assert await changes(station, lambda: station.call("PUT", "/playlists/main", json=main)) == {"quai-1"}
    assert await changes(station, lambda: station.call("POST", "/schedules", 201, json=quai_schedule)) == {
        "quai-1"
    }
    assert await changes(station, lambda: station.call("PUT", "/screens/hall", json=hall)) == {"hall"}
    assert await changes(station, lambda: station.call("POST", "/alerts", 201, json=platform_alert)) == {
        "quai-1"
    }
    # Content nobody shows changes no screen.
    spare = {"kind": "widget", "title": "Horloge", "widget": "clock", "duration_seconds": 10}
    assert await changes(station, lambda: station.call("POST", "/content", 201, json=spare)) == set()


async def test_a_message_s_template_reaches_the_screens_and_only_messages_have_one(station):
    welcome = f"/content/{station.ids['welcome']}"
    stored = await station.call("GET", welcome)
    assert stored["template"] is None
    # The screens show a message without a template as a banner.
    (item,) = (await station.document("quai-1"))["now"]["playlist"]["items"]
    assert item["template"] == "banner"

    body = {k: stored[k] for k in ("kind", "title", "texts", "duration_seconds")} | {"template": "welcome"}

    async def greet() -> None:
        assert (await station.call("PUT", welcome, json=body))["template"] == "welcome"

    assert "quai-1" in await changes(station, greet)
    (item,) = (await station.document("quai-1"))["now"]["playlist"]["items"]
    assert item["template"] == "welcome"

    # A template no screen knows, or one on an image, is refused and changes nothing.
    for wrong in (
        body | {"template": "neon"},
        {
            "kind": "image",
            "title": "x",
            "media": station.ids["media"],
            "duration_seconds": 5,
            "template": "quote",
        },
    ):
        assert_problem(
            await station.running.http.post(f"{BASE}/content", headers=station.operator, json=wrong), 422
        )
    assert (await station.call("GET", welcome))["template"] == "welcome"
