"""The station graph over HTTP in process: GTFS import/export, operator CRUD, routes that avoid an
outage at once, search, and the live panels fed by other services' events on a real nats-server."""

from __future__ import annotations

import asyncio
import csv
import functools
import io
import json
import subprocess
import sys
import zipfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import nats
import pytest

from kernel.catalog import station_names
from kernel.contracts import kiosk as kiosk_contract
from kernel.contracts import lockers, signage
from kernel.events import new_event
from services.info_kiosk import gtfs, texts
from services.info_kiosk.app import DEFINITION
from services.info_kiosk.demo import demo_feed
from services.info_kiosk.settings import Settings
from services.info_kiosk.tests.test_api import publish
from testkit.service import (
    SAINT_DENIS,
    VILLEJUIF,
    ServiceUnderTest,
    SigningKey,
    assert_problem,
    bearer,
    eventually,
    migrated_sqlite_async,
    running_service,
)

PUBLISHER = gtfs.Publisher("Gare numérique", "https://gare-numerique.example.org/")

MIGRATIONS = Path(__file__).parents[1] / "migrations"
VJ = f"/api/v1/stations/{VILLEJUIF}/kiosk"
SDP = f"/api/v1/stations/{SAINT_DENIS}/kiosk"
ZIP = {"Content-Type": "application/zip"}


def demo_zip(station: str) -> bytes:
    feed = demo_feed(station)
    assert feed is not None
    return gtfs.write_feed(station, {"fr": station_names()[station]}, feed, PUBLISHER)


@pytest.fixture
async def kiosk(tmp_path: Path, keys: SigningKey, nats_server) -> AsyncIterator[ServiceUnderTest]:
    url = await migrated_sqlite_async(MIGRATIONS, tmp_path / "info_kiosk.sqlite")
    async with running_service(
        DEFINITION,
        functools.partial(Settings, gtfs_publisher_url=PUBLISHER.url),
        database_url=url,
        keys=keys,
        nats_url=nats_server.url,
    ) as running:
        for station, base in ((VILLEJUIF, VJ), (SAINT_DENIS, SDP)):
            imported = await running.http.put(
                f"{base}/graph/gtfs", content=demo_zip(station), headers=ZIP | bearer(keys.operator(station))
            )
            assert imported.status_code == 200, imported.text
        yield running


async def test_gtfs_import_reports_and_export_gives_back_the_same_graph(kiosk, keys):
    report = (await kiosk.http.get(f"{SDP}/graph/validation", headers=bearer(keys.operator()))).json()
    assert report["places"] == 26 and report["pathways"] == 42 and report["levels"] == 5
    assert {(w["place_code"], w["profile"]) for w in report["warnings"]} == {("exit-rue-pleyel", "step_free")}
    exported = await kiosk.http.get(f"{SDP}/graph/gtfs")
    assert exported.headers["content-type"] == "application/zip"
    assert exported.content == demo_zip(SAINT_DENIS)
    with zipfile.ZipFile(io.BytesIO(exported.content)) as archive:
        assert sorted(archive.namelist()) == [
            "feed_info.txt",
            "levels.txt",
            "pathways.txt",
            "stops.txt",
            "translations.txt",
        ]


# A pathways-only feed has no schedule: these files, and only these, it cannot have.
SCHEDULE_FILES = {"agency.txt", "routes.txt", "trips.txt", "stop_times.txt"}
# Recommended for a timetable's validity period, which a station graph does not have.
UNDATED = {
    ("feed_info.txt", "feed_start_date"),
    ("feed_info.txt", "feed_end_date"),
    ("feed_info.txt", "feed_version"),
}


def allowed_without_a_schedule(code: str, sample: dict[str, object]) -> bool:
    if code == "missing_required_file":
        return sample["filename"] in SCHEDULE_FILES
    if code == "missing_recommended_field":
        return (sample["filename"], sample["fieldName"]) in UNDATED
    return code == "missing_calendar_and_calendar_date_files"


