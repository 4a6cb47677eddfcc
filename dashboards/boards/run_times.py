"""Administrator run times: every tenant's application run times, side by side, and the latest run per workflow."""
from __future__ import annotations

from dashboards.boards.common import TENANT, simplepipe_dashboard
from dashboards.catalogue import grafana_unit, per_job_table, selector, standard
from dashboards.panels import query, stat_panel, table_panel, timeseries_panel
from dashboards.rules import run_time_high
from dashboards.thresholds import load_thresholds
from simplepipe.standard_catalogue import Catalogue

UID = "simplepipe-run-times"


def dashboard(standard_catalogue: Catalogue | None = None):
    """`standard_catalogue`: another catalogue than the shipped one (tests of the per-job table)."""
    thresholds = load_thresholds()
    entry = standard("run_time")
    run_time, unit = selector(entry, TENANT), grafana_unit(entry)
    return (
        simplepipe_dashboard(UID, "Simplepipe / Administrator run times",
                             f"Application run times that tenants' workflows pushed ({entry.name}), and the "
                             "latest value of every standard metric per job.")
        .with_panel(stat_panel(
            "Latest run time per tenant",
            "The longest of each tenant's latest job run times.",
            [query(f"max by (tenant) ({run_time})", "{{tenant}}", instant=True)],
            unit=unit, width=10,
            steps=((None, "green"), (thresholds.application_run_time_high_seconds, "red")),
        ).id(1))
        .with_panel(stat_panel(
            "Workflow runs in range",
            "Argo workflows that reported a run time in the dashboard's time range.",
            [query(f"count(count by (tenant, argo_workflow) (last_over_time({run_time}[$__range])))",
                   "runs", instant=True)],
            unit="none", width=7,
        ).id(2))
        .with_panel(stat_panel(
            "Jobs over their run-time bound",
            "Jobs whose latest run time is above the ApplicationRunTimeHigh threshold (dashboards/thresholds.yaml).",
            [query(f"sum({run_time_high(thresholds, TENANT, op='> bool')})", "jobs", instant=True)],
            unit="none", width=7, steps=((None, "green"), (1, "red")),
        ).id(3))
        .with_panel(timeseries_panel(
            "Application run time per tenant and job",
            f"{entry.name} over time: one line per tenant and job; a step is a new run.",
            [query(f"max by (tenant, job) ({run_time})", "{{tenant}} · {{job}}")],
            unit=unit, width=24, height=9, minimum=0,
        ).id(4))
        .with_panel(table_panel(
            "Latest run per workflow",
            "The last run time every Argo workflow pushed in the time range.",
            [query(f"max by (tenant, job, argo_workflow) (last_over_time({run_time}[$__range]))",
                   instant=True, table_format=True)],
            columns={"tenant": "tenant", "job": "job", "argo_workflow": "argo_workflow", "Value": "run time"},
            units={"Value": unit}, width=24, height=8, sort_by="run time",
        ).id(5))
        .with_panel(per_job_table(6, TENANT, standard_catalogue))
    )
