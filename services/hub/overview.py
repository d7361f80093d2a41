"""The network view's rules (pure, no I/O): what each station looks like from the events it sent.

The hub reads every station's events from its aggregate streams and keeps, per station, what an
operator of the network needs at a glance: is the station linked, are its lockers full, are screens
offline, which alerts are up. Nothing here talks to NATS; `feed.py` does and calls `apply`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from kernel.contracts import lockers, signage
from kernel.events import CloudEvent

LinkState = Literal["connected", "cut", "unknown"]
StationStatus = Literal["ok", "attention", "unreachable", "unknown"]

# Events of signage that the overview reads besides screen.registered. Signage names its events
# `gare.{station}.signage.{entity}.{verb}`; a screen silent past its interval is reported with
# screen.offline (and screen.online when it is back), an alert with alert.raised / alert.cleared.
SCREEN_OFFLINE, SCREEN_ONLINE = "offline", "online"
ALERT, ALERT_RAISED, ALERT_CLEARED = "alert", "raised", "cleared"


@dataclass
class LockerBank:
    code: str
    # compartment id -> state (free, reserved, occupied, out_of_service)
    compartments: dict[str, str] = field(default_factory=dict)

    @property
    def free(self) -> int:
        return sum(1 for state in self.compartments.values() if state == "free")

    @property
    def full(self) -> bool:
        """No compartment left for a new parcel (those out of service do not count as room)."""
        return bool(self.compartments) and self.free == 0


@dataclass
class Alert:
    id: str
    title: str
    severity: str
    raised_at: datetime


@dataclass
class LinkInfo:
    """The hub's sources of the station's streams, as JetStream reports them."""

    state: LinkState
    # Seconds since the hub last heard from the station on its slowest source; None if never.
    last_contact_seconds: float | None
    # Messages the station has that the hub has not copied yet, all streams together.
    lag: int
    error: str | None = None


@dataclass
class StationView:
    slug: str
    banks: dict[str, LockerBank] = field(default_factory=dict)
    # screen id -> code
    screens: dict[str, str] = field(default_factory=dict)
    offline_screens: set[str] = field(default_factory=set)
    alerts: dict[str, Alert] = field(default_factory=dict)
    events: dict[str, int] = field(default_factory=dict)
    last_event_at: datetime | None = None

    def apply(self, domain: str, entity: str, verb: str, event: CloudEvent) -> None:
        self.events[domain] = self.events.get(domain, 0) + 1
        if self.last_event_at is None or event.time > self.last_event_at:
            self.last_event_at = event.time
        if domain == lockers.DOMAIN:
            self._apply_lockers(entity, verb, event.data)
        elif domain == signage.DOMAIN:
            self._apply_signage(entity, verb, event)

    def _apply_lockers(self, entity: str, verb: str, data: dict[str, Any]) -> None:
        if entity == lockers.BANK and verb == lockers.REGISTERED:
            registered = lockers.BankRegistered.model_validate(data)
            self.banks[registered.bank_id] = LockerBank(
                code=registered.code,
                compartments={c.compartment_id: c.state for c in registered.compartments},
            )
        elif entity == lockers.COMPARTMENT and verb == lockers.STATE_CHANGED:
            changed = lockers.CompartmentStateChanged.model_validate(data)
            bank = self.banks.setdefault(changed.bank_id, LockerBank(code=changed.bank_code))
            bank.compartments[changed.compartment_id] = changed.state

    def _apply_signage(self, entity: str, verb: str, event: CloudEvent) -> None:
        data = event.data
        if entity == signage.SCREEN and verb == signage.REGISTERED:
            registered = signage.ScreenRegistered.model_validate(data)
            self.screens[registered.screen_id] = registered.code
        elif entity == signage.SCREEN and verb in (SCREEN_OFFLINE, SCREEN_ONLINE):
            code = data.get("code") or self.screens.get(str(data.get("screen_id")))
            if not code:
                return
            if verb == SCREEN_OFFLINE:
                self.offline_screens.add(str(code))
            else:
                self.offline_screens.discard(str(code))
        elif entity == ALERT and verb in (ALERT_RAISED, ALERT_CLEARED):
            alert_id = str(data.get("alert_id") or data.get("id") or event.subject or "")
            if not alert_id:
                return
            if verb == ALERT_CLEARED:
                self.alerts.pop(alert_id, None)
            else:
                self.alerts[alert_id] = Alert(
                    id=alert_id,
                    title=str(data.get("title") or data.get("message") or alert_id),
                    severity=str(data.get("severity") or "info"),
                    raised_at=event.time,
                )

    @property
    def full_banks(self) -> list[str]:
        return sorted(bank.code for bank in self.banks.values() if bank.full)

    def attention(self) -> list[str]:
        """Why an operator should look at this station now, in words."""
        reasons = []
        if self.full_banks:
            reasons.append(f"locker banks full: {', '.join(self.full_banks)}")
        if self.offline_screens:
            reasons.append(f"screens offline: {', '.join(sorted(self.offline_screens))}")
        if self.alerts:
            reasons.append(f"{len(self.alerts)} alert(s) up")
        return reasons


def link_from_sources(sources: list[dict[str, Any]], *, timeout_seconds: float) -> LinkInfo:
    """The station's link, from its source in each aggregate stream (raw STREAM.INFO entries)."""
    if not sources:
        return LinkInfo(state="unknown", last_contact_seconds=None, lag=0)
    # `active` is nanoseconds since the source last heard from the station (-1 or absent: never).
    actives = [s.get("active") for s in sources]
    heard = [a / 1e9 for a in actives if isinstance(a, int) and a >= 0]
    errors = [str((s.get("error") or {}).get("description") or s["error"]) for s in sources if s.get("error")]
    lag = sum(int(s.get("lag") or 0) for s in sources)
    if len(heard) < len(sources):
        return LinkInfo(
            state="cut", last_contact_seconds=max(heard, default=None), lag=lag, error=_first(errors)
        )
    slowest = max(heard)
    state: LinkState = "connected" if slowest <= timeout_seconds else "cut"
    return LinkInfo(state=state, last_contact_seconds=round(slowest, 1), lag=lag, error=_first(errors))


def _first(values: list[str]) -> str | None:
    return values[0] if values else None


def station_status(view: StationView, link: LinkInfo) -> StationStatus:
    if link.state == "cut":
        return "unreachable"
    if link.state == "unknown":
        return "unknown"
    return "attention" if view.attention() else "ok"


def parse_subject(subject: str) -> tuple[str, str, str, str] | None:
    """`gare.{station}.{domain}.{entity}.{verb}` -> its four tokens, else None."""
    parts = subject.split(".")
    if len(parts) != 5 or parts[0] != "gare":
        return None
    return parts[1], parts[2], parts[3], parts[4]
