"""Reading real-time feeds: pure functions from the bytes a source served to departures and messages
in our terms, or the reason the document cannot be used.

- SIRI Lite as Île-de-France Mobilités publishes it (JSON): `stop-monitoring`
  (`Siri.ServiceDelivery.StopMonitoringDelivery[].MonitoredStopVisit[]`) and `general-message`
  (`Siri.ServiceDelivery.GeneralMessageDelivery[].InfoMessage[]`). Text values come wrapped as
  `{"value": ...}`, lists of them for names.
- GTFS-Realtime (protobuf, read with `gtfs-realtime-bindings`): `TripUpdate` entities give
  departures, `Alert` entities messages.

A document that cannot be read at all raises `FeedRejected` (the source keeps its last good data); an
item that cannot be used is left out, with its reason in `problems`, and the others are used.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from google.protobuf.message import DecodeError
from google.transit import gtfs_realtime_pb2

# How many skipped items a pull names (the rest are counted).
MAX_PROBLEMS = 20


class FeedRejected(Exception):
    """The document cannot be used; `reason` says why, for the operator."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class DepartureRecord:
    """One vehicle's departure from one of the feed's stops."""

    stop_ref: str
    line_ref: str
    line_name: str | None
    direction: str | None
    destination: str
    aimed_at: datetime
    expected_at: datetime
    cancelled: bool
    platform: str | None

    def stored(self) -> dict[str, Any]:
        return {
            "stop_ref": self.stop_ref,
            "line_ref": self.line_ref,
            "line_name": self.line_name,
            "direction": self.direction,
            "destination": self.destination,
            "aimed_at": self.aimed_at.isoformat(),
            "expected_at": self.expected_at.isoformat(),
            "cancelled": self.cancelled,
            "platform": self.platform,
        }


@dataclass(frozen=True)
class MessageRecord:
    """A message of the feed about lines or stops (a SIRI GeneralMessage, a GTFS-RT Alert)."""

    ref: str
    severity: str  # info | warning | severe
    line_refs: tuple[str, ...]
    stop_refs: tuple[str, ...]
    text: dict[str, str]
    description: dict[str, str]
    until: datetime | None


@dataclass
class Parsed:
    departures: list[DepartureRecord] = field(default_factory=list)
    # None: the document says nothing of messages (keep what is known); a list: all that hold now.
    messages: list[MessageRecord] | None = None
    problems: list[str] = field(default_factory=list)
    skipped: int = 0

    def skip(self, what: str, exc: Exception) -> None:
        self.skipped += 1
        if len(self.problems) < MAX_PROBLEMS:
            reason = exc.reason if isinstance(exc, FeedRejected) else f"{type(exc).__name__}: {exc}"
            self.problems.append(f"{what}: {reason}"[:300])


# -- SIRI Lite ---------------------------------------------------------------------------------


def _json(content: bytes) -> Any:
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FeedRejected(f"not JSON: {exc}"[:300]) from exc


def _value(node: Any) -> str | None:
    """SIRI Lite wraps text as {"value": "..."} (or a list of those); plain strings pass."""
    if isinstance(node, list):
        node = node[0] if node else None
    if isinstance(node, dict):
        node = node.get("value")
    if node is None:
        return None
    if isinstance(node, str | int | float) and not isinstance(node, bool):
        text = str(node).strip()
        return text or None
    raise FeedRejected(f"expected a text, got {type(node).__name__}")


def _texts(node: Any) -> dict[str, str]:
    """Translations of a SIRI text: [{"value", "lang"}]; IDFM writes `F` for French."""
    items = node if isinstance(node, list) else [node]
    found: dict[str, str] = {}
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("value"), str) or not item["value"].strip():
            continue
        lang = str(item.get("lang") or "fr").lower()
        lang = {"f": "fr", "fre": "fr", "fra": "fr", "e": "en", "eng": "en"}.get(lang, lang)
        found.setdefault(lang, item["value"].strip())
    return found


