"""Freshness: how long after an acknowledged push its value is in PromQL, and how long after a failing job's
push its tenant is told. Measured on the running platform, one probe at a time, with the configuration that
bounds each figure (scrape interval; evaluation interval, the rule's `for`, Alertmanager's group_wait).

A probe's clock starts when the Pushgateway acknowledged the push (the push call returned) and stops at the
first PromQL answer holding the pushed value (polled every POLL_SECONDS) or the first delivery the tenant's
alert receiver recorded for the probe's job; the poll adds at most POLL_SECONDS plus one query."""
from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from dashboards.rules import alert_rules
from harness.platform import Platform
from harness.prometheus_api import PrometheusClient
from harness.tenants import Tenant
from harness.waiting import NotYet, WaitTimeout, wait_until
from load.plan import RUN_LABEL
from simplepipe.pushgateway import Pushgateway
from simplepipe.spec import MetricSet
from simplepipe.standard_catalogue import catalogue

FRESHNESS_JOB = "simplepipe-load-freshness"
FRESHNESS_METRIC = "simplepipe_load_freshness_probe"
ALERT_JOB_PREFIX = "simplepipe-load-alert-probe"
ALERT = "SimplepipeJobFailed"
POLL_SECONDS = 0.05


class FreshnessError(RuntimeError):
    """A probe's value or alert never arrived within its timeout (the message says which and what was seen)."""


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (NaN of nothing)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


@dataclass
class Freshness:
    tenant: str
    push_seconds: list[float] = field(default_factory=list)
    alert_seconds: list[float] = field(default_factory=list)
    bounds: dict[str, str] = field(default_factory=dict)  # setting -> value, what bounds the figures

    def lines(self) -> list[str]:
        def figures(values: list[float]) -> str:
            return (f"p50 {percentile(values, 0.5):.2f} s, p99 {percentile(values, 0.99):.2f} s, "
                    f"max {max(values):.2f} s over {len(values)} probes") if values else "not measured"
        bounds = ", ".join(f"{name} {value}" for name, value in self.bounds.items())
        return [f"freshness on {self.tenant}'s gateway ({bounds}):",
                f"  acknowledged push -> value in PromQL: {figures(self.push_seconds)}",
                f"  failing job's push -> its alert at {self.tenant}'s receiver: {figures(self.alert_seconds)}"]


def alert_bounds(platform: Platform) -> dict[str, str]:
    """The settings that bound both figures: the platform's own delays, and the rule's `for`."""
    rule = next(r for r in alert_rules() if r.alert == ALERT)
    return {**platform.alert_delays(), f"{ALERT} for": rule.for_}


def measure_push_freshness(platform: Platform, prometheus: PrometheusClient, tenant: Tenant, run_id: str,
                           pushes: int) -> list[float]:
    """Seconds from each acknowledged push to its value in PromQL. Pushes are spread over the scrape interval
    (a random pause before each), so the probes see every phase of it."""
    gateway = Pushgateway(platform.pushgateway_url(tenant), username=tenant.username, password=tenant.password,
                          identity=None, timeout=10.0, retries=0)
    key = {RUN_LABEL: run_id}
    query = f'{FRESHNESS_METRIC}{{{RUN_LABEL}="{run_id}", tenant="{tenant.name}"}}'
    timeout = platform.settle_seconds
    seconds = []
    try:
        for sequence in range(1, pushes + 1):
            time.sleep(random.uniform(0, platform.scrape_interval))
            metrics = MetricSet()
            metrics.add_gauge(FRESHNESS_METRIC, sequence, None, "A freshness probe of make load: its sequence number")
            gateway.push(metrics, job=FRESHNESS_JOB, grouping_key=key)
            acknowledged = time.monotonic()

            def seen() -> bool:
                values = [value for _, value in prometheus.series(query)]
                if sequence not in values:
                    raise NotYet(f"{query} = {values or 'nothing'}")
                return True
            try:
                wait_until(seen, timeout=timeout, poll=POLL_SECONDS, what=f"push {sequence} of {pushes} in PromQL")
            except WaitTimeout as exc:
                raise FreshnessError(str(exc)) from None
            seconds.append(time.monotonic() - acknowledged)
    finally:
        gateway.delete(FRESHNESS_JOB, key)
    return seconds


def measure_alert_freshness(platform: Platform, tenant: Tenant, run_id: str, probes: int) -> list[float]:
    """Seconds from a failing job's acknowledged push (its job outcome 0) to the first notification of its
    alert at the tenant's receiver. Each probe is its own job, so each is its own alert group (group_wait)."""
    gateway = Pushgateway(platform.pushgateway_url(tenant), username=tenant.username, password=tenant.password,
                          identity=None, timeout=10.0, retries=0)
    success = catalogue()["job_success"]
    timeout = platform.settle_seconds + 60
    seconds = []
    for probe in range(1, probes + 1):
        job = f"{ALERT_JOB_PREFIX}-{run_id}-{probe}"
        metrics = MetricSet()
        metrics.add_gauge(success.name, 0, None, success.help)
        before = len(platform.alert_deliveries(tenant.name))
        gateway.push(metrics, job=job)
        acknowledged = time.monotonic()

        def delivered() -> bool:
            fresh = platform.alert_deliveries(tenant.name)[before:]
            if not any(a["labels"].get("alertname") == ALERT and a["labels"].get("job") == job
                       for d in fresh for a in d.get("alerts", [])):
                raise NotYet(f"{len(fresh)} new notifications to {tenant.name}, none of {ALERT} for job {job}")
            return True
        try:
            wait_until(delivered, timeout=timeout, poll=POLL_SECONDS * 4, what=f"{ALERT} of {job} at {tenant.name}'s "
                                                                              "receiver")
            seconds.append(time.monotonic() - acknowledged)
        except WaitTimeout as exc:
            raise FreshnessError(str(exc)) from None
        finally:
            gateway.delete(job)  # the alert resolves: no probe's alert outlives the run
    return seconds


def measure_freshness(platform: Platform, prometheus: PrometheusClient, tenant: Tenant, run_id: str, pushes: int,
                      alert_probes: int, say: Callable[[str], None]) -> Freshness:
    result = Freshness(tenant=tenant.name, bounds=alert_bounds(platform))
    if pushes:
        say(f"freshness: {pushes} pushes to {tenant.name}'s gateway, each timed until PromQL shows its value")
        result.push_seconds = measure_push_freshness(platform, prometheus, tenant, run_id, pushes)
    if alert_probes:
        say(f"freshness: {alert_probes} failing-job pushes, each timed until {tenant.name}'s receiver has its alert")
        result.alert_seconds = measure_alert_freshness(platform, tenant, run_id, alert_probes)
    return result
