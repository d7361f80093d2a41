"""Use cases of live departures: operators' sources and rules, the disruptions, the departures read,
and one pull of a source (the ingest loop pulls those due)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kernel.db import one_or_404, rows_changed, utcnow
from kernel.errors import Conflict, InvalidInput
from kernel.fetch import FetchError, GuardedFetcher
from kernel.hot_reads import mark_changed
from kernel.outbox import stage
from kernel.pagination import PageRequest, page_of_items, page_of_rows
from services.info_kiosk.departures import domain, events, parsers
from services.info_kiosk.departures.models import DepartureSource, Disruption, DisruptionRule
from services.info_kiosk.departures.schemas import (
    DeparturesPublic,
    DisruptionPublic,
    DisruptionUpdate,
    RuleCreate,
    RuleUpdate,
    SourceCreate,
    SourcePublic,
    SourceUpdate,
)
from services.info_kiosk.models import OUTBOX
from services.info_kiosk.service.tags import DEPARTURES

log = logging.getLogger(__name__)


# -- the source's configuration, as the domain sees it ------------------------------------------


def station_stops(source: DepartureSource) -> list[domain.StationStop]:
    return [
        domain.StationStop(s["ref"], s["stop_code"], s["stop_name"], s["mode"], s.get("exit_code"))
        for s in source.stops
    ]


def line_styles(source: DepartureSource) -> list[domain.LineStyle]:
    return [domain.LineStyle(line["ref"], line["name"], line.get("color")) for line in source.lines]


def source_public(source: DepartureSource, now: datetime) -> SourcePublic:
    return SourcePublic.model_validate(
        {
            "code": source.code,
            "name": source.name,
            "kind": source.kind,
            "url": source.url,
            "messages_url": source.messages_url,
            "stops": source.stops,
            "lines": source.lines,
            "poll_seconds": source.poll_seconds,
            "ttl_seconds": source.ttl_seconds,
            "enabled": source.enabled,
            "state": state_of(source, now),
            "reason": source.failure,
            "problems": source.item_problems,
            "departures": len(source.departures),
            "updated_at": source.last_success_at,
            "last_attempt_at": source.last_attempt_at,
            "created_at": source.created_at,
        }
    )


def state_of(source: DepartureSource, now: datetime) -> str:
    return domain.source_state(
        last_success_at=source.last_success_at,
        failure=source.failure,
        ttl_seconds=source.ttl_seconds,
        now=now,
    )


def _check_configuration(stops: list[dict[str, Any]], lines: list[dict[str, Any]]) -> None:
    problems = domain.configuration_problems(
        [
            domain.StationStop(s["ref"], s["stop_code"], s["stop_name"], s["mode"], s.get("exit_code"))
            for s in stops
        ],
        [domain.LineStyle(line["ref"], line["name"], line.get("color")) for line in lines],
    )
    if problems:
        raise InvalidInput.from_problems(
            "The source's stops or lines are inconsistent; see `errors`.", problems
        )


# -- sources ---------------------------------------------------------------------------------


async def page_sources(
    *, session: AsyncSession, station_id: str, page: PageRequest, kind: str | None = None
) -> tuple[list[DepartureSource], str | None]:
    query = select(DepartureSource).where(DepartureSource.station_id == station_id)
    if kind is not None:
        query = query.where(DepartureSource.kind == kind)
    return await page_of_rows(session, query, [DepartureSource.code], page)


async def get_source(*, session: AsyncSession, station_id: str, code: str) -> DepartureSource:
    return await one_or_404(
        session, DepartureSource, "unknown-departure-source", station_id=station_id, code=code
    )


async def create_source(
    *, session: AsyncSession, station_id: str, source_in: SourceCreate
) -> DepartureSource:
    values = source_in.model_dump()
    _check_configuration(values["stops"], values["lines"])
    source = DepartureSource(
        id=uuid.uuid4().hex,
        station_id=station_id,
        departures=[],
        validators={},
        item_problems=[],
        failure=None,
        **values,
    )
    session.add(source)
    mark_changed(session, station_id, DEPARTURES)
    await session.commit()
    return source


async def update_source(
    *, session: AsyncSession, station_id: str, code: str, source_in: SourceUpdate
) -> DepartureSource:
    source = await get_source(session=session, station_id=station_id, code=code)
    changes = source_in.model_dump(exclude_unset=True)
    _check_configuration(changes.get("stops", source.stops), changes.get("lines", source.lines))
    for name, value in changes.items():
        setattr(source, name, value)
    if {"stops", "lines"} & changes.keys():
        # What is kept was filtered and mapped by the old ones: the next pull reads the feed whole.
        source.validators, source.next_attempt_at = {}, None
    if {"kind", "url", "messages_url"} & changes.keys():
        # Another feed: what the last one said no longer holds; pull the new one at once.
        source.departures, source.validators, source.item_problems = [], {}, []
        source.failure, source.last_success_at, source.next_attempt_at = None, None, None
    elif "poll_seconds" in changes or "enabled" in changes:
        source.next_attempt_at = None
    mark_changed(session, station_id, DEPARTURES)
    await session.commit()
    return source


async def delete_source(*, session: AsyncSession, station_id: str, code: str) -> None:
    """The source goes, and the disruptions it raised are cleared with it."""
    source = await get_source(session=session, station_id=station_id, code=code)
    now = utcnow()
    for disruption in await _disruptions_of(session, station_id, source.code):
        if disruption.cleared_at is None:
            await stage(session, OUTBOX, events.disruption_cleared(disruption, now))
        await session.delete(disruption)
    await session.delete(source)
    mark_changed(session, station_id, DEPARTURES)
    await session.commit()


# -- rules -----------------------------------------------------------------------------------


def _rules(rows: Sequence[DisruptionRule]) -> list[domain.Rule]:
    return [domain.Rule(r.code, r.priority, r.lines, r.stops, r.severities, r.reach) for r in rows]


async def rules_of(session: AsyncSession, station_id: str) -> list[domain.Rule]:
    rows = (
        await session.scalars(select(DisruptionRule).where(DisruptionRule.station_id == station_id))
    ).all()
    return _rules(rows)


async def page_rules(
    *, session: AsyncSession, station_id: str, page: PageRequest, reach: str | None = None
) -> tuple[list[DisruptionRule], str | None]:
    query = select(DisruptionRule).where(DisruptionRule.station_id == station_id)
    if reach is not None:
        query = query.where(DisruptionRule.reach == reach)
    return await page_of_rows(session, query, [DisruptionRule.code], page)


async def get_rule(*, session: AsyncSession, station_id: str, code: str) -> DisruptionRule:
    return await one_or_404(
        session, DisruptionRule, "unknown-disruption-rule", station_id=station_id, code=code
    )


async def create_rule(*, session: AsyncSession, station_id: str, rule_in: RuleCreate) -> DisruptionRule:
    rule = DisruptionRule(id=uuid.uuid4().hex, station_id=station_id, **rule_in.model_dump())
    session.add(rule)
    await session.flush()
    await replace_disruptions(session, station_id)
    await session.commit()
    return rule


async def update_rule(
    *, session: AsyncSession, station_id: str, code: str, rule_in: RuleUpdate
) -> DisruptionRule:
    rule = await get_rule(session=session, station_id=station_id, code=code)
    for name, value in rule_in.model_dump(exclude_unset=True).items():
        setattr(rule, name, value)
    await session.flush()
    await replace_disruptions(session, station_id)
    await session.commit()
    return rule


async def delete_rule(*, session: AsyncSession, station_id: str, code: str) -> None:
    rule = await get_rule(session=session, station_id=station_id, code=code)
    await session.delete(rule)
    await session.flush()
    await replace_disruptions(session, station_id)
    await session.commit()


async def replace_disruptions(session: AsyncSession, station_id: str) -> None:
    """The rules changed: each disruption that holds goes where they now place it (an event for
    those whose shown reach changes)."""
    rules = await rules_of(session, station_id)
    active = (
        await session.scalars(
            select(Disruption).where(Disruption.station_id == station_id, Disruption.cleared_at.is_(None))
        )
    ).all()
    for disruption in active:
        reach = domain.reach_of(
            rules, lines=disruption.lines, stops=disruption.stops, severity=disruption.severity
        )
        if reach != disruption.rule_reach:
            disruption.rule_reach = reach
            disruption.updated_at = utcnow()
            if disruption.override_reach is None:
                await stage(session, OUTBOX, events.disruption_raised(disruption))


# -- disruptions -----------------------------------------------------------------------------


def disruption_public(d: Disruption) -> DisruptionPublic:
    if d.cleared_at is None:
        state = "active"
    elif d.cleared_by == "silenced":
        state = "silenced"
    else:
        state = "cleared"
    return DisruptionPublic.model_validate(
        {
            "id": d.id,
            "source_code": d.source_code,
            "source_ref": d.source_ref,
            "severity": d.severity,
            "reach": domain.shown_reach(rule_reach=d.rule_reach, override_reach=d.override_reach),
            "rule_reach": d.rule_reach,
            "state": state,
            "overridden": d.override_reach is not None or d.override_text is not None,
            "text": d.override_text or d.text,
            "description": d.description,
            "lines": d.lines,
            "stops": d.stops,
            "raised_at": d.raised_at,
            "until": d.until,
            "updated_at": d.updated_at,
            "cleared_at": d.cleared_at,
            "cleared_by": d.cleared_by,
        }
    )


async def page_disruptions(
    *,
    session: AsyncSession,
    station_id: str,
    page: PageRequest,
    state: str = "active",
    source: str | None = None,
    line: str | None = None,
) -> tuple[list[Disruption], str | None]:
    """Newest first; `state` active (default), silenced, cleared (by the source or expired) or all."""
    query = select(Disruption).where(Disruption.station_id == station_id)
    if state == "active":
        query = query.where(Disruption.cleared_at.is_(None))
    elif state == "silenced":
        query = query.where(Disruption.cleared_by == "silenced")
    elif state == "cleared":
        query = query.where(Disruption.cleared_at.is_not(None), Disruption.cleared_by != "silenced")
    if source is not None:
        query = query.where(Disruption.source_code == source)
    if line is None:
        return await page_of_rows(
            session, query, [Disruption.raised_at, Disruption.id], page, descending=True
        )
    # Lines are a JSON list: filtered in memory, over what the other filters kept.
    rows = [d for d in (await session.scalars(query)).all() if line in d.lines]
    return page_of_items(rows, lambda d: (d.raised_at, d.id), page, descending=True)


async def update_disruption(
    *, session: AsyncSession, station_id: str, disruption_id: str, update: DisruptionUpdate
) -> Disruption:
    d = await one_or_404(session, Disruption, "unknown-disruption", station_id=station_id, id=disruption_id)
    changes = update.model_dump(exclude_unset=True)
    now = utcnow()
    if d.cleared_at is not None and d.cleared_by != "silenced":
        raise Conflict(
            f"Disruption {disruption_id!r} was cleared by its source ({d.cleared_by}); there is nothing to change.",
            slug="disruption-cleared",
        )
    if "reach" in changes:
        d.override_reach = changes["reach"]
    if "text" in changes:
        d.override_text = changes["text"]
    silenced = changes.get("silenced")
    if silenced is True and d.cleared_at is None:
        d.silenced, d.cleared_at, d.cleared_by = True, now, "silenced"
        await stage(session, OUTBOX, events.disruption_cleared(d, now))
    elif silenced is False and d.cleared_by == "silenced":
        d.silenced, d.cleared_at, d.cleared_by = False, None, None
        await stage(session, OUTBOX, events.disruption_raised(d))
    elif d.cleared_at is None and ({"reach", "text"} & changes.keys()):
        await stage(session, OUTBOX, events.disruption_raised(d))
    d.updated_at = now
    await session.commit()
    return d


async def _disruptions_of(session: AsyncSession, station_id: str, source_code: str) -> Sequence[Disruption]:
    return (
        await session.scalars(
            select(Disruption).where(
                Disruption.station_id == station_id, Disruption.source_code == source_code
            )
        )
    ).all()


async def reconcile_messages(
    session: AsyncSession, source: DepartureSource, messages: Sequence[parsers.MessageRecord], now: datetime
) -> None:
    """The source's messages that hold now become the station's disruptions: a new one is raised,
    a changed one raised again, one it no longer sends is cleared. One an operator silenced stays so
    while its source sends it."""
    stops, styles = station_stops(source), line_styles(source)
    rules = await rules_of(session, source.station_id)
    known = {d.source_ref: d for d in await _disruptions_of(session, source.station_id, source.code)}
    seen = set()
    for message in messages:
        if not domain.concerns_station(
            stop_refs=message.stop_refs, line_refs=message.line_refs, stops=stops, lines=styles
        ):
            continue
        seen.add(message.ref)
        lines = domain.mapped_lines(message.line_refs, styles)
        stop_codes = domain.mapped_stops(message.stop_refs, stops)
        values = {
            "severity": message.severity,
            "lines": lines,
            "stops": stop_codes,
            "text": message.text,
            "description": message.description,
            "until": message.until,
            "rule_reach": domain.reach_of(rules, lines=lines, stops=stop_codes, severity=message.severity),
        }
        d = known.get(message.ref)
        if d is None:
            d = Disruption(
                id=uuid.uuid4().hex,
                station_id=source.station_id,
                source_code=source.code,
                source_ref=message.ref,
                override_reach=None,
                override_text=None,
                silenced=False,
                raised_at=now,
                updated_at=now,
                cleared_at=None,
                cleared_by=None,
                **values,
            )
            session.add(d)
            await session.flush()
            await stage(session, OUTBOX, events.disruption_raised(d))
            continue
        changed = any(getattr(d, name) != value for name, value in values.items())
        for name, value in values.items():
            setattr(d, name, value)
        if d.cleared_by == "silenced":
            if changed:
                d.updated_at = now
            continue  # the operator's word holds while the source sends it
        if d.cleared_at is not None:  # back after its source had cleared it
            d.cleared_at, d.cleared_by, d.raised_at = None, None, now
            d.override_reach, d.override_text = None, None
            changed = True
        if changed:
            d.updated_at = now
            await stage(session, OUTBOX, events.disruption_raised(d))
    for ref, d in known.items():
        if ref in seen:
            continue
        if d.cleared_at is None:
            d.cleared_at, d.cleared_by, d.updated_at = now, "source", now
            await stage(session, OUTBOX, events.disruption_cleared(d, now))
        elif d.cleared_by == "silenced":
            d.cleared_by, d.updated_at = "source", now  # its source cleared it too: a return is news


async def clear_expired(*, session: AsyncSession, now: datetime) -> int:
    """Disruptions past their `until` are cleared (their source may never say so)."""
    expired = (
        await session.scalars(
            select(Disruption).where(
                Disruption.cleared_at.is_(None), Disruption.until.is_not(None), Disruption.until <= now
            )
        )
    ).all()
    for d in expired:
        d.cleared_at, d.cleared_by, d.updated_at = now, "expired", now
        await stage(session, OUTBOX, events.disruption_cleared(d, now))
    if expired:
        await session.commit()
    return len(expired)


async def forget_cleared(*, session: AsyncSession, before: datetime) -> int:
    """Disruptions cleared before `before` are deleted: the list keeps a week of history, not all of it."""
    old = (
        await session.scalars(
            select(Disruption).where(Disruption.cleared_at.is_not(None), Disruption.cleared_at < before)
        )
    ).all()
    for d in old:
        await session.delete(d)
    if old:
        await session.commit()
    return len(old)


# -- the departures read ---------------------------------------------------------------------


async def departures_view(
    *, session: AsyncSession, station_id: str, filters: domain.Filters, now: datetime
) -> DeparturesPublic:
    sources = (
        await session.scalars(
            select(DepartureSource)
            .where(DepartureSource.station_id == station_id, DepartureSource.enabled)
            .order_by(DepartureSource.code)
        )
    ).all()
    data = [
        domain.SourceData(
            stops=station_stops(s),
            lines=line_styles(s),
            departures=[parsers.as_record(d) for d in s.departures],
        )
        for s in sources
    ]
    return DeparturesPublic.model_validate(
        {
            "station_id": station_id,
            "generated_at": max((s.last_success_at for s in sources if s.last_success_at), default=None),
            "boards": domain.boards(data, now=now, filters=filters),
            "sources": [
                {"code": s.code, "state": state_of(s, now), "updated_at": s.last_success_at} for s in sources
            ],
        }
    )


# -- the ingest ------------------------------------------------------------------------------


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
