"""What Prometheus does to every sample scraped from a tenant's Pushgateway, on both backends.

In order, after honor_labels (so no pushed label survives it):
  1. drop series named like Prometheus' own (`up`, `scrape_*`, `ALERTS`, `ALERTS_FOR_STATE`): a tenant
     must not fake a gateway outage or an alert of another tenant;
  2. drop `exported_tenant` / `exported_namespace`: no label may look like a second owner;
  3. stamp `tenant` and `namespace` with the tenant's own values.
Target labels (what `up` and scrape_* carry) get the same `tenant`/`namespace` from the platform.
"""
from __future__ import annotations

from harness.tenants import Tenant
from simplepipe.spec import PLATFORM_SERIES, PLATFORM_SERIES_PREFIX

# Anchored by Prometheus itself: the regex must match the whole metric name.
PLATFORM_SERIES_REGEX = "|".join(sorted(PLATFORM_SERIES)) + f"|{PLATFORM_SERIES_PREFIX}.*"
OWNER_LABELS = ("tenant", "namespace")
EXPORTED_OWNER_REGEX = "exported_(" + "|".join(OWNER_LABELS) + ")"


def owner_labels(tenant: Tenant) -> dict[str, str]:
    return {"tenant": tenant.name, "namespace": tenant.namespace}


def metric_relabel_configs(tenant: Tenant) -> list[dict]:
    """Prometheus' `metric_relabel_configs` of the tenant's scrape job (snake_case, as prometheus.yml spells it)."""
    return [
        {"action": "drop", "source_labels": ["__name__"], "regex": PLATFORM_SERIES_REGEX},
        {"action": "labeldrop", "regex": EXPORTED_OWNER_REGEX},
        *({"action": "replace", "target_label": label, "replacement": value}
          for label, value in owner_labels(tenant).items()),
    ]


def operator_relabelings(configs: list[dict]) -> list[dict]:
    """The same rules as the Prometheus Operator's RelabelConfig spells them (ServiceMonitor metricRelabelings)."""
    keys = {"source_labels": "sourceLabels", "target_label": "targetLabel"}
    return [{keys.get(key, key): value for key, value in config.items()} for config in configs]
