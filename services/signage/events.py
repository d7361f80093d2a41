"""What signage publishes on NATS."""

from __future__ import annotations

from datetime import datetime

from kernel.contracts import signage
from kernel.events import OutgoingEvent, new_event
from services.signage.agenda.domain import Welcome
from services.signage.models import Alert, Screen


def screen_registered(screen: Screen) -> OutgoingEvent:
    data = signage.ScreenRegistered(
        screen_id=screen.id,
        code=screen.code,
        name=screen.name,
        location=screen.location,
        orientation=screen.orientation,  # type: ignore[arg-type]  # validated on the way in
        resolution=screen.resolution,
        languages=screen.languages,
        playlist_id=screen.playlist_id,
        device_client_id=screen.device_client_id,
        registered_at=screen.registered_at,
    )
    return new_event(
        station_id=screen.station_id,
        domain=signage.DOMAIN,
        entity=signage.SCREEN,
        verb=signage.REGISTERED,
        data=data,
        subject=screen.id,
    )


def _targets(stored: dict[str, list[str]]) -> signage.AlertTargets:
    return signage.AlertTargets(
        screens=stored.get("screens", []), zones=stored.get("zones", []), tags=stored.get("tags", [])
    )


def alert_raised(alert: Alert) -> OutgoingEvent:
    data = signage.AlertRaised(
        alert_id=alert.id,
        severity=alert.severity,  # type: ignore[arg-type]  # validated on the way in
        text=alert.texts,
        targets=_targets(alert.targets),
        raised_at=alert.raised_at,
        expires_at=alert.expires_at,
    )
    return new_event(
        station_id=alert.station_id,
        domain=signage.DOMAIN,
        entity=signage.ALERT,
        verb=signage.RAISED,
        data=data,
        subject=alert.id,
    )


def alert_cleared(alert: Alert) -> OutgoingEvent:
    assert alert.cleared_at is not None
    data = signage.AlertCleared(alert_id=alert.id, cleared_at=alert.cleared_at)
    return new_event(
        station_id=alert.station_id,
        domain=signage.DOMAIN,
        entity=signage.ALERT,
        verb=signage.CLEARED,
        data=data,
        subject=alert.id,
    )


def screen_offline(screen: Screen, last_seen_at: datetime) -> OutgoingEvent:
    data = signage.ScreenOffline(screen_id=screen.id, code=screen.code, last_seen_at=last_seen_at)
    return new_event(
        station_id=screen.station_id,
        domain=signage.DOMAIN,
        entity=signage.SCREEN,
        verb=signage.OFFLINE,
        data=data,
        subject=screen.id,
    )


def welcome_changed(station_id: str, welcome: Welcome, changed_at: datetime) -> OutgoingEvent:
    data = signage.WelcomeChanged(
        languages=list(welcome.languages),
        kiosk_language=welcome.kiosk_language,
        playlist=welcome.playlist,
        event=welcome.event,
        until=welcome.until,
        changed_at=changed_at,
    )
    return new_event(
        station_id=station_id,
        domain=signage.DOMAIN,
        entity=signage.WELCOME,
        verb=signage.CHANGED,
        data=data,
        subject=station_id,
    )
