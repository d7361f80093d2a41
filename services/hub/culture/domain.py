"""Culture at the hub, the rules (pure, no I/O): what makes an exhibition valid, the state of each visit
of its tour from the stations' answers, and the reach of its works from their plays and QR scans.

Nothing here talks to NATS or the disk: `store.py` and `feed.py` do, and call these.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from kernel.contracts.culture import (
    ANSWERED,
    PLAYED,
    SCANNED,
    VISIT,
    WORK,
    ExhibitionPublished,
    Texts,
    Visit,
    VisitAnswered,
    WorkScanned,
    WorksPlayed,
)
from kernel.rules import FieldProblem

STATION_TZ = ZoneInfo("Europe/Paris")
REQUIRED_LANGUAGE = "fr"
VisitState = Literal["pending", "accepted", "declined"]
ReachBy = Literal["work", "artist", "station", "day"]
REACH_BY: tuple[ReachBy, ...] = ("work", "artist", "station", "day")

# Work media the hub takes, by the type the upload declares, and how to recognise each from its bytes.
MEDIA_TYPES: dict[str, str] = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "video/mp4": "mp4",
    "audio/mpeg": "mp3",
    "audio/ogg": "ogg",
}
AUDIO_TYPES = frozenset({"audio/mpeg", "audio/ogg"})


def sniff_media_type(head: bytes) -> str | None:
    """The media type the first bytes of a file show (None: none the hub takes)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        return "video/mp4"
    if head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "audio/mpeg"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    return None


# -- validation ------------------------------------------------------------------------------------


def _texts(problems: list[FieldProblem], where: str, texts: Texts, *, required: bool) -> None:
    if not texts and not required:
        return
    if not (texts.get(REQUIRED_LANGUAGE) or "").strip():
        problems.append(
            FieldProblem(where, "French (`fr`) text is required; other languages fall back to it.")
        )
    for language, text in texts.items():
        if not text.strip():
            problems.append(
                FieldProblem(f"{where}.{language}", "empty text: leave the language out instead.")
            )


def _aware(problems: list[FieldProblem], where: str, moment: datetime) -> None:
    if moment.tzinfo is None:
        problems.append(FieldProblem(where, "give a time zone (e.g. 2027-03-01T00:00:00+01:00)."))


def overlaps(a: Visit, b: Visit) -> bool:
    """Two visits at the same station over date ranges that meet (end exclusive)."""
    return a.station == b.station and a.starts_at < b.ends_at and b.starts_at < a.ends_at


