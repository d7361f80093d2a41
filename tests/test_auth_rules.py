"""The sign-in rules without I/O: scopes, pairing codes, device names, refresh-token verdicts, settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr, ValidationError

from gateway import domain
from gateway.settings import GatewaySettings, SessionLifetime
from kernel.notifier import NotifierSettings

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def test_scopes_follow_the_contract_table():
    assert domain.scopes_for("traveller") == "parcels:collect parcels:send"
    assert domain.scopes_for("courier") == "parcels:deposit lockers:read"
    assert domain.scopes_for("operator") == "station:operate"
    assert domain.scopes_for("admin") == "station:operate network:admin"
    assert domain.scopes_for("device", "screen") == "signage:play"
    assert domain.scopes_for("device", "kiosk") == "kiosk:display"
    assert domain.scopes_for("device", "locker_controller") == "lockers:control"
    assert domain.scopes_for("device", "mobility_feed") == "mobility:report"
    # A device of a kind nobody knows gets nothing; a person never gets a device's scope.
    assert domain.scopes_for("device", "toaster") == ""
    assert domain.scopes_for("operator", "screen") == "station:operate"


@pytest.mark.parametrize(
    ("granted", "requested", "result"),
    [
        ("station:operate network:admin", None, "station:operate network:admin"),
        ("station:operate network:admin", "  ", "station:operate network:admin"),
        ("station:operate network:admin", "network:admin", "network:admin"),
        ("station:operate network:admin", "network:admin station:operate", "station:operate network:admin"),
        ("station:operate", "station:operate network:admin", None),
        ("parcels:collect parcels:send", "signage:play", None),
    ],
)
def test_a_client_may_narrow_its_scope_never_widen_it(granted, requested, result):
    assert domain.narrow_scope(granted, requested) == result


def test_a_refresh_keeps_what_the_role_gives_today_within_the_sign_in_grant():
    assert domain.intersect_scopes("station:operate network:admin", "station:operate") == "station:operate"
    assert domain.intersect_scopes("station:operate", "station:operate network:admin") == "station:operate"
    assert domain.intersect_scopes("parcels:deposit", "station:operate") == ""


def test_user_codes_are_eight_unambiguous_letters():
    codes = {domain.new_user_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == 8 and set(code) <= set(domain.USER_CODE_ALPHABET)
    assert not set("AEIOUY01") & set(domain.USER_CODE_ALPHABET)
    assert domain.format_user_code("BCDFGHJK") == "BCDF-GHJK"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("BCDF-GHJK", "BCDFGHJK"),
        ("bcdf ghjk", "BCDFGHJK"),
        (" bcdfghjk ", "BCDFGHJK"),
        ("BCDF-GHJ", None),
        ("BCDF-GHJKL", None),
        ("ABCD-EFGH", None),
        ("BCDF_GHJK", None),
        ("", None),
    ],
)
def test_what_operators_type_is_read_generously_but_never_guessed(typed, stored):
    assert domain.normalize_user_code(typed) == stored


def test_paired_devices_get_readable_unique_client_ids():
    station = "saint-denis-pleyel"
    assert domain.paired_client_id("screen", station, "hall", "x7k2ab") == f"screen-{station}-hall-x7k2ab"
    assert (
        domain.paired_client_id("kiosk", station, "entrance", "x7k2ab") == f"kiosk-{station}-entrance-x7k2ab"
    )
    assert (
        domain.paired_client_id("locker_controller", station, "A", "x7k2ab")
        == f"lockers-{station}-bank-a-x7k2ab"
    )
    long = domain.paired_client_id("screen", "villejuif-institut-gustave-roussy", "x" * 64, "x7k2ab")
    assert len(long) <= domain.CLIENT_ID_MAX_LENGTH and long.endswith("-x7k2ab")


@pytest.mark.parametrize(
    ("kind", "binding", "ok"),
    [
        ("screen", "hall", True),
        ("screen", "platform-2", True),
        ("screen", "Hall", False),
        ("screen", "hall/../x", False),
        ("kiosk", "entrance", True),
        ("locker_controller", "A", True),
        ("locker_controller", "a", False),
        ("locker_controller", "BANK-A", False),
        ("mobility_feed", "velib-metropole", True),
        ("mobility_feed", "", False),
        ("screen", "x" * 65, False),
    ],
)
def test_a_binding_names_what_the_kind_of_device_serves(kind, binding, ok):
    assert (domain.binding_problem(kind, binding) is None) == ok


def verdict(**overrides):
    values = {
        "spent_at": None,
        "token_expires_at": NOW + timedelta(hours=1),
        "session_revoked_at": None,
        "session_expires_at": NOW + timedelta(days=1),
        "now": NOW,
    } | overrides
    return domain.refresh_verdict(**values)


def test_refresh_token_verdicts():
    assert verdict() == "valid"
    assert verdict(spent_at=NOW - timedelta(minutes=1)) == "reused"
    # A spent token shown after its expiry still tells of a second holder.
    assert verdict(spent_at=NOW - timedelta(days=2), token_expires_at=NOW - timedelta(days=1)) == "reused"
    assert verdict(token_expires_at=NOW) == "expired"
    assert verdict(session_expires_at=NOW - timedelta(seconds=1)) == "expired"
    assert verdict(session_revoked_at=NOW, spent_at=NOW) == "revoked"


def test_a_refresh_token_never_outlives_its_sign_in():
    far = NOW + timedelta(days=90)
    assert domain.refresh_token_expiry(now=NOW, idle_seconds=3600, session_expires_at=far) == NOW + timedelta(
        hours=1
    )
    near = NOW + timedelta(minutes=5)
    assert domain.refresh_token_expiry(now=NOW, idle_seconds=3600, session_expires_at=near) == near


def test_session_lifetimes_are_consistent():
    with pytest.raises(ValidationError):
        SessionLifetime(idle_seconds=7200, max_seconds=3600)
    settings = GatewaySettings(_env_file=None)
    assert settings.session_staff.idle_seconds <= settings.session_staff.max_seconds
    assert settings.device_token_ttl_seconds == 900


def production(**overrides):
    values = {
        "environment": "production",
        "database_url": "postgresql://gateway@db/gare",
        "cors_origins": ["https://gare.example"],
        "public_url": "https://gare.example",
        "notifier": {"backend": "http", "url": "https://sms.example/send", "secret": "s3cret"},
    } | overrides
    return GatewaySettings(_env_file=None, **values)


def test_production_refuses_the_development_inbox_and_needs_its_public_url():
    assert production().notifier.backend == "http"
    with pytest.raises(ValidationError, match="inbox"):
        production(notifier={"backend": "inbox"})
    with pytest.raises(ValidationError, match="PUBLIC_URL"):
        production(public_url=None)


def test_the_http_notifier_needs_an_endpoint_and_a_secret(tmp_path):
    with pytest.raises(ValidationError, match="URL"):
        NotifierSettings(backend="http", secret=SecretStr("s"))
    with pytest.raises(ValidationError, match="SECRET"):
        NotifierSettings(backend="http", url="https://sms.example/send")
    secret_file = tmp_path / "sms-secret"
    secret_file.write_text("from-a-file\n")
    settings = NotifierSettings(backend="http", url="https://sms.example/send", secret_file=secret_file)
    assert settings.read_secret() == "from-a-file"
    # A secret given as text (as the environment gives it) is kept out of the repr.
    from_text = NotifierSettings.model_validate(
        {"backend": "http", "url": "https://x", "secret": "from-a-file"}
    )
    assert "from-a-file" not in repr(from_text)
