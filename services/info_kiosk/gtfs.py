"""The station graph as GTFS: levels.txt, stops.txt, pathways.txt, translations.txt and feed_info.txt
in a zip.

Pure: bytes in, records out (and back). Names are French in `stop_name` / `level_name` (the feed's
language) and every other language in translations.txt. The kind of a place, which GTFS has no
field for, travels in the extra column `place_kind` (GTFS consumers ignore columns they do not know).
"""

from __future__ import annotations

import csv
import io
import itertools
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kernel.i18n import DEFAULT_LANGUAGE
from kernel.limits import ArchiveLimits, open_zip, read_member
from services.info_kiosk.domain.graph_rules import GraphProblem, LevelRecord, PathwayRecord, PlaceRecord

# GTFS pathway_mode <-> ours.
MODES = {
    1: "walkway",
    2: "stairs",
    3: "travelator",
    4: "escalator",
    5: "lift",
    6: "fare_gate",
    7: "exit_gate",
}
MODE_NUMBERS = {mode: number for number, mode in MODES.items()}
# GTFS location_type of each kind: platforms are stops (0), exits entrances (2), the rest generic nodes (3).
LOCATION_TYPES = {"platform": 0, "entrance_exit": 2}
STATION, GENERIC_NODE = 1, 3
FILES = ("feed_info.txt", "levels.txt", "stops.txt", "pathways.txt", "translations.txt")
MAX_ROWS = 20_000
# A station's graph is a few hundred rows: a few MiB of text is already far more.
ARCHIVE_LIMITS = ArchiveLimits(
    max_members=16, max_member_bytes=8 * 1024 * 1024, max_total_bytes=16 * 1024 * 1024
)


@dataclass(frozen=True)
class Publisher:
    """Who publishes the feed (feed_info.txt, required by GTFS once translations.txt is there)."""

    name: str
    url: str


@dataclass
class Feed:
    levels: list[LevelRecord] = field(default_factory=list)
    places: list[PlaceRecord] = field(default_factory=list)
    pathways: list[PathwayRecord] = field(default_factory=list)


class FeedError(Exception):
    def __init__(self, problems: list[GraphProblem]) -> None:
        super().__init__("; ".join(problem.detail for problem in problems))
        self.problems = problems


def _rows(
    archive: zipfile.ZipFile, name: str, required: Sequence[str], problems: list[GraphProblem]
) -> list[dict[str, str]]:
    try:
        text = read_member(archive, name, ARCHIVE_LIMITS).decode("utf-8-sig")
    except KeyError:
        if name == "translations.txt":
            return []
        problems.append(GraphProblem(name, f"{name} is missing from the feed"))
        return []
    except UnicodeDecodeError:
        problems.append(GraphProblem(name, f"{name} is not UTF-8"))
        return []
    except zipfile.BadZipFile as exc:
        problems.append(GraphProblem(name, f"{name} cannot be unpacked ({exc})"))
        return []
    reader = csv.DictReader(io.StringIO(text))
    try:
        missing = [column for column in required if column not in (reader.fieldnames or [])]
        if missing:
            problems.append(GraphProblem(name, f"{name} lacks the columns {', '.join(missing)}"))
            return []
        rows = list(itertools.islice(reader, MAX_ROWS + 1))
    except csv.Error as exc:  # e.g. a field over csv's size limit
        problems.append(GraphProblem(name, f"{name} is not valid CSV ({exc})"))
        return []
    if len(rows) > MAX_ROWS:
        problems.append(GraphProblem(name, f"{name} has more than {MAX_ROWS} rows"))
        return []
    return rows


def _number(
    value: str | None,
    where: str,
    problems: list[GraphProblem],
    *,
    integer: bool = False,
    signed: bool = False,
) -> Any:
    if value is None or value.strip() == "":
        return None
    try:
        number = int(value) if integer else float(value)
    except ValueError:
        problems.append(GraphProblem(where, f"{where}: {value!r} is not a number"))
        return None
    if number < 0 and not signed:
        problems.append(GraphProblem(where, f"{where}: {value!r} is negative"))
        return None
    return number


