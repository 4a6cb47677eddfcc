"""Live check: every dashboard panel shows the data the scenarios that ran produce, from a running Prometheus.

The e2e tests and tests/integration/test_dashboards_live_synthetic.py call
`check_all_panels(client, scenarios)` after the scenarios ran, with the administrator's client
(`Platform.prometheus()`). Who produces what comes from the scenarios' expect.yaml (a tenant produces the
metrics its scenarios' queries select) and from the platform (every tenant has its Pushgateway's and scrape
series; a tenant with scenarios also its groups' push_time_seconds, one without has none that the check can
count on):
- with every variable on "All", each query some tenant produces data for must return data, and a query
  no scenario produces data for is reported (nothing could ever fill it);
- with each tenant selected on its own, a panel whose data that tenant produces must not be empty;
  a panel over metrics the tenant does not push may be empty.
An empty panel is a problem that names the dashboard, the panel and the query Grafana would send.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
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
from harness.prometheus_api import PrometheusClient, PrometheusQueryError
from simplepipe.standard_catalogue import catalogue
from tests.support.promql_expressions import metric_names
from tests.support.scenario import Scenario, load_scenarios

DEFAULT_WINDOW_SECONDS = 3600.0
# The series every tenant that pushed anything has, whatever it pushed: the gateway's and the scrape's own.
EVERY_TENANTS_METRICS = frozenset(metric.name for metric in catalogue().platform)
# Of those, the ones each pushed group carries: a tenant with no group now (it never pushed, or every group was
# deleted, as the attack matrix does) has none of them; the rest come with its scraped gateway.
PER_GROUP_METRICS = frozenset({"push_time_seconds", "push_failure_time_seconds"})
TENANT_VARIABLE = "tenant"
# An expectation that holds without its metric (absent(...), `... or vector(0)`) is no evidence that it is pushed.
_HOLDS_WITHOUT_DATA = re.compile(r"\b(absent|absent_over_time|vector)\s*\(")


@dataclass(frozen=True)
class Producers:
    """Which tenant produces which metric, from the scenarios that ran."""

    metrics_by_tenant: dict[str, frozenset[str]]

    @classmethod
    def of(cls, scenarios: list[Scenario]) -> "Producers":
        """A tenant produces the metrics its scenarios' expectations select (`expect` and `during`)."""
        found: dict[str, set[str]] = {}
        for scenario in scenarios:
            metrics = found.setdefault(scenario.tenant, set())
            for expectation in (*scenario.expect, *scenario.during):
                if not _HOLDS_WITHOUT_DATA.search(expectation.query):
                    metrics |= metric_names(expectation.query)
        return cls({tenant: frozenset(metrics) for tenant, metrics in found.items()})

    def tenants_for(self, exprs: list[str]) -> set[str]:
        """Tenants whose data at least one of the expressions shows."""
        names = [metric_names(expr) for expr in exprs]
        if any(not selected or selected & EVERY_TENANTS_METRICS for selected in names):
            return set(self.metrics_by_tenant)
        return {tenant for tenant, metrics in self.metrics_by_tenant.items() if any(metrics & n for n in names)}

    def expects_data(self, exprs: list[str], tenant: str | None = None) -> bool:
        """Whether some tenant (or this one) produces what the expressions show; a tenant without scenarios
        (added to tenants.yaml, nothing of its own ran) still has its gateway's and its scrape's series, not
        the per-group ones."""
        if tenant is None:
            return bool(self.tenants_for(exprs))
        if tenant not in self.metrics_by_tenant:
            gateway = EVERY_TENANTS_METRICS - PER_GROUP_METRICS
            return any(not n or n & gateway for n in map(metric_names, exprs))
        return tenant in self.tenants_for(exprs)


def check_all_panels(client: PrometheusClient, scenarios: list[Scenario] | None = None, *,
                     window_seconds: float = DEFAULT_WINDOW_SECONDS, dashboards: list[dict] | None = None,
                     rendered_dir: Path | None = None) -> list[str]:
    """Problems found (empty list: every panel shows what the scenarios produce). Raises
    PrometheusUnreachableError if Prometheus is down.

    `client` is the administrator's (`Platform.prometheus()`: Grafana's main organisation sees every tenant);
    `scenarios` are those that ran (default: every scenario in scenarios/); `window_seconds` is the
    dashboards' time range ending now; `dashboards` defaults to the committed JSON.
    """
    producers = Producers.of(load_scenarios() if scenarios is None else scenarios)
    if dashboards is None:
        dashboards = load_rendered(rendered_dir) if rendered_dir else load_rendered()
    time_range = TimeRange.ending_now(client, window_seconds)
    problems: list[str] = []
    for model in dashboards:
        problems.extend(_check_dashboard(client, model, time_range, producers))
    return problems


def _check_dashboard(client: PrometheusClient, model: dict, time_range: TimeRange, producers: Producers) -> list[str]:
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
    single_selections = [(name, value) for name, values in choices.items() for value in values]
    for panel in panels(model):
        queries = panel_queries(model, panel)
        if not queries:
            problems.append(f"dashboard {model['title']!r}, panel {panel.get('title')!r}: has no query")
            continue
        for query in queries:
            if not producers.expects_data([query.expr]):
                problems.append(f"{query.where()}: no scenario produces any of {sorted(metric_names(query.expr))}, "
                                "so it can never show data (add a scenario whose expect.yaml checks one)")
                continue
            problem = _empty_or_failed(client, query, everything, time_range)
            if problem:
                problems.append(f"{query.where()} with every variable on All: {problem}")
        for name, value in single_selections:
            if not producers.expects_data([q.expr for q in queries], value if name == TENANT_VARIABLE else None):
                continue  # e.g. this tenant's scenarios push nothing this panel shows
            selection = {**everything, name: value}
            outcomes = [_empty_or_failed(client, query, selection, time_range) for query in queries]
            if all(outcomes):
                problems.append(f"dashboard {model['title']!r}, panel {queries[0].panel!r} is empty with "
                                f"{name}={value}: "
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
