"""What the dashboards take from the standard metrics catalogue (simplepipe/standard.yaml).

Metric names, Grafana units, and the "Standard metrics per job" table: one column for every
catalogue entry with a panel hint, so a new entry appears after `make dashboards`.
"""
from __future__ import annotations

import string

from dashboards.panels import query, table_panel
from simplepipe.standard_catalogue import Catalogue, StandardMetric, catalogue

# Grafana's unit ids for the catalogue's Prometheus units, where an entry has no panel hint.
GRAFANA_UNITS = {"seconds": "s", "bytes": "bytes", "ratio": "percentunit", "": "none"}


def standard(metric_id: str) -> StandardMetric:
    return catalogue()[metric_id]


def grafana_unit(entry: StandardMetric) -> str:
    return entry.panel.unit if entry.panel else GRAFANA_UNITS[entry.unit]


def selector(entry: StandardMetric, matcher: str) -> str:
    return f"{entry.name}{{{matcher}}}"


def latest_per_job(entry: StandardMetric, matcher: str) -> str:
    """The latest value each job pushed in the dashboard's range (a histogram: its mean observation)."""
    if entry.type == "histogram":
        def last(sample: str) -> str:
            return f"last_over_time({entry.name}_{sample}{{{matcher}}}[$__range])"
        return f"max by (tenant, job) ({last('sum')} / {last('count')})"
    return f"max by (tenant, job) (last_over_time({selector(entry, matcher)}[$__range]))"


def per_job_table(panel_id: int, matcher: str, standard_catalogue: Catalogue | None = None, *, width: int = 24,
                  height: int = 8):
    """A table with a row per (tenant, job) and a column per catalogue entry with a panel hint; `matcher`
    filters every query (the dashboard's tenant filter)."""
    entries = (standard_catalogue or catalogue()).with_panel()
    if len(entries) > len(string.ascii_uppercase):
        raise ValueError(f"{len(entries)} catalogue entries with a panel hint: one table holds at most 26")
    refs = string.ascii_uppercase[: len(entries)]
    columns = {"tenant": "tenant", "job": "job"}
    columns.update({f"Value #{ref}": entry.panel.header for ref, entry in zip(refs, entries)})
    return table_panel(
        "Standard metrics per job",
        "The latest value of every standard metric (`simplepipe standard`) each job pushed in the time range; "
        "an empty cell: the job does not report that metric.",
        [query(latest_per_job(entry, matcher), ref=ref, instant=True, table_format=True) for ref, entry in zip(refs, entries)],
        columns=columns,
        units={f"Value #{ref}": grafana_unit(entry) for ref, entry in zip(refs, entries)},
        width=width, height=height,
    ).id(panel_id)
