"""The queries of every panel of the rendered dashboards, with Grafana's variables filled in as Grafana would."""
from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

from dashboards.build import PACKAGE_DIR, RENDERED_DIR
from dashboards.expressions import expand
from dashboards.thresholds import duration_seconds
from harness.prometheus_api import PrometheusClient

# How many points Grafana asks for across a time series panel (its maxDataPoints is about the panel's pixel width).
POINTS_PER_PANEL = 300
_LABEL_VALUES = re.compile(r"^\s*label_values\(\s*(?:(?P<match>.+?)\s*,\s*)?(?P<label>\w+)\s*\)\s*$")


@dataclass(frozen=True)
class PanelQuery:
    """One target of one panel: what Grafana sends to Prometheus for it."""

    dashboard: str
    panel: str
    ref: str
    expr: str
    instant: bool
    legend: str

    def where(self) -> str:
        return f"dashboard {self.dashboard!r}, panel {self.panel!r}, query {self.ref}"


@dataclass(frozen=True)
class TimeRange:
    start: float
    end: float
    step: float
    scrape_interval: float

    @classmethod
    def ending(cls, end: float, seconds: float, scrape_interval: float) -> "TimeRange":
        step = max(scrape_interval, round(seconds / POINTS_PER_PANEL))
        return cls(start=end - seconds, end=end, step=step, scrape_interval=scrape_interval)

    @classmethod
    def ending_now(cls, client: PrometheusClient, seconds: float) -> "TimeRange":
        """The last `seconds`, with the global scrape interval of the Prometheus `client` asks."""
        config = client.config()
        scrape_interval = duration_seconds(str((config.get("global") or {}).get("scrape_interval", "1m")))
        return cls.ending(time.time(), seconds, scrape_interval)

    def builtin_variables(self) -> dict[str, str]:
        """Grafana's global variables; $__rate_interval is max($__interval + scrape interval, 4 x scrape interval)."""
        rate_interval = max(self.step + self.scrape_interval, 4 * self.scrape_interval)
        seconds = round(self.end - self.start)
        return {
            "__range": f"{seconds}s",
            "__range_s": str(seconds),
            "__interval": f"{round(self.step)}s",
            "__rate_interval": f"{round(rate_interval)}s",
        }


def load_rendered(directory: Path = PACKAGE_DIR / RENDERED_DIR) -> list[dict]:
    """The committed dashboard JSON models: what Grafana is provisioned with."""
    return [json.loads(path.read_text()) for path in sorted(Path(directory).glob("*.json"))]


def panels(model: dict) -> list[dict]:
    """Every panel with queries, including those inside collapsed rows."""
    found = []
    for panel in model.get("panels", []):
        if panel.get("type") == "row":
            found.extend(panel.get("panels", []))
        else:
            found.append(panel)
    return found


def panel_queries(model: dict, panel: dict) -> list[PanelQuery]:
    return [
        PanelQuery(
            dashboard=model["title"],
            panel=panel.get("title", f"#{panel.get('id')}"),
            ref=target.get("refId", "A"),
            expr=target.get("expr", ""),
            instant=bool(target.get("instant")) and not target.get("range"),
            legend=target.get("legendFormat", ""),
        )
        for target in panel.get("targets", [])
        if not target.get("hide")
    ]


def query_variables(model: dict) -> list[dict]:
    """The dashboard's query variables (`$tenant`...); datasource variables only pick the Prometheus."""
    return [v for v in model.get("templating", {}).get("list", []) if v.get("type") == "query"]


def variable_values(client: PrometheusClient, variable: dict, time_range: TimeRange) -> list[str]:
    """Values the variable offers in Grafana's drop-down, from the data (`label_values(metric, label)`)."""
    query = variable.get("query")
    query = query.get("query", "") if isinstance(query, dict) else str(query or "")
    parsed = _LABEL_VALUES.match(query)
    if not parsed:
        raise ValueError(f"variable ${variable['name']}: only label_values(...) queries are supported, got {query!r}")
    return client.label_values(parsed["label"], parsed["match"], time_range.start, time_range.end)


def all_value(variable: dict, values: list[str]) -> str:
    """What Grafana substitutes when "All" is selected."""
    if variable.get("allValue"):
        return variable["allValue"]
    return "(" + "|".join(re.escape(v) for v in values) + ")"


def expanded(query: PanelQuery, variables: dict[str, str], time_range: TimeRange) -> str:
    """The expression exactly as Grafana sends it for these variable values and this time range."""
    return expand(query.expr, {**time_range.builtin_variables(), **variables})


def run(client: PrometheusClient, query: PanelQuery, variables: dict[str, str],
        time_range: TimeRange) -> list[dict]:
    """The series Prometheus returns for a panel query; range queries give `values`, instant ones `value`."""
    expr = expanded(query, variables, time_range)
    if query.instant:
        return client.query(expr, time=time_range.end)
    return client.query_range(expr, time_range.start, time_range.end, time_range.step)
