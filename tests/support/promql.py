"""PromQL results as tests judge them: instant results as (labels, value) pairs, alerts and rules as Prometheus
holds them, `wait_for` a condition, its predicates, and assertions on series."""
from __future__ import annotations

import logging
import math
from typing import Callable

from harness.prometheus_api import PrometheusClient, PrometheusError, Series
from harness.waiting import NotYet, WaitTimeout, wait_until

_log = logging.getLogger("simplepipe.promql")


def prometheus_alerts(client: PrometheusClient) -> list[dict]:
    """Pending and firing alerts (labels, annotations, state)."""
    return client.get("/api/v1/alerts")["alerts"]


def rule_groups(client: PrometheusClient) -> list[dict]:
    """Loaded rule groups."""
    return client.get("/api/v1/rules")["groups"]


class PromQLTimeoutError(WaitTimeout):
    """A PromQL condition did not hold in time; the message names the query and its last result."""


def wait_for(client: PrometheusClient, promql: str, predicate: Callable[[Series], bool], timeout: float, *,
             what: str = "", poll: float = 0.5, say: Callable[[str], None] = _log.info) -> Series:
    """Poll the query until `predicate(series)` holds; returns those series.

    On timeout raises PromQLTimeoutError naming the query, `what` was expected and the last result."""
    def check() -> Series | None:
        try:
            series = client.series(promql)
        except PrometheusError as exc:
            raise NotYet(str(exc)) from None
        if predicate(series):
            return series or [({}, math.nan)]
        raise NotYet(format_series(series))

    try:
        result = wait_until(check, timeout=timeout, what=f"{promql!r} to be {what or 'as expected'}",
                            poll=poll, say=say)
    except WaitTimeout as exc:
        raise PromQLTimeoutError(str(exc)) from None
    return [] if result == [({}, math.nan)] else result


def format_series(series: Series | str) -> str:
    if isinstance(series, str):
        return series
    if not series:
        return "no series"
    return "; ".join("{" + ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "} " + f"{value:g}"
                     for labels, value in series)


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
