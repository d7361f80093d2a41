"""What a parcel's recipient reads by SMS: the link from the station's public URL, times in Paris."""

from __future__ import annotations

from datetime import UTC, datetime

from services.parcel_lockers import domain
from services.parcel_lockers.settings import Settings


def test_the_link_is_the_public_urls_parcels_view():
    settings = Settings(stations=["saint-denis-pleyel"], public_url="https://sdp.stations.example.org/")
    assert settings.app_url == "https://sdp.stations.example.org/app/#/parcels"


def test_without_a_public_url_the_link_is_on_the_gateway_that_issues_the_tokens():
    settings = Settings(
        stations=["saint-denis-pleyel"], jwks_url="http://127.0.0.1:18080/.well-known/jwks.json"
    )
    assert settings.app_url == "http://127.0.0.1:18080/app/#/parcels"


def test_the_expiry_is_in_paris_time_winter_and_summer():
    winter = domain.pickup_notice(
        carrier="Colissimo",
        bank_code="A",
        bank_location="Hall nord",
        expires_at=datetime(2026, 12, 24, 17, 30, tzinfo=UTC),
        code="123456",
        app_url="https://gare.example/app/#/parcels",
    )
    assert "jusqu'au 24/12 18:30 (heure de Paris)" in winter and "UTC" not in winter
    assert winter.endswith("https://gare.example/app/#/parcels") and "123456" in winter
    # A time stored without its zone (SQLite) is UTC; in July Paris is two hours ahead.
    summer = domain.reminder_notice(
        carrier="Colissimo",
        bank_code="A",
        expires_at=datetime(2026, 7, 1, 22, 15),
        app_url="https://g.example/",
    )
    assert "il repart le 02/07 00:15 (heure de Paris)" in summer
