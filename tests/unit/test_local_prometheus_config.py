"""The local Prometheus configuration generated from tenants.yaml passes `promtool check config`
and has, per tenant, the scrape job the platform contract describes."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from harness.local.prometheus import prometheus_config, rule_file_patterns, write_config
from harness.local.settings import load_settings
from harness.paths import REPO_ROOT
from harness.tenants import Tenant, load_tenants
from tests.support.tools import PROMTOOL

needs_promtool = pytest.mark.skipif(not Path(PROMTOOL).exists(), reason="promtool not installed (make install)")


def generate(tmp_path: Path, tenants: list[Tenant], rule_files: str = "") -> Path:
    settings = load_settings()
    password_files = {}
    for tenant in tenants:
        password_files[tenant.name] = tmp_path / f"{tenant.name}-password"
        password_files[tenant.name].write_text(tenant.password)
    config = prometheus_config(tenants, {t.name: t.local_port for t in tenants}, password_files,
                               scrape_interval=settings.scrape_interval,
                               evaluation_interval=settings.evaluation_interval, rule_files=rule_files)
    path = tmp_path / "prometheus.yml"
    write_config(path, config)
    return path


def promtool_check(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([PROMTOOL, "check", "config", str(path)], capture_output=True, text=True, timeout=60)


@needs_promtool
def test_generated_config_with_the_repositorys_rules_passes_promtool(tmp_path):
    path = generate(tmp_path, load_tenants(), rule_files=load_settings().rule_files)
    result = promtool_check(path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout + result.stderr


@needs_promtool
def test_promtool_rejects_a_config_whose_job_names_collide(tmp_path):
    alice = load_tenants()[0]
    path = generate(tmp_path, [alice, alice])
    assert promtool_check(path).returncode != 0


def test_one_scrape_job_per_tenant_stamps_tenant_and_namespace_last(tmp_path):
    tenants = load_tenants()
    config = yaml.safe_load(generate(tmp_path, tenants).read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert set(jobs) == {f"pushgateway-{t.name}" for t in tenants}
    for tenant in tenants:
        job = jobs[tenant.scrape_job]
        assert job["honor_labels"] is True
        assert job["basic_auth"]["username"] == tenant.username
        assert Path(job["basic_auth"]["password_file"]).read_text() == tenant.password
        assert job["static_configs"] == [{"targets": [f"127.0.0.1:{tenant.local_port}"],
                                          "labels": {"tenant": tenant.name, "namespace": tenant.namespace}}]
        # Metric relabelling runs after honor_labels: platform-owned names go first, the stamps come last.
        relabel = job["metric_relabel_configs"]
        assert relabel[0]["action"] == "drop" and relabel[0]["source_labels"] == ["__name__"]
        assert {"up", "ALERTS", "ALERTS_FOR_STATE", "scrape_.*"} <= set(relabel[0]["regex"].split("|"))
        assert relabel[1] == {"action": "labeldrop", "regex": "exported_(tenant|namespace)"}
        assert relabel[-2:] == [
            {"action": "replace", "target_label": "tenant", "replacement": tenant.name},
            {"action": "replace", "target_label": "namespace", "replacement": tenant.namespace},
        ]
    assert config["global"]["scrape_interval"] == load_settings().scrape_interval


def test_rule_files_only_when_the_glob_matches(tmp_path):
    assert rule_file_patterns("") == []
    assert rule_file_patterns(str(tmp_path / "rules" / "*.yml")) == []
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "a.yml").write_text("groups: []\n")
    assert rule_file_patterns(str(tmp_path / "rules" / "*.yml")) == [str(tmp_path / "rules" / "*.yml")]
    if list(REPO_ROOT.glob("dashboards/rules/*.yml")):
        assert rule_file_patterns("dashboards/rules/*.yml") == [str(REPO_ROOT / "dashboards/rules/*.yml")]


def test_write_config_reports_whether_the_file_changed(tmp_path):
    path = tmp_path / "prometheus.yml"
    assert write_config(path, {"global": {}}) is True
    assert write_config(path, {"global": {}}) is False
    assert write_config(path, {"global": {"scrape_interval": "5s"}}) is True
