"""Every route the gateway serves itself falls in a rate class that has a configured limit."""

from __future__ import annotations

import pytest

from gateway.domain import EDGE_RATE_CLASSES, own_rate_class, own_route_group
from gateway.settings import GatewaySettings, RateLimit
from tests.test_gateway_rate_classes import OWN_ROUTES


@pytest.mark.parametrize(("method", "path"), OWN_ROUTES, ids=lambda v: v)
@pytest.mark.parametrize("authenticated", [False, True])
def test_every_own_route_has_a_limited_class_and_a_group_apart_from_the_services(method, path, authenticated):
    rate = own_rate_class(method, path, authenticated=authenticated)
    assert rate in EDGE_RATE_CLASSES
    assert isinstance(getattr(GatewaySettings(_env_file=None), f"rate_limit_{rate}"), RateLimit)
    assert own_route_group(path).startswith("own:")


def test_web_files_and_probes_are_static_and_writes_are_writes():
    assert own_rate_class("GET", "/console/app.js", authenticated=False) == "static"
    assert own_rate_class("GET", "/readyz", authenticated=True) == "static"
    assert own_rate_class("GET", "/api/v1/stations", authenticated=False) == "anonymous"
    assert own_rate_class("GET", "/auth/sessions", authenticated=True) == "authenticated"
    assert own_rate_class("POST", "/auth/token", authenticated=False) == "write"
