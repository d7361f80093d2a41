"""Scenario network: the whole network on this machine, a 3-node hub cluster and 72 station leaf nodes.

Every node is a real nats-server run from deploy/nats's config files (JetStream domain `hub` for the
cluster, the station's slug for each leaf), set up the way `python -m deploy.nats` does it
(kernel/topology.py: the hub's aggregates source every registered station's streams, R3; each station
mirrors the hub's config). Each station's streams are made and fed by the kernel's NatsBus, as a
station's services do, with the events of bench/network_traffic.py. The hub's network view
(`python -m services.hub serve`) runs against the cluster, as deployed.

1. **Fan-in**: every station holds a backlog (its registrations and `--backlog` events) before it is
   registered; then all are registered at once and the time for the hub's aggregates to hold every
   event gives the events per second the hub copies from 72 stations.
2. **Steady**: `--steady-seconds` of every station's traffic at its rates with bursts (courier
   rounds, feed resyncs, an alert raised at every station at once); lag from an event's creation at
   its station to its arrival in the hub's aggregate, as a client of the hub reads it (p50, p99).
3. **The hub's views** with 72 stations registered, under that load: `GET /gbfs/manifest.json`,
   `GET /api/v1/network/stations` (every station in one page), the summary, one station;
   `--requests` each, one after the other.
4. **Cut**: `--cut` stations lose their link (a TCP relay stands for the WAN) for `--cut-seconds`;
   meanwhile each produces the events of `--cut-minutes` minutes of its traffic (scaled: produced at
   once, not over ten real minutes) and the other stations keep going; the links come back all at
   once and the time until the hub holds every event of the cut is measured.
5. Memory (RSS) of every leaf node, hub node and of the view; then every station's events are
   counted at the station and at the hub: none missing, none twice.

    ./dev bench -- network [--stations 72] [--backlog 500] [--steady-seconds 60] [--cut 10]

The issue names no numeric target: the figures are recorded as measured, except exactly-once.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import random
import shutil
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import nats
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy

from bench.common import command_of, metric, record
from bench.network_traffic import RATES, StationTraffic, events_per_second
from bench.procstat import rss_mib
from deploy.embedded.processes import ManagedProcess
from deploy.nats.__main__ import gbfs_system_id
from deploy.nats.local import HubCluster, LinkGate, StationLeaf
from deploy.stations.network import load_network
from kernel import topology
from kernel.bus import BusUnavailable, NatsBus
from kernel.events import LOCKERS, STREAMS, OutgoingEvent
from kernel.pagination import MAX_LIMIT
from testkit.hub import JwksServer, start_hub_view
from testkit.service import AUDIENCE, ISSUER, SigningKey

NETWORK_WIDE = "network-wide-"
SLOW_MS = 1000
# In flight per station while a backlog is published (the outbox relay sends one at a time; this
# only fills the stations faster).
PUBLISH_WINDOW = 8
# Acknowledged publishes in flight over the whole network: more only queues acks in this process.
IN_FLIGHT = asyncio.Semaphore(64)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))] if ordered else float("nan")


def station_slugs(count: int) -> list[str]:
    """The network's stations (deploy/stations/network: 65 in the Grand Paris Express as built), then
    stations to come (`extension-1`...) up to `count`: the issue sizes the network at 72."""
    slugs = [s.slug for s in load_network().stations][:count]
    return slugs + [f"extension-{n}" for n in range(1, count - len(slugs) + 1)]


def log(line: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {line}", flush=True)


# -- the network's processes ------------------------------------------------------------------------


class Network:
    """The hub cluster, the stations' leaf nodes (the cut ones behind a LinkGate), the hub's view."""

    def __init__(self, root: Path, slugs: list[str], cut: list[str]) -> None:
        self.root = root
        self.slugs = slugs
        self.hub = HubCluster(root / "hub")
        self.gates: dict[str, LinkGate] = {}
        self.leaves: dict[str, StationLeaf] = {}
        self.cut = cut
        self.view: ManagedProcess | None = None
        self.view_url = ""
        self.signing = SigningKey()
        self._jwks: JwksServer | None = None

    def start_nats(self) -> None:
        self.hub.start()
        for i, slug in enumerate(self.slugs):
            if slug in self.cut:
                self.gates[slug] = LinkGate(self.hub.leaf_ports)
                address = f"127.0.0.1:{self.gates[slug].port}"
            else:  # the hub's public address spreads the stations over its three nodes
                address = f"127.0.0.1:{self.hub.leaf_ports[i % len(self.hub.leaf_ports)]}"
            leaf = StationLeaf(slug, self.root / "stations", address, self.hub.leaf_password)
            leaf.start()
            self.leaves[slug] = leaf

    def start_view(self) -> None:
        self.view, self.view_url = start_hub_view(
            nats_url=self.hub.client_url(2),
            jwks_url=self._jwks_url(),
            log_path=self.root / "logs" / "hub-view.log",
            settings={"HUB_TOKEN_ISSUER": ISSUER, "HUB_TOKEN_AUDIENCE": AUDIENCE, "HUB_LOG_LEVEL": "WARNING"},
            ready_timeout=120,
        )

    def _jwks_url(self) -> str:
        """The network operators' token issuer, reduced to its JWKS."""
        self._jwks = JwksServer(self.signing)
        return self._jwks.url

    def operator_token(self) -> str:
        return self.signing.token(role="admin", stations="*", scope="network:admin", ttl_seconds=3600)

    def rss(self) -> dict[str, list[float]]:
        def of(process: ManagedProcess | None) -> float | None:
            return rss_mib(process.process.pid) if process and process.process else None

        leaves = [of(leaf.node) for leaf in self.leaves.values()]
        hub = [of(node) for node in self.hub.nodes]
        return {
            "leaves": [r for r in leaves if r is not None],
            "hub": [r for r in hub if r is not None],
            "view": [r for r in [of(self.view)] if r is not None],
        }

    def stop(self) -> None:
        if self.view is not None:
            self.view.stop()
        if self._jwks is not None:
            self._jwks.close()
        for leaf in self.leaves.values():
            leaf.stop()
        for gate in self.gates.values():
            gate.close()
        self.hub.stop()


