"""The Simplepipe list: `[{"name", "description", "value", "metric_type", ...}]` in JSON or YAML."""
from __future__ import annotations

from typing import Any

from simplepipe.spec import DEFAULT_BUCKETS, MetricSet, MetricType, Position, histogram_counts, shown

FIELDS = frozenset({
    "name", "description", "help", "value", "metric_type", "labels", "unit",
    "buckets", "observations", "bucket_counts", "sum", "count", "quantiles",
})
TYPES = ", ".join(t.value for t in MetricType)
_TYPES = {t.value: t for t in MetricType}


def looks_like(data: Any) -> bool:
    return isinstance(data, list) and all(isinstance(i, dict) and "name" in i for i in data)


def convert(data: Any, source: str) -> MetricSet:
    metrics = MetricSet(source)
    if not isinstance(data, list):
        raise metrics.error(f"expected a list of metrics, got {type(data).__name__}")
    for index, item in enumerate(data):
        add_item(metrics, item, Position(item=index))
    return metrics


def add_item(metrics: MetricSet, item: Any, at: Position) -> None:
    if type(item) is not dict and not isinstance(item, dict):
        raise metrics.error(f"expected a mapping with 'name', 'value' and 'metric_type', got {shown(item)}", at)
    name = item.get("name")
    if not FIELDS.issuperset(item):
        if "timestamp" in item:
            raise metrics.error("timestamps are not accepted: the Pushgateway refuses pushed samples with "
                                "timestamps (Prometheus stamps each scrape); remove the field", at, name, "timestamp")
        unknown = sorted(str(key) for key in item if key not in FIELDS)
        raise metrics.error(f"unknown field (known: {', '.join(sorted(FIELDS))})", at, name, unknown[0])
    if name is None:
        raise metrics.error("is missing", at, None, "name")
    raw_type = item.get("metric_type", "gauge")
    metric_type = _TYPES.get(raw_type) if type(raw_type) is str else None
    if metric_type is None:
        metric_type = _TYPES.get(raw_type.lower()) if isinstance(raw_type, str) else None
        if metric_type is None:
            raise metrics.error(f"{shown(raw_type)} is not a metric type (one of {TYPES})", at, name, "metric_type")
    help_text = item.get("description")
    if help_text is None:
        help_text = item.get("help") or ""
    if not isinstance(help_text, str):
        raise metrics.error("must be a string", at, name, "description")
    labels = item.get("labels")
    unit = item.get("unit")
    value = item.get("value")

    if metric_type is MetricType.GAUGE:
        metrics.add_gauge(name, value, labels, help_text, unit, at)
    elif metric_type is MetricType.COUNTER:
        metrics.add_counter(name, value, labels, help_text, unit, at)
    elif metric_type is MetricType.INFO:
        metrics.add_info(name, value, labels, help_text, at)
    elif metric_type is MetricType.SUMMARY:
        if "count" in item or "sum" in item:
            metrics.add_summary(name, item.get("count"), item.get("sum"), _mapping(metrics, item, "quantiles", at),
                                labels, help_text, unit, at)
        else:
            values = _observations(metrics, item, at)
            metrics.add_summary(name, len(values), sum(values), None, labels, help_text, unit, at)
    else:
        bounds = metrics.bounds(item.get("buckets", DEFAULT_BUCKETS), at, name)
        if "bucket_counts" in item:
            counts = item["bucket_counts"]
            if not isinstance(counts, list):
                raise metrics.error("must be a list of cumulative counts, one per bucket", at, name, "bucket_counts")
            metrics.add_histogram(name, bounds, counts, item.get("sum"), item.get("count"),
                                  labels, help_text, unit, at)
        else:
            counts, total, count = histogram_counts(bounds, _observations(metrics, item, at))
            metrics.add_histogram(name, bounds, counts, total, count, labels, help_text, unit, at)


def _observations(metrics: MetricSet, item: dict, at: Position) -> list[float]:
    """A seed summary/histogram's single `value` is one observation; `observations` (or a list value) are many."""
    name = item.get("name")
    field = "observations" if "observations" in item else "value"
    raw = item.get(field)
    many = raw if isinstance(raw, list) else [raw]
    values = []
    for i, v in enumerate(many):
        where = f"{field}[{i}]" if isinstance(raw, list) else field
        number = metrics.number(v, at, name, where)
        if number != number:
            raise metrics.error("an observation cannot be NaN", at, name, where)
        values.append(number)
    return values


def _mapping(metrics: MetricSet, item: dict, key: str, at: Position) -> dict | None:
    raw = item.get(key)
    if raw is not None and not isinstance(raw, dict):
        raise metrics.error("must be a mapping of quantile to value, e.g. {\"0.5\": 1.2}", at, item.get("name"), key)
    return raw
