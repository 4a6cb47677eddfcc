"""What a validated MetricSet leaves for Python's garbage collector to track. Every long-lived tracked object
counts towards the next full collection, which walks the whole heap of the process that pushes (a
data-science process may hold millions of objects). Keeping a Position, a tuple key and a frozenset per
series as well made full collections land inside make bench's serialize timing (docs/benchmarks.md)."""
from __future__ import annotations

import gc

from simplepipe.formats import from_data

METRICS = 2000


def tracked_objects_kept(build) -> float:
    """Tracked objects per metric still alive after `build()` and a collection (which untracks what it can)."""
    gc.collect()
    before = len(gc.get_objects())
    kept = build()
    gc.collect()
    per_metric = (len(gc.get_objects()) - before) / METRICS
    del kept
    return per_metric


def test_a_metric_of_one_series_keeps_three_tracked_objects():
    # Its family, the family's list of series, and the series; labels dicts of strings are not tracked.
    items = [{"name": f"metric_{i}", "description": f"Metric number {i}", "value": i * 0.5,
              "metric_type": "gauge", "labels": {"model": "resnet", "stage": "eval"}} for i in range(METRICS)]
    assert tracked_objects_kept(lambda: from_data(items, "simplepipe", "bench")) < 3.1


def test_a_series_of_a_shared_family_keeps_one():
    items = [{"name": "accuracy", "value": i * 0.5, "labels": {"model": f"m{i}"}} for i in range(METRICS)]
    assert tracked_objects_kept(lambda: from_data(items, "simplepipe", "bench")) < 1.1
