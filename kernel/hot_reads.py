"""Hot reads: answers kept as ready bytes, dropped by tag the moment the state they show changes.

A service *declares* a hot read (`HotRead`): the route it answers, how a request maps to a cache
key (path, query, headers; None when the request is not one it can vouch for), the tags its answer
depends on, its Cache-Control, and for device reads who may see it. Its route renders on a miss
through `HotReadCache.entry_for` (one render per key however many ask at once); `HotReadMiddleware`
answers hits before FastAPI's routing and dependencies, and falls through to the route on anything
else, so validation errors, 401/403 and 404 stay the route's.

Invalidation, in one process: a use case calls `mark_changed(session, station, *tags)` before it
commits (like `outbox.stage`); the commit drops the entries with those tags (a rollback forgets
the marks). Across replicas: the commit also broadcasts `{"service", "station", "tags", "origin"}`
on core NATS subject `gare-cache.{station}.{domain}` (`kernel/hot_read_broadcast.py`); every other
replica drops the same tags. A
replica that (re)connects to NATS flushes everything (it may have missed messages); a broadcast
that could not be sent is sent again on reconnect. When no broadcast can flow at all, each entry
still dies after its `ttl_seconds`: that is the bound on how stale another replica can be.

A render that started before an invalidation of one of its tags is answered but never stored
(generations), so a slow render cannot put back what a commit just dropped.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any, TypeVar

from fastapi import APIRouter
from prometheus_client import Counter
from pydantic import BaseModel
from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from starlette.datastructures import Headers, QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from kernel.auth import Principal, bearer_token
from kernel.errors import Problem
from kernel.observability import QUIET_ACCESS_LOG

if TYPE_CHECKING:
    from kernel.hot_read_broadcast import CacheBroadcaster
    from kernel.runtime import ServiceRuntime

log = logging.getLogger(__name__)

# For the `responses` of a hot read's route, so its OpenAPI says it may answer 304.
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Unchanged since the version named in If-None-Match (its ETag)"}
}
HOT_READS = Counter(
    "gare_hot_reads_total", "Hot reads by how they were answered", ["service", "read", "outcome"]
)
CACHE_INVALIDATIONS = Counter(
    "gare_hot_read_invalidations_total", "Tags dropped from the hot-read cache", ["service", "source"]
)

_MARKS = "hot_read_marks"
_CACHE = "hot_read_cache"
_PARAM = re.compile(r"{([a-z_]+)}")


# -- declaring a hot read ----------------------------------------------------------------------


@dataclass(frozen=True)
class ReadRequest:
    """What a key, an authorisation or a hook may look at: never the body, never the database."""

    params: Mapping[str, str]
    query: QueryParams
    headers: Headers

    @classmethod
    def of(cls, request: Request) -> ReadRequest:
        return cls(request.path_params, request.query_params, request.headers)

    @property
    def station_id(self) -> str:
        return self.params["station_id"]

    def repeats_query(self, *names: str) -> bool:
        """Whether one of these query parameters comes more than once (which value wins is the
        framework's business: such a request goes to the route)."""
        return any(len(self.query.getlist(name)) > 1 for name in names)


Key = Hashable
KeyFunction = Callable[[ReadRequest], Key | None]
TagFunction = Callable[[ReadRequest], Iterable[str]]
Authorize = Callable[[Principal, ReadRequest, Mapping[str, Any]], bool]
ServeHook = Callable[["ServiceRuntime", ReadRequest, Principal | None], None]


def by_path(request: ReadRequest) -> Key:
    """The default key: the path parameters alone (a read with no query or header variants)."""
    return tuple(sorted(request.params.items()))


@dataclass(frozen=True)
class HotRead:
    """One read served from ready bytes.

    `path` is the route's template (`/api/v1/stations/{station_id}/...`) and `params` the pattern
    of each placeholder (the same as the route's, so the fast path never accepts what the route
    would refuse). `key` must cover everything the answer depends on besides the state; `tags`
    name the state it shows, within the station. `authorize` is None for a public read."""

    name: str
    path: str
    tags: TagFunction
    cache_control: str
    params: Mapping[str, str] = field(default_factory=dict)
    key: KeyFunction = by_path
    vary: tuple[str, ...] = ()
    authorize: Authorize | None = None
    on_serve: ServeHook | None = None
    ttl_seconds: float = 30.0
    max_entries: int = 1024

    def pattern(self) -> re.Pattern[str]:
        """The path as a regex; placeholders take the route's own patterns."""
        regex = ""
        # split() alternates literal text and placeholder names.
        for index, part in enumerate(_PARAM.split(self.path)):
            if index % 2 == 0:
                regex += re.escape(part)
            else:
                inner = self.params.get(part, r"[^/]+").removeprefix("^").removesuffix("$")
                regex += f"(?P<{part}>(?:{inner}))"
        return re.compile(f"^{regex}$")


_HOT_READ = "__gare_hot_read__"
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def hot_get(router: APIRouter, read: HotRead, **route_kwargs: Any) -> Callable[[Endpoint], Endpoint]:
    """Declare a hot read with its route: `@hot_get(router, READ, response_model=...)` registers
    GET `read.path` on `router` (whose prefix it starts with), documents the 304, and marks the route
    so that `create_service_app` serves the read's hits from the cache. The endpoint renders misses
    through `runtime.hot.entry_for(READ, request, render)`."""
    if not read.path.startswith(router.prefix):
        raise ValueError(f"hot read {read.name!r}: {read.path} is not under {router.prefix}")
    responses = {**NOT_MODIFIED, **route_kwargs.pop("responses", {})}
    register = router.get(read.path.removeprefix(router.prefix), responses=responses, **route_kwargs)

    def decorator(endpoint: Endpoint) -> Endpoint:
        setattr(endpoint, _HOT_READ, read)
        return register(endpoint)

    return decorator


def hot_reads_of(routers: Iterable[APIRouter]) -> list[HotRead]:
    """The hot reads declared with `hot_get` on these routers' routes, each once."""
    found: dict[int, HotRead] = {}
    for router in routers:
        for route in router.routes:
            read = getattr(getattr(route, "endpoint", None), _HOT_READ, None)
            if isinstance(read, HotRead):
                found.setdefault(id(read), read)
    return list(found.values())


@dataclass(frozen=True)
class Rendered:
    """What a render gives: the body, and facts the cache keeps beside it (never sent)."""

    body: bytes
    last_modified: datetime | None = None
    # For authorisation on a hit without the database, e.g. the device registered to a screen.
    meta: Mapping[str, Any] = field(default_factory=dict)
    media_type: str = "application/json"

    @classmethod
    def of(cls, model: BaseModel, *, last_modified: datetime | None = None, **meta: Any) -> Rendered:
        return cls(model.model_dump_json().encode(), last_modified=last_modified, meta=meta)


Render = Callable[[], Awaitable[Rendered]]


def strong_etag(body: bytes) -> str:
    """A strong validator: the same bytes give the same tag on every replica."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def if_none_match_hits(header: str | None, etag: str) -> bool:
    """RFC 9110 §13.1.2: weak comparison, `*` matches any current representation."""
    if not header:
        return False
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == etag:
            return True
    return False


@dataclass
class Entry:
    read: HotRead
    key: Key
    station_id: str
    tags: frozenset[str]
    body: bytes
    etag: str
    meta: Mapping[str, Any]
    expires_at: float
    # Ready header lists: a hit copies nothing but the request id.
    headers_200: list[tuple[bytes, bytes]]
    headers_304: list[tuple[bytes, bytes]]

    @classmethod
    def build(
        cls, read: HotRead, key: Key, station_id: str, tags: frozenset[str], rendered: Rendered, now: float
    ) -> Entry:
        etag = strong_etag(rendered.body)
        validators = [(b"etag", etag.encode()), (b"cache-control", read.cache_control.encode())]
        if read.vary:
            validators.append((b"vary", ", ".join(read.vary).encode()))
        if rendered.last_modified is not None:
            validators.append(
                (b"last-modified", format_datetime(rendered.last_modified, usegmt=True).encode())
            )
        return cls(
            read=read,
            key=key,
            station_id=station_id,
            tags=tags,
            body=rendered.body,
            etag=etag,
            meta=rendered.meta,
            expires_at=now + read.ttl_seconds,
            headers_200=[
                (b"content-type", rendered.media_type.encode()),
                (b"content-length", str(len(rendered.body)).encode()),
                *validators,
            ],
            headers_304=validators,
        )

    def not_modified_for(self, if_none_match: str | None) -> bool:
        return if_none_match_hits(if_none_match, self.etag)

    def response(self, request: Request) -> Response:
        """The answer for a request the route has already authorised: 304 or the bytes."""
        if self.not_modified_for(request.headers.get("if-none-match")):
            response = Response(status_code=304)
            response.raw_headers = list(self.headers_304)
            return response
        response = Response(content=self.body)
        response.raw_headers = list(self.headers_200)
        return response


# -- the cache of one process ------------------------------------------------------------------


class HotReadCache:
    """Entries of every hot read of one service process, with their tags and generations."""

    def __init__(self, *, service: str, domain: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.service = service
        self.domain = domain
        self.clock = clock
        self.origin = uuid.uuid4().hex
        self._entries: dict[str, OrderedDict[Key, Entry]] = {}
        self._by_tag: dict[tuple[str, str], set[tuple[str, Key]]] = {}
        self._generation = 0
        self._tag_generation: dict[tuple[str, str], int] = {}
        self._flushed_at = 0
        self._inflight: dict[tuple[str, Key], asyncio.Future[Entry]] = {}
        self.broadcaster: CacheBroadcaster | None = None

    # reading
    def get(self, read: HotRead, key: Key) -> Entry | None:
        entries = self._entries.get(read.name)
        entry = entries.get(key) if entries is not None else None
        if entry is None:
            return None
        if self.clock() >= entry.expires_at:
            self._drop(read.name, key)
            return None
        return entry

    async def entry_for(self, read: HotRead, request: Request, render: Render) -> Entry:
        """The cached entry for this request, rendered once by whoever asks first."""
        read_request = ReadRequest.of(request)
        key = read.key(read_request)
        station_id = read_request.station_id
        tags = frozenset(read.tags(read_request))
        if key is None:  # not a request the cache vouches for: render it, keep nothing
            HOT_READS.labels(self.service, read.name, "uncached").inc()
            return Entry.build(read, None, station_id, tags, await render(), self.clock())
        while True:
            entry = self.get(read, key)
            if entry is not None:
                HOT_READS.labels(self.service, read.name, "hit").inc()
                return entry
            pending = self._inflight.get((read.name, key))
            if pending is None:
                return await self._render(read, key, station_id, tags, render)
            HOT_READS.labels(self.service, read.name, "joined").inc()
            try:
                return await asyncio.shield(pending)
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    raise  # we were cancelled ourselves
                # The request that was rendering went away: look again, and render if need be.

    async def _render(
        self, read: HotRead, key: Key, station_id: str, tags: frozenset[str], render: Render
    ) -> Entry:
        HOT_READS.labels(self.service, read.name, "miss").inc()
        future: asyncio.Future[Entry] = asyncio.get_running_loop().create_future()
        self._inflight[(read.name, key)] = future
        started = self._generation
        try:
            entry = Entry.build(read, key, station_id, tags, await render(), self.clock())
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: joiners re-raise it, nobody else needs to
            raise
        finally:
            del self._inflight[(read.name, key)]
        if self._still_current(station_id, tags, started):
            self._store(entry)
        future.set_result(entry)
        return entry

    def _still_current(self, station_id: str, tags: frozenset[str], started: int) -> bool:
        if self._flushed_at > started:
            return False
        return all(self._tag_generation.get((station_id, tag), 0) <= started for tag in tags)

    def _store(self, entry: Entry) -> None:
        entries = self._entries.setdefault(entry.read.name, OrderedDict())
        if entry.key in entries:
            self._drop(entry.read.name, entry.key)
        entries[entry.key] = entry
        for tag in entry.tags:
            self._by_tag.setdefault((entry.station_id, tag), set()).add((entry.read.name, entry.key))
        while len(entries) > entry.read.max_entries:
            oldest = next(iter(entries))
            self._drop(entry.read.name, oldest)

    def _drop(self, read_name: str, key: Key) -> None:
        entry = self._entries[read_name].pop(key, None)
        if entry is None:
            return
        for tag in entry.tags:
            holders = self._by_tag.get((entry.station_id, tag))
            if holders is not None:
                holders.discard((read_name, key))
                if not holders:
                    del self._by_tag[(entry.station_id, tag)]

    # invalidating
    def invalidate(self, station_id: str, tags: Iterable[str], *, source: str = "local") -> None:
        """Drop the entries with any of these tags, and refuse renders that started before now."""
        self._generation += 1
        for tag in tags:
            self._tag_generation[(station_id, tag)] = self._generation
            for read_name, key in list(self._by_tag.get((station_id, tag), ())):
                self._drop(read_name, key)
            CACHE_INVALIDATIONS.labels(self.service, source).inc()

    def flush(self) -> None:
        """Drop everything (after a NATS reconnect: invalidations may have been missed)."""
        self._generation += 1
        self._flushed_at = self._generation
        self._entries.clear()
        self._by_tag.clear()
        self._tag_generation.clear()
        CACHE_INVALIDATIONS.labels(self.service, "flush").inc()

    def changed(self, station_id: str, tags: Iterable[str]) -> None:
        """A commit changed what these tags show: drop them here and tell the other replicas."""
        tags = sorted(set(tags))
        self.invalidate(station_id, tags)
        if self.broadcaster is not None:
            self.broadcaster.send(station_id, tags)

    @property
    def generation(self) -> int:
        """Grows with every invalidation this process has applied (its own or another replica's)."""
        return self._generation

    def __len__(self) -> int:
        return sum(len(entries) for entries in self._entries.values())


# -- marks on a session, dropped by its commit -------------------------------------------------


def mark_changed(session: AsyncSession | Session, station_id: str, *tags: str) -> None:
    """Say that this transaction changes what `tags` show at `station_id`; its commit drops them."""
    marks: dict[str, set[str]] = session.info.setdefault(_MARKS, {})
    marks.setdefault(station_id, set()).update(tags)


def hot_read_session_info(cache: HotReadCache) -> dict[str, Any]:
    """Session info that makes every commit with marks invalidate this cache."""
    return {_CACHE: cache}


@sa_event.listens_for(Session, "after_commit")
def _invalidate_after_commit(session: Session) -> None:
    marks: dict[str, set[str]] | None = session.info.pop(_MARKS, None)
    cache: HotReadCache | None = session.info.get(_CACHE)
    if marks and cache is not None:
        for station_id, tags in marks.items():
            cache.changed(station_id, tags)


@sa_event.listens_for(Session, "after_rollback")
def _forget_marks_after_rollback(session: Session) -> None:
    session.info.pop(_MARKS, None)


# -- the fast path -----------------------------------------------------------------------------


class HotReadMiddleware:
    """Answers cache hits of declared hot reads before FastAPI routes the request.

    Only GET on a declared path, for a station this process serves, with a key the read
    vouches for, an entry in the cache and (device reads) a token that the read authorises. Any
    other request, and any doubt, goes to the route unchanged."""

    def __init__(self, app: ASGIApp, *, reads: Iterable[HotRead]) -> None:
        self.app = app
        self.reads = [(read, read.pattern()) for read in reads]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # GET only: FastAPI's GET routes answer HEAD with 405, and so must we.
        if scope["type"] != "http" or scope["method"] != "GET" or not self.reads:
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        for read, pattern in self.reads:
            match = pattern.match(path)
            if match is not None:
                if await self._serve(read, match.groupdict(), scope, send):
                    return
                break
        await self.app(scope, receive, send)

    async def _serve(self, read: HotRead, params: dict[str, str], scope: Scope, send: Send) -> bool:
        runtime: ServiceRuntime = scope["app"].state.runtime
        if params.get("station_id") not in runtime.settings.stations:
            return False
        headers = Headers(scope=scope)
        request = ReadRequest(params, QueryParams(scope["query_string"]), headers)
        key = read.key(request)
        if key is None:
            return False
        entry = runtime.hot.get(read, key)
        if entry is None:
            return False
        principal = None
        if read.authorize is not None:
            try:
                token = bearer_token(headers.get("authorization"))
                principal = await runtime.verifier.verify(token) if token else None
            except Problem:
                return False
            if principal is None or not read.authorize(principal, request, entry.meta):
                return False
        scope["route_template"] = read.path
        scope[QUIET_ACCESS_LOG] = True
        HOT_READS.labels(runtime.name, read.name, "fast").inc()
        if read.on_serve is not None:
            read.on_serve(runtime, request, principal)
        if entry.not_modified_for(headers.get("if-none-match")):
            await send({"type": "http.response.start", "status": 304, "headers": list(entry.headers_304)})
            await send({"type": "http.response.body", "body": b""})
            return True
        await send({"type": "http.response.start", "status": 200, "headers": list(entry.headers_200)})
        await send({"type": "http.response.body", "body": entry.body})
        return True
