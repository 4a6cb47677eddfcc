"""PromQL results as tests judge them: predicates for `PrometheusClient.wait_for`, and assertions on series."""
from __future__ import annotations

import math
from typing import Callable

from harness.prometheus_api import PrometheusClient, Series, format_series


def has_value(expected: float, tolerance: float = 1e-9) -> Callable[[Series], bool]:
    """Predicate: at least one series, and every series equals `expected`."""
    return lambda series: bool(series) and all(math.isclose(v, expected, abs_tol=tolerance) for _, v in series)


def non_empty(series: Series) -> bool:
    return bool(series)


def assert_labels(series: Series, **expected: str) -> None:
    """Every series carries the expected labels (e.g. tenant="alice", namespace="alice")."""
    assert series, f"no series to check labels {expected} on"
    for labels, value in series:
        wrong = {k: labels.get(k) for k, v in expected.items() if labels.get(k) != v}
        assert not wrong, f"series {format_series([(labels, value)])} has {wrong}, expected {expected}"


def assert_targets_up(client: PrometheusClient, jobs: list[str]) -> None:
    health = {t["labels"].get("job"): (t["health"], t.get("lastError", "")) for t in client.targets()}
    down = {job: health.get(job, ("missing", "")) for job in jobs if health.get(job, ("",))[0] != "up"}
    assert not down, f"scrape targets not up: {down}"