def _moment(value: Any, what: str) -> datetime:
    if not isinstance(value, str):
        raise FeedRejected(f"{what} is missing")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise FeedRejected(f"{what} is not a time: {value!r}"[:200]) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _deliveries(document: Any, name: str) -> list[Any]:
    if not isinstance(document, dict) or not isinstance(document.get("Siri"), dict):
        raise FeedRejected("not a SIRI Lite document (no `Siri` object)")
    delivery = document["Siri"].get("ServiceDelivery")
    if not isinstance(delivery, dict):
        raise FeedRejected("no `Siri.ServiceDelivery` object")
    found = delivery.get(name)
    if isinstance(found, dict):
        found = [found]
    if not isinstance(found, list):
        raise FeedRejected(f"no `{name}` in the ServiceDelivery")
    for part in found:
        if isinstance(part, dict) and str(part.get("Status", "true")).lower() == "false":
            error = part.get("ErrorCondition")
            raise FeedRejected(f"the producer answered Status false: {json.dumps(error)[:200]}")
    return [part for part in found if isinstance(part, dict)]


def siri_stop_monitoring(content: bytes) -> Parsed:
    result = Parsed()
    for part in _deliveries(_json(content), "StopMonitoringDelivery"):
        visits = part.get("MonitoredStopVisit") or []
        if not isinstance(visits, list):
            raise FeedRejected("`MonitoredStopVisit` is not a list")
        for index, visit in enumerate(visits):
            try:
                result.departures.append(_visit(visit))
            except Exception as exc:  # untrusted input: whatever one item raises is that item's fault
                ident = visit.get("ItemIdentifier") if isinstance(visit, dict) else None
                result.skip(f"visit {ident or index}", exc)
    return result


def _visit(visit: Any) -> DepartureRecord:
    if not isinstance(visit, dict):
        raise FeedRejected("not an object")
    journey = visit.get("MonitoredVehicleJourney")
    if not isinstance(journey, dict):
        raise FeedRejected("no MonitoredVehicleJourney")
    call = journey.get("MonitoredCall")
    if not isinstance(call, dict):
        raise FeedRejected("no MonitoredCall")
    stop_ref = _value(visit.get("MonitoringRef")) or _value(call.get("StopPointRef"))
    line_ref = _value(journey.get("LineRef"))
    if not stop_ref or not line_ref:
        raise FeedRejected("no MonitoringRef or LineRef")
    # A departure board shows departures; a terminus has only arrivals.
    aimed_text = call.get("AimedDepartureTime") or call.get("AimedArrivalTime")
    expected_text = call.get("ExpectedDepartureTime") or call.get("ExpectedArrivalTime") or aimed_text
    expected = _moment(expected_text, "ExpectedDepartureTime")
    aimed = _moment(aimed_text, "AimedDepartureTime") if aimed_text else expected
    status = str(call.get("DepartureStatus") or call.get("ArrivalStatus") or "").lower()
    destination = (
        _value(call.get("DestinationDisplay"))
        or _value(journey.get("DestinationName"))
        or _value(journey.get("DirectionName"))
    )
    if not destination:
        raise FeedRejected("no destination")
    return DepartureRecord(
        stop_ref=stop_ref,
        line_ref=line_ref,
        line_name=_value(journey.get("PublishedLineName")),
        direction=_value(journey.get("DirectionName")),
        destination=destination,
        aimed_at=aimed,
        expected_at=expected,
        cancelled=status == "cancelled",
        platform=_value(call.get("DeparturePlatformName")) or _value(call.get("ArrivalPlatformName")),
    )


# IDFM's channels: Perturbation (disruptions), Information, Commercial.
SIRI_CHANNEL_SEVERITY = {"perturbation": "warning", "information": "info", "commercial": "info"}


def siri_general_message(content: bytes, *, now: datetime) -> Parsed:
    result = Parsed(messages=[])
    assert result.messages is not None
    for part in _deliveries(_json(content), "GeneralMessageDelivery"):
        messages = part.get("InfoMessage") or []
        if not isinstance(messages, list):
            raise FeedRejected("`InfoMessage` is not a list")
        for index, message in enumerate(messages):
            try:
                record = _info_message(message)
            except Exception as exc:  # untrusted input: that item's fault alone
                ident = message.get("ItemIdentifier") if isinstance(message, dict) else None
                result.skip(f"message {ident or index}", exc)
                continue
            if record.until is None or record.until > now:
                result.messages.append(record)
    return result


