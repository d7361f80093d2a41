"""In-process service tests: the real app over httpx's ASGI transport with its lifespan run, a SQLite
file migrated by alembic, tokens signed by a test key whose JWKS the app uses without HTTP, and a
real nats-server where events matter. No stack, no gateway: a test starts in a fraction of a second.

Fixtures built on these helpers live in `services/conftest.py`.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from jwt import PyJWK

from deploy.embedded.infra import NatsServer, RedisServer
from deploy.embedded.ports import any_free_port
from kernel.auth import DeviceKind, Role
from kernel.migrations import upgrade_to_head
from kernel.runtime import ServiceRuntime
from kernel.service_app import ServiceDefinition, create_service_app
from kernel.settings import ServiceSettings
from kernel.tasks import stop_task

SAINT_DENIS = "saint-denis-pleyel"
VILLEJUIF = "villejuif-institut-gustave-roussy"
ISSUER = "urn:gare-numerique:gateway"
AUDIENCE = "gare-numerique"
# Contract 2 (docs/architecture.md, "Auth"): the scopes the gateway gives each role and device kind.
ROLE_SCOPES: dict[Role, str] = {
    "traveller": "parcels:collect parcels:send",
    "courier": "parcels:deposit lockers:read",
    "operator": "station:operate",
    "admin": "station:operate network:admin",
    "culture": "network:culture",
    "device": "",
}
DEVICE_SCOPES: dict[DeviceKind, str] = {
    "screen": "signage:play",
    "kiosk": "kiosk:display",
    "locker_controller": "lockers:control",
    "mobility_feed": "mobility:report",
}
# A URL nothing answers: a service started with it keeps its events in the outbox.
NO_NATS = "nats://127.0.0.1:1"


class SigningKey:
    """Signs tokens shaped like the gateway's; `lookup` is the verifier's key source."""

    def __init__(self) -> None:
        self.private_key = Ed25519PrivateKey.generate()
        self.kid = f"test-{uuid.uuid4().hex[:8]}"
        public = jwt.algorithms.OKPAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        self._jwk = PyJWK.from_dict({**public, "kid": self.kid, "alg": "EdDSA", "use": "sig"})

    async def lookup(self, kid: str) -> PyJWK | None:
        return self._jwk if kid == self.kid else None

    def token(
        self,
        *,
        role: Role,
        stations: list[str] | str,
        scope: str | None = None,
        subject: str | None = None,
        ttl_seconds: int = 300,
        **claims: Any,
    ) -> str:
        now = int(time.time())
        body = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": subject or f"{role}:test",
            "role": role,
            "stations": stations,
            "scope": ROLE_SCOPES[role] if scope is None else scope,
            "iat": now,
            "exp": now + ttl_seconds,
            "jti": uuid.uuid4().hex,
            **claims,
        }
        return jwt.encode(body, self.private_key, algorithm="EdDSA", headers={"kid": self.kid})

    def operator(self, station: str = SAINT_DENIS) -> str:
        return self.token(role="operator", stations=[station], subject=f"operator:operator-{station}")

    def admin(self) -> str:
        return self.token(role="admin", stations="*", subject="admin:admin")

    def courier(self, station: str = SAINT_DENIS, carrier: str = "colissimo") -> str:
        """A courier of `carrier` (the gateway puts the account's carrier in its tokens)."""
        return self.token(
            role="courier", stations=[station], subject=f"courier:courier-{carrier}", carrier=carrier
        )

    def traveller(self) -> str:
        return self.token(role="traveller", stations="*", subject="traveller:test")

    def device(
        self,
        kind: DeviceKind,
        *,
        binding: str | None,
        station: str = SAINT_DENIS,
        client_id: str | None = None,
    ) -> str:
        client_id = client_id or f"{kind}-{station}-test"
        return self.token(
            role="device",
            stations=[station],
            scope=DEVICE_SCOPES[kind],
            subject=f"device:{client_id}",
            client_id=client_id,
            device_kind=kind,
            device_binding=binding,
        )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# -- databases ---------------------------------------------------------------------------------

_TEMPLATES = Path(tempfile.gettempdir()) / f"gare-test-templates-{os.getpid()}"


def migrated_sqlite(migrations_dir: Path, destination: Path) -> str:
    """A SQLite file at `destination` with every migration applied (copied from a per-process
    template, so alembic runs once per service and test session). Returns its URL."""
    template = _TEMPLATES / f"{migrations_dir.parent.name}.sqlite"
    if not template.exists():
        _TEMPLATES.mkdir(parents=True, exist_ok=True)
        building = template.with_suffix(f".{uuid.uuid4().hex}.tmp")
        upgrade_to_head(migrations_dir, f"sqlite:///{building}", None)
        building.replace(template)
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, destination)
    return f"sqlite+aiosqlite:///{destination}"


