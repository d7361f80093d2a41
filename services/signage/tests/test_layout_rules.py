"""Layout rules: the grid a layout draws, the layout a screen shows now, what each region shows."""

from __future__ import annotations

from services.signage.layouts.domain import (
    FULLSCREEN,
    LANDSCAPE,
    PORTRAIT,
    TEMPLATES,
    Layout,
    Region,
    TickerItem,
    layout_now,
    layout_problems,
    regions_now,
)
from services.signage.tests.examples import utc

CORNER = Layout(
    code="coin-departs",
    name="Coin départs",
    orientation="landscape",
    columns=("3fr", "1fr"),
    rows=("1fr",),
    areas=("content board",),
    regions=(Region("content", "content"), Region("board", "departures", stops=("IDFM:1",), lines=("L15",))),
)


def problems_of(columns, rows, areas, regions):
    return [
        (p.field, p.detail) for p in layout_problems(columns=columns, rows=rows, areas=areas, regions=regions)
    ]


def test_the_templates_draw_valid_grids():
    for template in TEMPLATES.values():
        assert problems_of(template.columns, template.rows, template.areas, template.regions) == [], (
            template.code
        )
    assert {r.kind for r in LANDSCAPE.regions} == {"content", "departures", "ticker", "clock"}
    assert {r.kind for r in PORTRAIT.regions} == {"content", "departures", "ticker", "clock"}


def test_a_region_must_be_a_rectangle_named_in_the_grid():
    regions = (Region("content", "content"), Region("side", "clock"))
    assert problems_of(["1fr", "1fr"], ["1fr", "1fr"], ["content side", "side content"], regions) == [
        ("areas", "region 'content' is not a rectangle"),
        ("areas", "region 'side' is not a rectangle"),
    ]
    assert problems_of(["1fr"], ["1fr", "1fr"], ["content", "ghost"], (Region("content", "content"),)) == [
        ("areas", "'ghost' is in the grid but is no region")
    ]
    assert problems_of(["1fr"], ["1fr"], ["content"], regions) == [
        ("regions", "region 'side' has no cell in the grid")
    ]
    # Empty cells are allowed.
    assert problems_of(["1fr", "1fr"], ["1fr"], ["content ."], (Region("content", "content"),)) == []


def test_tracks_counts_kinds_and_names_are_checked():
    one = (Region("content", "content"),)
    assert problems_of(["2 fr"], ["1fr"], ["content"], one) == [
        ("columns.0", "a track is `Nfr`, `N%`, `Npx` or `auto`")
    ]
    assert problems_of(["1fr", "1fr"], ["1fr"], ["content"], one) == [
        ("areas.0", "one name per column: 2 columns")
    ]
    assert problems_of(["1fr"], ["1fr", "auto"], ["content"], one) == [
        ("areas", "one string per row: 2 rows")
    ]
    assert ("regions.1.kind", "one of content, departures, ticker, clock") in problems_of(
        ["1fr", "1fr"], ["1fr"], ["content w"], (*one, Region("w", "weather"))
    )
    assert ("regions", "at most one content region (the rotation)") in problems_of(
        ["1fr", "1fr"], ["1fr"], ["content b"], (*one, Region("b", "content"))
    )
    assert ("regions.1.name", "two regions have this name") in problems_of(
        ["1fr"], ["1fr"], ["content"], one * 2
    )


def test_the_schedule_layout_wins_then_the_screens_then_the_whole_screen():
    own = {CORNER.code: CORNER}
    assert layout_now(schedule_layout="portrait", screen_layout="coin-departs", layouts=own) is PORTRAIT
    assert layout_now(schedule_layout=None, screen_layout="coin-departs", layouts=own) is CORNER
    assert layout_now(schedule_layout=None, screen_layout=None, layouts=own) is FULLSCREEN
    # A code that no longer names a layout is skipped, never an error on a screen.
    assert layout_now(schedule_layout="deleted", screen_layout="landscape", layouts=own) is LANDSCAPE
    assert layout_now(schedule_layout="deleted", screen_layout="gone", layouts=own) is FULLSCREEN


def test_each_region_gets_its_content():
    ticker = [
        TickerItem("d1", "disruption:d1", "info", {"fr": "Travaux", "en": "Works"}, utc(2026, 12, 7, 8)),
        TickerItem(
            "d2", "disruption:d2", "severe", {"fr": "Ligne 15 interrompue"}, utc(2026, 12, 7, 7), ("L15",)
        ),
        TickerItem("d3", "disruption:d3", "info", {"fr": "Ascenseur"}, utc(2026, 12, 7, 9)),
    ]
    shown = regions_now(
        LANDSCAPE,
        station_id="saint-denis-pleyel",
        languages=["en", "fr"],
        playlist_code="main",
        ticker=ticker,
    )
    by_name = {r["name"]: r for r in shown}
    assert [r["name"] for r in shown] == ["content", "clock", "departures", "ticker"]
    assert by_name["content"] == {"name": "content", "kind": "content", "playlist": "main"}
    assert by_name["clock"]["time_zone"] == "Europe/Paris"
    assert by_name["departures"]["url"] == "/api/v1/stations/saint-denis-pleyel/kiosk/departures"
    assert by_name["departures"]["live_url"] == "/api/v1/stations/saint-denis-pleyel/kiosk/departures/live"
    # Gravest first, then newest; each in the screen's best language.
    items = by_name["ticker"]["items"]
    assert [(i["id"], i["language"], i["text"]) for i in items] == [
        ("d2", "fr", "Ligne 15 interrompue"),
        ("d3", "fr", "Ascenseur"),
        ("d1", "en", "Works"),
    ]
    assert items[0]["source"] == "disruption:d2" and items[0]["lines"] == ["L15"]


def test_a_departures_region_reads_only_its_stops_and_lines():
    board = regions_now(CORNER, station_id="pont-de-sevres", languages=["fr"], playlist_code=None, ticker=[])[
        1
    ]
    assert board["url"] == "/api/v1/stations/pont-de-sevres/kiosk/departures?stop=IDFM%3A1&line=L15"
    assert board["live_url"] == "/api/v1/stations/pont-de-sevres/kiosk/departures/live?stop=IDFM%3A1&line=L15"
    assert (board["stops"], board["lines"], board["modes"], board["rows"]) == (["IDFM:1"], ["L15"], [], 6)
