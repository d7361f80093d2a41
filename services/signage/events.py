"""What signage publishes on NATS."""

from __future__ import annotations

from services.common.contracts import signage
from services.common.events import OutgoingEvent, new_event
from services.signage.models import Screen


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
