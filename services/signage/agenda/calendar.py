"""The agenda as an iCalendar feed (RFC 5545), written by hand: text escaped (§3.3.11), lines folded at
75 octets without splitting a character (§3.1), CRLF, one VEVENT per event. No I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from kernel.i18n import pick
from services.signage.agenda.domain import local_date

LINE_OCTETS = 75
PRODID = "-//Gare numerique//Agenda 1.0//FR"


@dataclass(frozen=True)
class CalendarEvent:
    """What the feed says of an event."""

    uid: str
    sequence: int
    stamp: datetime
    created: datetime
    starts_at: datetime
    ends_at: datetime
    all_day: bool
    kind: str
    status: str
    title: Mapping[str, str]
    description: Mapping[str, str]
    place: str | None
    lat: float | None
    lon: float | None
    url: str | None


def escape_text(text: str) -> str:
    """A TEXT value: backslash, semicolon, comma and line breaks escaped."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """A content line folded into lines of 75 octets at most (continuations start with a space),
    never inside a UTF-8 sequence."""
    out: list[str] = []
    current, size, limit = "", 0, LINE_OCTETS
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            out.append(current)
            current, size, limit = " ", 1, LINE_OCTETS
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _day(day: date) -> str:
    return day.strftime("%Y%m%d")


def _text(name: str, texts: Mapping[str, str], preferred: list[str]) -> str | None:
    chosen = pick(texts, preferred)
    if chosen is None:
        return None
    language, text = chosen
    return f"{name};LANGUAGE={language}:{escape_text(text)}"


def vevent(event: CalendarEvent, preferred: list[str]) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"DTSTAMP:{_utc(event.stamp)}",
        f"CREATED:{_utc(event.created)}",
        f"LAST-MODIFIED:{_utc(event.stamp)}",
        f"SEQUENCE:{event.sequence}",
    ]
    if event.all_day:
        # Whole days are dates; DTEND is the day after the last (exclusive, §3.6.1).
        last = local_date(event.ends_at - timedelta(microseconds=1))
        lines += [
            f"DTSTART;VALUE=DATE:{_day(local_date(event.starts_at))}",
            f"DTEND;VALUE=DATE:{_day(last + timedelta(days=1))}",
        ]
    else:
        lines += [f"DTSTART:{_utc(event.starts_at)}", f"DTEND:{_utc(event.ends_at)}"]
    lines += [line for line in (_text("SUMMARY", event.title, preferred),) if line]
    description = _text("DESCRIPTION", event.description, preferred)
    if description:
        lines.append(description)
    if event.place:
        lines.append(f"LOCATION:{escape_text(event.place)}")
    if event.lat is not None and event.lon is not None:
        lines.append(f"GEO:{event.lat:.6f};{event.lon:.6f}")
    if event.url:
        lines.append(f"URL:{event.url}")
    lines.append(f"CATEGORIES:{event.kind.upper()}")
    lines.append(f"STATUS:{'CANCELLED' if event.status == 'cancelled' else 'CONFIRMED'}")
    lines.append("TRANSP:TRANSPARENT")
    lines.append("END:VEVENT")
    return lines


def calendar(events: Iterable[CalendarEvent], *, name: str, preferred: list[str]) -> bytes:
    """The whole feed, in the preferred languages with the usual fallback (fr -> en -> any)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"NAME:{escape_text(name)}",
        f"X-WR-CALNAME:{escape_text(name)}",
        "X-WR-TIMEZONE:Europe/Paris",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ]
    for event in events:
        lines += vevent(event, preferred)
    lines.append("END:VCALENDAR")
    return ("".join(fold(line) + "\r\n" for line in lines)).encode()
