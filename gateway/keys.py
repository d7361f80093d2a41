"""The gateway's signing keys: Ed25519 keys in a folder, newest signs, all are published in the JWKS.

Rotation adds a key; tokens signed by the older ones stay valid until they expire, because the
older public keys stay in the JWKS until a later rotation prunes them."""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt import PyJWK
from jwt.algorithms import OKPAlgorithm

KEEP_KEYS = 3


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey

    def public_jwk(self) -> dict[str, Any]:
        jwk = json.loads(OKPAlgorithm.to_jwk(self.private_key.public_key()))
        return {**jwk, "kid": self.kid, "use": "sig", "alg": "EdDSA"}


def new_kid() -> str:
    # Sorting kids sorts keys by age.
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"


def write_key(directory: Path) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    kid = new_kid()
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path = directory / f"{kid}.pem"
    fd = os.open(path.with_suffix(".tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    os.replace(path.with_suffix(".tmp"), path)
    return kid


def rotate(directory: Path, keep: int = KEEP_KEYS) -> str:
    """Add a signing key and drop all but the `keep` newest."""
    kid = write_key(directory)
    for old in sorted(directory.glob("*.pem"))[:-keep]:
        old.unlink()
    return kid


class KeyRing:
    """Reads the key folder, and reads it again when it changes, so a rotation needs no restart."""

    def __init__(self, directory: Path, *, recheck_seconds: float = 1.0) -> None:
        self.directory = directory
        self.recheck_seconds = recheck_seconds
        self._keys: list[SigningKey] = []
        self._seen_mtime = -1.0
        self._checked_at = 0.0
        self._jwks: dict[str, Any] = {"keys": []}
        self._public: dict[str, PyJWK] = {}

    def load(self) -> None:
        if not any(self.directory.glob("*.pem")):
            write_key(self.directory)
        self._reload_if_changed(force=True)

    def _reload_if_changed(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._checked_at < self.recheck_seconds:
            return
        self._checked_at = now
        mtime = self.directory.stat().st_mtime
        if not force and mtime == self._seen_mtime:
            return
        keys = []
        for path in sorted(self.directory.glob("*.pem")):
            private = serialization.load_pem_private_key(path.read_bytes(), password=None)
            if isinstance(private, Ed25519PrivateKey):
                keys.append(SigningKey(kid=path.stem, private_key=private))
        if not keys:
            raise RuntimeError(f"no Ed25519 signing key in {self.directory}")
        self._keys = keys
        self._jwks = {"keys": [k.public_jwk() for k in reversed(keys)]}
        self._public = {jwk["kid"]: PyJWK.from_dict(jwk) for jwk in self._jwks["keys"]}
        self._seen_mtime = mtime

    @property
    def signing_key(self) -> SigningKey:
        self._reload_if_changed()
        return self._keys[-1]

    def jwks(self) -> dict[str, Any]:
        self._reload_if_changed()
        return self._jwks

    async def lookup(self, kid: str) -> PyJWK | None:
        """Key lookup for the gateway's own TokenVerifier: no HTTP round trip to itself."""
        self._reload_if_changed()
        return self._public.get(kid)
