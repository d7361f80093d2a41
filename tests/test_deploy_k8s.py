"""deploy/k8s: every station overlay renders with `kubectl kustomize` (offline) and passes the checks a
cluster's admission and a reviewer would make: hardened pods, budgets and policies, the station in
every object, pinned images, secrets only from Secrets."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

from deploy.k8s.generate import K8S, generated_files, k8s_name, station_overlay, station_services
from deploy.stations.network import NetworkStation, load_network
from gateway.settings import GatewaySettings
from kernel.registry import GATEWAY, PARCEL_LOCKERS, SERVICES

NETWORK = load_network()
STATION_LABEL = "gare-numerique/station"
WORKLOADS = ("Deployment", "StatefulSet")

# Renders the deployment of every station of the network with kubectl (half a minute): a whole-network
# test, kept out of the fast tier.
pytestmark = pytest.mark.e2e


def kustomize(folder: Path) -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.fail("kubectl is needed to render deploy/k8s: apt-get install -y kubernetes-client")
    result = subprocess.run(
        [kubectl, "kustomize", str(folder)], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, f"{folder}: {result.stderr}"
    return [d for d in yaml.safe_load_all(result.stdout) if d]


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[dict[str, Any]]]:
    """Every station's overlay, rendered (four at a time: kubectl is a separate process)."""
    stations = [s.slug for s in NETWORK.stations]
    with ThreadPoolExecutor(max_workers=4) as pool:
        objects = pool.map(lambda slug: kustomize(K8S / "stations" / slug), stations)
    return dict(zip(stations, objects, strict=True))


