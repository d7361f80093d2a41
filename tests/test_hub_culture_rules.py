"""Culture at the hub, its rules alone (services/hub/culture/domain.py): what makes an exhibition
publishable, how the stations' answers and plays are counted, and the reach report."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import nats.errors
import pytest

from kernel.contracts.culture import ExhibitionPublished, Visit
from kernel.errors import Problem
from services.hub.culture import domain
from services.hub.culture.domain import CultureLedger, reach, reach_csv, validate_exhibition
from services.hub.culture.store import cluster_answers

pytestmark = pytest.mark.spread

START = datetime(2027, 3, 1, tzinfo=UTC)
STATIONS = ["saint-denis-pleyel", "villejuif-institut-gustave-roussy"]


def exhibition(**changes: Any) -> ExhibitionPublished:
    body: dict[str, Any] = {
        "code": "expo",
        "title": {"fr": "Expo", "en": "Show"},
        "artists": [{"code": "awa", "name": "Awa Diallo", "biography": {"fr": "Photographe."}}],
        "works": [
            {
                "code": "quai",
                "artist": "awa",
                "title": {"fr": "Quai"},
                "media_url": "https://hub.example.org/media/x.png",
                "media_sha256": "a" * 64,
                "media_type": "image/png",
                "rights": {
                    "licence": "CC BY 4.0",
                    "credit": "© Awa Diallo",
                    "shown_from": START,
                    "shown_until": START + timedelta(days=60),
                },
            }
        ],
        "tour": [{"station": STATIONS[0], "starts_at": START, "ends_at": START + timedelta(days=14)}],
        "updated_at": START,
        **changes,
    }
    return ExhibitionPublished.model_validate(body)


def fields(ex: ExhibitionPublished, other_tours: dict[str, list[Visit]] | None = None) -> set[str]:
    return {p.field for p in validate_exhibition(ex, stations=STATIONS, other_tours=other_tours or {})}


def test_a_complete_exhibition_is_valid() -> None:
    assert fields(exhibition()) == set()


def test_french_is_required_wherever_there_is_text() -> None:
    assert "title" in fields(exhibition(title={"en": "Show"}))
    assert "description" in fields(exhibition(description={"en": "Only English"}))
    bad = exhibition()
    bad.works[0].audio_description = {"en": "Read aloud"}
    bad.artists[0].biography = {"fr": "  "}
    assert {"works[0].audio_description", "artists[0].biography", "artists[0].biography.fr"} <= fields(bad)


def test_works_need_their_artist_and_ordered_rights_at_known_stations() -> None:
    bad = exhibition()
    bad.works[0].artist = "nobody"
    bad.works[0].rights.shown_until = bad.works[0].rights.shown_from
    bad.works[0].rights.stations = ["chatelet"]
    assert {"works[0].artist", "works[0].rights.shown_until", "works[0].rights.stations"} <= fields(bad)
    naive = exhibition()
    naive.works[0].rights.shown_from = datetime(2027, 3, 1)
    assert "works[0].rights.shown_from" in fields(naive)


def test_visits_are_at_known_stations_in_order_and_never_overlap() -> None:
    visit = {
        "station": STATIONS[0],
        "starts_at": START + timedelta(days=13),
        "ends_at": START + timedelta(days=20),
    }
    assert "tour[1]" in fields(exhibition(tour=[*exhibition().tour, visit]))
    # End exclusive: the next visit may start the day the first ends.
    after = {**visit, "starts_at": START + timedelta(days=14)}
    assert fields(exhibition(tour=[*exhibition().tour, after])) == set()
    elsewhere = {**visit, "station": STATIONS[1]}
    assert fields(exhibition(tour=[*exhibition().tour, elsewhere])) == set()
    assert "tour[0].station" in fields(exhibition(tour=[{**visit, "station": "chatelet"}]))
    backwards = {**visit, "ends_at": visit["starts_at"]}
    assert "tour[0].ends_at" in fields(exhibition(tour=[backwards]))
    # Another exhibition already at that station then.
    other = [
        Visit(station=STATIONS[0], starts_at=START + timedelta(days=10), ends_at=START + timedelta(days=40))
    ]
    problems = validate_exhibition(exhibition(), stations=STATIONS, other_tours={"autre": other})
    assert [p.field for p in problems] == ["tour[0]"] and "autre" in problems[0].detail


def played(station: str, day: str, *works: tuple[str, str, int, float]) -> dict[str, Any]:
    return {
        "screen_code": "hall",
        "day": day,
        "reported_at": START.isoformat(),
        "works": [
            {"work_code": w, "exhibition_code": "expo", "artist": a, "plays": n, "seconds": s}
            for w, a, n, s in works
        ],
    }


def scanned(work: str, at: str) -> dict[str, Any]:
    return {"exhibition_code": "expo", "work_code": work, "screen_code": None, "scanned_at": at}


def test_the_ledger_counts_each_event_once_and_keeps_the_latest_answer() -> None:
    ledger = CultureLedger()
    sd, vj = STATIONS
    assert ledger.apply("e1", sd, "work", "played", played(sd, "2027-03-02", ("quai", "awa", 3, 30.0)))
    assert not ledger.apply("e1", sd, "work", "played", played(sd, "2027-03-02", ("quai", "awa", 3, 30.0)))
    assert not ledger.apply("e9", sd, "screen", "offline", {})
    ledger.apply("e2", vj, "work", "played", played(vj, "2027-03-03", ("pont", "lina", 1, 10.0)))
    # 23:30 UTC on 2 March is 3 March in Paris: the scan counts on the station's day.
    ledger.apply("e3", sd, "work", "scanned", scanned("quai", "2027-03-02T23:30:00Z"))
    later, earlier = START + timedelta(hours=2), START + timedelta(hours=1)
    ledger.apply(
        "e4",
        sd,
        "visit",
        "answered",
        {
            "exhibition_code": "expo",
            "starts_at": START.isoformat(),
            "answer": "declined",
            "answered_at": later.isoformat(),
        },
    )
    # An older answer copied late does not undo the newer one.
    ledger.apply(
        "e5",
        sd,
        "visit",
        "answered",
        {
            "exhibition_code": "expo",
            "starts_at": START.isoformat(),
            "answer": "accepted",
            "answered_at": earlier.isoformat(),
        },
    )
    visit = Visit(station=sd, starts_at=START, ends_at=START + timedelta(days=1))
    answer = ledger.answer("expo", visit)
    assert answer is not None and answer.answer == "declined"
    assert domain.visit_state(ledger.answer("expo", visit.model_copy(update={"station": vj}))) == "pending"

    by_work = {r.key: (r.plays, r.seconds, r.scans) for r in reach(ledger, by="work")}
    assert by_work == {"quai": (3, 30.0, 1), "pont": (1, 10.0, 0)}
    by_day = {r.key: (r.plays, r.scans) for r in reach(ledger, by="day")}
    assert by_day == {"2027-03-02": (3, 0), "2027-03-03": (1, 1)}
    by_artist = {r.key: r.scans for r in reach(ledger, by="artist", artist_of={("expo", "quai"): "awa"})}
    assert by_artist == {"awa": 1, "lina": 0}
    only = reach(ledger, by="station", since=date(2027, 3, 3), until=date(2027, 3, 3))
    assert {r.key: (r.plays, r.scans) for r in only} == {vj: (1, 0), sd: (0, 1)}

    table = list(csv.reader(io.StringIO(reach_csv("work", reach(ledger, by="work")))))
    assert table[0] == list(domain.REACH_CSV_COLUMNS)
    assert sorted(table[1:]) == [
        ["work", "pont", "expo", "1", "10.0", "0"],
        ["work", "quai", "expo", "3", "30.0", "1"],
    ]


@pytest.mark.parametrize(
    ("head", "media_type"),
    [
        (b"\xff\xd8\xff\xe0", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"RIFF\0\0\0\0WEBPVP8 ", "image/webp"),
        (b"\0\0\0\x18ftypmp42", "video/mp4"),
        (b"ID3\x04", "audio/mpeg"),
        (b"OggS\0", "audio/ogg"),
        (b"GIF89a", None),
        (b"", None),
    ],
)
def test_media_are_recognised_by_their_bytes(head: bytes, media_type: str | None) -> None:
    assert domain.sniff_media_type(head) == media_type


async def test_a_cluster_that_does_not_answer_is_a_503_not_a_500() -> None:
    with pytest.raises(Problem) as raised:
        async with cluster_answers():
            raise nats.errors.TimeoutError
    assert raised.value.status == 503 and raised.value.slug == "unavailable"