def _info_message(message: Any) -> MessageRecord:
    if not isinstance(message, dict):
        raise FeedRejected("not an object")
    ref = _value(message.get("InfoMessageIdentifier")) or _value(message.get("ItemIdentifier"))
    if not ref:
        raise FeedRejected("no InfoMessageIdentifier")
    content = message.get("Content")
    if not isinstance(content, dict):
        raise FeedRejected("no Content")
    texts: dict[str, dict[str, str]] = {}
    for entry in content.get("Message") or []:
        if isinstance(entry, dict):
            kind = str(entry.get("MessageType") or "TEXT_ONLY").upper()
            # One entry per language, or one entry with several: every translation is kept.
            for lang, text in _texts(entry.get("MessageText")).items():
                texts.setdefault(kind, {}).setdefault(lang, text)
    header = texts.get("SHORT_MESSAGE") or texts.get("TEXT_ONLY") or next(iter(texts.values()), {})
    if not header:
        raise FeedRejected("no message text")
    description = texts.get("LONG_MESSAGE") or {}
    channel = (_value(message.get("InfoChannelRef")) or "").lower()
    lines = tuple(v for v in (_value(x) for x in _listed(content.get("LineRef"))) if v)
    stops = tuple(v for v in (_value(x) for x in _listed(content.get("StopPointRef"))) if v)
    until = message.get("ValidUntilTime")
    return MessageRecord(
        ref=ref[:200],
        severity=SIRI_CHANNEL_SEVERITY.get(channel, "info"),
        line_refs=lines,
        stop_refs=stops,
        text={k: v[:500] for k, v in header.items()},
        description={k: v[:2000] for k, v in description.items()},
        until=_moment(until, "ValidUntilTime") if until else None,
    )


def _listed(node: Any) -> list[Any]:
    if node is None:
        return []
    return node if isinstance(node, list) else [node]


# -- GTFS-Realtime -----------------------------------------------------------------------------


def gtfs_feed(content: bytes) -> gtfs_realtime_pb2.FeedMessage:
    feed = gtfs_realtime_pb2.FeedMessage()
    try:
        feed.ParseFromString(content)
    except (DecodeError, RuntimeWarning, ValueError) as exc:
        raise FeedRejected(f"not a GTFS-Realtime message: {exc}"[:300]) from exc
    if not feed.HasField("header") or not feed.header.gtfs_realtime_version:
        raise FeedRejected("not a GTFS-Realtime message (no header with gtfs_realtime_version)")
    return feed


