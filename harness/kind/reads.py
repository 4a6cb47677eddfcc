"""Reads per tenant on kind: a prom-label-proxy per tenant in `monitoring` (tests/validate/test_kind_reads.py
checks that each enforces exactly its own tenant).

Grafana's tenant organisations (harness/kind/grafana_orgs.py) query Prometheus only through these proxies,
so every PromQL query of Alice's data source gets `tenant="alice"` injected, whatever it asks for.
"""
from __future__ import annotations

from harness.kind import tenant_resources
from harness.kind.constants import MONITORING_NAMESPACE, PROMETHEUS_URL_IN_CLUSTER, TENANT_LABEL
from harness.stamping import owner_labels
from harness.tenants import Tenant

# v0.13.0 is what prometheus-community's prom-label-proxy chart deploys (appVersion); flags read in its
# main.go at that tag. Pinned by tag only: no digest for it could be verified from here.
PROM_LABEL_PROXY_IMAGE = "quay.io/prometheuscommunity/prom-label-proxy:v0.13.0"
PROM_LABEL_PROXY_PORT = 8080
# kube-prometheus-stack 67.8.0's Prometheus Service (<fullname>-prometheus, prometheus.service.port).
PROMETHEUS_CLUSTER_URL = PROMETHEUS_URL_IN_CLUSTER


def read_proxy_name(tenant: Tenant) -> str:
    return f"prom-label-proxy-{tenant.name}"


def read_proxy_url(tenant: Tenant) -> str:
    """The tenant's Grafana data source URL: its prom-label-proxy, as Grafana reaches it."""
    return f"http://{read_proxy_name(tenant)}.{MONITORING_NAMESPACE}.svc:{PROM_LABEL_PROXY_PORT}"


def read_proxy(tenant: Tenant) -> list[dict]:
    """Deployment, Service and NetworkPolicy of the tenant's prom-label-proxy, in `monitoring`."""
    name = read_proxy_name(tenant)
    labels = {"app.kubernetes.io/name": "prom-label-proxy", "app.kubernetes.io/part-of": "simplepipe",
              TENANT_LABEL: tenant.name}
    metadata = {"name": name, "namespace": MONITORING_NAMESPACE, "labels": labels}
    container = {
        "name": "prom-label-proxy",
        "image": PROM_LABEL_PROXY_IMAGE,
        # The tenant as the platform stamps it (harness/stamping.py): every query gets tenant="<name>".
        "args": ["-label=tenant", f"-label-value={owner_labels(tenant)['tenant']}",
                 f"-upstream={PROMETHEUS_CLUSTER_URL}", f"-insecure-listen-address=0.0.0.0:{PROM_LABEL_PROXY_PORT}",
                 "-enable-label-apis"],
        "ports": [{"name": "http", "containerPort": PROM_LABEL_PROXY_PORT}],
        "readinessProbe": {"httpGet": {"path": "/healthz", "port": "http"}},
        "resources": tenant_resources.of(tenant_resources.READ_PROXY),
        "securityContext": {"runAsNonRoot": True, "runAsUser": 65534, "readOnlyRootFilesystem": True,
                            "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
    }
    deployment = {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": metadata,
        "spec": {"replicas": 1, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels},
                              "spec": {"automountServiceAccountToken": False, "containers": [container]}}},
    }
    service = {
        "apiVersion": "v1", "kind": "Service", "metadata": metadata,
        "spec": {"selector": labels, "ports": [{"name": "http", "port": PROM_LABEL_PROXY_PORT, "targetPort": "http"}]},
    }
    # Only Grafana (whose tenant organisation holds this URL) may ask: no tenant pod queries through it.
    policy = {
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": metadata,
        "spec": {"podSelector": {"matchLabels": labels}, "policyTypes": ["Ingress"],
                 "ingress": [{"from": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "grafana"}}}],
                              "ports": [{"protocol": "TCP", "port": PROM_LABEL_PROXY_PORT}]}]},
    }
    return [deployment, service, policy]
