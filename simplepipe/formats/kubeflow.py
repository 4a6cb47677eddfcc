"""Kubeflow Pipelines v1 `mlpipeline-metrics`: `{"metrics": [{"name", "numberValue", "format"}]}`."""
from __future__ import annotations

from typing import Any

from simplepipe.spec import MetricSet, Position, shown

FORMATS = ("RAW", "PERCENTAGE")
FIELDS = frozenset({"name", "numberValue", "format"})


def looks_like(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("metrics"), list)


def convert(data: Any, source: str) -> MetricSet:
    metrics = MetricSet(source)
    if not looks_like(data):
        raise metrics.error("expected {\"metrics\": [{\"name\", \"numberValue\", \"format\"}]}")
    for index, item in enumerate(data["metrics"]):
        at = Position(item=index)
        name = metrics.named_item(item, at, FIELDS, "name")
        fmt = item.get("format", "RAW")
        if fmt not in FORMATS:
            raise metrics.error(f"{shown(fmt)} is not a Kubeflow metric format ({' or '.join(FORMATS)})", at, name, "format")
        # Kubeflow names are lowercase with '-'; Prometheus names cannot hold '-'.
        metrics.add_gauge(name.replace("-", "_"), item.get("numberValue"), None,
                          f"Kubeflow Pipelines metric {name} ({fmt})", None, at)
    return metrics