def validate_exhibition(
    exhibition: ExhibitionPublished,
    *,
    stations: Iterable[str],
    other_tours: dict[str, list[Visit]],
) -> list[FieldProblem]:
    """What is wrong with an exhibition before it is published (empty: nothing).

    `stations`: the directory's stations (not retired); `other_tours`: the visits of every other
    exhibition still running, by its code — two exhibitions never visit one station at once.
    """
    problems: list[FieldProblem] = []
    known = set(stations)
    _texts(problems, "title", exhibition.title, required=True)
    _texts(problems, "description", exhibition.description, required=False)

    artist_codes = [a.code for a in exhibition.artists]
    for i, artist in enumerate(exhibition.artists):
        if artist_codes.count(artist.code) > 1:
            problems.append(FieldProblem(f"artists[{i}].code", f"two artists are {artist.code!r}."))
        if not artist.name.strip():
            problems.append(FieldProblem(f"artists[{i}].name", "an artist has a name."))
        _texts(problems, f"artists[{i}].biography", artist.biography, required=False)
        for j, link in enumerate(artist.links):
            if not link.startswith(("https://", "http://")):
                problems.append(FieldProblem(f"artists[{i}].links[{j}]", "a link is an http(s) URL."))

    work_codes = [w.code for w in exhibition.works]
    for i, work in enumerate(exhibition.works):
        where = f"works[{i}]"
        if work_codes.count(work.code) > 1:
            problems.append(FieldProblem(f"{where}.code", f"two works are {work.code!r}."))
        if work.artist not in artist_codes:
            problems.append(FieldProblem(f"{where}.artist", f"no artist {work.artist!r} in this exhibition."))
        _texts(problems, f"{where}.title", work.title, required=True)
        for name in ("technique", "description", "audio_description"):
            _texts(problems, f"{where}.{name}", getattr(work, name), required=False)
        rights = work.rights
        _aware(problems, f"{where}.rights.shown_from", rights.shown_from)
        _aware(problems, f"{where}.rights.shown_until", rights.shown_until)
        if rights.shown_from.tzinfo and rights.shown_until.tzinfo and rights.shown_from >= rights.shown_until:
            problems.append(FieldProblem(f"{where}.rights.shown_until", "the rights end after they start."))
        if not rights.licence.strip():
            problems.append(
                FieldProblem(f"{where}.rights.licence", "name the licence the work is shown under.")
            )
        if not rights.credit.strip():
            problems.append(FieldProblem(f"{where}.rights.credit", "the credit line is shown with the work."))
        for station in sorted(set(rights.stations) - known):
            problems.append(
                FieldProblem(f"{where}.rights.stations", f"no station {station!r} in the directory.")
            )

    for i, visit in enumerate(exhibition.tour):
        where = f"tour[{i}]"
        _aware(problems, f"{where}.starts_at", visit.starts_at)
        _aware(problems, f"{where}.ends_at", visit.ends_at)
        if visit.starts_at.tzinfo is None or visit.ends_at.tzinfo is None:
            continue
        if visit.station not in known:
            problems.append(
                FieldProblem(f"{where}.station", f"no station {visit.station!r} in the directory.")
            )
        if visit.starts_at >= visit.ends_at:
            problems.append(FieldProblem(f"{where}.ends_at", "a visit ends after it starts."))
            continue
        for other in exhibition.tour[:i]:
            if other.starts_at.tzinfo and other.ends_at.tzinfo and overlaps(visit, other):
                problems.append(
                    FieldProblem(
                        where, f"the exhibition is already at {visit.station} from {other.starts_at}."
                    )
                )
        for code, tour in sorted(other_tours.items()):
            if any(overlaps(visit, other) for other in tour):
                problems.append(
                    FieldProblem(where, f"exhibition {code!r} is at {visit.station} over these dates.")
                )
    return problems


# -- the tour --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    answer: Literal["accepted", "declined"]
    answered_at: datetime


def answer_key(exhibition: str, station: str, starts_at: datetime) -> tuple[str, str, float]:
    return exhibition, station, starts_at.timestamp()


def visit_state(answer: Answer | None) -> VisitState:
    return "pending" if answer is None else answer.answer


# -- what the stations send back -------------------------------------------------------------------


@dataclass(frozen=True)
class PlayKey:
    station: str
    day: date
    exhibition: str
    work: str
    artist: str


@dataclass(frozen=True)
class ScanKey:
    station: str
    day: date
    exhibition: str
    work: str


@dataclass
class Tally:
    plays: int = 0
    seconds: float = 0.0


