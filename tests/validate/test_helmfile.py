"""platform/helmfile.yaml and kind.yaml are consistent with themselves and the values."""
from __future__ import annotations

import pytest
import yaml

from harness.kind import charts, cluster, constants, load_chart, pins, render
from tests.support.helm_text import helm_unescape


@pytest.fixture(scope="module")
def helmfile(rendering) -> dict:
    return yaml.safe_load(rendering.files[constants.HELMFILE])


def test_every_local_chart_is_ours_or_a_locked_upstream_chart(helmfile, rendering):
    lock = {chart.directory_name for chart in charts.load_lock().values()}
    for release in helmfile["releases"]:
        chart = release["chart"]
        if pins.is_cached_chart(chart):
            assert chart.rsplit("/", 1)[1] in lock, f"{release['name']}: {chart} is not locked"
        else:
            assert f"{chart[2:]}/Chart.yaml" in rendering.files, f"{release['name']}: no chart at {chart}"


def test_every_needs_names_a_release(helmfile):
    known = {f"{r['namespace']}/{r['name']}" for r in helmfile["releases"]}
    for release in helmfile["releases"]:
        for need in release.get("needs", []):
            assert need in known, f"{release['name']} needs {need}, which is not a release"


def test_needs_order_crds_and_services_first(helmfile):
    needs = {r["name"]: set(r.get("needs", [])) for r in helmfile["releases"]}
    for name, wanted in needs.items():
        if name.startswith("pushgateway-"):
            assert "monitoring/kube-prometheus-stack" in wanted  # ServiceMonitor CRD
            assert f"simplepipe/tenant-{name[len('pushgateway-'):]}" in wanted  # namespace
    assert "seaweedfs/seaweedfs" in needs["argo-workflows"]  # default artifact repository
    assert "monitoring/kube-prometheus-stack" in needs["simplepipe-dashboards"]  # PrometheusRule CRD


def test_every_values_file_is_present(helmfile):
    for release in helmfile["releases"]:
        for entry in release.get("values", []):
            if isinstance(entry, str):
                assert (constants.PLATFORM_DIR / entry).is_file(), f"{release['name']}: missing {entry}"


def test_pushgateways_stamp_the_tenant_after_honor_labels(helmfile):
    shared = yaml.safe_load((constants.PLATFORM_DIR / "values" / "pushgateway.yaml").read_text())
    assert shared["serviceMonitor"]["honorLabels"] is True
    assert "--persistence.file=/data/pushgateway.data" in shared["extraArgs"]
    assert shared["persistentVolume"]["enabled"] is True
    for tenant in render.load_tenants():
        release = next(r for r in helmfile["releases"] if r["name"] == f"pushgateway-{tenant.name}")
        own = release["values"][1]
        relabelings = own["serviceMonitor"]["metricRelabelings"]
        stamps = {m["targetLabel"]: m["replacement"] for m in relabelings if m["action"] == "replace"}
        assert stamps == {"tenant": tenant.name, "namespace": tenant.namespace}
        # Platform-owned names are dropped first; the stamps come last, after every other rule.
        assert relabelings[0]["action"] == "drop" and relabelings[0]["sourceLabels"] == ["__name__"]
        assert {"up", "ALERTS", "ALERTS_FOR_STATE", "scrape_.*"} <= set(relabelings[0]["regex"].split("|"))
        assert [m["action"] for m in relabelings[-2:]] == ["replace", "replace"]
        # `up` of the gateway's target carries the tenant as a target label (rules never parse the job name).
        assert own["serviceMonitor"]["relabelings"] == [
            {"action": "replace", "targetLabel": "tenant", "replacement": tenant.name}]
        assert own["webConfiguration"]["basicAuthUsers"] == {tenant.username: tenant.password}
        peers = own["networkPolicy"]["customSelectors"]
        # Its own pods, Prometheus and the in-cluster load's workers (harness/kind/load_chart.py), nothing else.
        assert {"podSelector": {}} in peers and load_chart.WORKER_PEER in peers and len(peers) == 3


def test_kube_prometheus_stack_selects_monitors_and_rules_everywhere():
    values = yaml.safe_load((constants.PLATFORM_DIR / "values" / "kube-prometheus-stack.yaml").read_text())
    spec = values["prometheus"]["prometheusSpec"]
    for key in ("serviceMonitor", "podMonitor", "rule"):
        assert spec[f"{key}SelectorNilUsesHelmValues"] is False
    dashboards = values["grafana"]["sidecar"]["dashboards"]
    assert (dashboards["label"], dashboards["labelValue"], dashboards["searchNamespace"]) == (
        "grafana_dashboard", "1", "ALL")


def test_kind_config_publishes_every_node_port():
    config = cluster.KindConfig.load()
    assert config.name == constants.CLUSTER_NAME
    mapped = {m["containerPort"] for m in config.port_mappings}
    for service, port in cluster.node_ports().items():
        assert port in mapped, f"{service}'s NodePort {port} is not mapped in platform/kind.yaml"
    for mapping in config.port_mappings:
        assert mapping["listenAddress"] == "127.0.0.1", "only publish on the loopback interface"
        assert 30000 <= mapping["containerPort"] <= 32767, "a NodePort must be in 30000-32767"


def test_only_pushgateways_and_simplepipe_rules_run_faster_than_the_chart_defaults(rendering):
    # Built-in targets and rules keep the chart's intervals (30s): cheap on a laptop.
    spec = yaml.safe_load((constants.PLATFORM_DIR / "values" / "kube-prometheus-stack.yaml").read_text())[
        "prometheus"]["prometheusSpec"]
    assert "scrapeInterval" not in spec and "evaluationInterval" not in spec
    # What the e2e tests wait for: the tenants' Pushgateways and Simplepipe's rule group, alike.
    gateway = yaml.safe_load((constants.PLATFORM_DIR / "values" / "pushgateway.yaml").read_text())
    text = helm_unescape(rendering.files[f"{constants.DASHBOARDS_CHART.as_posix()}/templates/manifests.yaml"])
    rules = [o for o in yaml.safe_load_all(text) if o and o["kind"] == "PrometheusRule"]
    assert rules and {g["interval"] for r in rules for g in r["spec"]["groups"]} == {
        gateway["serviceMonitor"]["interval"]}
