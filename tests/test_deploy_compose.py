"""deploy/compose: one station with Docker Compose, validated by `docker-compose config` (no engine).

Needs Debian's docker-compose (`apt-get install -y docker-compose`), which .ci/run installs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from deploy.embedded.stack import REPO_ROOT
from gateway.settings import GatewaySettings
from kernel.registry import GATEWAY, SERVICES

COMPOSE = REPO_ROOT / "deploy" / "compose" / "compose.yaml"
EXAMPLE = REPO_ROOT / "deploy" / "compose" / "station.env.example"
OURS = {"nats-setup", GATEWAY.name} | {s.name.replace("_", "-") for s in SERVICES}
SECRETS = (
    "POSTGRES_PASSWORD",
    "REDIS_PASSWORD",
    "NATS_PASSWORD",
    "NATS_SYS_PASSWORD",
    "SMS_PROVIDER_SECRET",
    "METRICS_TOKEN",
)


def container(name: str) -> str:
    return name.replace("_", "-")


def station_env(tmp_path: Path, **changes: str | None) -> Path:
    """The example env file filled in like an operator would, with `changes` (None: line removed)."""
    values = dict(
        line.split("=", 1) for line in EXAMPLE.read_text().splitlines() if line and not line.startswith("#")
    )
    values |= {name: f"k{name.lower().replace('_', '')}0042" for name in SECRETS}
    for name, value in changes.items():
        if value is None:
            values.pop(name)
        else:
            values[name] = value
    path = tmp_path / "station.env"
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    return path


def compose_config(env_file: Path) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.fail("docker-compose is needed to validate deploy/compose: apt-get install -y docker-compose")
    return subprocess.run(
        [binary, "--env-file", str(env_file), "--file", str(COMPOSE), "config"],
        capture_output=True,
        text=True,
        timeout=60,
        # Only the env file speaks: a value set in the test runner's environment must not leak in.
        env={"PATH": "/usr/bin:/bin"},
    )


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    result = compose_config(station_env(tmp_path_factory.mktemp("compose")))
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def required_variables() -> list[str]:
    return sorted(set(re.findall(r"\$\{(\w+):\?", COMPOSE.read_text())))


def test_the_station_has_every_component_its_infrastructure_and_their_migrations(rendered):
    services = rendered["services"]
    expected = (
        OURS | {"postgres", "redis", "nats"} | {f"migrate-{container(c.name)}" for c in (*SERVICES, GATEWAY)}
    )
    assert set(services) == expected
    for name in (*SERVICES, GATEWAY):
        assert services[container(name.name)]["command"] == [name.name, "serve"]
        assert services[f"migrate-{container(name.name)}"]["command"] == [name.name, "migrate"]


def test_each_component_starts_after_its_migration_and_healthy_dependencies(rendered):
    services = rendered["services"]
    for s in SERVICES:
        depends = services[container(s.name)]["depends_on"]
        assert depends[f"migrate-{container(s.name)}"] == {"condition": "service_completed_successfully"}
        assert depends["nats"] == depends["redis"] == {"condition": "service_healthy"}
        assert depends["nats-setup"] == {"condition": "service_completed_successfully"}
        migration = services[f"migrate-{container(s.name)}"]
        assert migration["depends_on"] == {"postgres": {"condition": "service_healthy"}}
        assert migration["restart"] == "no"
    gateway = services["gateway"]["depends_on"]
    assert gateway["migrate-gateway"] == {"condition": "service_completed_successfully"}
    for s in SERVICES:
        assert gateway[container(s.name)] == {"condition": "service_healthy"}
    # Something to be healthy about: every long-running container has a health check.
    for name, service in services.items():
        if not name.startswith("migrate-") and name != "nats-setup":
            assert service["healthcheck"]["test"], name


def test_the_gateway_routes_to_each_service_of_the_station(rendered):
    env = rendered["services"]["gateway"]["environment"]
    assert env["GATEWAY_SERVICES"].split(",") == [s.name for s in SERVICES]
    for s in SERVICES:
        url = f"http://{container(s.name)}:{s.default_port}"
        assert env[f"GATEWAY_UPSTREAM_URLS__{s.name.upper()}"] == url


def test_the_gateway_and_its_migration_get_production_settings_that_validate(rendered, monkeypatch):
    services = rendered["services"]
    assert services["migrate-gateway"]["environment"] == services["gateway"]["environment"]
    for name in [n for n in os.environ if n.startswith(GATEWAY.env_prefix)]:
        monkeypatch.delenv(name)
    for name, value in services["gateway"]["environment"].items():
        monkeypatch.setenv(name, str(value))
    monkeypatch.setenv("GATEWAY_ENVIRONMENT", "production")  # the image's default
    settings = GatewaySettings()
    assert settings.notifier.backend == "http"
    assert settings.public_url == "https://saint-denis-pleyel.stations.example.org"


def test_every_container_of_ours_is_unprivileged_and_read_only(rendered):
    for name, service in rendered["services"].items():
        if name in OURS or name.startswith("migrate-"):
            assert service["read_only"] is True, name
            assert service["user"] == "10001:10001", name
            assert service["cap_drop"] == ["ALL"], name
            assert "no-new-privileges:true" in service["security_opt"], name
            assert service["tmpfs"] == ["/tmp"], name


def test_images_are_pinned_and_values_come_from_the_env_file(rendered, tmp_path):
    for name, service in rendered["services"].items():
        image = service["image"]
        assert ":" in image.rsplit("/", 1)[-1] and not image.endswith(":latest"), (name, image)
    source = COMPOSE.read_text()
    # No secret is written in the compose file itself: they all come from the env file.
    for secret in SECRETS:
        assert f"{secret}:?" in source
    assert "k" + "postgrespassword0042" not in source
    env = rendered["services"]["bike-share"]["environment"]
    assert env["BIKE_SHARE_STATIONS"] == "saint-denis-pleyel"
    assert env["BIKE_SHARE_DATABASE_URL"] == "postgresql://gare:kpostgrespassword0042@postgres:5432/gare"
    other = compose_config(station_env(tmp_path, GARE_STATION="villejuif-institut-gustave-roussy"))
    leaf = yaml.safe_load(other.stdout)["services"]["nats"]["environment"]
    assert leaf["GARE_STATION"] == "villejuif-institut-gustave-roussy"
    assert leaf["GARE_NATS_SERVER_NAME"] == "station-villejuif-institut-gustave-roussy"


def test_the_example_env_file_lists_every_value_the_station_needs():
    example = {
        line.split("=", 1)[0] for line in EXAMPLE.read_text().splitlines() if "=" in line and line[0] != "#"
    }
    used = set(re.findall(r"\$\{(\w+)", COMPOSE.read_text()))
    assert used == example


@pytest.mark.parametrize("missing", required_variables())
def test_a_missing_required_value_stops_the_station_with_a_message_naming_it(missing, tmp_path):
    result = compose_config(station_env(tmp_path, **{missing: None}))
    assert result.returncode != 0
    assert f"{missing} is required" in result.stderr, result.stderr


def test_an_empty_secret_is_as_missing(tmp_path):
    result = compose_config(station_env(tmp_path, POSTGRES_PASSWORD=""))
    assert result.returncode != 0 and "POSTGRES_PASSWORD is required" in result.stderr


def test_every_service_expects_the_issuer_the_gateway_names_itself(rendered):
    services = rendered["services"]
    issuer = services["gateway"]["environment"]["GATEWAY_TOKEN_ISSUER"]
    assert issuer == services["gateway"]["environment"]["GATEWAY_PUBLIC_URL"]
    for service in SERVICES:
        assert services[container(service.name)]["environment"][f"{service.env_prefix}TOKEN_ISSUER"] == issuer
