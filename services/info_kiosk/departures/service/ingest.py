"""The ingest: the sources due, claimed by one replica, and one pull of a source."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kernel.db import rows_changed, utcnow
from kernel.fetch import FetchError, GuardedFetcher
from kernel.hot_reads import mark_changed
from services.info_kiosk.departures import domain, parsers
from services.info_kiosk.departures.models import DepartureSource
from services.info_kiosk.departures.service.disruptions import reconcile_messages
from services.info_kiosk.service.tags import DEPARTURES

log = logging.getLogger(__name__)


async def due_sources(*, session: AsyncSession, now: datetime) -> list[str]:
    rows = (
        await session.scalars(
            select(DepartureSource)
            .where(DepartureSource.enabled)
            .order_by(DepartureSource.station_id, DepartureSource.code)
        )
    ).all()
    return [s.id for s in rows if s.next_attempt_at is None or s.next_attempt_at <= now]


async def claim(*, session: AsyncSession, source_id: str, now: datetime) -> bool:
    """Take a due source for one pull: replicas share the sources, none pulls one another has taken
    (the claim lasts its poll interval, the pull then sets the next attempt)."""
    source = await session.get(DepartureSource, source_id)
    if source is None:
        return False
    result = await session.execute(
        update(DepartureSource)
        .where(
            DepartureSource.id == source_id,
            or_(DepartureSource.next_attempt_at.is_(None), DepartureSource.next_attempt_at <= now),
        )
        .values(next_attempt_at=now + timedelta(seconds=source.poll_seconds))
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    return rows_changed(result) == 1


async def fetch(
    fetcher: GuardedFetcher, url: str, validators: dict[str, dict[str, str]]
) -> tuple[bytes | None, dict[str, str]]:
    """The document at `url` (None: unchanged since the validators we keep), and its validators."""
    kept = validators.get(url) or {}
    headers = {"Accept": "application/json, application/x-protobuf, */*"}
    if kept.get("etag"):
        headers["If-None-Match"] = kept["etag"]
    if kept.get("last_modified"):
        headers["If-Modified-Since"] = kept["last_modified"]
    try:
        response = await fetcher.get(url, headers=headers)
    except FetchError as exc:
        raise parsers.FeedRejected(exc.reason) from exc
    if response.status_code == 304 and kept:
        return None, kept
    if response.status_code != 200:
        raise parsers.FeedRejected(f"{url} answered {response.status_code}")
    fresh = {
        k: v
        for k, v in (
            ("etag", response.headers.get("etag")),
            ("last_modified", response.headers.get("last-modified")),
        )
        if v
    }
    return response.content, fresh


async def pull(
    *, sessionmaker: async_sessionmaker[AsyncSession], fetcher: GuardedFetcher, source_id: str
) -> DepartureSource | None:
    """One pull of a source; never raises for a bad feed (its state says it). None: it went meanwhile."""
    now = utcnow()
    async with sessionmaker() as session:
        source = await session.get(DepartureSource, source_id)
        if source is None:
            return None
        kind, url, messages_url = source.kind, source.url, source.messages_url
        validators = dict(source.validators)
    new_validators = dict(validators)
    parsed: parsers.Parsed | None = None
    messages: parsers.Parsed | None = None
    failure: str | None = None
    try:
        content, new_validators[url] = await fetch(fetcher, url, validators)
        if content is not None:
            parsed = parsers.parse(kind, content, messages_apart=messages_url is not None, now=now)
    except parsers.FeedRejected as exc:
        failure = exc.reason
    except Exception as exc:  # a feed nobody foresaw fails alone, with its reason
        log.exception("departure source unreadable", extra={"source": source_id})
        failure = f"{type(exc).__name__}: {exc}"[:500]
    if messages_url is not None and failure is None:
        try:
            content, new_validators[messages_url] = await fetch(fetcher, messages_url, validators)
            if content is not None:
                messages = parsers.parse_messages(kind, content, now=now)
        except parsers.FeedRejected as exc:
            failure = f"messages: {exc.reason}"
        except Exception as exc:  # as above
            log.exception("departure source's messages unreadable", extra={"source": source_id})
            failure = f"messages: {type(exc).__name__}: {exc}"[:500]
    async with sessionmaker() as session:
        source = await session.get(DepartureSource, source_id)
        if source is None or (source.kind, source.url, source.messages_url) != (kind, url, messages_url):
            return source  # reconfigured meanwhile: the next round pulls the new feed
        source.last_attempt_at = now
        if failure is not None:
            log.warning("departure source failing", extra={"source": source.code, "reason": failure})
            was_failing = source.failure is not None
            source.failure = failure[:2000]
            source.next_attempt_at = domain.next_attempt(
                now=now, poll_seconds=source.poll_seconds, failed_in_a_row=was_failing
            )
            if not was_failing:
                mark_changed(session, source.station_id, DEPARTURES)
            await session.commit()
            return source
        mapped = {s["ref"] for s in source.stops}
        problems: list[str] = []
        if parsed is not None:
            source.departures = [d.stored() for d in parsed.departures if d.stop_ref in mapped]
            problems += parsed.problems
        if messages is not None:
            problems += messages.problems
        if parsed is not None or messages is not None:
            source.item_problems = problems[: parsers.MAX_PROBLEMS]
        held = parsed.messages if parsed is not None and parsed.messages is not None else None
        if messages is not None and messages.messages is not None:
            held = messages.messages
        if held is not None:
            await reconcile_messages(session, source, held, now)
        source.failure = None
        source.validators = new_validators
        source.last_success_at = now
        source.next_attempt_at = domain.next_attempt(
            now=now, poll_seconds=source.poll_seconds, failed_in_a_row=False
        )
        mark_changed(session, source.station_id, DEPARTURES)
        await session.commit()
        return source
