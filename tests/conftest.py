"""The end-to-end fixtures: a whole station stack per database backend, on its own NATS and Redis.

Set GARE_TEST_POSTGRES_URL to also run every stack test on PostgreSQL; with GARE_REQUIRE_POSTGRES=1
(CI) the run fails when PostgreSQL is missing or no PostgreSQL test passed."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from deploy.embedded.infra import NatsServer
from deploy.embedded.stack import CATALOG_DIR, StackConfig, StationStack
from kernel.catalog import load_catalog
from testkit.service import SigningKey, running_nats
from testkit.stack import Tokens

POSTGRES_URL = os.environ.get("GARE_TEST_POSTGRES_URL", "")
REQUIRE_POSTGRES = os.environ.get("GARE_REQUIRE_POSTGRES") == "1"
BACKENDS = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]
HIGH_LIMIT = {"PER_SECOND": "5000", "BURST": "10000"}
_postgres_passed = 0


def pytest_configure(config: pytest.Config) -> None:
    if REQUIRE_POSTGRES and not POSTGRES_URL:
        raise pytest.UsageError("GARE_REQUIRE_POSTGRES=1 but GARE_TEST_POSTGRES_URL is not set")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test on the whole stack is `e2e`, so `-m "not e2e"` is the fast tier.

    With pytest-xdist (`./dev test` runs two workers, `--dist loadgroup`), the tests of one backend
    share a worker, so each worker starts one stack per backend fixture, not one per test module;
    the other tests go by module, so module fixtures start once, unless their module is marked
    `spread` (many independent tests, cheap module fixtures: one worker alone would hold the run)."""
    for item in items:
        if "stack" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.e2e)
        params = getattr(item, "callspec", None)
        backend = next((v for v in (params.params.values() if params else ()) if v in BACKENDS), None)
        if backend is None and item.get_closest_marker("spread"):
            continue  # each test stands alone (module fixtures are cheap): any worker may take it
        group = f"backend-{backend}" if backend else item.nodeid.split("::", 1)[0]
        item.add_marker(pytest.mark.xdist_group(group))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    global _postgres_passed
    if report.when == "call" and report.passed and "[postgres]" in report.nodeid:
        _postgres_passed += 1


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if hasattr(session.config, "workerinput"):
        return  # an xdist worker: the controller sees every report and decides
    if REQUIRE_POSTGRES and _postgres_passed == 0 and exitstatus == 0:
        session.config.get_terminal_writer().line(
            "FAILED: no PostgreSQL test passed, and CI requires them", red=True
        )
        session.exitstatus = 1


async def _postgres_schemas(url: str, prefix: str, *, drop: bool) -> None:
    import asyncpg

    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        if drop:
            rows = await connection.fetch(
                "SELECT nspname FROM pg_namespace WHERE nspname LIKE $1", prefix.replace("_", r"\_") + "%"
            )
            for row in rows:
                await connection.execute(f'DROP SCHEMA "{row["nspname"]}" CASCADE')
    finally:
        await connection.close()


def stack_config(var_dir: Path, backend: str, **overrides: object) -> StackConfig:
    limits = {
        f"RATE_LIMIT_{name}__{key}": value
        for name in ("ANONYMOUS", "AUTHENTICATED", "WRITE", "AUTH")
        for key, value in HIGH_LIMIT.items()
    }
    config = StackConfig(
        var_dir=var_dir,
        stations=[s.slug for s in load_catalog(CATALOG_DIR)],
        database_url=POSTGRES_URL if backend == "postgres" else None,
        schema_prefix=f"t{uuid.uuid4().hex[:8]}_",
        preferred_ports=False,
        device_args=["--feed-period", "0", "--screen-poll", "1"],
        component_env={
            "gateway": {"UPSTREAM_TIMEOUT": "2", **limits},
            # Departure sources served by the tests' own feed servers, on loopback.
            "info_kiosk": {"FETCH_ALLOW": "127.0.0.1"},
        },
        log_level="INFO",
    )
    for key, value in overrides.items():
        setattr(config, key, value)
    return config


@contextmanager
def running_stack(var_dir: Path, backend: str, **overrides: object) -> Iterator[StationStack]:
    """A whole station stack on `backend`, stopped (and its PostgreSQL schemas dropped) afterwards."""
    config = stack_config(var_dir, backend, **overrides)
    if backend == "postgres":
        try:
            asyncio.run(_postgres_schemas(POSTGRES_URL, config.schema_prefix, drop=False))
        except Exception as exc:
            pytest.fail(f"PostgreSQL at GARE_TEST_POSTGRES_URL is not reachable: {exc!r}")
    station = StationStack(config)
    try:
        station.start()
    except Exception:
        station.stop()
        raise
    try:
        yield station
    finally:
        station.stop()
        if backend == "postgres":
            asyncio.run(_postgres_schemas(POSTGRES_URL, config.schema_prefix, drop=True))


@pytest.fixture(scope="session", params=BACKENDS)
def stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StationStack]:
    backend = request.param
    with running_stack(tmp_path_factory.mktemp(f"stack-{backend}"), backend) as station:
        yield station


@pytest.fixture(scope="session")
def tokens(stack: StationStack) -> Tokens:
    return Tokens(stack)


@pytest.fixture
def gateway(stack: StationStack) -> str:
    return stack.gateway_url


# -- in-process tests (tests/test_hot_reads.py): see testkit/service.py ----------------------


@pytest.fixture
def keys() -> SigningKey:
    return SigningKey()


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    with running_nats(tmp_path) as server:
        yield server
