"""Fixtures of the in-process service tests (services/<name>/tests/): see services/common/testing.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy.embedded.infra import NatsServer
from services.common.testing import SigningKey, running_nats


@pytest.fixture
def keys() -> SigningKey:
    return SigningKey()


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    with running_nats(tmp_path) as server:
        yield server
