"""Provisioning on kind: dashboards as ConfigMaps for Grafana's sidecar, the rules as a PrometheusRule."""
from __future__ import annotations

import json

from harness.kind.render import MONITORING_NAMESPACE as NAMESPACE

# kube-prometheus-stack runs in NAMESPACE (platform/helmfile.yaml); its Grafana sidecar picks up
# ConfigMaps carrying SIDECAR_LABEL, its Prometheus every PrometheusRule (ruleSelector
# open to all); `release` also satisfies the chart's default ruleSelector.
HELM_RELEASE = "kube-prometheus-stack"
SIDECAR_LABEL = {"grafana_dashboard": "1"}
PART_OF = {"app.kubernetes.io/part-of": "simplepipe"}
# Prometheus on kind evaluates rules at the chart's default 30s; Simplepipe's group is
# evaluated as often as the Pushgateways are scraped (platform/values/pushgateway.yaml,
# serviceMonitor.interval; tests/validate checks the two agree), so an alert follows a
# push within seconds.
RULE_EVALUATION_INTERVAL = "5s"


def dashboard_config_map(model: dict) -> dict:
    uid = model["uid"]
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": f"{uid}-dashboard",
            "namespace": NAMESPACE,
            "labels": {**SIDECAR_LABEL, **PART_OF},
        },
        "data": {f"{uid}.json": json.dumps(model, indent=2) + "\n"},
    }


def prometheus_rule(rule_groups: dict) -> dict:
    groups = [{**group, "interval": RULE_EVALUATION_INTERVAL} for group in rule_groups["groups"]]
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {
            "name": "simplepipe",
            "namespace": NAMESPACE,
            "labels": {"release": HELM_RELEASE, **PART_OF},
        },
        "spec": {**rule_groups, "groups": groups},
    }


def kustomization(resources: list[str]) -> dict:
    return {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "namespace": NAMESPACE,
        "resources": resources,
    }
