"""Simplepipe's alert rules: the one source of the local rules file and the kind PrometheusRule.

Thresholds come from dashboards/thresholds.yaml; the dashboards draw the same
expressions (`stale_groups`, `run_time_high`) so a red cell and an alert agree.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from dashboards.thresholds import Thresholds, load_thresholds
from simplepipe.standard_catalogue import catalogue

RULE_GROUP = "simplepipe"


@dataclass(frozen=True)
class AlertRule:
    alert: str
    expr: str
    for_: str
    severity: str
    summary: str
    description: str

    def to_rule(self) -> dict:
        """The rule as Prometheus' rule file format (and the PrometheusRule CRD) spell it."""
        return {
            "alert": self.alert,
            "expr": self.expr,
            "for": self.for_,
            "labels": {"severity": self.severity},
            "annotations": {"summary": self.summary, "description": self.description},
        }


def _number(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else repr(seconds)


def _selector(metric: str, *matchers: str) -> str:
    present = [m for m in matchers if m]
    return f"{metric}{{{', '.join(present)}}}" if present else metric


def per_job_threshold(comparison, default: float, overrides: dict[str, float], matcher: str = "") -> str:
    """`comparison(matchers, threshold)` for every job with its own threshold, `or` the default for the rest.

    `comparison` builds the PromQL for one label matcher list and one threshold; `matcher`
    (e.g. a dashboard's tenant filter) is added to every branch.
    """
    if not overrides:
        return comparison(matcher, _number(default))

    def matchers(job_matcher: str) -> str:
        return ", ".join(m for m in (matcher, job_matcher) if m)

    branches = []
    for job, value in overrides.items():
        branches.append("(" + comparison(matchers('job="%s"' % job), _number(value)) + ")")
    # Job names are matched literally: escape regex characters, then backslashes for the PromQL string.
    others = "|".join(re.escape(job).replace("\\", "\\\\") for job in overrides)
    branches.append("(" + comparison(matchers('job!~"%s"' % others), _number(default)) + ")")
    return "\n  or\n".join(branches)


def stale_groups(thresholds: Thresholds, matcher: str = "", op: str = ">") -> str:
    """Age in seconds of every pushed group older than its threshold (with `op="> bool"`: 0/1 for every group)."""

    def comparison(matchers: str, threshold: str) -> str:
        pushed = _selector("push_time_seconds", matchers)
        # push_time_seconds is 0 for a group whose every push failed: that is SimplepipePushFailed's business.
        return f"(time() - {pushed}) {op} {threshold} and {pushed} > 0"

    return per_job_threshold(comparison, thresholds.group_stale_after_seconds,
                             thresholds.per_job("group_stale_after"), matcher)


def run_time_metric() -> str:
    """The standard run-time metric; its thresholds (thresholds.yaml) are seconds, so its unit must be too."""
    entry = catalogue()["run_time"]
    if entry.unit != "seconds":
        raise ValueError(f"standard metric {entry.name}: thresholds are in seconds, the metric in {entry.unit!r}")
    return entry.name


def run_time_high(thresholds: Thresholds, matcher: str = "", op: str = ">") -> str:
    def comparison(matchers: str, threshold: str) -> str:
        return f"{_selector(run_time_metric(), matchers)} {op} {threshold}"

    return per_job_threshold(comparison, thresholds.application_run_time_high_seconds,
                             thresholds.per_job("application_run_time_high_seconds"), matcher)


def alert_rules(thresholds: Thresholds | None = None) -> list[AlertRule]:
    thresholds = thresholds or load_thresholds()
    success, last_failure = catalogue()["job_success"].name, catalogue()["job_last_failure"].name
    return [
        AlertRule(
            alert="SimplepipePushFailed",
            expr="push_failure_time_seconds > push_time_seconds",
            for_="0s",
            severity="warning",
            summary="Push of job {{ $labels.job }} to tenant {{ $labels.tenant }}'s Pushgateway failed",
            description=(
                "The Pushgateway of tenant {{ $labels.tenant }} (namespace {{ $labels.namespace }}) rejected the "
                "latest push of job {{ $labels.job }} at {{ $value | humanizeTimestamp }}; the group still holds "
                "the values of its last successful push. The pushing step's log shows the gateway's answer."
            ),
        ),
        AlertRule(
            alert="SimplepipeGroupStale",
            expr=stale_groups(thresholds),
            for_="0s",
            severity="warning",
            summary="Job {{ $labels.job }} of tenant {{ $labels.tenant }} has not pushed for {{ $value | humanizeDuration }}",
            description=(
                "The group of job {{ $labels.job }} in tenant {{ $labels.tenant }}'s Pushgateway was last pushed "
                "{{ $value | humanizeDuration }} ago, longer than expected (dashboards/thresholds.yaml: "
                "group_stale_after). Either the job stopped running, or it was retired and its group should be "
                "deleted (`simplepipe delete --job {{ $labels.job }}`)."
            ),
        ),
        AlertRule(
            alert="SimplepipeJobFailed",
            expr=f"{success} == 0",
            for_="0s",
            severity="warning",
            summary="Job {{ $labels.job }} of tenant {{ $labels.tenant }} failed",
            description=(
                "Job {{ $labels.job }} of tenant {{ $labels.tenant }} (workflow {{ $labels.argo_workflow }}) "
                f"reported {success} 0: its code raised inside Simplepipe's reporter. "
                f"{last_failure} says when."
            ),
        ),
        AlertRule(
            alert="SimplepipePushgatewayDown",
            # The gateway targets' own `up`: `tenant` is a target label the platform sets (static_configs
            # locally, ServiceMonitor relabelings on kind); pushed `up` series are dropped at scrape.
            expr='up{tenant!=""} == 0',
            for_="1m",
            severity="critical",
            summary="Prometheus cannot scrape tenant {{ $labels.tenant }}'s Pushgateway (job {{ $labels.job }})",
            description=(
                "Scrape job {{ $labels.job }} of tenant {{ $labels.tenant }} failed for a minute: the tenant's "
                "pushes are not reaching Prometheus, and its dashboards go stale. `make status` shows whether "
                "the gateway runs; Prometheus' targets page shows the scrape error."
            ),
        ),
        AlertRule(
            alert="ApplicationRunTimeHigh",
            expr=run_time_high(thresholds),
            for_="0s",
            severity="warning",
            summary="Job {{ $labels.job }} of tenant {{ $labels.tenant }} ran for {{ $value | humanizeDuration }}",
            description=(
                "The latest run of job {{ $labels.job }} of tenant {{ $labels.tenant }} (workflow "
                "{{ $labels.argo_workflow }}) took {{ $value | humanizeDuration }}, above its expected bound "
                "(dashboards/thresholds.yaml: application_run_time_high_seconds)."
            ),
        ),
    ]


def rule_groups(thresholds: Thresholds | None = None) -> dict:
    """The rule groups, as both Prometheus' rule files and the PrometheusRule `spec` hold them."""
    return {"groups": [{"name": RULE_GROUP, "rules": [rule.to_rule() for rule in alert_rules(thresholds)]}]}
