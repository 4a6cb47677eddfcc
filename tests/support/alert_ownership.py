"""Whose alert is it: the tenant an alert belongs to, judged by the labels the platform stamps.

An alert names its tenant with `tenant` (Simplepipe's rules, stamped series); kube-prometheus-stack's own
alerts about a tenant's pods (KubePodNotReady, KubeJobFailed, ...) carry only the `namespace` they fired in.
A tenant's receiver hearing of an alert of its own namespace is no leak; hearing of another's, or of one
that belongs to nobody, is."""
from __future__ import annotations

from harness.tenants import Tenant


def owner(labels: dict, tenants: list[Tenant]) -> str | None:
    """The tenant an alert belongs to: its `tenant` label, else the tenant whose namespace it names."""
    if labels.get("tenant"):
        return str(labels["tenant"])
    by_namespace = {t.namespace: t.name for t in tenants}
    return by_namespace.get(labels.get("namespace", ""))


def foreign(alerts: list[dict], tenant: Tenant, tenants: list[Tenant]) -> list[dict]:
    """The alerts (as receivers record them) that do not belong to `tenant`."""
    return [a for a in alerts if owner(a.get("labels") or {}, tenants) != tenant.name]
