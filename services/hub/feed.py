"""The hub's side of NATS: reads the aggregate streams and the directory into the network view.

Each aggregate stream (`NETWORK_LOCKERS`...) is read from its start by an ordered consumer, so the
view is rebuilt from the streams whenever the hub restarts (they keep a month of events); the state of
each station's sources (last contact, lag) is polled from JetStream, which is what tells a cut link.

The hub is not a station service: no database, outbox or Redis, and its NATS is the hub cluster, so it
does not build on `create_service_app` and this feed runs its own task (started and stopped by the
app's lifespan) rather than a kernel `Loop` declared in a ServiceDefinition.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import nats
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy
from prometheus_client import Counter, Gauge
from pydantic import ValidationError

from kernel import topology
from kernel.contracts.culture import EXHIBITION_CONFIG, ExhibitionPublished
from kernel.errors import Problem
from kernel.events import MOBILITY, SIGNAGE, STREAMS, CloudEvent
from kernel.tasks import item_alone, record_item_failure, stop_task
from services.hub.culture.domain import CultureLedger
from services.hub.culture.store import Stored
from services.hub.overview import (
    LinkInfo,
    StationStatus,
    StationView,
    link_from_sources,
    parse_subject,
    station_status,
)
from services.hub.settings import HubSettings

log = logging.getLogger(__name__)

FEED_LOOP = "hub-feed"
EVENTS = Counter("gare_hub_events_total", "Station events read by the hub", ["station", "domain"])
LINK_UP = Gauge("gare_hub_station_link_up", "1 when the hub hears from the station, else 0", ["station"])
LAST_CONTACT = Gauge(
    "gare_hub_station_last_contact_seconds", "Seconds since the hub last heard from the station", ["station"]
)
LAG = Gauge("gare_hub_station_lag_messages", "Station events the hub has not copied yet", ["station"])
FULL_BANKS = Gauge("gare_hub_station_full_locker_banks", "Locker banks with no free compartment", ["station"])
SCREENS_OFFLINE = Gauge("gare_hub_station_screens_offline", "Screens reported offline", ["station"])
ALERTS = Gauge("gare_hub_station_alerts", "Alerts up at the station", ["station"])


class NetworkFeed:
    """Keeps the network view up to date; connects and subscribes in the background, retrying."""

    def __init__(self, settings: HubSettings) -> None:
        self.settings = settings
        self.views: dict[str, StationView] = {}
        self.directory: dict[str, topology.StationRegistration] = {}
        # stream -> station -> raw source state of STREAM.INFO (lag, active, error)
        self.sources: dict[str, dict[str, dict[str, Any]]] = {}
        # subscription -> whether its replay of the stream has reached the end
        self.caught_up: dict[str, bool] = {}
        # Culture: every exhibition as the config stream holds it, and what stations said back.
        self.exhibitions: dict[str, Stored] = {}
        self.culture = CultureLedger()
        self._nc: NatsClient | None = None
        self._task: asyncio.Task[None] | None = None

    # -- what the API reads ------------------------------------------------------------------------
    @property
    def connected(self) -> bool:
        return self._nc is not None and self._nc.is_connected

    @property
    def ready(self) -> bool:
        return self.connected and bool(self.caught_up) and all(self.caught_up.values())

    def stations(self) -> list[str]:
        registered = {slug for slug, r in self.directory.items() if not r.retired}
        return sorted(registered | set(self.views))

    def view(self, slug: str) -> StationView:
        return self.views.get(slug) or StationView(slug=slug)

    def link(self, slug: str) -> LinkInfo:
        sources = [by_station[slug] for by_station in self.sources.values() if slug in by_station]
        return link_from_sources(sources, timeout_seconds=self.settings.link_timeout_seconds)

    def status(self, slug: str) -> StationStatus:
        return station_status(self.view(slug), self.link(slug))

    def jetstream(self) -> JetStreamContext:
        """The hub's JetStream, to publish on; a 503 problem while the hub is not connected."""
        if self._nc is None or not self._nc.is_connected:
            raise Problem(
                "The hub is not connected to its NATS cluster; retry shortly.", status=503, slug="unavailable"
            )
        return self._nc.jetstream(timeout=5)

    def stored(self, stored: Stored) -> None:
        """An exhibition version the hub published or read back (an older one never replaces a newer)."""
        known = self.exhibitions.get(stored.exhibition.code)
        if known is None or stored.revision > known.revision:
            self.exhibitions[stored.exhibition.code] = stored

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="hub-feed")

    async def close(self) -> None:
        await stop_task(self._task)
        if self._nc is not None:
            with contextlib.suppress(Exception):
                await self._nc.close()

    async def _run(self) -> None:
        self._nc = await self._connect()
        await self._subscribe(self._nc)
        while True:
            async with item_alone(FEED_LOOP, "sources round"):
                await self._poll_sources(self._nc)
                self._export_metrics()
            await asyncio.sleep(self.settings.source_poll_seconds)

    async def _connect(self) -> NatsClient:
        delay = 0.2
        while True:
            try:
                return await nats.connect(
                    self.settings.nats_url,
                    name="hub",
                    connect_timeout=2,
                    reconnect_time_wait=0.5,
                    max_reconnect_attempts=-1,
                )
            except Exception as exc:
                log.warning("hub NATS not reachable, retrying", extra={"error": repr(exc), "retry_in": delay})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _subscribe(self, nc: NatsClient) -> None:
        """Subscribe to the directory and every aggregate; waits for `hub-setup` to have made them."""
        js = nc.jetstream(timeout=5)
        wanted: list[tuple[str, str, str, DeliverPolicy]] = [
            (
                "directory",
                topology.CONFIG_STREAM,
                f"{topology.STATION_DIRECTORY}.*",
                DeliverPolicy.LAST_PER_SUBJECT,
            ),
            ("exhibitions", topology.CONFIG_STREAM, f"{EXHIBITION_CONFIG}.*", DeliverPolicy.LAST_PER_SUBJECT),
        ]
        for domain in STREAMS:
            # Availability changes all day long; only the latest of each kind says anything now.
            policy = DeliverPolicy.LAST_PER_SUBJECT if domain == MOBILITY else DeliverPolicy.ALL
            wanted.append((domain, topology.AGGREGATE_STREAMS[domain], f"gare.*.{domain}.>", policy))
        for name, stream, subject, policy in wanted:
            self.caught_up[name] = False
            handler = {"directory": self._on_directory, "exhibitions": self._on_exhibition}.get(
                name, self._on_event
            )
            delay = 0.5
            while True:
                try:
                    subscription = await js.subscribe(
                        subject,
                        stream=stream,
                        ordered_consumer=True,
                        deliver_policy=policy,
                        idle_heartbeat=5.0,
                        cb=self._tracking(name, handler),
                    )
                    if (await subscription.consumer_info()).num_pending == 0:
                        self.caught_up[name] = True
                    break
                except Exception as exc:
                    log.warning("hub stream not readable yet", extra={"stream": stream, "error": repr(exc)})
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 5.0)

    def _tracking(self, name: str, handler: Callable[[Msg], None]) -> Callable[[Msg], Awaitable[None]]:
        """The subscription's callback: applies a message, and notes when the replay has caught up."""

        async def on_message(msg: Msg) -> None:
            try:
                handler(msg)
            except Exception as exc:
                record_item_failure(FEED_LOOP, msg.subject, exc)
            if msg.metadata.num_pending == 0:
                self.caught_up[name] = True

        return on_message

    # -- messages ----------------------------------------------------------------------------------
    def _on_directory(self, msg: Msg) -> None:
        try:
            registration = topology.StationRegistration.model_validate_json(msg.data)
        except ValidationError as exc:
            log.warning(
                "ignoring a malformed station registration", extra={"subject": msg.subject, "error": str(exc)}
            )
            return
        self.directory[registration.slug] = registration

    def _on_exhibition(self, msg: Msg) -> None:
        try:
            exhibition = ExhibitionPublished.model_validate_json(msg.data)
        except ValidationError as exc:
            log.warning("ignoring a malformed exhibition", extra={"subject": msg.subject, "error": str(exc)})
            return
        self.stored(Stored(exhibition, msg.metadata.sequence.stream))

    def _on_event(self, msg: Msg) -> None:
        tokens = parse_subject(msg.subject)
        if tokens is None:
            return
        station, domain, entity, verb = tokens
        try:
            event = CloudEvent.model_validate_json(msg.data)
        except ValidationError:
            log.warning("ignoring a malformed event", extra={"subject": msg.subject})
            return
        if event.station_id != station:
            log.warning("ignoring an event whose source is another station", extra={"subject": msg.subject})
            return
        if domain == SIGNAGE and CultureLedger.reads(entity, verb):
            try:
                self.culture.apply(event.id, station, entity, verb, event.data)
            except ValidationError:
                log.warning("ignoring a malformed culture event", extra={"subject": msg.subject})
        self.views.setdefault(station, StationView(slug=station)).apply(domain, entity, verb, event)
        EVENTS.labels(station=station, domain=domain).inc()

    async def _poll_sources(self, nc: NatsClient) -> None:
        for stream in topology.AGGREGATE_STREAMS.values():
            subject, payload = topology.stream_info_request(stream)
            try:
                reply = await nc.request(subject, payload, timeout=2)
                info = json.loads(reply.data)
            except Exception as exc:
                log.warning(
                    "could not read a hub stream's sources", extra={"stream": stream, "error": repr(exc)}
                )
                continue
            if "error" not in info:
                async with item_alone(FEED_LOOP, f"sources of {stream}"):
                    self.sources[stream] = topology.source_states(info)

    def _export_metrics(self) -> None:
        for slug in self.stations():
            try:
                self._export_station(slug)
            except Exception as exc:  # one station's odd source state; the others are still exported
                record_item_failure(FEED_LOOP, slug, exc)

    def _export_station(self, slug: str) -> None:
        link, view = self.link(slug), self.view(slug)
        LINK_UP.labels(station=slug).set(1 if link.state == "connected" else 0)
        if link.last_contact_seconds is not None:
            LAST_CONTACT.labels(station=slug).set(link.last_contact_seconds)
        LAG.labels(station=slug).set(link.lag)
        FULL_BANKS.labels(station=slug).set(len(view.full_banks))
        SCREENS_OFFLINE.labels(station=slug).set(len(view.offline_screens))
        ALERTS.labels(station=slug).set(len(view.alerts))
