"""The service's own signing key: QR unlock tokens (EdDSA JWTs a controller verifies offline with
the public key) and the keyed digests of pickup codes.

An unlock token is bound to one parcel, compartment, bank and station, lives a few minutes and
carries a `jti`: the service and the controller each accept a `jti` once.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import os
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
import qrcode  # type: ignore[import-untyped]
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from kernel.contracts.unlock_token import ISSUER, TOKEN_PURPOSE, UnlockClaims, audience


def load_or_create_key(path: Path, *, create: bool) -> Ed25519PrivateKey:
    """The key in `path`; made (atomically, readable by the owner only) when missing and allowed."""
    if not path.is_file():
        if not create:
            raise FileNotFoundError(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
        # Two processes starting at once: the first key written wins, both then read it.
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def public_jwk(public_key: Ed25519PublicKey) -> dict[str, Any]:
    jwk: dict[str, Any] = jwt.algorithms.OKPAlgorithm.to_jwk(public_key, as_dict=True)
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {**jwk, "kid": hashlib.sha256(raw).hexdigest()[:16], "alg": "EdDSA", "use": "sig"}


class UnlockSigner:
    def __init__(self, private_key: Ed25519PrivateKey, *, ttl_seconds: int) -> None:
        self.private_key = private_key
        self.ttl = ttl_seconds
        self.jwk = public_jwk(private_key.public_key())
        raw = private_key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        # One secret to keep: the code digests' key derives from the signing key.
        self._code_key = hashlib.sha256(b"gare-numerique pickup codes\x00" + raw).digest()

    @property
    def kid(self) -> str:
        return str(self.jwk["kid"])

    def presence_secret(self, station_id: str, bank_id: str) -> bytes:
        """Each bank's secret for its rotating presence code (a re-registered bank gets a new one)."""
        return hmac.new(
            self._code_key, f"presence\x00{station_id}\x00{bank_id}".encode(), hashlib.sha256
        ).digest()

    def code_digest(self, code: str) -> str:
        """The stored form of a pickup or drop-off code: keyed, so a leaked table reveals no code."""
        return hmac.new(self._code_key, code.encode(), hashlib.sha256).hexdigest()

    def issue(
        self, *, parcel_id: str, compartment: str, bank_code: str, station_id: str, now: float | None = None
    ) -> tuple[str, UnlockClaims]:
        issued = int(now if now is not None else time.time())
        claims = UnlockClaims(
            jti=uuid.uuid4().hex,
            parcel_id=parcel_id,
            compartment=compartment,
            bank_code=bank_code,
            station_id=station_id,
            expires_at=issued + self.ttl,
        )
        body = {
            "iss": ISSUER,
            "aud": audience(station_id, bank_code),
            "sub": parcel_id,
            "cmp": compartment,
            "bank": bank_code,
            "stn": station_id,
            "pur": TOKEN_PURPOSE,
            "jti": claims.jti,
            "iat": issued,
            "exp": claims.expires_at,
        }
        token = jwt.encode(body, self.private_key, algorithm="EdDSA", headers={"kid": self.kid})
        return token, claims


def qr_png(data: str) -> bytes:
    buffer = io.BytesIO()
    qrcode.make(data, box_size=8, border=2).save(buffer, format="PNG")
    return buffer.getvalue()
