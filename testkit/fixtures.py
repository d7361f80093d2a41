"""The fixtures every test folder gets (a pytest plugin, named in the root conftest.py)."""

from __future__ import annotations

import gc
import os
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from deploy.embedded.infra import NatsServer
from testkit.service import SigningKey, running_nats, stop_leftover_tasks


@pytest.fixture
def keys() -> SigningKey:
    return SigningKey()


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    with running_nats(tmp_path) as server:
        yield server


@pytest.fixture(scope="session", autouse=True)
async def no_task_outlives_the_run() -> AsyncIterator[None]:
    """At the end of the run, stop what tests left running on the session's loop, and name it."""
    yield
    left = await stop_leftover_tasks()
    if left:
        warnings.warn(f"tasks left running by the tests, stopped at the end: {left}", stacklevel=1)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Everything collection imported lives until the end: move it out of the collector's reach, so
    each full collection no longer walks the whole of FastAPI, SQLAlchemy and pydantic again (tests
    build many apps, each a burst of allocations that triggers them)."""
    if os.environ.get("GARE_TEST_GC_FREEZE", "1") == "1":
        gc.collect()
        gc.freeze()