def read_feed(data: bytes) -> Feed:
    """The graph of a GTFS zip; FeedError lists every row that cannot be read, PayloadTooLarge
    refuses an archive that would expand past ARCHIVE_LIMITS."""
    problems: list[GraphProblem] = []
    try:
        archive = open_zip(data, ARCHIVE_LIMITS)
    except zipfile.BadZipFile:
        raise FeedError([GraphProblem("body", "the body is not a zip archive")]) from None
    with archive:
        level_rows = _rows(archive, "levels.txt", ("level_id", "level_index"), problems)
        stop_rows = _rows(archive, "stops.txt", ("stop_id", "stop_name", "stop_lat", "stop_lon"), problems)
        pathway_rows = _rows(
            archive,
            "pathways.txt",
            ("pathway_id", "from_stop_id", "to_stop_id", "pathway_mode", "is_bidirectional"),
            problems,
        )
        translation_rows = _rows(
            archive, "translations.txt", ("table_name", "field_name", "language", "translation"), problems
        )
    if problems:
        raise FeedError(problems)
    translations: dict[tuple[str, str], dict[str, str]] = {}
    for row in translation_rows:
        if row.get("field_name") in ("stop_name", "level_name") and row.get("record_id"):
            translations.setdefault((row["table_name"], row["record_id"]), {})[row["language"]] = row[
                "translation"
            ]
    feed = Feed()
    for line, row in enumerate(level_rows, 2):
        index = _number(row["level_index"], f"levels.txt:{line}.level_index", problems, signed=True)
        names = {DEFAULT_LANGUAGE: row.get("level_name") or row["level_id"]}
        names.update(translations.get(("levels", row["level_id"]), {}))
        feed.levels.append(LevelRecord(row["level_id"], index or 0.0, names))
    for line, row in enumerate(stop_rows, 2):
        location_type = _number(
            row.get("location_type"), f"stops.txt:{line}.location_type", problems, integer=True
        )
        if location_type == STATION:
            continue  # the station itself: the deployment knows which it is
        lat = _number(row["stop_lat"], f"stops.txt:{line}.stop_lat", problems, signed=True)
        lon = _number(row["stop_lon"], f"stops.txt:{line}.stop_lon", problems, signed=True)
        kind = row.get("place_kind") or {0: "platform", 2: "entrance_exit"}.get(location_type or 0, "node")
        names = {DEFAULT_LANGUAGE: row["stop_name"] or row["stop_id"]}
        names.update(translations.get(("stops", row["stop_id"]), {}))
        if not row.get("level_id"):
            problems.append(
                GraphProblem(f"stops.txt:{line}.level_id", f"stop {row['stop_id']!r} has no level_id")
            )
        feed.places.append(
            PlaceRecord(
                code=row["stop_id"],
                kind=kind,
                names=names,
                level_code=row.get("level_id") or "",
                lat=lat or 0.0,
                lon=lon or 0.0,
                line=row.get("platform_code") or None,
            )
        )
    for line, row in enumerate(pathway_rows, 2):
        mode_number = _number(
            row["pathway_mode"], f"pathways.txt:{line}.pathway_mode", problems, integer=True
        )
        if mode_number is not None and mode_number not in MODES:
            problems.append(
                GraphProblem(f"pathways.txt:{line}.pathway_mode", f"unknown pathway_mode {mode_number}")
            )
        if row["is_bidirectional"] not in ("0", "1"):
            problems.append(
                GraphProblem(f"pathways.txt:{line}.is_bidirectional", "is_bidirectional must be 0 or 1")
            )
        feed.pathways.append(
            PathwayRecord(
                code=row["pathway_id"],
                from_code=row["from_stop_id"],
                to_code=row["to_stop_id"],
                mode=MODES.get(mode_number or 1, "walkway"),
                bidirectional=row["is_bidirectional"] == "1",
                length_m=_number(row.get("length"), f"pathways.txt:{line}.length", problems),
                traversal_time_s=_number(
                    row.get("traversal_time"), f"pathways.txt:{line}.traversal_time", problems, integer=True
                ),
                stair_count=_number(
                    row.get("stair_count"), f"pathways.txt:{line}.stair_count", problems, integer=True
                ),
            )
        )
    if problems:
        raise FeedError(problems)
    return feed


