"""The network view's rules, without NATS: what the hub makes of a station's events and sources."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import jsonschema
import pytest

from bench.network_traffic import BANKS, COMPARTMENTS_PER_BANK, SCREENS, StationTraffic, events_per_second
from deploy.embedded.stack import REPO_ROOT
from kernel.events import CloudEvent, new_event
from kernel.topology import StationRegistration, source_states, station_of_api
from services.hub.gbfs import network_manifest
from services.hub.overview import StationView, link_from_sources, parse_subject, station_status
from testkit.stack import SAINT_DENIS

T0 = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
SCHEMA = json.loads((REPO_ROOT / "services" / "hub" / "reference" / "gbfs-3.0-manifest.json").read_text())


def apply(
    view: StationView, domain: str, entity: str, verb: str, data: dict, subject: str | None = None
) -> None:
    outgoing = new_event(
        station_id=view.slug, domain=domain, entity=entity, verb=verb, data=data, subject=subject
    )
    tokens = parse_subject(outgoing.nats_subject)
    assert tokens == (view.slug, domain, entity, verb)
    view.apply(domain, entity, verb, outgoing.event)


def bank(view: StationView, states: list[str]) -> None:
    compartments = [
        {"compartment_id": f"c{i}", "label": f"A0{i}", "size": "M", "state": s} for i, s in enumerate(states)
    ]
    apply(
        view,
        "lockers",
        "bank",
        "registered",
        {
            "bank_id": "bank-a",
            "code": "A",
            "name": "Consigne A",
            "location": "Hall",
            "level": 0,
            "controller_client_id": None,
            "compartments": compartments,
        },
    )


def change(view: StationView, compartment: str, previous: str, state: str) -> None:
    apply(
        view,
        "lockers",
        "compartment",
        "state_changed",
        {
            "bank_id": "bank-a",
            "bank_code": "A",
            "compartment_id": compartment,
            "label": compartment.upper(),
            "size": "M",
            "previous_state": previous,
            "state": state,
            "reason": None,
        },
    )


def test_a_bank_is_full_when_no_compartment_is_free():
    view = StationView("saint-denis-pleyel")
    bank(view, ["free", "occupied", "out_of_service"])
    assert view.full_banks == []
    change(view, "c0", "free", "reserved")
    assert view.full_banks == ["A"]
    assert "locker banks full: A" in view.attention()
    change(view, "c1", "occupied", "free")
    assert view.full_banks == [] and view.attention() == []


def test_a_compartment_seen_before_its_bank_still_counts():
    view = StationView("saint-denis-pleyel")
    change(view, "c9", "free", "occupied")
    assert view.full_banks == ["A"]


def test_screens_go_offline_and_come_back_by_code_or_by_id():
    view = StationView("saint-denis-pleyel")
    apply(
        view,
        "signage",
        "screen",
        "registered",
        {
            "screen_id": "s-1",
            "code": "hall",
            "name": "Hall",
            "location": "Hall",
            "orientation": "landscape",
            "resolution": "1920x1080",
            "languages": ["fr"],
            "playlist_id": None,
            "device_client_id": None,
            "registered_at": T0.isoformat(),
        },
    )
    apply(view, "signage", "screen", "offline", {"screen_id": "s-1"})
    assert view.offline_screens == {"hall"}
    apply(view, "signage", "screen", "offline", {"code": "quai-1"})
    assert "screens offline: hall, quai-1" in view.attention()
    apply(view, "signage", "screen", "online", {"code": "hall"})
    apply(view, "signage", "screen", "online", {"code": "quai-1"})
    assert view.offline_screens == set()


def test_alerts_are_up_until_cleared():
    view = StationView("saint-denis-pleyel")
    apply(
        view, "signage", "alert", "raised", {"alert_id": "a1", "title": "Évacuation", "severity": "emergency"}
    )
    apply(view, "signage", "alert", "raised", {"alert_id": "a2", "message": "Ascenseur en panne"})
    assert [(a.title, a.severity) for a in view.alerts.values()] == [
        ("Évacuation", "emergency"),
        ("Ascenseur en panne", "info"),
    ]
    apply(view, "signage", "alert", "cleared", {"alert_id": "a1"})
    assert list(view.alerts) == ["a2"]


def test_the_last_event_time_only_moves_forward():
    view = StationView("saint-denis-pleyel")
    bank(view, ["free"])
    first = view.last_event_at
    assert first is not None
    change(view, "c0", "free", "occupied")
    assert view.last_event_at is not None and view.last_event_at >= first
    assert view.events == {"lockers": 2}


@pytest.mark.parametrize(
    ("sources", "state", "status"),
    [
        ([], "unknown", "unknown"),
        ([{"active": 300_000_000, "lag": 0}, {"active": 900_000_000, "lag": 2}], "connected", "ok"),
        ([{"active": 300_000_000, "lag": 0}, {"active": 40_000_000_000, "lag": 5}], "cut", "unreachable"),
        ([{"active": -1, "lag": 0}], "cut", "unreachable"),
    ],
)
def test_the_link_is_as_good_as_its_slowest_source(sources, state, status):
    link = link_from_sources(sources, timeout_seconds=15)
    assert link.state == state
    assert link.lag == sum(s.get("lag", 0) for s in sources)
    assert station_status(StationView("x"), link) == status


def test_a_connected_station_with_a_full_bank_needs_attention():
    view = StationView("saint-denis-pleyel")
    bank(view, ["occupied"])
    link = link_from_sources([{"active": 100_000_000, "lag": 0}], timeout_seconds=15)
    assert station_status(view, link) == "attention"


def test_sources_are_told_apart_by_the_station_domain_they_read():
    info = {
        "sources": [
            {
                "name": "GARE_LOCKERS",
                "external": {"api": "$JS.saint-denis-pleyel.API"},
                "lag": 0,
                "active": 5,
            },
            {"name": "GARE_LOCKERS", "external": {"api": "$JS.bondy.API"}, "lag": 3, "active": 7},
            {"name": "LOCAL", "lag": 0},
        ]
    }
    assert set(source_states(info)) == {"saint-denis-pleyel", "bondy"}
    assert station_of_api("$JS.API") is None


def registration(slug: str, *, retired: bool = False, at: datetime = T0) -> StationRegistration:
    return StationRegistration(
        slug=slug,
        name=slug.title(),
        public_url=f"https://{slug}.stations.example.org",
        gbfs_system_id=f"gare-numerique-{slug}",
        retired=retired,
        updated_at=at,
    )


def test_the_network_manifest_lists_each_station_once_and_validates():
    stations = [
        registration("bondy", at=T0 + timedelta(hours=1)),
        registration("saint-denis-pleyel"),
        registration("chelles", retired=True, at=T0 + timedelta(hours=2)),
    ]
    manifest = network_manifest(stations, ttl=60, started_at=T0 - timedelta(days=1))
    jsonschema.validate(manifest, SCHEMA)
    assert [d["versions"][0]["url"] for d in manifest["data"]["datasets"]] == [
        "https://bondy.stations.example.org/gbfs/bondy/gbfs.json",
        "https://saint-denis-pleyel.stations.example.org/gbfs/saint-denis-pleyel/gbfs.json",
    ]
    # Retiring a station changes the manifest, so it dates it.
    assert manifest["last_updated"] == (T0 + timedelta(hours=2)).isoformat(timespec="seconds")
    empty = network_manifest([], ttl=60, started_at=T0)
    jsonschema.validate(empty, SCHEMA)
    assert empty["data"]["datasets"] == []


def test_a_registration_needs_a_real_public_url():
    with pytest.raises(ValueError):
        StationRegistration(slug="bondy", name="Bondy", public_url="bondy.example.org", gbfs_system_id="x")


def test_the_network_benchmark_sends_what_the_hub_reads() -> None:
    """bench/network.py's stations speak the kernel's contracts: the hub builds their view from them."""
    traffic = StationTraffic(SAINT_DENIS, rng=random.Random(7))
    view = StationView(slug=SAINT_DENIS)
    hour = traffic.steady_events(3600)
    for outgoing in traffic.registrations() + hour + traffic.courier_round():
        tokens = parse_subject(outgoing.nats_subject)
        assert tokens is not None and tokens[0] == SAINT_DENIS
        event = CloudEvent.model_validate_json(outgoing.to_json())
        view.apply(*tokens[1:], event)
    assert len(view.screens) == SCREENS
    assert len(view.banks) == BANKS
    for bank_state in traffic.banks:
        seen = view.banks[bank_state.bank_id]
        assert len(seen.compartments) == COMPARTMENTS_PER_BANK
        assert seen.free == sum(state == "free" for _, _, state in bank_state.compartments.values())
    # An hour of steady traffic is the rates the benchmark states, within a locker movement.
    assert abs(len(hour) - 3600 * events_per_second()) <= 3
