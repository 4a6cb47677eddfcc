"""The monitoring plane's NetworkPolicies on kind (harness/kind/monitoring.py), judged on the rendered cluster by
the reachability check (harness/kind/reachability.py) against the flows of harness/kind/network_flows.py: no
tenant pod reaches Alertmanager, Prometheus, Grafana, kube-state-metrics or SeaweedFS' internal APIs; what the
platform needs is admitted. Each holds on the platform and fails on a variant without or with a widened policy."""
from __future__ import annotations

import dataclasses

import yaml

from harness.kind import monitoring, network_flows, reachability
from harness.kind.constants import MONITORING_NAMESPACE, MONITORING_NETWORK_CHART, PLATFORM_DIR
from harness.tenants import load_tenants

TENANTS = load_tenants()
ALICE = TENANTS[0]
RELEASE = f"{MONITORING_NAMESPACE}/{monitoring.NAME}"


def _without_the_monitoring_policies(cluster):
    return dataclasses.replace(cluster, objects=[o for o in cluster.objects if o.release != RELEASE])


def test_the_chart_is_what_the_module_renders():
    rendered = PLATFORM_DIR / MONITORING_NETWORK_CHART / "templates" / "manifests.yaml"
    assert [d for d in yaml.safe_load_all(rendered.read_text()) if d] == monitoring.policies()


def test_no_tenant_pod_opens_a_door_of_the_monitoring_plane_and_the_platform_gets_through(cluster):
    flows = network_flows.monitoring_plane_required() + network_flows.monitoring_plane_forbidden(TENANTS)
    assert reachability.problems(reachability.evaluate(cluster, flows)) == []


def test_without_the_policies_every_tenant_reaches_the_monitoring_plane(cluster):
    wrong = reachability.problems(reachability.evaluate(_without_the_monitoring_policies(cluster),
                                                        network_flows.monitoring_plane_forbidden(TENANTS)))
    for door in ("alertmanager-kube-prometheus-stack-alertmanager:9093", "prometheus-kube-prometheus-stack-prometheus:9090",
                 "seaweedfs/seaweedfs-all-in-one:8888"):
        assert any(f"{ALICE.namespace}/<workflow step> -> " in p and door in p and "is allowed" in p for p in wrong), door


def test_a_widened_prometheus_policy_is_caught(cluster):
    def widen(obj):
        if obj.get("kind") == "NetworkPolicy" and obj["metadata"]["name"] == "prometheus":
            obj["spec"]["ingress"][0]["from"].append({"namespaceSelector": {}})
    objects = [dataclasses.replace(o, obj=yaml.safe_load(yaml.safe_dump(o.obj))) for o in cluster.objects]
    for o in objects:
        widen(o.obj)
    wrong = reachability.problems(reachability.evaluate(dataclasses.replace(cluster, objects=objects),
                                                        network_flows.monitoring_plane_forbidden(TENANTS)))
    assert any("prometheus-kube-prometheus-stack-prometheus:9090 is allowed" in p for p in wrong)
