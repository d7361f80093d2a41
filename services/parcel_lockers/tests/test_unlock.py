"""Unlock tokens as a controller checks them, with the public key only."""

import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import SecretStr

from kernel.contracts.unlock_token import UnlockTokenInvalid, verify_unlock_token
from kernel.notifier import NotifierSettings
from kernel.qr import qr_svg
from services.parcel_lockers.settings import Settings
from services.parcel_lockers.unlock import UnlockSigner, load_or_create_key, qr_png

STATION = "saint-denis-pleyel"


@pytest.fixture
def signer() -> UnlockSigner:
    return UnlockSigner(Ed25519PrivateKey.generate(), ttl_seconds=60)


def test_a_token_opens_its_compartment_of_its_bank(signer):
    token, issued = signer.issue(parcel_id="p1", compartment="A03", bank_code="A", station_id=STATION)
    claims = verify_unlock_token(token, signer.private_key.public_key(), station_id=STATION, bank_code="A")
    assert (claims.parcel_id, claims.compartment, claims.jti) == ("p1", "A03", issued.jti)


def test_tokens_for_another_bank_station_key_or_time_are_refused(signer):
    public = signer.private_key.public_key()
    token, _ = signer.issue(parcel_id="p1", compartment="A03", bank_code="A", station_id=STATION)
    with pytest.raises(UnlockTokenInvalid, match="another locker bank"):
        verify_unlock_token(token, public, station_id=STATION, bank_code="B")
    with pytest.raises(UnlockTokenInvalid, match="another locker bank"):
        verify_unlock_token(token, public, station_id="villejuif-louis-aragon", bank_code="A")
    with pytest.raises(UnlockTokenInvalid):
        verify_unlock_token(
            token, Ed25519PrivateKey.generate().public_key(), station_id=STATION, bank_code="A"
        )
    old, _ = signer.issue(
        parcel_id="p1", compartment="A03", bank_code="A", station_id=STATION, now=time.time() - 3600
    )
    with pytest.raises(UnlockTokenInvalid, match="expired"):
        verify_unlock_token(old, public, station_id=STATION, bank_code="A")
    with pytest.raises(UnlockTokenInvalid):
        verify_unlock_token(token[:-4] + "AAAA", public, station_id=STATION, bank_code="A")


def test_each_token_has_its_own_id_and_codes_are_digested(signer):
    ids = {
        signer.issue(parcel_id="p", compartment="A01", bank_code="A", station_id=STATION)[1].jti
        for _ in range(5)
    }
    assert len(ids) == 5
    assert signer.code_digest("12345678") == signer.code_digest("12345678") != signer.code_digest("12345679")
    assert "12345678" not in signer.code_digest("12345678")


def test_qr_codes_in_svg_and_png(signer):
    token, _ = signer.issue(parcel_id="p", compartment="A01", bank_code="A", station_id=STATION)
    assert qr_svg(token).lstrip().startswith("<")
    assert qr_png(token).startswith(b"\x89PNG")


def production(notifier: NotifierSettings | None = None, key: Path | None = None) -> Settings:
    return Settings(
        environment="production",
        database_url="postgresql://db/gare",
        jwks_url="https://gateway.example/.well-known/jwks.json",
        public_url="https://gare.example",
        stations=[STATION],
        notifier=notifier or NotifierSettings(),
        unlock_key_file=key or Path("/nonexistent/unlock.pem"),
    )


def test_production_serves_only_with_a_real_notifier_and_its_signing_key(tmp_path):
    assert "notifier" in (production().serving_problem() or "")
    sms = NotifierSettings(backend="http", url="https://sms.example/send", secret=SecretStr("s3cret"))
    assert "signing key" in (production(sms).serving_problem() or "")
    key = tmp_path / "unlock.pem"
    load_or_create_key(key, create=True)
    assert production(sms, key).serving_problem() is None
    assert Settings(stations=[STATION], environment="development").serving_problem() is None