@pytest.mark.parametrize("base", [SDP, VJ], ids=[SAINT_DENIS, VILLEJUIF])
async def test_the_exports_pass_mobilitydatas_gtfs_rules(kiosk, base, tmp_path):
    exported = await kiosk.http.get(f"{base}/graph/gtfs")
    (tmp_path / "feed.zip").write_bytes(exported.content)
    validator = str(Path(sys.executable).with_name("gtfs-validator"))
    ran = await asyncio.to_thread(
        subprocess.run,
        [validator, "-i", str(tmp_path / "feed.zip"), "-o", str(tmp_path / "report")],
        capture_output=True,
        timeout=300,
    )
    assert ran.returncode == 0, ran.stderr
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    refused = [
        (notice["code"], sample)
        for notice in report["notices"]
        if notice["severity"] in ("ERROR", "WARNING")
        for sample in notice["sampleNotices"]
        if not allowed_without_a_schedule(notice["code"], sample)
    ]
    assert refused == []
    # The parent station is named as travellers know it, not by its slug.
    with zipfile.ZipFile(io.BytesIO(exported.content)) as archive:
        stops = csv.DictReader(io.StringIO(archive.read("stops.txt").decode()))
        [station] = [row for row in stops if row["location_type"] == "1"]
    assert station["stop_name"] == station_names()[station["stop_id"]] != station["stop_id"]