# -- measuring at the hub ---------------------------------------------------------------------------


class LagProbe:
    """A client of the hub reading every aggregate as events arrive: each event's age on arrival."""

    def __init__(self) -> None:
        self.lags_ms: list[float] = []
        self.network_wide_ms: list[float] = []
        # station -> lags of its events that took longer than SLOW_MS
        self.slow: defaultdict[str, list[float]] = defaultdict(list)
        self.recording = False
        self.first_new: dict[str, int] = {}

    async def start(self, js: JetStreamContext) -> None:
        for domain, stream in topology.AGGREGATE_STREAMS.items():
            # An ordered consumer that resets before its first message starts again from the stream's
            # first one (nats-py): what the aggregate held before the probe is not news.
            self.first_new[stream] = (await js.stream_info(stream)).state.last_seq + 1
            await js.subscribe(
                f"gare.*.{domain}.>",
                stream=stream,
                ordered_consumer=True,
                deliver_policy=DeliverPolicy.NEW,
                cb=self._on_event,
            )

    async def _on_event(self, msg: Msg) -> None:
        if not self.recording or msg.metadata.sequence.stream < self.first_new[msg.metadata.stream]:
            return
        arrived = time.time()
        event = json.loads(msg.data)
        lag = (arrived - datetime.fromisoformat(event["time"]).timestamp()) * 1000
        self.lags_ms.append(lag)
        if lag > SLOW_MS:
            self.slow[msg.subject.split(".")[1]].append(lag)
        if str(event["data"].get("alert_id", "")).startswith(NETWORK_WIDE):
            self.network_wide_ms.append(lag)


async def aggregate_total(js: JetStreamContext) -> int:
    return sum([(await js.stream_info(s)).state.messages for s in topology.AGGREGATE_STREAMS.values()])


async def hub_count(js: JetStreamContext, slug: str, domain: str) -> int:
    info = await js.stream_info(topology.AGGREGATE_STREAMS[domain], subjects_filter=f"gare.{slug}.{domain}.>")
    return sum((info.state.subjects or {}).values())


async def station_count(bus: NatsBus, domain: str) -> int:
    return (await bus.jetstream.stream_info(STREAMS[domain].name)).state.messages


async def until(check: Callable[[], Awaitable[bool]], *, timeout: float, interval: float = 0.5) -> float:
    """Seconds until `check` holds; raises after `timeout`."""
    started = time.monotonic()
    while not await check():
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"not done after {timeout:.0f} s")
        await asyncio.sleep(interval)
    return time.monotonic() - started


