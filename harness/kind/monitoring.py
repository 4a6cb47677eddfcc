"""Who may reach the monitoring plane on kind (docs/tenancy.md, "The monitoring plane"): NetworkPolicies for
kube-prometheus-stack's pods in `monitoring` and for the S3 store's internal ports, rendered into the static
chart of the `monitoring-network` release (platform/k8s/monitoring-network/chart).

Kubernetes always lets the node in (kubelet probes, and the NodePorts kind publishes on the host, which is the
administrator's machine); every other peer of these pods is listed here, by the labels the operator and the
charts give their pods. No tenant namespace is among them: a tenant's step cannot forge or silence alerts
(Alertmanager), query every tenant's series (Prometheus), log in to Grafana from inside the cluster or use
SeaweedFS' master, volume and filer APIs, which serve every bucket without the S3 identities. The administrator's alert receiver and the prom-label-proxies carry their own policies
(harness/kind/alerts.py, reads.py).
"""
from __future__ import annotations

from harness.kind.artifacts import S3_NAMESPACE
from harness.kind.constants import GENERATED, MONITORING_NAMESPACE, MONITORING_NETWORK_CHART
from harness.yaml_text import dump

NAME = "monitoring-network"

# Pods by the labels that select them: the operator's for Prometheus and Alertmanager, the charts' otherwise.
PROMETHEUS = {"app.kubernetes.io/name": "prometheus"}
ALERTMANAGER = {"app.kubernetes.io/name": "alertmanager"}
GRAFANA = {"app.kubernetes.io/name": "grafana"}
KUBE_STATE_METRICS = {"app.kubernetes.io/name": "kube-state-metrics"}
PROM_LABEL_PROXY = {"app.kubernetes.io/name": "prom-label-proxy"}
# The seaweedfs chart's all-in-one pod (master, volume, filer and S3 in one; platform/values/seaweedfs.yaml).
SEAWEEDFS = {"app.kubernetes.io/name": "seaweedfs", "app.kubernetes.io/component": "seaweedfs-all-in-one"}

# Ports, as the pods' containers open them.
PROMETHEUS_PORT, ALERTMANAGER_PORT, ALERTMANAGER_MESH_PORT = 9090, 9093, 9094
CONFIG_RELOADER_PORT = 8080  # the operator's config-reloader beside Prometheus and Alertmanager (its metrics)
GRAFANA_PORT = 3000
KUBE_STATE_METRICS_PORTS = (8080, 8081)
SEAWEEDFS_S3_PORT, SEAWEEDFS_METRICS_PORT = 8333, 9324  # its master, volume and filer ports stay closed


def _in_monitoring(labels: dict[str, str]) -> dict:
    return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": MONITORING_NAMESPACE}},
            "podSelector": {"matchLabels": labels}}


def _ports(*ports: int, protocol: str = "TCP") -> list[dict]:
    return [{"protocol": protocol, "port": port} for port in ports]


def _policy(name: str, namespace: str, pods: dict[str, str], ingress: list[dict], why: str) -> dict:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": namespace, "annotations": {"simplepipe.io/why": why},
                         "labels": {"app.kubernetes.io/part-of": "simplepipe"}},
            "spec": {"podSelector": {"matchLabels": pods}, "policyTypes": ["Ingress"], "ingress": ingress}}


def policies() -> list[dict]:
    """One ingress policy per component; a pod they select accepts only what they list (and the node)."""
    return [
        _policy("alertmanager", MONITORING_NAMESPACE, ALERTMANAGER, [
            {"from": [_in_monitoring(PROMETHEUS), _in_monitoring(GRAFANA)],
             "ports": _ports(ALERTMANAGER_PORT)},
            {"from": [_in_monitoring(PROMETHEUS)], "ports": _ports(CONFIG_RELOADER_PORT)},
            {"from": [_in_monitoring(ALERTMANAGER)],
             "ports": _ports(ALERTMANAGER_MESH_PORT) + _ports(ALERTMANAGER_MESH_PORT, protocol="UDP")},
        ], "Alertmanager: Prometheus sends alerts, Grafana's main organisation reads them, peers gossip; "
           "no tenant forges, silences or reads alerts"),
        _policy("prometheus", MONITORING_NAMESPACE, PROMETHEUS, [
            {"from": [_in_monitoring(GRAFANA), _in_monitoring(PROM_LABEL_PROXY), _in_monitoring(PROMETHEUS)],
             "ports": _ports(PROMETHEUS_PORT)},
            {"from": [_in_monitoring(PROMETHEUS)], "ports": _ports(CONFIG_RELOADER_PORT)},
        ], "Prometheus: Grafana and the tenants' label proxies query it (the administrator through the NodePort); "
           "no tenant reads every tenant's series past its proxy"),
        _policy("grafana", MONITORING_NAMESPACE, GRAFANA, [
            {"from": [_in_monitoring(PROMETHEUS)], "ports": _ports(GRAFANA_PORT)},
        ], "Grafana: users log in through its NodePort; inside the cluster only Prometheus (its metrics)"),
        _policy("kube-state-metrics", MONITORING_NAMESPACE, KUBE_STATE_METRICS, [
            {"from": [_in_monitoring(PROMETHEUS)], "ports": _ports(*KUBE_STATE_METRICS_PORTS)},
        ], "kube-state-metrics: every namespace's objects, for Prometheus only"),
        _policy("seaweedfs", S3_NAMESPACE, SEAWEEDFS, [
            {"from": [{"namespaceSelector": {}}], "ports": _ports(SEAWEEDFS_S3_PORT)},
            {"from": [_in_monitoring(PROMETHEUS)], "ports": _ports(SEAWEEDFS_METRICS_PORT)},
            {"from": [{"podSelector": {}}]},  # its own namespace: the bucket hook Job's `weed shell`
        ], "SeaweedFS: S3 for every pod (each tenant's own keys reach only its bucket); master, volume and filer, "
           "which serve every bucket without those keys, only inside its namespace (and the node's S3 NodePort)"),
    ]


def network_chart() -> dict[str, str]:
    """platform/k8s/monitoring-network/chart, for the `monitoring-network` release."""
    chart = {"apiVersion": "v2", "name": NAME, "type": "application", "version": "0.1.0",
             "description": "Ingress into the monitoring plane: each component from the components that need it"}
    header = GENERATED.replace("platform/tenants.yaml", "harness/kind/monitoring.py")
    return {(MONITORING_NETWORK_CHART / "Chart.yaml").as_posix(): header + dump(chart),
            (MONITORING_NETWORK_CHART / "templates" / "manifests.yaml").as_posix(): header + dump(*policies())}

