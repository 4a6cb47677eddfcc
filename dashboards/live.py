"""Live check: every query of every dashboard panel returns data from a running Prometheus.

The e2e tests call `check_all_panels(prometheus_url)` after the scenarios ran:
- with every variable on "All", each query of each panel must return data;
- with each tenant selected on its own, no panel may be empty.
An empty panel is a problem that names the dashboard, the panel and the query Grafana would send.
"""
from __future__ import annotations

from pathlib import Path

from dashboards.panel_queries import (
    PanelQuery,
    TimeRange,
    all_value,
    expanded,
    load_rendered,
    panel_queries,
    panels,
    query_variables,
    run,
    variable_values,
)
from harness.promql import PrometheusClient, PrometheusQueryError

DEFAULT_WINDOW_SECONDS = 3600.0


def check_all_panels(prometheus_url: str, *, window_seconds: float = DEFAULT_WINDOW_SECONDS,
                     dashboards: list[dict] | None = None, rendered_dir: Path | None = None) -> list[str]:
    """Problems found (empty list: every panel shows data). Raises PrometheusUnreachableError if Prometheus is down.

    `window_seconds` is the dashboards' time range ending now; `dashboards` defaults to the committed JSON.
    """
    client = PrometheusClient(prometheus_url)
    if dashboards is None:
        dashboards = load_rendered(rendered_dir) if rendered_dir else load_rendered()
    time_range = TimeRange.ending_now(client, window_seconds)
    problems: list[str] = []
    for model in dashboards:
        problems.extend(_check_dashboard(client, model, time_range))
    return problems


def _check_dashboard(client: PrometheusClient, model: dict, time_range: TimeRange) -> list[str]:
    problems = []
    variables = query_variables(model)
    choices: dict[str, list[str]] = {}
    for variable in variables:
        values = variable_values(client, variable, time_range)
        if not values:
            problems.append(f"dashboard {model['title']!r}: variable ${variable['name']} has no values "
                            f"({variable.get('query')!r} is empty)")
        choices[variable["name"]] = values
    everything = {v["name"]: all_value(v, choices[v["name"]]) for v in variables}
    # One variable at a time on a single value, the others on "All": what a user clicking through sees.
    single_selections = [
        {**everything, name: value} for name, values in choices.items() for value in values
    ]
    for panel in panels(model):
        queries = panel_queries(model, panel)
        if not queries:
            problems.append(f"dashboard {model['title']!r}, panel {panel.get('title')!r}: has no query")
            continue
        for query in queries:
            problem = _empty_or_failed(client, query, everything, time_range)
            if problem:
                problems.append(f"{query.where()} with every variable on All: {problem}")
        for selection in single_selections:
            outcomes = [_empty_or_failed(client, query, selection, time_range) for query in queries]
            if all(outcomes):
                chosen = ", ".join(f"{k}={v}" for k, v in selection.items() if v != everything[k])
                problems.append(f"dashboard {model['title']!r}, panel {queries[0].panel!r} is empty with {chosen}: "
                                + "; ".join(f"query {q.ref}: {o}" for q, o in zip(queries, outcomes)))
    return problems


def _empty_or_failed(client: PrometheusClient, query: PanelQuery, variables: dict[str, str],
                     time_range: TimeRange) -> str | None:
    """None when the query returns data, else what went wrong (with the expression Grafana would send)."""
    expr = expanded(query, variables, time_range)
    try:
        series = run(client, query, variables, time_range)
    except PrometheusQueryError as exc:
        return f"Prometheus refused `{expr}`: {exc}"
    if not any(s.get("values") or s.get("value") for s in series):
        return f"no data for `{expr}`"
    return None