# -- the stations' side -----------------------------------------------------------------------------


class Station:
    """One station's NatsBus (its streams, as its services make them) and its traffic."""

    def __init__(self, slug: str, leaf: StationLeaf, seed: int) -> None:
        self.slug = slug
        self.bus = NatsBus(leaf.url, name=f"bench-{slug}", streams=STREAMS.values())
        self.traffic = StationTraffic(slug, rng=random.Random(seed))
        self.published = 0

    async def connect(self) -> None:
        self.bus.start()
        if not await self.bus.wait_connected(30):
            raise RuntimeError(f"{self.slug}: its leaf node does not answer")
        await topology.apply_station(self.bus.jetstream)

    async def publish(self, events: list[OutgoingEvent]) -> None:
        """As the station's outbox relay does: one at a time, each acknowledged by its stream."""
        for event in events:
            async with IN_FLIGHT:
                for attempt in range(3):
                    try:
                        await self.bus.publish(
                            event.nats_subject, event.to_json().encode(), msg_id=event.event.id, headers={}
                        )
                        break
                    except BusUnavailable:  # an ack slower than the bus's timeout: sent again, stored once
                        if attempt == 2:
                            raise
            self.published += 1

    async def publish_many(self, events: list[OutgoingEvent]) -> None:
        """A burst, PUBLISH_WINDOW at a time (order within a subject does not matter to the hub)."""
        for start in range(0, len(events), PUBLISH_WINDOW):
            await asyncio.gather(*(self.publish([e]) for e in events[start : start + PUBLISH_WINDOW]))

    async def fill(self, events: list[OutgoingEvent]) -> None:
        """A backlog, written to the station's streams without waiting for each ack (fast to set up);
        returns once the streams hold it all."""
        before = {d: await station_count(self.bus, d) for d in STREAMS}
        expected = Counter(e.nats_subject.split(".")[2] for e in events)
        for event in events:
            await self.bus.client.publish(
                event.nats_subject, event.to_json().encode(), headers={"Nats-Msg-Id": event.event.id}
            )
        await self.bus.client.flush(timeout=30)
        self.published += len(events)

        async def stored() -> bool:
            return all([await station_count(self.bus, d) >= before[d] + expected[d] for d in STREAMS])

        await until(stored, timeout=60, interval=0.2)

    async def steady(self, domain: str, stop: asyncio.Event) -> None:
        """Poisson arrivals at the domain's rate (a locker movement is three events)."""
        rate = RATES[domain] / (3 if domain == LOCKERS else 1)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.traffic.rng.expovariate(rate))
                return
            await self.publish(self.traffic.next_event(domain))


async def bursts(stations: list[Station], stop: asyncio.Event, rng: random.Random) -> None:
    """Every few seconds, one of the bursts a network sees; the network-wide alert every 20 s."""
    turn = 0
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 5)
            return
        turn += 1
        if turn % 4 == 0:
            alert = f"{NETWORK_WIDE}{turn}"
            await asyncio.gather(
                *(s.publish([s.traffic.alert_raised("warning", "Incident réseau", alert)]) for s in stations)
            )
        elif turn % 2:
            station = rng.choice(stations)
            await station.publish_many(station.traffic.courier_round())
        else:
            for station in rng.sample(stations, 5):
                await station.publish_many(station.traffic.feed_resync())


# -- the hub's views ------------------------------------------------------------------------------


def time_views(network: Network, requests: int, slug: str) -> dict[str, dict[str, float]]:
    headers = {"Authorization": f"Bearer {network.operator_token()}"}
    paths = {
        "manifest": ("/gbfs/manifest.json", {}),
        "network_stations": (f"/api/v1/network/stations?limit={MAX_LIMIT}", headers),
        "network_summary": ("/api/v1/network/summary", headers),
        "one_station": (f"/api/v1/network/stations/{slug}", headers),
    }
    timings: dict[str, dict[str, float]] = {}
    with httpx.Client(base_url=network.view_url, timeout=10) as client:
        for name, (path, path_headers) in paths.items():
            first = client.get(path, headers=path_headers)
            first.raise_for_status()
            if name == "manifest":
                datasets = len(first.json()["data"]["datasets"])
            elif name == "network_stations":
                listed = len(first.json()["items"])
            durations = []
            for _ in range(requests):
                started = time.perf_counter()
                client.get(path, headers=path_headers).raise_for_status()
                durations.append((time.perf_counter() - started) * 1000)
            timings[name] = {
                "p50": statistics.median(durations),
                "p99": percentile(durations, 0.99),
                "bytes": len(first.content),
            }
    timings["manifest"]["datasets"] = datasets
    timings["network_stations"]["stations"] = listed
    return timings


