"""Every list of the lockers in the one page shape: pages follow each other without a parcel given
twice or skipped, also while parcels arrive, and a cursor that is not one is a 400."""

from __future__ import annotations

import uuid
from typing import Any

from services.parcel_lockers.tests.test_api import BASE
from services.parcel_lockers.tests.test_parcels import Station
from testkit.service import assert_problem, bearer


async def walk(station: Station, path: str, headers: dict[str, str], **query: Any) -> list[str]:
    """Every item's id, page after page of two; a parcel deposited after the first page is newer
    than where the walk stands, so it must not shift what follows."""
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params = {"limit": 2, **query, **({"cursor": cursor} if cursor else {})}
        page = (await station.http.get(f"{BASE}{path}", params=params, headers=headers)).json()
        assert set(page) == {"items", "next_cursor"}
        seen += [item["id"] for item in page["items"]]
        if len(seen) == 2:
            assert (await station.deposit(f"LATE-{uuid.uuid4().hex[:8]}")).status_code == 201
        cursor = page["next_cursor"]
        if cursor is None:
            return seen


async def test_parcels_and_openings_come_page_by_page_each_once(station: Station) -> None:
    for n in range(3):  # bank A has five compartments: three now, one per walk later
        assert (await station.deposit(f"PAGE-{n}-{uuid.uuid4().hex[:6]}")).status_code == 201
    operator = bearer(station.keys.operator())
    before = {
        p["id"]
        for p in (await station.http.get(f"{BASE}/parcels", params={"limit": 200}, headers=operator)).json()[
            "items"
        ]
    }

    walked = await walk(station, "/parcels", operator)
    assert len(walked) == len(set(walked)), "a parcel given twice"
    assert before <= set(walked), "a parcel skipped"

    openings = await walk(station, "/openings", operator)
    assert len(openings) == len(set(openings)) and len(openings) >= 4

    banks = (await station.http.get(f"{BASE}/banks", params={"limit": 1}, headers=operator)).json()
    assert len(banks["items"]) == 1 and banks["next_cursor"] is not None
    rest = await station.http.get(f"{BASE}/banks", params={"cursor": banks["next_cursor"]}, headers=operator)
    assert banks["items"][0]["code"] not in {b["code"] for b in rest.json()["items"]}


async def test_a_cursor_that_is_not_one_is_refused(station: Station) -> None:
    operator = bearer(station.keys.operator())
    for path in ("/parcels", "/openings", "/banks"):
        assert_problem(
            await station.http.get(f"{BASE}{path}", params={"cursor": "not-a-cursor"}, headers=operator),
            400,
            "invalid-cursor",
        )
    mine = await station.http.get(
        f"{BASE}/parcels/mine", params={"cursor": "%%%"}, headers=station.traveller()
    )
    assert_problem(mine, 400, "invalid-cursor")
