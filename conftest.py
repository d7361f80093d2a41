"""What every test run shares, whichever folder its tests are in (services/, gateway/, tests/)."""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator

import pytest

from services.common.testing import stop_leftover_tasks


@pytest.fixture(scope="session", autouse=True)
async def no_task_outlives_the_run() -> AsyncIterator[None]:
    """At the end of the run, stop what tests left running on the session's loop, and name it."""
    yield
    left = await stop_leftover_tasks()
    if left:
        warnings.warn(f"tasks left running by the tests, stopped at the end: {left}", stacklevel=1)
