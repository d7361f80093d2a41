"""The edge cache: public reads answered by the gateway from the services' last answers.

A shared cache in the sense of RFC 9111, for the public reads only (no credential reaches the
service on those, so one answer fits every client). It stores a 200 the service marked
cacheable (`Cache-Control: public, max-age=N`, no `private`, `no-store`, `no-cache` or
Set-Cookie), keyed by the raw path, the query and the request headers the answer's `Vary` names;
serves it while fresh (with `Age`), answers `If-None-Match` itself (304), and revalidates a stale
entry with the service's ETag. Concurrent misses of one key make one request to the service.

Freshness comes from the service's max-age; staleness is cut short by the services' invalidation
broadcast (Contract 3): any message on core NATS `gare-cache.{station}.{domain}` drops every entry
of that station's paths of that domain (`/gbfs/{station}/...` for mobility too). Only while the
gateway hears those messages does it serve from the cache: with NATS down every read goes to the
service, and a reconnection (messages may have been missed) empties the cache.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from nats.aio.msg import Msg
from prometheus_client import Counter

from gateway.upstream import UpstreamResponse
from kernel.bus import BusUnavailable, NatsBus
from kernel.tasks import stop_task

log = logging.getLogger(__name__)
Header = tuple[bytes, bytes]
SUBJECT = "gare-cache.*.*"
EDGE_CACHE = Counter(
    "gare_gateway_edge_cache_total", "Public reads by how the edge cache answered", ["outcome"]
)
# The labelled counters, looked up once: labels() costs more than the count on a hit.
_OUTCOMES = {
    outcome: EDGE_CACHE.labels(outcome)
    for outcome in ("hit", "miss", "shared", "revalidated", "bypass", "invalidated")
}
_MAX_AGE = re.compile(rb"(?:^|,)\s*(s-maxage|max-age)\s*=\s*\"?(\d+)")
_NOT_STORABLE = re.compile(rb"(?:^|,)\s*(?:no-store|private|no-cache)\b")
# Sent with a 304 from the cache (RFC 9110 §15.4.5).
_KEPT_ON_304 = frozenset(
    {b"cache-control", b"content-location", b"etag", b"expires", b"vary", b"last-modified"}
)

# A path whose answer may not be stored goes straight to the service for this long.
UNCACHEABLE_SECONDS = 5.0
# A hit in the last second (or quarter) of its entry's life asks the service for the next answer in
# the background: a busy read's clients never wait for its expiry, and nothing is served stale.
REFRESH_AHEAD_SECONDS = 1.0
Fetch = Callable[[bytes | None], Awaitable[UpstreamResponse]]
Scope = tuple[str, str]  # (station, domain): what one invalidation message names


@dataclass(slots=True)
class Entry:
    headers: list[Header]  # as the client gets them (already filtered), without Age
    body: bytes
    etag: bytes | None
    stored_at: float
    expires_at: float
    scope: Scope | None
    refresh_at: float = 0.0  # from then on, a hit asks the service for the next answer
    not_modified_headers: list[Header] = field(default_factory=list)  # what a 304 carries

    def __post_init__(self) -> None:
        self.fresh_for(self.expires_at - self.stored_at, now=self.stored_at)
        self.not_modified_headers = [h for h in self.headers if h[0] in _KEPT_ON_304]

    def fresh_for(self, lifetime: float, *, now: float) -> None:
        self.stored_at, self.expires_at = now, now + lifetime
        self.refresh_at = self.expires_at - min(REFRESH_AHEAD_SECONDS, lifetime / 4)


@dataclass(slots=True)
class Answer:
    status: int
    headers: list[Header]
    body: bytes


@dataclass
class EdgeCache:
    bus: NatsBus
    max_entries: int = 1024
    max_body_bytes: int = 512 * 1024
    clock: Callable[[], float] = time.monotonic
    _entries: OrderedDict[tuple[bytes, ...], Entry] = field(default_factory=OrderedDict)
    _by_scope: dict[Scope, set[tuple[bytes, ...]]] = field(default_factory=dict)
    _vary: dict[bytes, tuple[bytes, ...]] = field(default_factory=dict)
    _generations: dict[Scope, int] = field(default_factory=dict)
    _inflight: dict[tuple[bytes, ...], asyncio.Future[UpstreamResponse]] = field(default_factory=dict)
    _uncacheable: dict[bytes, float] = field(default_factory=dict)
    _listening: bool = False
    _reconnects_seen: int = -1
    _refreshing: set[asyncio.Task[tuple[UpstreamResponse, str]]] = field(default_factory=set)

    # -- the invalidation broadcast ---------------------------------------------------------
    async def listen(self) -> None:
        """Subscribe once NATS is there (nats-py keeps the subscription across reconnections)."""
        while not await self.bus.wait_connected(timeout=5.0):
            pass
        client = self.bus.client
        await client.subscribe(SUBJECT, cb=self._on_message)
        await client.flush()
        self._reconnects_seen = client.stats["reconnects"]
        self._listening = True
        log.info("edge cache listening for invalidations", extra={"subject": SUBJECT})

    def usable(self) -> bool:
        """Serve from the cache only while every invalidation reaches us."""
        if not self._listening:
            return False
        try:
            client = self.bus.client
        except BusUnavailable:
            return False
        reconnects = client.stats["reconnects"]
        if reconnects != self._reconnects_seen:  # messages may have been missed meanwhile
            self._reconnects_seen = reconnects
            self.flush()
        return True

    async def _on_message(self, message: Msg) -> None:
        try:
            document = json.loads(message.data)
            station, domain = message.subject.split(".")[1:3]
        except (ValueError, TypeError):
            log.warning("malformed cache invalidation", extra={"subject": message.subject})
            return
        self.invalidate(station, domain)
        log.debug("edge cache invalidated", extra={"station": station, "domain": domain, "by": document})

    def invalidate(self, station: str, domain: str) -> None:
        scope = (station, domain)
        self._generations[scope] = self._generations.get(scope, 0) + 1
        for key in self._by_scope.pop(scope, ()):
            self._entries.pop(key, None)
        _OUTCOMES["invalidated"].inc()

    def flush(self) -> None:
        for scope in list(self._by_scope):
            self._generations[scope] = self._generations.get(scope, 0) + 1
        self._entries.clear()
        self._by_scope.clear()

    def __len__(self) -> int:
        return len(self._entries)

    # -- answering a read --------------------------------------------------------------------
    async def answer(
        self,
        *,
        target: bytes,
        scope: Scope | None,
        request_headers: Sequence[Header],
        fetch: Fetch,
    ) -> Answer | None:
        """The answer to a public GET of `target` (raw path and query), from the cache or from
        `fetch` (given the If-None-Match to send the service, or None); None when the cache has
        nothing to do with it (the service said recently that it may not be stored)."""
        now = self.clock()
        if self._uncacheable.get(target, 0.0) > now:
            _OUTCOMES["bypass"].inc()
            return None
        if_none_match = None
        refresh = False
        for name, value in request_headers:
            if name == b"if-none-match":
                if_none_match = value
            elif name in (b"cache-control", b"pragma") and (b"no-cache" in value or b"max-age=0" in value):
                refresh = True
        names = self._vary.get(target)
        key = (target, *_values(request_headers, names or ()))
        entry = self._entries.get(key)
        if entry is not None and now < entry.expires_at and not refresh:
            self._entries.move_to_end(key)
            _OUTCOMES["hit"].inc()
            if now >= entry.refresh_at and names is not None and key not in self._inflight:
                self._refresh_ahead(key, scope, entry, request_headers, fetch)
            return _from_entry(entry, now, if_none_match)

        # One request to the service per key, however many clients ask at once; only once the
        # headers the answer varies on are known, so that no client gets another's variant.
        pending = self._inflight.get(key) if names is not None else None
        if pending is not None:
            response = await asyncio.shield(pending)
            outcome = "shared"
        else:
            response, outcome = await self._fetch(
                key, scope, entry, request_headers, fetch, share=names is not None
            )
        _OUTCOMES[outcome].inc()
        stored = self._entries.get((target, *_values(request_headers, self._vary.get(target, ()))))
        if response.status == 200 and stored is not None:
            return _from_entry(stored, self.clock(), if_none_match)
        return Answer(response.status, list(response.headers), response.body)

    def _refresh_ahead(
        self,
        key: tuple[bytes, ...],
        scope: Scope | None,
        entry: Entry,
        request_headers: Sequence[Header],
        fetch: Fetch,
    ) -> None:
        """Revalidate an entry about to expire while it is still served."""
        entry.refresh_at = float("inf")  # one refresh at a time; storing the next answer resets it
        task = asyncio.create_task(self._fetch(key, scope, entry, list(request_headers), fetch, share=True))
        self._refreshing.add(task)
        task.add_done_callback(self._refreshed)

    async def stop(self) -> None:
        """Stop the refreshes under way (the gateway is shutting down)."""
        await asyncio.gather(*(stop_task(task) for task in list(self._refreshing)))

    def _refreshed(self, task: asyncio.Task[tuple[UpstreamResponse, str]]) -> None:
        self._refreshing.discard(task)
        if task.cancelled():
            return
        if task.exception() is not None:  # the entry expires as it would have; the next miss asks again
            log.warning("edge cache refresh failed", extra={"error": repr(task.exception())})
            return
        _OUTCOMES[task.result()[1]].inc()

    async def _fetch(
        self,
        key: tuple[bytes, ...],
        scope: Scope | None,
        stale: Entry | None,
        request_headers: Sequence[Header],
        fetch: Fetch,
        *,
        share: bool,
    ) -> tuple[UpstreamResponse, str]:
        """The whole answer (a 304 to our revalidation becomes the stale entry's 200); with
        `share`, clients missing the same key meanwhile wait for this one."""
        future: asyncio.Future[UpstreamResponse] | None = None
        if share:
            future = self._inflight[key] = asyncio.get_running_loop().create_future()
        try:
            response, outcome = await self._fetch_and_store(key, scope, stale, request_headers, fetch)
        except asyncio.CancelledError:
            if future is not None:
                future.cancel()
            raise
        except Exception as exc:
            if future is not None:
                future.set_exception(exc)
                future.exception()  # marked retrieved: each follower re-raises it
            raise
        else:
            if future is not None:
                future.set_result(response)
            return response, outcome
        finally:
            if future is not None and self._inflight.get(key) is future:
                del self._inflight[key]

    async def _fetch_and_store(
        self,
        key: tuple[bytes, ...],
        scope: Scope | None,
        stale: Entry | None,
        request_headers: Sequence[Header],
        fetch: Fetch,
    ) -> tuple[UpstreamResponse, str]:
        generation = self._generations.get(scope, 0) if scope else 0
        response = await fetch(stale.etag if stale is not None else None)
        current = scope is None or self._generations.get(scope, 0) == generation
        if response.status == 304:
            if stale is not None and current:
                stale.fresh_for(freshness(response.headers) or 0.0, now=self.clock())
                return UpstreamResponse(200, stale.headers, stale.body), "revalidated"
            # Invalidated meanwhile: the 304 may predate the change, ask for the whole answer.
            response = await fetch(None)
            current = False
        if response.status == 200 and current:
            self._store(key[0], scope, response, request_headers)
        return response, "miss"

    def _store(
        self,
        target: bytes,
        scope: Scope | None,
        response: UpstreamResponse,
        request_headers: Sequence[Header],
    ) -> None:
        lifetime = freshness(response.headers)
        vary = _vary_names(response.headers)
        if lifetime is None or vary is None or len(response.body) > self.max_body_bytes:
            if len(self._uncacheable) > self.max_entries:
                self._uncacheable.clear()
            self._uncacheable[target] = self.clock() + UNCACHEABLE_SECONDS
            return
        self._vary[target] = vary
        key = (target, *_values(request_headers, vary))
        now = self.clock()
        etag = next((v for k, v in response.headers if k == b"etag"), None)
        self._entries[key] = Entry(response.headers, response.body, etag, now, now + lifetime, scope)
        self._entries.move_to_end(key)
        if scope is not None:
            self._by_scope.setdefault(scope, set()).add(key)
        while len(self._entries) > self.max_entries:
            old_key, old = self._entries.popitem(last=False)
            if old.scope is not None:
                self._by_scope.get(old.scope, set()).discard(old_key)
        if len(self._vary) > 4 * self.max_entries:
            self._vary.clear()


def freshness(headers: Sequence[Header]) -> float | None:
    """Seconds a shared cache may serve the answer, or None when it may not store it."""
    max_age = None
    for name, value in headers:
        if name == b"cache-control":
            lowered = value.lower()
            if _NOT_STORABLE.search(lowered):
                return None
            for directive, seconds in _MAX_AGE.findall(lowered):
                if directive == b"s-maxage" or max_age is None:
                    max_age = int(seconds)
        elif name == b"set-cookie":
            return None
    if not max_age:
        return None
    age = next((int(v) for k, v in headers if k == b"age" and v.isdigit()), 0)
    return max(0, max_age - age) or None


def _vary_names(headers: Sequence[Header]) -> tuple[bytes, ...] | None:
    """Request headers the answer varies on (lower case, sorted), None for `Vary: *`."""
    names: set[bytes] = set()
    for name, value in headers:
        if name == b"vary":
            for token in value.split(b","):
                token = token.strip().lower()
                if token == b"*":
                    return None
                if token:
                    names.add(token)
    names.discard(b"origin")  # CORS is the gateway's, after the cache
    return tuple(sorted(names))


def _values(headers: Sequence[Header], names: tuple[bytes, ...]) -> list[bytes]:
    if not names:
        return []
    found = dict.fromkeys(names, b"")
    for name, value in headers:
        if name in found:
            found[name] = value
    return [found[n] for n in names]


def _from_entry(entry: Entry, now: float, if_none_match: bytes | None) -> Answer:
    age = (b"age", b"%d" % max(0, int(now - entry.stored_at)))
    if if_none_match is not None and entry.etag is not None and _matches(if_none_match, entry.etag):
        return Answer(304, [*entry.not_modified_headers, age], b"")
    return Answer(200, [*entry.headers, age], entry.body)


def _matches(if_none_match: bytes, etag: bytes) -> bool:
    if if_none_match.strip() == b"*":
        return True
    weak = etag.removeprefix(b"W/")
    return any(tag.strip().removeprefix(b"W/") == weak for tag in if_none_match.split(b","))
