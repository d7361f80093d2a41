"""The hub's network view fails item by item: a station event it cannot apply, or a station whose
source state it cannot read, is recorded (log, `gare_loop_item_failures_total`) and the others
still count."""

from __future__ import annotations

import nats
from nats.js.api import DeliverPolicy, StreamConfig
from prometheus_client import REGISTRY

from kernel.events import new_event
from services.hub.feed import FEED_LOOP, NetworkFeed
from services.hub.overview import StationView
from services.hub.settings import HubSettings
from testkit.service import eventually


def feed_failures() -> float:
    return REGISTRY.get_sample_value("gare_loop_item_failures_total", {"loop": FEED_LOOP}) or 0.0


def bank_registered(station: str, bank_id: str, data: dict | None = None):
    return new_event(
        station_id=station,
        domain="lockers",
        entity="bank",
        verb="registered",
        data=data
        if data is not None
        else {
            "bank_id": bank_id,
            "code": bank_id[-1].upper(),
            "name": "Consigne",
            "location": "Hall",
            "level": 0,
            "controller_client_id": None,
            "compartments": [{"compartment_id": "c1", "label": "A01", "size": "M", "state": "free"}],
        },
    )


async def test_an_event_the_hub_cannot_apply_fails_alone(nats_server):
    feed = NetworkFeed(HubSettings(nats_url=nats_server.url))
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    await js.add_stream(StreamConfig(name="HUB_ITEMS", subjects=["gare.*.lockers.>"]))
    station = "saint-denis-pleyel"
    first, last = bank_registered(station, "bank-a"), bank_registered(station, "bank-b")
    poisoned = bank_registered(station, "bank-p", data={"bank_id": "bank-p", "compartments": "none"})
    for outgoing in (first, poisoned, last):
        await js.publish(outgoing.nats_subject, outgoing.to_json().encode())
    before = feed_failures()
    try:
        await js.subscribe(
            "gare.*.lockers.>",
            stream="HUB_ITEMS",
            ordered_consumer=True,
            deliver_policy=DeliverPolicy.ALL,
            cb=feed._tracking("lockers", feed._on_event),
        )

        async def replayed() -> bool:
            return feed.caught_up.get("lockers", False)

        await eventually(replayed, timeout=10)
    finally:
        await nc.close()
    assert set(feed.view(station).banks) == {"bank-a", "bank-b"}
    assert feed_failures() - before == 1


def test_a_station_whose_source_state_is_odd_does_not_stop_the_others_metrics():
    feed = NetworkFeed(HubSettings())
    good = {"active": 1_000_000_000, "lag": 0}
    feed.sources["NETWORK_LOCKERS"] = {
        "station-a": good,
        "station-b": {"active": 1_000_000_000, "lag": "many"},  # not a count
        "station-c": good,
    }
    for slug in feed.sources["NETWORK_LOCKERS"]:
        feed.views[slug] = StationView(slug=slug)
    before = feed_failures()

    feed._export_metrics()

    assert REGISTRY.get_sample_value("gare_hub_station_link_up", {"station": "station-a"}) == 1
    assert REGISTRY.get_sample_value("gare_hub_station_link_up", {"station": "station-c"}) == 1
    assert feed_failures() - before == 1
