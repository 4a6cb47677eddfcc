"""Seldon Core custom metrics: `[{"type": "COUNTER"|"GAUGE"|"TIMER", "key", "value", "tags"}]`."""
from __future__ import annotations

import re
from typing import Any

from simplepipe.spec import DEFAULT_BUCKETS, INF, MetricSet, Position, histogram_counts, shown

TYPES = ("COUNTER", "GAUGE", "TIMER")
FIELDS = frozenset({"type", "key", "value", "tags"})
INVALID = re.compile(r"[^a-zA-Z0-9_:]")


def looks_like(data: Any) -> bool:
    return (isinstance(data, list) and bool(data)
            and all(isinstance(i, dict) and "key" in i and "type" in i for i in data))


def convert(data: Any, source: str) -> MetricSet:
    """COUNTER entries are increments (summed), GAUGE entries set (last wins), TIMER entries are
    milliseconds observed into a histogram in seconds, like Seldon's own executor exposes them."""
    metrics = MetricSet(source)
    if not isinstance(data, list):
        raise metrics.error("expected a list of {\"type\", \"key\", \"value\", \"tags\"}")
    counters: dict[tuple, list] = {}
    gauges: dict[tuple, list] = {}
    timers: dict[tuple, list] = {}
    for index, item in enumerate(data):
        at = Position(item=index)
        key = metrics.named_item(item, at, FIELDS, "key")
        kind = item.get("type")
        if kind not in TYPES:
            raise metrics.error(f"{shown(kind)} is not a Seldon metric type ({', '.join(TYPES)})", at, key, "type")
        tags = item.get("tags") or {}
        if not isinstance(tags, dict):
            raise metrics.error("must be a mapping of tag to value", at, key, "tags")
        value = metrics.number(item.get("value"), at, key, "value")
        name = INVALID.sub("_", key)
        for tag, tag_value in tags.items():
            if not isinstance(tag, str) or isinstance(tag_value, bool) or not isinstance(tag_value, (str, int, float)):
                raise metrics.error(f"tag {shown(tag)}: {shown(tag_value)} is not a string or number", at, key, "tags")
        # An empty tag value is no tag at all, as for Prometheus labels.
        group = (name, tuple(sorted((k, str(v)) for k, v in tags.items() if v != "")))
        if kind == "COUNTER":
            entry = counters.setdefault(group, [at, tags, 0.0])
            if value < 0:
                raise metrics.error("a COUNTER increment cannot be negative", at, key, "value")
            entry[2] += value
        elif kind == "GAUGE":
            gauges[group] = [at, tags, value]
        else:
            if value != value:
                raise metrics.error("a TIMER value cannot be NaN", at, key, "value")
            timers.setdefault(group, [at, tags, []])[2].append(value / 1000.0)
    for (name, _), (at, tags, value) in counters.items():
        metrics.add_counter(name, value, tags, f"Seldon COUNTER {name}", None, at)
    for (name, _), (at, tags, value) in gauges.items():
        metrics.add_gauge(name, value, tags, f"Seldon GAUGE {name}", None, at)
    for (name, _), (at, tags, observations) in timers.items():
        bounds = list(DEFAULT_BUCKETS) + [INF]
        counts, total, count = histogram_counts(bounds, observations)
        metrics.add_histogram(name, bounds, counts, total, count, tags, f"Seldon TIMER {name}", "seconds", at)
    return metrics
