"""Tenant overview: every pushed group of a tenant with its last push, staleness, failed pushes and job outcomes."""
from __future__ import annotations

from dashboards.boards.common import TENANT, simplepipe_dashboard
from dashboards.catalogue import selector, standard
from dashboards.panels import query, stat_panel, table_panel, timeseries_panel
from dashboards.rules import stale_groups
from dashboards.thresholds import load_thresholds

UID = "simplepipe-tenant-overview"
PUSHED = f"push_time_seconds{{{TENANT}}}"
FAILED = f"push_failure_time_seconds{{{TENANT}}}"
# The job outcome series are standard metrics (simplepipe/standard.yaml).
SUCCESS = selector(standard("job_success"), TENANT)
LAST_SUCCESS = selector(standard("job_last_success"), TENANT)
LAST_FAILURE = selector(standard("job_last_failure"), TENANT)
RED_FROM_ONE = ((None, "green"), (1, "red"))
YES_NO = {"0": ("no", "green"), "1": ("YES", "red")}


def dashboard():
    thresholds = load_thresholds()
    return (
        simplepipe_dashboard(UID, "Simplepipe / Tenant overview",
                             "Per tenant: the groups in its Pushgateway, when each was pushed, what went wrong.")
        .with_panel(stat_panel(
            "Pushed groups per tenant",
            "Groups (job + grouping key) in each tenant's Pushgateway.",
            [query(f"count by (tenant) ({PUSHED})", "{{tenant}}", instant=True)],
            unit="none", width=6,
        ).id(1))
        .with_panel(stat_panel(
            "Stale groups",
            "Groups not pushed for longer than SimplepipeGroupStale's threshold (dashboards/thresholds.yaml).",
            [query(f"sum({stale_groups(thresholds, TENANT, op='> bool')})", "stale", instant=True)],
            unit="none", width=6, steps=RED_FROM_ONE,
        ).id(2))
        .with_panel(stat_panel(
            "Failed pushes",
            "Groups whose latest push the Pushgateway rejected (push_failure_time_seconds > push_time_seconds).",
            [query(f"sum({FAILED} > bool {PUSHED})", "failed", instant=True)],
            unit="none", width=6, steps=RED_FROM_ONE,
        ).id(3))
        .with_panel(stat_panel(
            "Failed jobs",
            f"Jobs whose last run raised inside Simplepipe's reporter ({standard('job_success').name} == 0).",
            [query(f"sum({SUCCESS} == bool 0)", "failed", instant=True)],
            unit="none", width=6, steps=RED_FROM_ONE,
        ).id(4))
        .with_panel(table_panel(
            "Pushed groups",
            "Every group with its last successful push, its age, and whether its latest push failed or it is stale.",
            [
                query(f"max by (tenant, job) ({PUSHED}) * 1000", ref="A", instant=True, table_format=True),
                query(f"max by (tenant, job) (time() - {PUSHED})", ref="B", instant=True, table_format=True),
                query(f"max by (tenant, job) ({FAILED} > bool {PUSHED})", ref="C", instant=True, table_format=True),
                query(f"max by (tenant, job) ({stale_groups(thresholds, TENANT, op='> bool')})",
                      ref="D", instant=True, table_format=True),
            ],
            columns={"tenant": "tenant", "job": "job", "Value #A": "last push", "Value #B": "age",
                     "Value #C": "push failed", "Value #D": "stale"},
            units={"Value #A": "dateTimeAsIso", "Value #B": "s"},
            mappings={"Value #C": YES_NO, "Value #D": YES_NO},
            width=24, height=8,
        ).id(5))
        .with_panel(table_panel(
            "Job outcomes",
            "What Simplepipe's reporter recorded at the end of each job: success flag, last success, last failure.",
            [
                query(f"max by (tenant, job) ({SUCCESS})", ref="A", instant=True, table_format=True),
                query(f"max by (tenant, job) ({LAST_SUCCESS}) * 1000",
                      ref="B", instant=True, table_format=True),
                query(f"max by (tenant, job) ({LAST_FAILURE}) * 1000",
                      ref="C", instant=True, table_format=True),
            ],
            columns={"tenant": "tenant", "job": "job", "Value #A": "succeeded",
                     "Value #B": "last success", "Value #C": "last failure"},
            units={"Value #B": "dateTimeAsIso", "Value #C": "dateTimeAsIso"},
            mappings={"Value #A": {"0": ("FAILED", "red"), "1": ("yes", "green")}},
            width=12, height=8,
        ).id(6))
        .with_panel(timeseries_panel(
            "Seconds since last push",
            "Age of every group's last successful push; it resets to zero on each push.",
            [query(f"max by (tenant, job) (time() - {PUSHED} and {PUSHED} > 0)", "{{tenant}} · {{job}}")],
            unit="s", width=12, height=8, minimum=0,
        ).id(7))
    )