def _member_edited(archive: bytes, name: str, edit) -> bytes:
    """The zip with the local header of `name` (and its central directory entry) passed to `edit`."""
    data = bytearray(archive)
    for signature, name_at in ((b"PK\x03\x04", 30), (b"PK\x01\x02", 46)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            if data[start + name_at : start + name_at + len(name)] == name.encode():
                edit(data, start, signature)
            start += 4
    return bytes(data)


def _set_method(data: bytearray, start: int, signature: bytes) -> None:
    offset = 8 if signature == b"PK\x03\x04" else 10
    data[start + offset : start + offset + 2] = (99).to_bytes(2, "little")


def _set_encrypted(data: bytearray, start: int, signature: bytes) -> None:
    offset = 6 if signature == b"PK\x03\x04" else 8
    data[start + offset] |= 1


def _corrupt_data(data: bytearray, start: int, signature: bytes) -> None:
    if signature == b"PK\x03\x04":
        name_length = int.from_bytes(data[start + 26 : start + 28], "little")
        body = start + 30 + name_length
        data[body : body + 16] = bytes(16)


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


BROKEN_FEEDS = {
    "corrupt-deflate-data": (lambda: _member_edited(demo_zip(VILLEJUIF), "stops.txt", _corrupt_data), 422),
    "unknown-compression-method": (
        lambda: _member_edited(demo_zip(VILLEJUIF), "stops.txt", _set_method),
        422,
    ),
    "encrypted-member": (lambda: _member_edited(demo_zip(VILLEJUIF), "stops.txt", _set_encrypted), 422),
    "field-over-csv-limit": (
        lambda: _zip({"stops.txt": b"stop_id,stop_name,stop_lat,stop_lon\nx," + b"y" * 200_000 + b",0,0\n"}),
        422,
    ),
    "not-utf8": (lambda: _zip({"stops.txt": b"\xff\xfe\x00stop_id\n"}), 422),
    "too-many-members": (lambda: _zip({f"extra-{n}.txt": b"" for n in range(20)}), 413),
    "member-over-its-cap": (lambda: _zip({"stops.txt": b"\n" * (9 << 20)}), 413),
}


@pytest.mark.parametrize("case", BROKEN_FEEDS, ids=list(BROKEN_FEEDS))
async def test_every_way_a_zip_can_be_broken_is_a_4xx_and_changes_nothing(kiosk, keys, case):
    make, status = BROKEN_FEEDS[case]
    before = (await kiosk.http.get(f"{VJ}/graph/gtfs")).content
    response = await kiosk.http.put(
        f"{VJ}/graph/gtfs", content=make(), headers=ZIP | bearer(keys.operator(VILLEJUIF))
    )
    assert_problem(response, status)
    assert (await kiosk.http.get(f"{VJ}/graph/gtfs")).content == before


async def test_a_feed_with_dangling_pathways_is_refused_whole(kiosk, keys):
    feed = demo_feed(VILLEJUIF)
    assert feed is not None
    feed.pathways.append(gtfs.PathwayRecord("p-broken", "hall", "quai-99", "walkway", True, 5, 5))
    refused = await kiosk.http.put(
        f"{VJ}/graph/gtfs",
        content=gtfs.write_feed(VILLEJUIF, {}, feed, PUBLISHER),
        headers=ZIP | bearer(keys.operator(VILLEJUIF)),
    )
    body = assert_problem(refused, 422, "validation-error")
    assert [error["detail"] for error in body["errors"]] == ["pathway 'p-broken': no place 'quai-99'"]
    assert (await kiosk.http.get(f"{VJ}/pathways/p-broken")).status_code == 404  # nothing changed
    not_zip = await kiosk.http.put(
        f"{VJ}/graph/gtfs", content=b"stop_id\n", headers=ZIP | bearer(keys.operator(VILLEJUIF))
    )
    assert_problem(not_zip, 422, "validation-error")
    wrong_type = await kiosk.http.put(
        f"{VJ}/graph/gtfs",
        content=b"{}",
        headers={"Content-Type": "application/json"} | bearer(keys.operator(VILLEJUIF)),
    )
    assert_problem(wrong_type, 415)
    assert_problem(await kiosk.http.put(f"{VJ}/graph/gtfs", content=demo_zip(VILLEJUIF), headers=ZIP), 401)


async def test_operators_edit_the_graph_by_code_with_its_rules(kiosk, keys):
    op = bearer(keys.operator())
    place = {
        "code": "toilets-quai-14",
        "kind": "toilets",
        "names": {"fr": "Toilettes quai 14", "en": "Toilets platform 14"},
        "level_code": "L-3",
        "lat": 48.9178,
        "lon": 2.3471,
    }
    assert (await kiosk.http.post(f"{SDP}/places", json=place, headers=op)).status_code == 201
    assert_problem(await kiosk.http.post(f"{SDP}/places", json=place, headers=op), 409, "conflict")
    assert_problem(
        await kiosk.http.post(f"{SDP}/places", json=place | {"code": "x", "level_code": "L-9"}, headers=op),
        422,
    )
    dangling = {
        "code": "p-new",
        "from_code": "quai-14",
        "to_code": "nowhere",
        "mode": "walkway",
        "bidirectional": True,
    }
    body = assert_problem(await kiosk.http.post(f"{SDP}/pathways", json=dangling, headers=op), 422)
    assert "no place 'nowhere'" in json.dumps(body["errors"])
    pathway = dangling | {"to_code": "toilets-quai-14", "length_m": 15, "traversal_time_s": 12}
    created = await kiosk.http.post(f"{SDP}/pathways", json=pathway, headers=op)
    assert created.status_code == 201 and created.json()["step_free"] is True
    nearest = await kiosk.http.get(f"{SDP}/places/quai-14/nearest", params={"kind": "toilets", "lang": "en"})
    assert nearest.json()["to_code"] == "toilets-quai-14"
    assert_problem(await kiosk.http.delete(f"{SDP}/places/toilets-quai-14", headers=op), 409, "conflict")
    renamed = await kiosk.http.patch(
        f"{SDP}/places/toilets-quai-14", json={"names": {"fr": "WC quai 14"}}, headers=op
    )
    assert renamed.json()["name"] == "WC quai 14"
    assert (await kiosk.http.delete(f"{SDP}/pathways/p-new", headers=op)).status_code == 204
    assert (await kiosk.http.delete(f"{SDP}/places/toilets-quai-14", headers=op)).status_code == 204
    assert_problem(await kiosk.http.delete(f"{SDP}/levels/L-3", headers=op), 409, "conflict")
    assert_problem(await kiosk.http.post(f"{SDP}/places", json=place, headers=bearer(keys.traveller())), 403)
    assert_problem(await kiosk.http.post(f"{VJ}/places", json=place, headers=op), 403)  # not their station
    # Pages in code order; the cursor of one page gives the next.
    first = (await kiosk.http.get(f"{SDP}/places", params={"limit": 10})).json()
    second = (
        await kiosk.http.get(f"{SDP}/places", params={"limit": 10, "cursor": first["next_cursor"]})
    ).json()
    codes = [p["code"] for p in first["items"] + second["items"]]
    assert codes == sorted(codes) and len(set(codes)) == 20
    lifts = (await kiosk.http.get(f"{SDP}/places", params={"kind": "lift"})).json()
    assert [p["code"] for p in lifts["items"]] == ["lift-15", "lift-central", "lift-street"]
    assert lifts["next_cursor"] is None
    assert_problem(
        await kiosk.http.get(f"{SDP}/places", params={"cursor": "not-a-cursor"}), 400, "invalid-cursor"
    )
    levels = (await kiosk.http.get(f"{SDP}/levels", params={"limit": 1})).json()
    rest = (await kiosk.http.get(f"{SDP}/levels", params={"cursor": levels["next_cursor"]})).json()
    indexes = [level["index"] for level in levels["items"] + rest["items"]]
    assert indexes == sorted(indexes, reverse=True) and len(indexes) > 1 and rest["next_cursor"] is None


@pytest.mark.parametrize(
    ("path", "body", "fields"),
    [
        ("levels/L0", {"index": 0.0, "names": None}, ["names"]),
        ("levels/L0", {"index": None}, ["index"]),
        (
            "places/quai-16",
            {"kind": None, "level_code": None, "lat": None, "lon": None},
            ["kind", "lat", "level_code", "lon"],
        ),
        (
            "pathways/p-pleyel-stairs",
            {"from_code": None, "mode": None, "bidirectional": None, "to_code": None},
            ["bidirectional", "from_code", "mode", "to_code"],
        ),
    ],
)
async def test_a_patch_setting_a_required_field_to_null_is_refused_by_field(kiosk, keys, path, body, fields):
    op = bearer(keys.operator())
    before = (await kiosk.http.get(f"{SDP}/{path}")).json()
    refused = assert_problem(
        await kiosk.http.patch(f"{SDP}/{path}", json=body, headers=op), 422, "validation-error"
    )
    assert sorted(error["field"] for error in refused["errors"]) == fields
    assert {error["type"] for error in refused["errors"]} == {"null_not_allowed"}
    assert (await kiosk.http.get(f"{SDP}/{path}")).json() == before


async def test_a_patch_clears_what_may_be_empty_and_names_speak_the_kiosk_languages(kiosk, keys):
    op = bearer(keys.operator())
    cleared = await kiosk.http.patch(f"{SDP}/places/quai-16", json={"line": None}, headers=op)
    assert cleared.status_code == 200 and cleared.json()["line"] is None
    cleared = await kiosk.http.patch(
        f"{SDP}/pathways/p-pleyel-stairs", json={"length_m": None, "stair_count": None}, headers=op
    )
    assert cleared.status_code == 200
    assert (cleared.json()["length_m"], cleared.json()["stair_count"]) == (None, None)
    # Names in one of the eight languages a kiosk shows, nothing else.
    dutch = await kiosk.http.patch(f"{SDP}/levels/L0", json={"names": {"nl": "Straat"}}, headers=op)
    assert assert_problem(dutch, 422)["errors"][0]["field"] == "names.nl.[key]"
    assert (await kiosk.http.get(f"{SDP}/levels/L0", params={"lang": "fr"})).json()["name"] == "Rue"
    # And the published schema says so: null only where the API takes it, keys from the closed list.
    schemas = (await kiosk.http.get("/openapi.json")).json()["components"]["schemas"]
    place = schemas["PlaceUpdate"]["properties"]
    assert {"type": "null"} not in place["names"]["anyOf"] and {"type": "null"} in place["line"]["anyOf"]
    names = place["names"]["anyOf"][0]
    assert names["propertyNames"]["enum"] == list(texts.LANGUAGES)


async def test_a_lift_outage_reroutes_the_next_route_and_is_published(kiosk, keys, nats_server):
    params = {"from": "exit-bd-maxime-gorki", "to": "quai-15-b", "profile": "step_free", "lang": "en"}
    before = (await kiosk.http.get(f"{VJ}/route", params=params)).json()
    assert before["found"] and "lift-15-b" in before["route"]["places"]

    nc = await nats.connect(nats_server.url)
    received: asyncio.Queue = asyncio.Queue()
    await nc.subscribe(f"gare.{VILLEJUIF}.kiosk.equipment.status_changed", cb=received.put)
    try:
        # A kiosk device may report it (staff on site); a traveller may not.
        kiosk_device = bearer(keys.device("kiosk", binding="kiosk-hall", station=VILLEJUIF))
        assert_problem(
            await kiosk.http.put(
                f"{VJ}/equipment/lift-15-b",
                json={"status": "out_of_service"},
                headers=bearer(keys.traveller()),
            ),
            403,
        )
        down = await kiosk.http.put(
            f"{VJ}/equipment/lift-15-b",
            json={"status": "out_of_service", "reason": "Panne", "until": "2030-01-01T10:00:00Z"},
            headers=kiosk_device,
        )
        assert down.status_code == 200 and down.json()["status"] == "out_of_service"
        after = (await kiosk.http.get(f"{VJ}/route", params=params)).json()
        assert not after["found"]
        assert after["explanation"]["code"] == "only_equipment_out_of_service"
        assert after["explanation"]["equipment"] == ["lift-15-b"]
        assert after["alternative"]["profile"] == "fastest"
        message = await asyncio.wait_for(received.get(), 5)
        event = json.loads(message.data)
        payload = kiosk_contract.EquipmentStatusChanged.model_validate(event["data"])
        assert (payload.place_code, payload.kind, payload.status, payload.level) == (
            "lift-15-b",
            "lift",
            "out_of_service",
            -1,
        )
    finally:
        await nc.close()
    assert_problem(
        await kiosk.http.put(
            f"{VJ}/equipment/hall",
            json={"status": "out_of_service"},
            headers=bearer(keys.operator(VILLEJUIF)),
        ),
        422,
    )
    back = await kiosk.http.put(
        f"{VJ}/equipment/lift-15-b", json={"status": "in_service"}, headers=bearer(keys.operator(VILLEJUIF))
    )
    assert back.json()["status"] == "in_service"
    assert (await kiosk.http.get(f"{VJ}/route", params=params)).json()["found"]


async def test_routes_speak_the_callers_language_and_refuse_unknown_places(kiosk):
    params = {"from": "exit-bd-maxime-gorki", "to": "quai-15-b", "profile": "step_free"}
    arabic = await kiosk.http.get(f"{VJ}/route", params=params, headers={"Accept-Language": "ar-MA,fr;q=0.5"})
    assert arabic.json()["language"] == "ar" and arabic.headers["content-language"] == "ar"
    assert arabic.json()["route"]["steps"][1]["instruction"] == "خذ المصعد إلى ردهة التبادل (-1)"
    japanese = await kiosk.http.get(f"{VJ}/route", params=params | {"lang": "ja"})
    assert japanese.json()["language"] == "fr"  # not supported: the station's language, not an error
    assert_problem(
        await kiosk.http.get(f"{VJ}/route", params=params | {"to": "quai-99"}), 404, "unknown-place"
    )
    other = assert_problem(await kiosk.http.get(f"{VJ}/route", params=params | {"to": "quai-16"}), 404)
    assert SAINT_DENIS in other["detail"]
    assert_problem(await kiosk.http.get(f"{VJ}/route", params=params | {"profile": "teleport"}), 422)


@pytest.mark.parametrize("query", ["toilettes", "toilets", "aseos", "toilete"])
async def test_search_across_languages(kiosk, query):
    hits = (await kiosk.http.get(f"{SDP}/search", params={"q": query, "lang": "es"})).json()["items"]
    assert hits[0]["place"]["code"] == "toilets-hall" and hits[0]["place"]["name"] == "Aseos"


async def test_the_map_is_a_hot_read_changed_by_an_outage(kiosk, keys):
    first = await kiosk.http.get(f"{VJ}/map", params={"lang": "zh"})
    assert first.json()["language"] == "zh" and len(first.json()["levels"]) == 4
    assert (
        await kiosk.http.get(
            f"{VJ}/map", params={"lang": "zh"}, headers={"If-None-Match": first.headers["etag"]}
        )
    ).status_code == 304
    await kiosk.http.put(
        f"{VJ}/equipment/lift-14", json={"status": "out_of_service"}, headers=bearer(keys.operator(VILLEJUIF))
    )
    second = await kiosk.http.get(f"{VJ}/map", params={"lang": "zh"})
    assert second.headers["etag"] != first.headers["etag"]
    assert [p["code"] for p in second.json()["places"] if p["out_of_service"]] == ["lift-14"]


async def test_live_panels_follow_lockers_and_alerts(kiosk, nats_server):
    url = f"{SDP}/live"
    # A fresh station where nothing was ever raised: nothing to report, not "out of date".
    quiet = (await kiosk.http.get(url)).json()
    for name in ("vehicles", "lockers", "alerts"):
        assert (quiet[name]["items"], quiet[name]["stale"], quiet[name]["as_of"]) == ([], False, None), name
    now = datetime.now(UTC)
    bank = lockers.BankAvailabilityChanged(
        bank_id="bank-a",
        bank_code="A",
        name="Consigne A",
        level=-1,
        availability={"S": lockers.SizeAvailability(free=3, total=10)},
        changed_at=now,
    )
    alert = signage.AlertRaised(
        alert_id="alert-1",
        severity="warning",
        text={"fr": "Ligne 14 perturbée", "en": "Line 14 disrupted"},
        targets=signage.AlertTargets(),
        raised_at=now,
        expires_at=None,
    )
    await publish(
        nats_server.url,
        new_event(
            station_id=SAINT_DENIS,
            domain=lockers.DOMAIN,
            entity=lockers.BANK,
            verb=lockers.AVAILABILITY_CHANGED,
            data=bank,
            subject="bank-a",
        ),
        new_event(
            station_id=SAINT_DENIS,
            domain=signage.DOMAIN,
            entity=signage.ALERT,
            verb=signage.RAISED,
            data=alert,
            subject="alert-1",
        ),
    )

    async def fed():
        body = (await kiosk.http.get(url, params={"lang": "en"})).json()
        return body if body["lockers"]["items"] and body["alerts"]["items"] else None

    live, _ = await eventually(fed, timeout=10)
    assert live["lockers"]["items"][0]["availability"] == {"S": {"free": 3, "total": 10}}
    assert not live["lockers"]["stale"]
    assert live["alerts"]["items"][0]["text"] == "Line 14 disrupted"
    cleared = signage.AlertCleared(alert_id="alert-1", cleared_at=now)
    await publish(
        nats_server.url,
        new_event(
            station_id=SAINT_DENIS,
            domain=signage.DOMAIN,
            entity=signage.ALERT,
            verb=signage.CLEARED,
            data=cleared,
            subject="alert-1",
        ),
    )

    async def gone():
        body = (await kiosk.http.get(url, params={"lang": "en"})).json()
        return body if not body["alerts"]["items"] else None

    cleared_panel, _ = await eventually(gone, timeout=10)
    assert cleared_panel["alerts"]["stale"] is False and cleared_panel["alerts"]["as_of"] is not None


async def test_the_qr_code_opens_the_same_route_in_the_app(kiosk):
    params = {"from": "exit-bd-maxime-gorki", "to": "quai-15-b", "profile": "step_free", "lang": "ar"}
    # The link starts with the station's public URL (here the JWKS URL's origin), whatever Host came.
    forged = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"}
    qr = await kiosk.http.get(f"{VJ}/route/qr", params=params, headers=forged)
    assert qr.status_code == 200 and qr.headers["content-type"] == "image/svg+xml"
    assert qr.content.startswith(b"<svg") and b"<path" in qr.content
    assert qr.headers["x-route-link"] == (
        "http://jwks.invalid/app/#/route?station=villejuif-institut-gustave-roussy"
        "&from=exit-bd-maxime-gorki&to=quai-15-b&profile=step_free&lang=ar"
    )
    assert_problem(await kiosk.http.get(f"{VJ}/route/qr", params=params | {"to": "nowhere"}), 404)


async def test_an_outage_stops_counting_when_its_until_passes(kiosk, keys):
    """Routing, the outage list and the live panel: an outage past its `until` no longer counts,
    including one that was counting a moment ago (the process's routing graph notices by itself)."""
    from datetime import timedelta

    operator = bearer(keys.operator(VILLEJUIF))
    params = {"from": "exit-bd-maxime-gorki", "to": "quai-15-b", "profile": "step_free", "lang": "en"}
    assert (await kiosk.http.get(f"{VJ}/route", params=params)).json()["found"]
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat().replace("+00:00", "Z")
    put = await kiosk.http.put(
        f"{VJ}/equipment/lift-15-b", json={"status": "out_of_service", "until": past}, headers=operator
    )
    assert put.status_code == 200, put.text
    assert (await kiosk.http.get(f"{VJ}/route", params=params)).json()["found"]
    assert (await kiosk.http.get(f"{VJ}/equipment")).json()["items"] == []
    assert (await kiosk.http.get(f"{VJ}/live")).json()["outages"] == []

    soon = (datetime.now(UTC) + timedelta(seconds=1.5)).isoformat().replace("+00:00", "Z")
    await kiosk.http.put(
        f"{VJ}/equipment/lift-15-b", json={"status": "out_of_service", "until": soon}, headers=operator
    )
    blocked = (await kiosk.http.get(f"{VJ}/route", params=params)).json()
    assert not blocked["found"] and blocked["explanation"]["equipment"] == ["lift-15-b"]
    assert [o["place_code"] for o in (await kiosk.http.get(f"{VJ}/equipment")).json()["items"]] == [
        "lift-15-b"
    ]

    async def routed_again() -> bool:
        return (await kiosk.http.get(f"{VJ}/route", params=params)).json()["found"]

    await eventually(routed_again, timeout=10)
    assert (await kiosk.http.get(f"{VJ}/equipment")).json()["items"] == []