def _csv(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if value is None else _text(value) for value in row])
    return out.getvalue().encode()


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _default_name(names: dict[str, str] | object, code: str) -> str:
    assert isinstance(names, dict)
    return names.get(DEFAULT_LANGUAGE) or next(iter(names.values()), code)


def write_feed(station_id: str, station_names: dict[str, str], feed: Feed, publisher: Publisher) -> bytes:
    """The graph as a GTFS zip, in a stable order so that the same graph gives the same bytes."""
    levels = sorted(feed.levels, key=lambda level: (-level.index, level.code))
    places = sorted(feed.places, key=lambda place: place.code)
    pathways = sorted(feed.pathways, key=lambda pathway: pathway.code)
    lat = sum(place.lat for place in places) / len(places) if places else 0.0
    lon = sum(place.lon for place in places) / len(places) if places else 0.0
    translations: list[tuple[str, str, str, str, str]] = []
    for table, column, code, names in [
        *(("levels", "level_name", level.code, dict(level.names)) for level in levels),
        *(("stops", "stop_name", place.code, dict(place.names)) for place in places),
    ]:
        for language in sorted(names):
            if language != DEFAULT_LANGUAGE:
                translations.append((table, column, language, names[language], code))
    files = {
        "feed_info.txt": _csv(
            ("feed_publisher_name", "feed_publisher_url", "feed_lang", "default_lang", "feed_contact_url"),
            [(publisher.name, publisher.url, DEFAULT_LANGUAGE, DEFAULT_LANGUAGE, publisher.url)],
        ),
        "levels.txt": _csv(
            ("level_id", "level_index", "level_name"),
            ((level.code, level.index, _default_name(dict(level.names), level.code)) for level in levels),
        ),
        "stops.txt": _csv(
            (
                "stop_id",
                "stop_name",
                "stop_lat",
                "stop_lon",
                "location_type",
                "parent_station",
                "level_id",
                "platform_code",
                "place_kind",
            ),
            [
                (
                    station_id,
                    _default_name(station_names, station_id),
                    round(lat, 7),
                    round(lon, 7),
                    STATION,
                    None,
                    None,
                    None,
                    None,
                ),
                *(
                    (
                        place.code,
                        _default_name(dict(place.names), place.code),
                        place.lat,
                        place.lon,
                        LOCATION_TYPES.get(place.kind, GENERIC_NODE),
                        station_id,
                        place.level_code,
                        place.line,
                        place.kind,
                    )
                    for place in places
                ),
            ],
        ),
        "pathways.txt": _csv(
            (
                "pathway_id",
                "from_stop_id",
                "to_stop_id",
                "pathway_mode",
                "is_bidirectional",
                "length",
                "traversal_time",
                "stair_count",
            ),
            (
                (
                    pathway.code,
                    pathway.from_code,
                    pathway.to_code,
                    MODE_NUMBERS[pathway.mode],
                    int(pathway.bidirectional),
                    pathway.length_m,
                    pathway.traversal_time_s,
                    pathway.stair_count,
                )
                for pathway in pathways
            ),
        ),
        "translations.txt": _csv(
            ("table_name", "field_name", "language", "translation", "record_id"), translations
        ),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in FILES:
            # A fixed date: the same graph gives the same bytes (and ETag).
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name])
    return out.getvalue()


def read_folder(files: dict[str, bytes]) -> Feed:
    """The graph of GTFS files given by name (the demo data ships them unzipped)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return read_feed(out.getvalue())
