"""The connections the platform needs and the ones its tenancy forbids, as data (harness/kind/reachability.py
decides them on the rendered cluster; `python -m harness.kind.network_flows` prints the table).

Add an expectation by adding a Flow: source and destination are "<namespace>/<workload>" (a rendered
workload, a pod the operator or Argo makes, see checks.runtime_objects) or "node".
"""
from __future__ import annotations

import sys

from harness.kind import alerts, artifacts, load_chart, monitoring, reads
from harness.kind.constants import (ALERT_RECEIVER_PORT, ARGO_NAMESPACE, LOAD_NAMESPACE, MONITORING_NAMESPACE,
                                    PUSHGATEWAY_PORT)
from harness.kind.reachability import Flow
from harness.tenants import Tenant, load_tenants

STEP = "<workflow step>"
PROMETHEUS = f"{MONITORING_NAMESPACE}/prometheus-kube-prometheus-stack-prometheus"
ALERTMANAGER = f"{MONITORING_NAMESPACE}/alertmanager-kube-prometheus-stack-alertmanager"
GRAFANA = f"{MONITORING_NAMESPACE}/kube-prometheus-stack-grafana"
S3 = f"{artifacts.S3_NAMESPACE}/seaweedfs-all-in-one"
ARGO_SERVER, ARGO_SERVER_PORT = f"{ARGO_NAMESPACE}/argo-workflows-server", 2746
ARGO_CONTROLLER, ARGO_CONTROLLER_METRICS_PORT = f"{ARGO_NAMESPACE}/argo-workflows-workflow-controller", 9090
KUBE_STATE_METRICS = f"{MONITORING_NAMESPACE}/kube-prometheus-stack-kube-state-metrics"
PROMETHEUS_PORT = 9090
# SeaweedFS' ports besides S3 (its master, volume and filer HTTP and gRPC), as its all-in-one pod opens them.
SEAWEEDFS_INTERNAL_PORTS = {"master API": 9333, "master gRPC": 19333, "volume API": 8080, "volume gRPC": 18080,
                            "filer API": 8888, "filer gRPC": 18888}


def _step(tenant: Tenant) -> str:
    return f"{tenant.namespace}/{STEP}"


def _gateway(tenant: Tenant) -> str:
    return f"{tenant.namespace}/{tenant.pushgateway_name}"


def required(tenants: list[Tenant]) -> list[Flow]:
    """What the e2e scenarios and the platform itself need."""
    flows = [Flow(f"{MONITORING_NAMESPACE}/{reads.read_proxy_name(t)}", PROMETHEUS, PROMETHEUS_PORT, True,
                  f"{t.name}'s read proxy queries Prometheus") for t in tenants[:1]]
    flows += [Flow(ALERTMANAGER, f"{MONITORING_NAMESPACE}/{alerts.NAME}", ALERT_RECEIVER_PORT, True,
                   "Alertmanager notifies the administrator's receiver"),
              Flow("node", ARGO_SERVER, ARGO_SERVER_PORT, True, "the Argo UI/API through its NodePort")]
    for t in tenants:
        flows += [
            Flow(PROMETHEUS, _gateway(t), PUSHGATEWAY_PORT, True, f"Prometheus scrapes {t.name}'s Pushgateway"),
            Flow(_step(t), _gateway(t), PUSHGATEWAY_PORT, True, f"{t.name}'s steps push to its own Pushgateway"),
            Flow(_step(t), S3, artifacts.S3_PORT, True, f"{t.name}'s steps keep artifacts in S3"),
            Flow(GRAFANA, f"{MONITORING_NAMESPACE}/{reads.read_proxy_name(t)}", reads.PROM_LABEL_PROXY_PORT, True,
                 f"Grafana's {t.name} organisation reads through its proxy"),
        ]
        if not t.alert_webhook_url:
            flows.append(Flow(ALERTMANAGER, f"{t.namespace}/{alerts.NAME}", ALERT_RECEIVER_PORT, True,
                              f"Alertmanager notifies {t.name}'s receiver"))
    return flows