async def migrated_sqlite_async(migrations_dir: Path, destination: Path) -> str:
    # alembic's env.py runs its own event loop: keep it off ours.
    return await asyncio.to_thread(migrated_sqlite, migrations_dir, destination)


# -- the session's event loop ---------------------------------------------------------------------


async def stop_leftover_tasks(*, timeout: float = 5.0) -> list[str]:
    """Stop every task still running on this loop but the caller's, the way the kernel stops its own
    (`stop_task`: cancelled again while it runs); the names of those that were left.

    The session's loop cancels what is left once and then waits for it: a task that loses that one
    cancellation (CPython gh-86296) would hold the end of the test run for ever."""
    current = asyncio.current_task()
    leftovers = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
    for task in leftovers:
        await stop_task(task, timeout=timeout)
    return [task.get_name() for task in leftovers]


# -- NATS --------------------------------------------------------------------------------------


@contextmanager
def running_nats(directory: Path) -> Iterator[NatsServer]:
    """A real nats-server with JetStream on a free port, its store under `directory`."""
    server = NatsServer(port=any_free_port(), store_dir=directory / "nats", log_dir=directory, cwd=directory)
    with _serving(server):
        yield server


@contextmanager
def running_redis(directory: Path) -> Iterator[RedisServer]:
    """A real redis-server on a free port, its files under `directory`."""
    server = RedisServer(port=any_free_port(), data_dir=directory / "redis", log_dir=directory, cwd=directory)
    with _serving(server):
        yield server


@contextmanager
def _serving(server: NatsServer | RedisServer) -> Iterator[None]:
    server.start()
    try:
        server.wait_ready()
        yield
    finally:
        server.stop()


# -- the service -------------------------------------------------------------------------------


@dataclass
class ServiceUnderTest:
    app: FastAPI
    http: httpx.AsyncClient
    keys: SigningKey

    @property
    def runtime(self) -> ServiceRuntime:
        runtime: ServiceRuntime = self.app.state.runtime
        return runtime


@asynccontextmanager
async def running_service(
    definition: ServiceDefinition,
    settings_factory: Callable[..., ServiceSettings],
    *,
    database_url: str,
    keys: SigningKey,
    nats_url: str = NO_NATS,
    stations: tuple[str, ...] = (SAINT_DENIS, VILLEJUIF),
    redis_url: str | None = None,
    wait_for_nats: bool = True,
    fetch_allow: tuple[str, ...] = (),
    database_schema: str | None = None,
) -> AsyncIterator[ServiceUnderTest]:
    """The service's app, started (lifespan run) and reachable through an httpx client."""
    settings = settings_factory(
        environment="test",
        database_url=database_url,
        database_schema=database_schema,
        nats_url=nats_url,
        redis_url=redis_url,
        stations=list(stations),
        jwks_url="http://jwks.invalid/.well-known/jwks.json",
        log_level="WARNING",
        fetch_allow=list(fetch_allow),
    )
    app = create_service_app(definition, settings, key_lookup=keys.lookup)
    async with app.router.lifespan_context(app):
        runtime: ServiceRuntime = app.state.runtime
        if nats_url != NO_NATS and wait_for_nats:
            assert await runtime.bus.wait_connected(10), "the service did not connect to NATS"
            await wait_until(lambda: runtime.broadcaster.listening)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service.test") as http:
            yield ServiceUnderTest(app=app, http=http, keys=keys)


async def wait_until(
    condition: Callable[[], object], *, timeout: float = 5.0, interval: float = 0.01
) -> None:
    """Poll a condition on the event loop; fails the test when it stays false."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(interval)


async def eventually(
    probe: Callable[[], Any], *, timeout: float = 5.0, interval: float = 0.02
) -> tuple[Any, float]:
    """Await `probe()` until it returns something truthy; returns it and the seconds it took."""
    started = time.monotonic()
    while True:
        value = await probe()
        if value:
            return value, time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(interval)


def assert_problem(response: httpx.Response, status: int, slug: str | None = None) -> dict[str, Any]:
    """The response is an RFC 9457 problem with that status (and type) and the request id."""
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"] and body["detail"]
    assert body["request_id"] == response.headers["x-request-id"]
    if slug is not None:
        assert body["type"] == f"/problems/{slug}", body
    return body
