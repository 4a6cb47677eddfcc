"""What `make snapshot` shows: values as Grafana formats them, tables as Grafana merges and organizes them."""
from __future__ import annotations

import pytest

from dashboards import display
from dashboards.panel_queries import PanelQuery, load_rendered, panels
from dashboards.snapshot import PrometheusNotFoundError, cell_text, prometheus_of, table_rows


@pytest.mark.parametrize(("value", "unit", "shown"), [
    (1.7, "s", "1.7 s"), (0.05, "s", "50 ms"), (900, "s", "15 min"), (52428800, "bytes", "50 MiB"),
    (3, "none", "3"), (12345, "none", "12.3 K"), (0.5, "reqps", "0.5 req/s"),
])
def test_values_are_formatted_by_unit(value, unit, shown):
    assert display.format_value(value, unit) == shown


def test_legend_format_and_threshold_colours():
    assert display.legend_name("{{tenant}} · {{job}}", {"tenant": "bob", "job": "bob-images"}) == "bob · bob-images"
    steps = [{"value": None, "color": "green"}, {"value": 1, "color": "red"}]
    assert display.threshold_color(0, steps) == display.color("green")
    assert display.threshold_color(2, steps) == display.color("red")


def test_pushed_groups_table_merges_its_queries_into_one_row_per_group():
    model = next(m for m in load_rendered() if m["uid"] == "simplepipe-tenant-overview")
    panel = next(p for p in panels(model) if p["title"] == "Pushed groups")
    group = {"tenant": "bob", "job": "bob-nightly"}
    series = {ref: (PanelQuery(model["title"], panel["title"], ref, "", True, ""),
                    [{"metric": group, "value": [0, value]}])
              for ref, value in (("A", "1795681255000"), ("B", "12"), ("C", "1"), ("D", "0"))}

    header, rows = table_rows(panel, series)

    assert header == ["tenant", "job", "last push", "age", "push failed", "stale"]
    assert len(rows) == 1 and rows[0]["tenant"] == "bob" and rows[0]["age"] == 12
    mappings = {o["matcher"]["options"]: {p["id"]: p["value"] for p in o["properties"]}
                for o in panel["fieldConfig"]["overrides"]}
    assert cell_text(rows[0]["push failed"], mappings["push failed"]) == ("YES", display.color("red"))
    assert cell_text(rows[0]["age"], mappings["age"]) == ("12 s", display.TEXT)


def test_prometheus_comes_from_the_environment_or_the_running_platform(tmp_path, monkeypatch):
    monkeypatch.delenv("PROMETHEUS_URL", raising=False)
    with pytest.raises(PrometheusNotFoundError, match="make up PLATFORM=local"):
        prometheus_of("local", tmp_path)  # no platform runs from this state folder
    monkeypatch.setenv("PROMETHEUS_URL", "http://127.0.0.1:2")
    assert prometheus_of("local", tmp_path).url == "http://127.0.0.1:2"