def forbidden(tenants: list[Tenant]) -> list[Flow]:
    """What the tenancy model forbids (docs/tenancy.md): one tenant's pods reaching another's, or the parts
    of the platform that act for every tenant."""
    flows = []
    for attacker in tenants:
        flows.append(Flow(_step(attacker), ARGO_CONTROLLER, ARGO_CONTROLLER_METRICS_PORT, False,
                          f"{attacker.name}'s steps never talk to the workflow controller"))
        flows.append(Flow(_step(attacker), f"{MONITORING_NAMESPACE}/{alerts.NAME}", ALERT_RECEIVER_PORT, False,
                          f"{attacker.name} cannot post into the administrator's receiver"))
        for victim in tenants:
            if victim == attacker:
                continue
            flows += [
                Flow(_step(attacker), _gateway(victim), PUSHGATEWAY_PORT, False,
                     f"{attacker.name} pushes into {victim.name}'s Pushgateway"),
                Flow(_step(attacker), f"{victim.namespace}/{alerts.NAME}", ALERT_RECEIVER_PORT, False,
                     f"{attacker.name} forges alerts into {victim.name}'s receiver"),
                Flow(_step(attacker), f"{MONITORING_NAMESPACE}/{reads.read_proxy_name(victim)}",
                     reads.PROM_LABEL_PROXY_PORT, False, f"{attacker.name} reads {victim.name}'s series"),
                Flow(_gateway(attacker), _gateway(victim), PUSHGATEWAY_PORT, False,
                     f"{attacker.name}'s Pushgateway pod reaches {victim.name}'s"),
            ]
    return flows


def monitoring_plane_required() -> list[Flow]:
    """The monitoring plane's own traffic, which its NetworkPolicies (harness/kind/monitoring.py) must admit."""
    return [
        Flow(PROMETHEUS, ALERTMANAGER, monitoring.ALERTMANAGER_PORT, True, "Prometheus sends alerts to Alertmanager"),
        Flow(GRAFANA, ALERTMANAGER, monitoring.ALERTMANAGER_PORT, True, "Grafana's main organisation reads the alerts"),
        Flow(ALERTMANAGER, ALERTMANAGER, monitoring.ALERTMANAGER_MESH_PORT, True, "Alertmanager's peers gossip"),
        Flow(GRAFANA, PROMETHEUS, PROMETHEUS_PORT, True, "Grafana's main organisation queries Prometheus"),
        Flow(PROMETHEUS, GRAFANA, monitoring.GRAFANA_PORT, True, "Prometheus scrapes Grafana"),
        Flow(PROMETHEUS, KUBE_STATE_METRICS, monitoring.KUBE_STATE_METRICS_PORTS[0], True,
             "Prometheus scrapes kube-state-metrics"),
        Flow(PROMETHEUS, S3, monitoring.SEAWEEDFS_METRICS_PORT, True, "Prometheus scrapes SeaweedFS"),
        Flow(ARGO_CONTROLLER, S3, artifacts.S3_PORT, True, "Argo keeps artifacts in S3"),
        Flow("node", PROMETHEUS, PROMETHEUS_PORT, True, "the administrator's path: Prometheus' NodePort"),
        Flow("node", GRAFANA, monitoring.GRAFANA_PORT, True, "users log in to Grafana through its NodePort"),
    ]


