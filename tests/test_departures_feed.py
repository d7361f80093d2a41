"""The simulated departures producer: what it serves reads as real feeds do, with realistic headways,
delays, cancellations and a disruption raised then cleared; an unchanged answer is a 304."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import httpx

from devices import departures_feed as feed
from services.info_kiosk.departures import domain, parsers

STATION = "saint-denis-pleyel"
# A Tuesday at 08:30 in Paris (peak), and the same day at 14:00 (off-peak).
PEAK = datetime(2026, 12, 8, 7, 30, tzinfo=UTC)
OFF_PEAK = datetime(2026, 12, 8, 13, 0, tzinfo=UTC)


def gaps(departures: list[parsers.DepartureRecord], line: str, direction: str) -> list[float]:
    """Minutes between trains of one direction (SIRI's DirectionName, else the GTFS headsign)."""
    times = sorted(
        d.aimed_at for d in departures if d.line_ref == line and (d.direction or d.destination) == direction
    )
    return [(b - a).total_seconds() / 60 for a, b in itertools.pairwise(times)]


def test_headways_are_those_of_metro_rer_and_buses_at_peak_and_off_peak():
    lines = feed.load_network()[STATION]
    for at, metro, rer, bus in ((PEAK, (2, 4), (5, 10), (8, 15)), (OFF_PEAK, (2, 5), (5, 10), (8, 15))):
        siri = parsers.siri_stop_monitoring(feed.json.dumps(feed.stop_monitoring(lines, at)).encode())
        gtfs = parsers.gtfs_trip_updates(feed.trip_updates(lines, at), with_alerts=False, now=at)
        assert siri.skipped == 0 and gtfs.skipped == 0
        for departures, ref, dest, (low, high) in (
            (siri.departures, "STIF:Line::C01384:", "Aéroport d'Orly", metro),
            (siri.departures, "STIF:Line::C01728:", "Melun / Corbeil-Essonnes", rer),
            (gtfs.departures, "IDFM:C00153", "Porte de la Chapelle", bus),
        ):
            found = gaps(departures, ref, dest)
            assert found and all(low <= g <= high for g in found), (ref, at, found)
        # A direction's trains alternate between its destinations.
        south = {d.destination for d in siri.departures if d.direction == "Melun / Corbeil-Essonnes"}
        assert south == {"Melun", "Corbeil-Essonnes"}
    # Over a day of departures, some are late and a few cancelled.
    day = [
        d
        for hour in range(24)
        for d in parsers.siri_stop_monitoring(
            feed.json.dumps(feed.stop_monitoring(lines, PEAK + timedelta(hours=hour))).encode()
        ).departures
    ]
    late = sum(1 for d in day if d.expected_at > d.aimed_at)
    cancelled = sum(1 for d in day if d.cancelled)
    assert 0.1 < late / len(day) < 0.5 and 0 < cancelled / len(day) < 0.1


def test_a_disruption_is_raised_then_cleared_in_both_formats():
    lines = feed.load_network()[STATION]
    seen: dict[str, list[datetime]] = {}
    start = PEAK.replace(minute=0)
    for minute in range(0, 120, 2):
        at = start + timedelta(minutes=minute)
        siri = parsers.siri_general_message(feed.json.dumps(feed.general_message(lines, at)).encode(), now=at)
        alerts = parsers.gtfs_alerts(feed.alerts(lines, at), now=at)
        for message in [*(siri.messages or []), *(alerts.messages or [])]:
            seen.setdefault(message.ref, []).append(at)
            assert message.text["fr"] and message.text["en"] and message.severity in domain.SEVERITIES
    assert len(seen) >= 3  # one per 20-minute cycle whatever its line
    for times in seen.values():
        assert times[-1] - times[0] < feed.DISRUPTED_FOR  # then cleared


async def test_the_producer_answers_conditional_gets_and_unknown_stations_with_404():
    transport = httpx.ASGITransport(app=feed.create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://feed.test") as http:
        first = await http.get(f"/siri-lite/{STATION}/stop-monitoring")
        assert first.status_code == 200 and first.headers["etag"]
        assert parsers.siri_stop_monitoring(first.content).departures
        again = await http.get(
            f"/siri-lite/{STATION}/stop-monitoring", headers={"If-None-Match": first.headers["etag"]}
        )
        assert again.status_code in (200, 304)  # 200 only if the 10-second step turned meanwhile
        pb = await http.get(f"/gtfs-rt/{STATION}/trip-updates")
        assert pb.headers["content-type"] == "application/x-protobuf"
        assert parsers.gtfs_trip_updates(pb.content, with_alerts=False, now=datetime.now(UTC)).departures
        assert (await http.get("/siri-lite/nowhere/stop-monitoring")).status_code == 404
        assert (await http.get(f"/gtfs-rt/{STATION}/vehicle-positions")).status_code == 404