# -- the scenario -----------------------------------------------------------------------------------


async def measure(
    network: Network, args: argparse.Namespace, metrics: dict[str, Any], lines: list[str]
) -> None:
    hub_nc: NatsClient = await nats.connect(network.hub.client_url(0), name="bench-network")
    js = hub_nc.jetstream(timeout=20)
    stations = [Station(slug, network.leaves[slug], seed=i) for i, slug in enumerate(network.slugs)]
    try:
        await topology.apply_hub(js, replicas=3)
        await asyncio.gather(*(s.connect() for s in stations))
        log(f"{len(stations)} stations have their streams and the hub's config mirror")

        # 1. Fan-in: backlogs first, then every station registered at once.
        backlog_seconds = args.backlog / events_per_second()
        started = time.monotonic()
        await asyncio.gather(
            *(s.fill(s.traffic.registrations() + s.traffic.steady_events(backlog_seconds)) for s in stations)
        )
        at_leaves = {d: sum([await station_count(s.bus, d) for s in stations]) for d in STREAMS}
        backlog = sum(at_leaves.values())
        log(f"backlog: {backlog} events at the stations in {time.monotonic() - started:.1f} s")
        names = {station.slug: station.name for station in load_network().stations}
        for s in stations:
            name = names.get(s.slug, s.slug.replace("-", " ").title())
            await topology.publish_registration(
                js,
                topology.StationRegistration(
                    slug=s.slug,
                    name=name,
                    public_url=f"https://{s.slug}.gares.example",
                    gbfs_system_id=gbfs_system_id(s.slug),
                ),
            )
        started = time.monotonic()
        await topology.apply_hub(js, replicas=3)
        metrics["hub_setup_seconds"] = metric(time.monotonic() - started, "s")

        # Per domain: the aggregates fill at their own pace (each has its 72 sources).
        done: dict[str, float] = {}
        bulk = 0.0
        while len(done) < len(STREAMS):
            elapsed = time.monotonic() - started
            if elapsed > args.timeout:
                raise TimeoutError(f"fan-in not done after {args.timeout:.0f} s: {done}")
            copied_now = {
                d: (await js.stream_info(topology.AGGREGATE_STREAMS[d])).state.messages for d in STREAMS
            }
            for domain, count in copied_now.items():
                if domain not in done and count >= at_leaves[domain]:
                    done[domain] = elapsed
            if not bulk and sum(copied_now.values()) >= 0.99 * backlog:
                bulk = elapsed
            await asyncio.sleep(0.1)
        copied = max(done.values())
        log(
            f"fan-in: {backlog} events from {len(stations)} stations: 99% in {bulk:.1f} s, all in {copied:.1f} s "
            f"({', '.join(f'{d} {s:.1f} s' for d, s in done.items())})"
        )
        metrics["fan_in_events_per_second"] = metric(0.99 * backlog / bulk, "events/s")
        metrics["fan_in_backlog_events"] = metric(backlog, "events")
        metrics["fan_in_99_percent_seconds"] = metric(bulk, "s")
        metrics["fan_in_all_seconds"] = metric(copied, "s")
        for domain, seconds in done.items():
            metrics[f"fan_in_{domain}_seconds"] = metric(seconds, "s")
        lines.append(
            f"fan-in {0.99 * backlog / bulk:.0f} events/s ({backlog} events from {len(stations)} stations; "
            f"99% in {bulk:.1f} s, the last in {copied:.1f} s)"
        )

        # 2 and 3. Steady traffic with bursts; the lag; the views under it.
        probe = LagProbe()
        await probe.start(js)
        network.start_view()
        log("hub view caught up")
        stop = asyncio.Event()
        load = [asyncio.create_task(s.steady(d, stop)) for s in stations for d in RATES]
        load.append(asyncio.create_task(bursts(stations, stop, random.Random(0))))
        probe.recording = True
        before, steady_from = sum(s.published for s in stations), time.monotonic()
        await asyncio.sleep(args.steady_seconds / 2)
        views = await asyncio.to_thread(time_views, network, args.requests, stations[-1].slug)
        await asyncio.sleep(max(0.0, args.steady_seconds - (time.monotonic() - steady_from)))
        offered = (sum(s.published for s in stations) - before) / (time.monotonic() - steady_from)
        probe.recording = False
        metrics["steady_offered_events_per_second"] = metric(offered, "events/s")
        metrics["steady_lag_p50_ms"] = metric(percentile(probe.lags_ms, 0.5), "ms")
        metrics["steady_lag_p99_ms"] = metric(percentile(probe.lags_ms, 0.99), "ms")
        metrics["steady_lag_max_ms"] = metric(max(probe.lags_ms, default=float("nan")), "ms")
        metrics["network_wide_alert_lag_p99_ms"] = metric(percentile(probe.network_wide_ms, 0.99), "ms")
        slow = sum(len(lags) for lags in probe.slow.values())
        metrics["steady_events_over_1s"] = metric(slow, "events")
        metrics["steady_stations_with_events_over_1s"] = metric(len(probe.slow), "stations")
        log(
            f"{slow} of {len(probe.lags_ms)} events over {SLOW_MS} ms, at "
            + ", ".join(f"{s} ({len(v)}, max {max(v):.0f} ms)" for s, v in sorted(probe.slow.items()))
        )
        lines.append(
            f"steady {offered:.0f} events/s offered (with bursts): lag p50 "
            f"{percentile(probe.lags_ms, 0.5):.0f} ms, p99 {percentile(probe.lags_ms, 0.99):.0f} ms; "
            f"alert at all {len(stations)} stations at once p99 {percentile(probe.network_wide_ms, 0.99):.0f} ms"
        )
        for name, timing in views.items():
            metrics[f"view_{name}_p50_ms"] = metric(timing["p50"], "ms")
            metrics[f"view_{name}_p99_ms"] = metric(timing["p99"], "ms")
            metrics[f"view_{name}_bytes"] = metric(timing["bytes"], "bytes")
        metrics["view_manifest_datasets"] = metric(
            views["manifest"]["datasets"], "stations", f"== {len(stations)}"
        )
        metrics["view_network_stations_listed"] = metric(
            views["network_stations"]["stations"], "stations", f"== {len(stations)}"
        )
        lines.append(
            f"views with {len(stations)} stations: "
            + ", ".join(f"{n} p50 {t['p50']:.1f} ms p99 {t['p99']:.1f} ms" for n, t in views.items())
        )
        log(lines[-2])
        log(lines[-1])

        # 4. Cut: the events of --cut-minutes at the cut stations while their links are down.
        cut = [s for s in stations if s.slug in network.cut]
        for slug in network.cut:
            network.gates[slug].cut()
        cut_at = time.monotonic()
        await asyncio.gather(
            *(s.fill(s.traffic.steady_events(args.cut_minutes * 60) + s.traffic.feed_resync()) for s in cut)
        )
        log(f"cut: {len(cut)} stations' events produced in {time.monotonic() - cut_at:.1f} s")
        await asyncio.sleep(max(0.0, args.cut_seconds - (time.monotonic() - cut_at)))
        at_restore = {(s.slug, d): await station_count(s.bus, d) for s in cut for d in STREAMS}
        behind = sum(at_restore.values()) - sum([await hub_count(js, slug, d) for (slug, d) in at_restore])
        for slug in network.cut:
            network.gates[slug].restore()
        log(f"links restored, the hub is {behind} events behind")

        async def caught_up() -> bool:
            for (slug, domain), count in at_restore.items():
                if await hub_count(js, slug, domain) < count:
                    return False
            return True

        catch_up = await until(caught_up, timeout=args.timeout, interval=0.25)
        metrics["cut_catch_up_seconds"] = metric(catch_up, "s")
        metrics["cut_backlog_events"] = metric(behind, "events")
        metrics["cut_stations"] = metric(len(cut), "stations")
        metrics["cut_seconds"] = metric(args.cut_seconds, "s")
        lines.append(
            f"{len(cut)} stations back from a {args.cut_seconds:.0f} s cut with {args.cut_minutes:.0f} minutes "
            f"of events ({behind} events behind): caught up in {catch_up:.1f} s"
        )
        log(lines[-1])

        stop.set()
        await asyncio.gather(*load)

        # 5. Memory, then exactly once.
        rss = network.rss()
        metrics["leaf_rss_mib_median"] = metric(statistics.median(rss["leaves"]), "MiB")
        metrics["leaf_rss_mib_max"] = metric(max(rss["leaves"]), "MiB")
        metrics["hub_node_rss_mib_max"] = metric(max(rss["hub"]), "MiB")
        metrics["hub_view_rss_mib"] = metric(rss["view"][0] if rss["view"] else float("nan"), "MiB")
        lines.append(
            f"RSS per leaf node median {statistics.median(rss['leaves']):.0f} MiB (max {max(rss['leaves']):.0f}), "
            f"hub node max {max(rss['hub']):.0f} MiB, view {rss['view'][0] if rss['view'] else float('nan'):.0f} MiB"
        )
        log(lines[-1])
        at_stations = {(s.slug, d): await station_count(s.bus, d) for s in stations for d in STREAMS}

        async def settled() -> bool:
            return await aggregate_total(js) >= sum(at_stations.values())

        with contextlib.suppress(TimeoutError):
            await until(settled, timeout=60)
        missing = duplicated = 0
        for (slug, domain), count in at_stations.items():
            at_hub = await hub_count(js, slug, domain)
            missing += max(0, count - at_hub)
            duplicated += max(0, at_hub - count)
        metrics["events_at_stations"] = metric(sum(at_stations.values()), "events")
        metrics["events_missing_at_hub"] = metric(missing, "events", "== 0")
        metrics["events_twice_at_hub"] = metric(duplicated, "events", "== 0")
        lines.append(f"{sum(at_stations.values())} events: {missing} missing at the hub, {duplicated} twice")
        log(lines[-1])
        # A shared 2-core machine: the load says how much the numbers are worth.
        metrics["load_average_1min"] = metric(os.getloadavg()[0], "runnable processes")
    finally:
        for s in stations:
            await s.bus.close()
        await hub_nc.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench network", description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=72)
    parser.add_argument("--backlog", type=int, default=500, help="events per station before registration")
    parser.add_argument("--steady-seconds", type=float, default=60)
    parser.add_argument("--requests", type=int, default=200, help="per view")
    parser.add_argument("--cut", type=int, default=10, help="stations cut off at once")
    parser.add_argument("--cut-seconds", type=float, default=30, help="how long the links stay down")
    parser.add_argument(
        "--cut-minutes", type=float, default=10, help="minutes of traffic produced during the cut"
    )
    parser.add_argument("--timeout", type=float, default=300, help="longest wait for the hub to catch up")
    args = parser.parse_args()

    slugs = station_slugs(args.stations)
    # The stations' buses say when they are closed at the end; that is not news here.
    logging.getLogger("kernel.bus").setLevel(logging.ERROR)
    root = Path(tempfile.mkdtemp(prefix="gare-network-"))
    network = Network(root, slugs, cut=slugs[: args.cut])
    metrics: dict[str, Any] = {}
    lines: list[str] = []
    started = time.monotonic()
    try:
        network.start_nats()
        log(f"hub cluster and {len(slugs)} leaf nodes up in {time.monotonic() - started:.1f} s")
        asyncio.run(measure(network, args, metrics, lines))
    finally:
        network.stop()
        shutil.rmtree(root, ignore_errors=True)
    path = record(
        "network",
        command_of("network"),
        metrics,
        "; ".join(lines),
        configuration={
            "stations": len(slugs),
            "hub": "3 nats-server nodes, JetStream domain hub, aggregates R3 sourcing every station",
            "leaf_nodes": "one nats-server per station, JetStream domain = slug, deploy/nats/leaf/nats.conf",
            "links": "loopback without TLS; the cut stations through a TCP relay (LinkGate)",
            "station_rates_events_per_second": {d: round(r, 4) for d, r in RATES.items()},
            "backlog_per_station": args.backlog,
            "steady_seconds": args.steady_seconds,
            "cut": {"stations": args.cut, "seconds": args.cut_seconds, "minutes_of_events": args.cut_minutes},
            "nats_server": "nats-server from PATH (deploy/embedded/infra.py)",
            "run_seconds": round(time.monotonic() - started),
        },
    )
    print(f"recorded {path}")


if __name__ == "__main__":
    main()
