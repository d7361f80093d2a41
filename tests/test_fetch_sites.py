"""Every module that makes outbound HTTP requests, found by reading the code: a URL that someone
gives us goes through the kernel's guarded fetcher, and any other client reaches only an endpoint
the station's own configuration names. A new module with an HTTP client fails here until it is
put in one of the two lists below, with the reason."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).parents[1]
COMPONENTS = ("kernel", "services", "gateway", "deploy", "devices")
HTTP_CLIENT_MODULES = (
    "httpx",
    "urllib.request",
    "aiohttp",
    "requests",
    "http.client",
    "urllib3",
    "websockets",
)

GUARDED_FETCHER = "kernel/fetch.py"
# The fetches made on someone's behalf, and the test that shows each one goes through the fetcher.
USER_URL_SITES = {
    "services/bike_share/feeds.py": "FeedClient: a system's feed_url, then every file gbfs.json lists",
}
# Clients whose every URL comes from settings or the stack itself, never from a request or a row.
CONFIGURED_ENDPOINTS = {
    "kernel/auth.py": "JwksClient: <PREFIX>_JWKS_URL, the gateway's keys",
    "kernel/notifier.py": "the SMS gateway of the auth settings",
    "kernel/runtime.py": "type of the runtime's client for configured endpoints",
    "kernel/service_app.py": "builds that client (JWKS)",
    "services/hub/app.py": "JwksClient: HUB_JWKS_URL",
    "deploy/embedded/stack.py": "health of the processes the runner started on loopback",
    "deploy/nats/local.py": "the local nats-server's monitoring port",
    "deploy/run.py": "health of the processes it started on loopback",
    "gateway/app.py": "the upstream services of GATEWAY_UPSTREAMS",
    "gateway/openapi.py": "each upstream's /openapi.json",
    "gateway/runtime.py": "type of the upstream clients",
    "gateway/streams.py": "SSE streams proxied from the upstreams",
    "devices/__main__.py": "the simulators' gateway (DEVICES_GATEWAY)",
    "devices/client.py": "requests to that gateway only (paths, not URLs)",
    "devices/locker_controller.py": "handles the errors of the gateway client",
    "devices/mobility_feed.py": "handles the errors of the gateway client",
    "devices/screen.py": "handles the errors of the gateway client",
}


def modules() -> list[Path]:
    found = []
    for component in COMPONENTS:
        for path in (REPO / component).rglob("*.py"):
            parts = path.relative_to(REPO).parts
            if "tests" in parts or ".venv" in parts or "migrations" in parts:
                continue
            found.append(path)
    return found


def http_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {n for n in names if any(n == m or n.startswith(m + ".") for m in HTTP_CLIENT_MODULES)}


def test_every_module_with_an_http_client_is_accounted_for():
    with_client = {path.relative_to(REPO).as_posix() for path in modules() if http_imports(path)}
    declared = set(CONFIGURED_ENDPOINTS) | {GUARDED_FETCHER}
    assert with_client - declared == set(), "new outbound HTTP: guard it, or declare its configured endpoint"
    assert declared - with_client == set(), "stale entries: these modules no longer make requests"


def test_fetches_on_someones_behalf_hold_no_client_of_their_own():
    for site in USER_URL_SITES:
        source = (REPO / site).read_text(encoding="utf-8")
        assert not http_imports(REPO / site), site
        assert "GuardedFetcher" in source, site


def test_the_service_runtime_gives_the_guarded_fetcher_with_the_settings_allow_list(monkeypatch):
    from kernel.fetch import GuardedFetcher
    from kernel.service_app import build_runtime
    from services.bike_share.app import DEFINITION
    from services.bike_share.settings import Settings

    monkeypatch.setenv("BIKE_SHARE_FETCH_ALLOW", "127.0.0.1:8911,10.20.0.0/16")
    settings = Settings(
        environment="test",
        database_url="sqlite+aiosqlite:///:memory:",
        stations=["saint-denis"],
    )
    runtime = build_runtime(DEFINITION, settings)
    assert isinstance(runtime.fetcher, GuardedFetcher)
    assert [str(entry.network) for entry in runtime.fetcher.allow] == ["127.0.0.1/32", "10.20.0.0/16"]