@pytest.fixture(scope="module")
def everything(rendered: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Every station and the hub."""
    return rendered | {"hub": kustomize(K8S / "hub")}


def pod_specs(objects: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    return [(o["metadata"]["name"], o["spec"]["template"]) for o in objects if o["kind"] in WORKLOADS]


def matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def test_the_generated_manifests_are_up_to_date():
    files = generated_files(NETWORK)
    stale = [str(p.relative_to(K8S)) for p, text in files.items() if not p.exists() or p.read_text() != text]
    assert not stale, f"run ./dev catalog: {stale}"
    overlays = {p.parent.name for p in (K8S / "stations").glob("*/kustomization.yaml")}
    assert overlays == {s.slug for s in NETWORK.stations}


def test_every_station_of_the_network_has_an_overlay_that_renders(rendered):
    assert len(rendered) == len(NETWORK.stations) >= 60
    namespaces = {
        next(o for o in objects if o["kind"] == "Namespace")["metadata"]["name"]
        for objects in rendered.values()
    }
    assert namespaces == {f"gare-{s.slug}" for s in NETWORK.stations}


def test_the_station_is_in_every_object(rendered):
    for slug, objects in rendered.items():
        for o in objects:
            meta = o["metadata"]
            assert meta["labels"][STATION_LABEL] == slug, (slug, o["kind"], meta["name"])
            if o["kind"] != "Namespace":
                assert meta["namespace"] == f"gare-{slug}", (slug, o["kind"], meta["name"])
        station = NETWORK.station(slug)
        namespace = next(o for o in objects if o["kind"] == "Namespace")
        assert namespace["metadata"]["annotations"]["gare-numerique/station-name"] == station.name
        assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
        config = next(
            o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"].startswith("station-")
        )
        assert config["data"]["GARE_STATION"] == slug


def test_each_station_runs_the_gateway_its_services_and_its_infrastructure(rendered):
    for slug, objects in rendered.items():
        services = station_services(NETWORK.station(slug))
        workloads = {(o["kind"], o["metadata"]["name"]) for o in objects if o["kind"] in WORKLOADS}
        expected = {("Deployment", k8s_name(c)) for c in (*services, GATEWAY)}
        assert workloads == expected | {("Deployment", "redis"), ("StatefulSet", "nats")}
        config = next(
            o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"].startswith("station-")
        )
        assert config["data"]["GATEWAY_SERVICES"] == ",".join(s.name for s in services)


def test_pods_are_hardened_with_probes_and_resources(everything):
    for slug, objects in everything.items():
        for name, template in pod_specs(objects):
            spec = template["spec"]
            pod = spec["securityContext"]
            assert pod["runAsNonRoot"] is True and pod["runAsUser"] != 0, (slug, name)
            assert pod["seccompProfile"] == {"type": "RuntimeDefault"}, (slug, name)
            assert spec["automountServiceAccountToken"] is False, (slug, name)
            for container in spec.get("initContainers", []) + spec["containers"]:
                where = (slug, name, container["name"])
                security = container["securityContext"]
                assert security["readOnlyRootFilesystem"] is True, where
                assert security["allowPrivilegeEscalation"] is False, where
                assert security["capabilities"]["drop"] == ["ALL"], where
                assert {"cpu", "memory"} <= set(container["resources"]["requests"]), where
                assert {"cpu", "memory"} <= set(container["resources"]["limits"]), where
                image = container["image"]
                assert ":" in image.rsplit("/", 1)[-1] and not image.endswith(":latest"), where
                for variable in container.get("env", []):
                    name = variable["name"]
                    if any(w in name for w in ("PASSWORD", "DATABASE_URL", "SECRET")) and not name.endswith(
                        "_FILE"
                    ):
                        assert "secretKeyRef" in variable.get("valueFrom", {}), (*where, variable["name"])
            main = spec["containers"][0]
            assert main["livenessProbe"] and main["readinessProbe"], (slug, name)


def test_the_services_probe_healthz_and_readyz_and_migrate_first(rendered):
    objects = rendered["saint-denis-pleyel"]
    for component in (*SERVICES, GATEWAY):
        deployment = next(
            o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == k8s_name(component)
        )
        spec = deployment["spec"]["template"]["spec"]
        main = spec["containers"][0]
        assert main["args"] == [component.name, "serve"]
        assert main["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": component.default_port}
        assert main["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": component.default_port}
        assert spec["initContainers"][0]["args"] == [component.name, "migrate"]
        assert deployment["spec"]["strategy"]["rollingUpdate"] == {"maxUnavailable": 0, "maxSurge": 1}
        assert deployment["spec"]["replicas"] >= 2


def test_every_workload_has_a_disruption_budget_and_a_network_policy(everything):
    for slug, objects in everything.items():
        budgets = [o for o in objects if o["kind"] == "PodDisruptionBudget"]
        policies = [o for o in objects if o["kind"] == "NetworkPolicy"]
        for name, template in pod_specs(objects):
            labels = template["metadata"]["labels"]
            assert any(matches(b["spec"]["selector"]["matchLabels"], labels) for b in budgets), (slug, name)
            own = [p for p in policies if p["spec"]["podSelector"].get("matchLabels")]
            assert any(matches(p["spec"]["podSelector"]["matchLabels"], labels) for p in own), (slug, name)
        # Everything else is denied: a policy that selects every pod and allows nothing.
        deny = next(p for p in policies if p["metadata"]["name"] == "default-deny")
        assert deny["spec"]["podSelector"] == {} and set(deny["spec"]["policyTypes"]) == {"Ingress", "Egress"}
        assert "ingress" not in deny["spec"] and "egress" not in deny["spec"]


def test_a_service_takes_requests_only_from_the_gateway_of_its_station(rendered):
    objects = rendered["villejuif-institut-gustave-roussy"]
    policy = next(
        o for o in objects if o["kind"] == "NetworkPolicy" and o["metadata"]["name"] == "bike-share"
    )
    sources = policy["spec"]["ingress"][0]["from"]
    assert {"app.kubernetes.io/name": "gateway", STATION_LABEL: "villejuif-institut-gustave-roussy"} in [
        s.get("podSelector", {}).get("matchLabels") for s in sources
    ]


def test_the_leaf_node_runs_the_config_the_hub_test_runs(rendered):
    objects = rendered["saint-denis-pleyel"]
    config = next(
        o
        for o in objects
        if o["kind"] == "ConfigMap" and o["metadata"]["name"].startswith("nats-leaf-config")
    )
    assert config["data"]["nats.conf"] == (K8S.parent / "nats" / "leaf" / "nats.conf").read_text()
    nats = next(o for o in objects if o["kind"] == "StatefulSet")
    env = {e["name"]: e for e in nats["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["GARE_STATION"]["valueFrom"]["configMapKeyRef"]["name"].startswith("station-")
    assert (
        env["GARE_NATS_HUB_URL"]["value"]
        == "nats-leaf://station:$(GARE_NATS_LEAF_PASSWORD)@$(GARE_NATS_HUB_ADDRESS)"
    )
    # The link runs over TLS, trusting the CA that the pod mounts.
    ca_file = re.search(r'ca_file: "([^"]+)"', config["data"]["hub-tls.conf"])
    assert ca_file is not None
    assert mounted(nats, "nats", Path(ca_file[1]).parent) == {"configMap": {"name": "hub-ca"}}


def mounted(workload: dict[str, Any], container: str, path: Path) -> dict[str, Any]:
    """The volume (without its name) mounted at `path` in that container of the workload."""
    spec = workload["spec"]["template"]["spec"]
    mounts = next(c for c in spec["containers"] if c["name"] == container)["volumeMounts"]
    name = next(m["name"] for m in mounts if m["mountPath"] == str(path))
    return {k: v for k, v in next(v for v in spec["volumes"] if v["name"] == name).items() if k != "name"}


def test_a_station_without_lockers_leaves_their_component_out(tmp_path):
    # The overlay the generator writes for such a station, rendered from a copy of the tree.
    shutil.copytree(K8S.parent / "nats", tmp_path / "deploy" / "nats")
    shutil.copytree(K8S / "base", tmp_path / "deploy" / "k8s" / "base")
    shutil.copytree(K8S / "components", tmp_path / "deploy" / "k8s" / "components")
    station = NetworkStation.model_validate(
        NETWORK.station("saint-denis-pleyel").model_dump()
        | {"services": [s.name for s in SERVICES if s is not PARCEL_LOCKERS]}
    )
    overlay = tmp_path / "deploy" / "k8s" / "stations" / station.slug
    overlay.mkdir(parents=True)
    (overlay / "kustomization.yaml").write_text(
        yaml.safe_dump(station_overlay(station, station_services(station)))
    )
    objects = kustomize(overlay)
    names = {o["metadata"]["name"] for o in objects}
    assert "parcel-lockers" not in names and {"signage", "bike-share", "info-kiosk", "gateway"} <= names
    config = next(
        o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"].startswith("station-")
    )
    assert "parcel_lockers" not in config["data"]["GATEWAY_SERVICES"].split(",")


def test_a_station_lists_only_services_that_exist():
    with pytest.raises(ValueError, match="lockerz"):
        NetworkStation.model_validate(
            NETWORK.station("saint-denis-pleyel").model_dump() | {"services": ["lockerz"]}
        )


def resolved_env(objects: list[dict[str, Any]], container: dict[str, Any]) -> dict[str, str]:
    """A container's environment as the kubelet builds it: config maps read, $(VAR) expanded in order
    (secrets stand in as a placeholder word)."""
    maps = {o["metadata"]["name"]: o["data"] for o in objects if o["kind"] == "ConfigMap"}
    env: dict[str, str] = {}
    for variable in container["env"]:
        source = variable.get("valueFrom", {})
        if "configMapKeyRef" in source:
            value = maps[source["configMapKeyRef"]["name"]][source["configMapKeyRef"]["key"]]
        elif "secretKeyRef" in source:
            value = (
                "ksecret"
                if "url" not in source["secretKeyRef"]["key"]
                else "postgresql://gare:k@db:5432/gare"
            )
        else:
            value = re.sub(r"\$\((\w+)\)", lambda m: env.get(m[1], m[0]), variable["value"])
        env[variable["name"]] = value
    return env


def image_env() -> dict[str, str]:
    """The ENV of the image's last stage (the Dockerfile at the root)."""
    dockerfile = (K8S.parents[1] / "Dockerfile").read_text().replace("\\\n", " ")
    last_stage = dockerfile.rsplit("\nFROM ", 1)[1]
    env: dict[str, str] = {}
    for line in last_stage.splitlines():
        if line.startswith("ENV "):
            env |= dict(re.findall(r"(\w+)=(\S+)", line))
    return env


def test_the_gateway_of_a_station_gets_production_settings_that_validate(rendered, monkeypatch):
    objects = rendered["bondy"]
    gateway = next(o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "gateway")
    container = gateway["spec"]["template"]["spec"]["containers"][0]
    for name in [n for n in os.environ if n.startswith(GATEWAY.env_prefix)]:
        monkeypatch.delenv(name)
    for name, value in image_env().items():
        if name not in os.environ or name.startswith(GATEWAY.env_prefix):
            monkeypatch.setenv(name, value)
    for name, value in resolved_env(objects, container).items():
        monkeypatch.setenv(name, value)
    settings = GatewaySettings()
    assert settings.environment == "production"
    assert settings.public_url == "https://bondy.stations.example.org"
    assert settings.cors_origins == ["https://bondy.stations.example.org"]
    assert settings.notifier.backend == "http"
    mounts = {m["mountPath"] for m in container["volumeMounts"]}
    assert settings.notifier.secret_file is not None
    assert str(settings.notifier.secret_file.parent) in mounts
    assert str(settings.keys_dir) in mounts


def test_the_hub_runs_three_nats_nodes_from_the_tested_config_and_the_network_view(everything):
    objects = everything["hub"]
    namespace = next(o for o in objects if o["kind"] == "Namespace")
    assert namespace["metadata"]["name"] == "gare-hub"
    nats = next(o for o in objects if o["kind"] == "StatefulSet")
    assert nats["spec"]["replicas"] == 3
    env = {e["name"]: e.get("value") for e in nats["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert [env[f"GARE_NATS_ROUTE_{i}"] for i in (1, 2, 3)] == [
        f"nats-route://nats-hub-{i}.nats-hub-headless:6222" for i in range(3)
    ]
    config = next(
        o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"].startswith("nats-hub-config")
    )
    assert config["data"]["nats.conf"] == (K8S.parent / "nats" / "hub" / "nats.conf").read_text()
    budget = next(
        o for o in objects if o["kind"] == "PodDisruptionBudget" and o["metadata"]["name"] == "nats-hub"
    )
    assert budget["spec"]["maxUnavailable"] == 1  # two of three keep the quorum
    leaf = next(
        o for o in objects if o["kind"] == "Service" and o["metadata"]["name"] == "nats-hub-leafnodes"
    )
    assert leaf["spec"]["type"] == "LoadBalancer" and leaf["spec"]["ports"][0]["port"] == 7422
    tls = re.findall(r'(?:cert|key)_file: "([^"]+)"', config["data"]["leafnodes-tls.conf"])
    assert len(tls) == 2
    for path in tls:
        assert mounted(nats, "nats", Path(path).parent)["secret"]["secretName"] == "hub-leafnodes-tls"
    view = next(o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "hub")
    spec = view["spec"]["template"]["spec"]
    assert spec["initContainers"][0]["args"] == ["nats", "hub-setup"]
    assert spec["containers"][0]["args"] == ["hub", "serve"]


def test_every_service_expects_the_issuer_its_gateway_names_itself(rendered):
    objects = rendered["bondy"]

    def env_of(name: str) -> dict[str, str]:
        deployment = next(o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == name)
        return resolved_env(objects, deployment["spec"]["template"]["spec"]["containers"][0])

    issuer = env_of(k8s_name(GATEWAY))["GATEWAY_TOKEN_ISSUER"]
    assert issuer == "https://bondy.stations.example.org"
    present = {o["metadata"]["name"] for o in objects if o["kind"] == "Deployment"}
    for service in [s for s in SERVICES if k8s_name(s) in present]:
        assert env_of(k8s_name(service))[f"{service.env_prefix}TOKEN_ISSUER"] == issuer, service.name