@dataclass
class CultureLedger:
    """What the stations told the hub about culture: their answers to visits, plays and scans.

    Rebuilt from the aggregate stream on every start; each event counts once by its CloudEvent id,
    however many times it was copied. Plays and scans are summed as they come, per station, day and
    work: a month of every screen's reports takes the room of its distinct (station, day, work)s."""

    answers: dict[tuple[str, str, float], Answer] = field(default_factory=dict)
    plays: dict[PlayKey, Tally] = field(default_factory=dict)
    scans: dict[ScanKey, int] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)

    @staticmethod
    def reads(entity: str, verb: str) -> bool:
        return (entity, verb) in {(VISIT, ANSWERED), (WORK, PLAYED), (WORK, SCANNED)}

    def apply(self, event_id: str, station: str, entity: str, verb: str, data: dict) -> bool:
        """Takes one station event in; False if it was already counted (or is not culture's)."""
        if event_id in self.seen or not self.reads(entity, verb):
            return False
        if (entity, verb) == (VISIT, ANSWERED):
            answered = VisitAnswered.model_validate(data)
            key = answer_key(answered.exhibition_code, station, answered.starts_at)
            known = self.answers.get(key)
            if known is None or answered.answered_at >= known.answered_at:
                self.answers[key] = Answer(answered.answer, answered.answered_at)
        elif verb == PLAYED:
            played = WorksPlayed.model_validate(data)
            day = date.fromisoformat(played.day)
            for w in played.works:
                tally = self.plays.setdefault(
                    PlayKey(station, day, w.exhibition_code, w.work_code, w.artist), Tally()
                )
                tally.plays += w.plays
                tally.seconds += w.seconds
        else:
            scanned = WorkScanned.model_validate(data)
            day = scanned.scanned_at.astimezone(STATION_TZ).date()
            scan = ScanKey(station, day, scanned.exhibition_code, scanned.work_code)
            self.scans[scan] = self.scans.get(scan, 0) + 1
        self.seen.add(event_id)
        return True

    def answer(self, exhibition: str, visit: Visit) -> Answer | None:
        return self.answers.get(answer_key(exhibition, visit.station, visit.starts_at))


@dataclass
class ReachRow:
    key: str
    exhibition: str | None
    plays: int = 0
    seconds: float = 0.0
    scans: int = 0


def reach(
    ledger: CultureLedger,
    *,
    by: ReachBy,
    exhibition: str | None = None,
    since: date | None = None,
    until: date | None = None,
    artist_of: dict[tuple[str, str], str] | None = None,
) -> list[ReachRow]:
    """Plays, seconds and QR scans summed by work, artist, station or day (days inclusive).

    Works and artists are keyed within their exhibition; `artist_of` ((exhibition, work) -> artist)
    attributes a scan to the work's artist."""
    artist_of = artist_of or {}

    def wanted(row: PlayKey | ScanKey) -> bool:
        return (
            (exhibition is None or row.exhibition == exhibition)
            and (since is None or row.day >= since)
            and (until is None or row.day <= until)
        )

    def key_of(row: PlayKey | ScanKey) -> tuple[str, str | None] | None:
        if by == "work":
            return row.work, row.exhibition
        if by == "artist":
            artist = row.artist if isinstance(row, PlayKey) else artist_of.get((row.exhibition, row.work))
            return (artist, row.exhibition) if artist else None
        if by == "station":
            return row.station, exhibition
        return row.day.isoformat(), exhibition

    rows: dict[tuple[str, str | None], ReachRow] = {}
    for play, tally in ledger.plays.items():
        key = key_of(play)
        if key is None or not wanted(play):
            continue
        row = rows.setdefault(key, ReachRow(key=key[0], exhibition=key[1]))
        row.plays += tally.plays
        row.seconds += tally.seconds
    for scan, count in ledger.scans.items():
        found = key_of(scan)
        if found is None or not wanted(scan):
            continue
        row = rows.setdefault(found, ReachRow(key=found[0], exhibition=found[1]))
        row.scans += count
    return sorted(rows.values(), key=lambda r: (r.exhibition or "", r.key))


REACH_CSV_COLUMNS = ("by", "key", "exhibition", "plays", "seconds", "scans")


def reach_csv(by: ReachBy, rows: list[ReachRow]) -> str:
    """The report as CSV (RFC 4180, a header row), for a funder's spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(REACH_CSV_COLUMNS)
    for row in rows:
        writer.writerow([by, row.key, row.exhibition or "", row.plays, f"{row.seconds:.1f}", row.scans])
    return out.getvalue()
