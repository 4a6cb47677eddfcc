"""The monitoring plane's NetworkPolicies on kind (harness/kind/monitoring.py), judged from the rendered chart as
the NetworkPolicy API defines them: who may open a connection to Alertmanager, Prometheus, Grafana,
kube-state-metrics and MinIO. A tenant's pod is admitted nowhere; the components the platform needs are.
(The node always gets in: kubelet probes and the host's NodePorts, which are the administrator's.)

A small evaluator of its own for these policies only; the rendered-cluster reachability check of the kind
backend judges every policy of the cluster together."""
from __future__ import annotations

import copy

import pytest
import yaml

from harness.kind import monitoring
from harness.kind.constants import MONITORING_NETWORK_CHART, PLATFORM_DIR
from harness.tenants import load_tenants

RENDERED = PLATFORM_DIR / MONITORING_NETWORK_CHART / "templates" / "manifests.yaml"


def rendered() -> list[dict]:
    return [doc for doc in yaml.safe_load_all(RENDERED.read_text()) if doc]


def _matches(selector: dict | None, labels: dict[str, str]) -> bool:
    return selector is None or all(labels.get(k) == v for k, v in (selector.get("matchLabels") or {}).items())


def _admits(peer: dict, policy_namespace: str, namespace: str, labels: dict[str, str]) -> bool:
    if "ipBlock" in peer:
        return True  # pod addresses are unknown offline: an ipBlock may admit any pod, so count it as doing so
    if "namespaceSelector" in peer:
        in_namespace = _matches(peer["namespaceSelector"], {"kubernetes.io/metadata.name": namespace})
    else:
        in_namespace = namespace == policy_namespace
    return in_namespace and _matches(peer.get("podSelector"), labels)


def allowed(policies: list[dict], source: tuple[str, dict], destination: tuple[str, dict], port: int,
            protocol: str = "TCP") -> bool:
    """Whether a pod (namespace, labels) may connect to another's port, by the policies that select the latter."""
    selecting = [p for p in policies if p["metadata"]["namespace"] == destination[0]
                 and _matches(p["spec"]["podSelector"], destination[1]) and "Ingress" in p["spec"]["policyTypes"]]
    if not selecting:
        return True
    for policy in selecting:
        for rule in policy["spec"].get("ingress") or []:
            ports = rule.get("ports")
            if ports and not any(p["port"] == port and p.get("protocol", "TCP") == protocol for p in ports):
                continue
            if not rule.get("from") or any(_admits(peer, policy["metadata"]["namespace"], *source)
                                           for peer in rule["from"]):
                return True
    return False


def pod(labels: dict, namespace: str = "monitoring") -> tuple[str, dict]:
    return namespace, labels


PROMETHEUS, ALERTMANAGER = pod(monitoring.PROMETHEUS), pod(monitoring.ALERTMANAGER)
GRAFANA, KSM = pod(monitoring.GRAFANA), pod(monitoring.KUBE_STATE_METRICS)
PROXY = pod({**monitoring.PROM_LABEL_PROXY, "simplepipe.io/tenant": "alice"})
MINIO = pod(monitoring.MINIO, monitoring.MINIO_NAMESPACE)
# Every door of the monitoring plane a tenant must not open, with its port.
DOORS = {"Alertmanager API": (ALERTMANAGER, monitoring.ALERTMANAGER_PORT),
         "Alertmanager mesh": (ALERTMANAGER, monitoring.ALERTMANAGER_MESH_PORT),
         "Prometheus API": (PROMETHEUS, monitoring.PROMETHEUS_PORT),
         "Prometheus' config reloader": (PROMETHEUS, monitoring.CONFIG_RELOADER_PORT),
         "Grafana": (GRAFANA, monitoring.GRAFANA_PORT),
         "kube-state-metrics": (KSM, monitoring.KUBE_STATE_METRICS_PORTS[0]),
         "MinIO console": (MINIO, 9001)}
# What the platform needs (and what a too-tight policy would break).
NEEDED = [("Prometheus sends alerts", PROMETHEUS, ALERTMANAGER, monitoring.ALERTMANAGER_PORT, "TCP"),
          ("Grafana's main organisation reads alerts", GRAFANA, ALERTMANAGER, monitoring.ALERTMANAGER_PORT, "TCP"),
          ("Alertmanager peers gossip", ALERTMANAGER, ALERTMANAGER, monitoring.ALERTMANAGER_MESH_PORT, "UDP"),
          ("Grafana queries Prometheus", GRAFANA, PROMETHEUS, monitoring.PROMETHEUS_PORT, "TCP"),
          ("a tenant's label proxy queries Prometheus", PROXY, PROMETHEUS, monitoring.PROMETHEUS_PORT, "TCP"),
          ("Prometheus scrapes Grafana", PROMETHEUS, GRAFANA, monitoring.GRAFANA_PORT, "TCP"),
          ("Prometheus scrapes kube-state-metrics", PROMETHEUS, KSM, 8080, "TCP"),
          ("a tenant's step keeps artifacts in MinIO", pod({}, "alice"), MINIO, monitoring.MINIO_S3_PORT, "TCP")]


def tenant_pods() -> list[tuple[str, dict]]:
    """A tenant's workflow step and its Pushgateway, in each tenant namespace."""
    return [pod(labels, t.namespace) for t in load_tenants()
            for labels in ({"workflows.argoproj.io/workflow": "x"}, {"app.kubernetes.io/name": "prometheus-pushgateway"})]


def test_the_chart_is_what_the_module_renders():
    assert rendered() == monitoring.policies()


@pytest.mark.parametrize("door", DOORS, ids=str)
def test_no_tenant_pod_opens_a_door_of_the_monitoring_plane(door):
    destination, port = DOORS[door]
    opened = [source for source in tenant_pods() if allowed(rendered(), source, destination, port)]
    assert opened == [], f"{door}: admits {opened}"


@pytest.mark.parametrize("why, source, destination, port, protocol", NEEDED, ids=[n[0] for n in NEEDED])
def test_what_the_platform_needs_is_admitted(why, source, destination, port, protocol):
    assert allowed(rendered(), source, destination, port, protocol), why


@pytest.mark.parametrize("widen", [
    pytest.param(lambda rule: rule["from"].append({"namespaceSelector": {}}), id="any-namespace"),
    pytest.param(lambda rule: rule["from"].append({"podSelector": {}}), id="any-pod-of-monitoring-only"),
    pytest.param(lambda rule: rule.pop("from"), id="no-from"),
    pytest.param(lambda rule: rule["from"].append({"ipBlock": {"cidr": "0.0.0.0/0"}}), id="ip-block"),
])
def test_a_widened_prometheus_policy_is_caught(widen):
    policies = copy.deepcopy(rendered())
    prometheus = next(p for p in policies if p["metadata"]["name"] == "prometheus")
    widen(prometheus["spec"]["ingress"][0])
    opened = [source for source in tenant_pods() + [pod({"app": "other"})]
              if allowed(policies, source, PROMETHEUS, monitoring.PROMETHEUS_PORT)]
    assert opened, "the widened policy admits nobody new: this check would not notice"


def test_a_component_no_policy_selects_admits_everyone():
    """The evaluator's premise: without the chart, every tenant pod reaches Alertmanager."""
    assert all(allowed([], source, ALERTMANAGER, monitoring.ALERTMANAGER_PORT) for source in tenant_pods())