def _stamp(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def gtfs_trip_updates(content: bytes, *, with_alerts: bool, now: datetime) -> Parsed:
    """Departures from TripUpdates; with `with_alerts`, the feed's Alerts are its messages too."""
    feed = gtfs_feed(content)
    result = Parsed(messages=[] if with_alerts else None)
    for entity in feed.entity:
        if entity.HasField("trip_update"):
            try:
                result.departures.extend(_trip_departures(entity.trip_update))
            except Exception as exc:  # untrusted input: that item's fault alone
                result.skip(f"trip update {entity.id}", exc)
    if with_alerts:
        result.messages = _alerts(feed, result, now)
    return result


def gtfs_alerts(content: bytes, *, now: datetime) -> Parsed:
    feed = gtfs_feed(content)
    result = Parsed()
    result.messages = _alerts(feed, result, now)
    return result


_SKIPPED = gtfs_realtime_pb2.TripUpdate.StopTimeUpdate.SKIPPED
_NO_DATA = gtfs_realtime_pb2.TripUpdate.StopTimeUpdate.NO_DATA
_CANCELED = gtfs_realtime_pb2.TripDescriptor.CANCELED


def _trip_departures(update: Any) -> list[DepartureRecord]:
    trip = update.trip
    if not trip.route_id:
        raise FeedRejected("no route_id")
    headsign = update.trip_properties.trip_headsign if update.HasField("trip_properties") else ""
    trip_cancelled = trip.schedule_relationship == _CANCELED
    found = []
    for stu in update.stop_time_update:
        if not stu.stop_id or stu.schedule_relationship == _NO_DATA:
            continue
        event = stu.departure if stu.HasField("departure") else stu.arrival
        if not event.time and not event.scheduled_time:
            raise FeedRejected(f"stop {stu.stop_id}: no time")
        expected = _stamp(event.time) if event.time else _stamp(event.scheduled_time)
        if event.scheduled_time:
            aimed = _stamp(event.scheduled_time)
        else:
            aimed = expected - timedelta(seconds=event.delay)
        destination = (
            stu.stop_time_properties.stop_headsign if stu.HasField("stop_time_properties") else ""
        ) or headsign
        if not destination:
            raise FeedRejected(f"stop {stu.stop_id}: no headsign")
        found.append(
            DepartureRecord(
                stop_ref=stu.stop_id,
                line_ref=trip.route_id,
                line_name=None,
                direction=None,
                destination=destination,
                aimed_at=aimed,
                expected_at=expected,
                cancelled=trip_cancelled or stu.schedule_relationship == _SKIPPED,
                platform=(
                    stu.stop_time_properties.assigned_stop_id
                    if stu.HasField("stop_time_properties")
                    else None
                )
                or None,
            )
        )
    return found


_ALERT = gtfs_realtime_pb2.Alert
GTFS_SEVERITY = {_ALERT.SEVERE: "severe", _ALERT.WARNING: "warning", _ALERT.INFO: "info"}
SEVERE_EFFECTS = {_ALERT.NO_SERVICE}
WARNING_EFFECTS = {_ALERT.REDUCED_SERVICE, _ALERT.SIGNIFICANT_DELAYS, _ALERT.DETOUR, _ALERT.STOP_MOVED}


def _translations(text: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for t in text.translation:
        if t.text.strip():
            found.setdefault((t.language or "fr").lower(), t.text.strip())
    return found


def _alerts(feed: Any, result: Parsed, now: datetime) -> list[MessageRecord]:
    messages = []
    stamp = int(now.timestamp())
    for entity in feed.entity:
        if not entity.HasField("alert") or entity.is_deleted:
            continue
        alert = entity.alert
        try:
            periods = list(alert.active_period)
            if periods and not any(
                (not p.start or p.start <= stamp) and (not p.end or stamp < p.end) for p in periods
            ):
                continue  # not active now
            header = _translations(alert.header_text)
            if not header:
                raise FeedRejected("no header_text")
            ends = [p.end for p in periods if p.end]
            severity = GTFS_SEVERITY.get(alert.severity_level)
            if severity is None:
                severity = (
                    "severe"
                    if alert.effect in SEVERE_EFFECTS
                    else "warning"
                    if alert.effect in WARNING_EFFECTS
                    else "info"
                )
            messages.append(
                MessageRecord(
                    ref=entity.id[:200],
                    severity=severity,
                    line_refs=tuple(dict.fromkeys(e.route_id for e in alert.informed_entity if e.route_id)),
                    stop_refs=tuple(dict.fromkeys(e.stop_id for e in alert.informed_entity if e.stop_id)),
                    text={k: v[:500] for k, v in header.items()},
                    description={k: v[:2000] for k, v in _translations(alert.description_text).items()},
                    until=_stamp(max(ends)) if ends else None,
                )
            )
        except Exception as exc:  # untrusted input: that item's fault alone
            result.skip(f"alert {entity.id}", exc)
    return messages


def parse(kind: str, content: bytes, *, messages_apart: bool, now: datetime) -> Parsed:
    """The departures document of a source of `kind`; a GTFS-RT feed without a separate messages URL
    carries its Alerts too."""
    if kind == "siri-lite":
        return siri_stop_monitoring(content)
    if kind == "gtfs-rt":
        return gtfs_trip_updates(content, with_alerts=not messages_apart, now=now)
    raise FeedRejected(f"unknown kind {kind!r}")


def parse_messages(kind: str, content: bytes, *, now: datetime) -> Parsed:
    if kind == "siri-lite":
        return siri_general_message(content, now=now)
    if kind == "gtfs-rt":
        return gtfs_alerts(content, now=now)
    raise FeedRejected(f"unknown kind {kind!r}")


def as_record(stored: Mapping[str, Any]) -> DepartureRecord:
    """A stored departure back as a record."""
    return DepartureRecord(
        stop_ref=stored["stop_ref"],
        line_ref=stored["line_ref"],
        line_name=stored.get("line_name"),
        direction=stored.get("direction"),
        destination=stored["destination"],
        aimed_at=datetime.fromisoformat(stored["aimed_at"]),
        expected_at=datetime.fromisoformat(stored["expected_at"]),
        cancelled=bool(stored.get("cancelled")),
        platform=stored.get("platform"),
    )