def monitoring_plane_forbidden(tenants: list[Tenant]) -> list[Flow]:
    """No tenant's pod forges, silences or reads alerts, reads every tenant's series past its proxy, reaches
    Grafana from inside the cluster or the S3 store's APIs that serve every bucket (docs/tenancy.md)."""
    flows = []
    for tenant in tenants:
        for source in (_step(tenant), _gateway(tenant)):
            flows += [
                Flow(source, ALERTMANAGER, monitoring.ALERTMANAGER_PORT, False,
                     f"{tenant.name} forges, silences or reads alerts in Alertmanager"),
                Flow(source, ALERTMANAGER, monitoring.ALERTMANAGER_MESH_PORT, False,
                     f"{tenant.name} joins Alertmanager's cluster"),
                Flow(source, PROMETHEUS, PROMETHEUS_PORT, False,
                     f"{tenant.name} queries every tenant's series past its own proxy"),
                Flow(source, PROMETHEUS, monitoring.CONFIG_RELOADER_PORT, False,
                     f"{tenant.name} reaches Prometheus' config reloader"),
                Flow(source, GRAFANA, monitoring.GRAFANA_PORT, False, f"{tenant.name} logs in to Grafana from a pod"),
                Flow(source, KUBE_STATE_METRICS, monitoring.KUBE_STATE_METRICS_PORTS[0], False,
                     f"{tenant.name} reads every namespace's objects from kube-state-metrics"),
            ]
            flows += [Flow(source, S3, port, False, f"{tenant.name} uses SeaweedFS' {what}, which serves every bucket")
                      for what, port in SEAWEEDFS_INTERNAL_PORTS.items()]
    return flows


# The in-cluster load (platform/k8s/load/chart, installed by `make load PLATFORM=kind LOAD_ARGS="--workers N"`).
LOAD_MASTER = f"{LOAD_NAMESPACE}/{load_chart.MASTER}"
LOAD_WORKER = f"{LOAD_NAMESPACE}/{load_chart.WORKER}"


def load_required(tenants: list[Tenant]) -> list[Flow]:
    """What the in-cluster load needs: its workers reach their master and every tenant's Pushgateway."""
    flows = [Flow(LOAD_WORKER, LOAD_MASTER, load_chart.MASTER_PORT, True, "Locust's workers connect to their master")]
    return flows + [Flow(LOAD_WORKER, _gateway(t), PUSHGATEWAY_PORT, True,
                         f"the load's workers push to {t.name}'s Pushgateway") for t in tenants]


def load_forbidden(tenants: list[Tenant]) -> list[Flow]:
    """What the load opens to no one else: no tenant reaches the load's pods, the load reaches nothing of a tenant
    but its gateway, and only the workers (not the master) are admitted there."""
    flows = []
    for t in tenants:
        flows += [
            Flow(_step(t), LOAD_MASTER, load_chart.MASTER_PORT, False,
                 f"{t.name}'s steps cannot join or drive the load's master"),
            Flow(_gateway(t), LOAD_MASTER, load_chart.MASTER_PORT, False,
                 f"{t.name}'s Pushgateway pod cannot reach the load's master"),
            Flow(_step(t), LOAD_WORKER, load_chart.MASTER_PORT, False, f"{t.name}'s steps cannot reach the load's workers"),
            Flow(LOAD_MASTER, _gateway(t), PUSHGATEWAY_PORT, False,
                 f"the master pushes nothing: {t.name}'s gateway admits the workers only"),
            Flow(LOAD_WORKER, f"{t.namespace}/{alerts.NAME}", ALERT_RECEIVER_PORT, False,
                 f"the load's workers reach {t.name}'s gateway, not its alert receiver"),
            Flow(LOAD_WORKER, f"{MONITORING_NAMESPACE}/{reads.read_proxy_name(t)}", reads.PROM_LABEL_PROXY_PORT, False,
                 f"the load's workers read none of {t.name}'s series"),
        ]
    return flows + [Flow(LOAD_WORKER, f"{MONITORING_NAMESPACE}/{alerts.NAME}", ALERT_RECEIVER_PORT, False,
                         "the load's workers cannot post into the administrator's receiver")]


def expected(tenants: list[Tenant] | None = None) -> list[Flow]:
    tenants = load_tenants() if tenants is None else tenants
    return (required(tenants) + forbidden(tenants) + monitoring_plane_required() + monitoring_plane_forbidden(tenants)
            + load_required(tenants) + load_forbidden(tenants))


def main() -> int:
    from harness.kind import reachability, rendered  # reason: the CLI only; rendering needs the chart cache

    verdicts = reachability.evaluate(rendered.render_cluster(), expected())
    print(reachability.table(verdicts))
    return 1 if reachability.problems(verdicts) else 0


if __name__ == "__main__":
    sys.exit(main())
