"""deploy/monitoring: the alert rules parse, fire on the failures they name (promtool's rule unit tests),
read metrics the code really exports, and each points at its section of the runbook.

Needs promtool (Debian: `apt-get install -y --no-install-recommends prometheus`), which .ci/run installs.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import yaml

from deploy.embedded.stack import REPO_ROOT

MONITORING = REPO_ROOT / "deploy" / "monitoring"
RUNBOOK = REPO_ROOT / "docs" / "operations.md"
RULES = yaml.safe_load((MONITORING / "alerts.yaml").read_text())
ALERTS = [rule for group in RULES["groups"] for rule in group["rules"]]


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("promtool")
    if binary is None:
        pytest.fail("promtool is needed: apt-get install -y --no-install-recommends prometheus")
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=120, cwd=MONITORING)


def test_the_rules_parse():
    result = promtool("check", "rules", "alerts.yaml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_alerts_fire_on_the_failures_they_name():
    result = promtool("test", "rules", "alerts.test.yaml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_alerts_read_metrics_the_code_exports():
    exported = set()
    for path in [
        *REPO_ROOT.glob("kernel/**/*.py"),
        *REPO_ROOT.glob("services/**/*.py"),
        *REPO_ROOT.glob("gateway/**/*.py"),
        *REPO_ROOT.glob("deploy/**/*.py"),
    ]:
        exported |= set(re.findall(r'(?:Counter|Gauge|Histogram)\(\s*"(gare_\w+)"', path.read_text()))
    for alert in ALERTS:
        for metric in re.findall(r"\b(gare_\w+)", alert["expr"]):
            base = re.sub(r"_(bucket|count|sum)$", "", metric)
            base = base if base in exported else re.sub(r"_total$", "", base)
            assert base in exported or f"{base}_total" in exported, (alert["alert"], metric)


def test_each_alert_says_how_bad_it_is_and_where_the_runbook_is():
    runbook = RUNBOOK.read_text()
    anchors = {
        re.sub(r"[^a-z0-9-]", "", line.lstrip("#").strip().lower())
        for line in runbook.splitlines()
        if line.startswith("#")
    }
    for alert in ALERTS:
        assert alert["labels"]["severity"] in {"info", "warning", "critical"}, alert["alert"]
        assert alert["annotations"]["summary"] and alert["annotations"]["description"], alert["alert"]
        page, _, anchor = alert["annotations"]["runbook_url"].partition("#")
        assert page == "docs/operations.md" and anchor in anchors, alert["alert"]


def test_the_scrape_config_gives_the_labels_the_alerts_use():
    config = yaml.safe_load((MONITORING / "prometheus.yaml").read_text())
    assert config["rule_files"] == ["alerts.yaml"]
    targets = {r.get("target_label") for job in config["scrape_configs"] for r in job["relabel_configs"]}
    used = {label for alert in ALERTS for label in re.findall(r"\$labels\.(\w+)", str(alert["annotations"]))}
    produced = {"namespace", "component", "pod"}
    assert produced <= targets
    # The rest come from the metrics themselves (service, consumer, kind, station).
    assert used - produced <= {"service", "consumer", "kind", "station"}
