"""The committed dashboards, rules and manifests are what `make dashboards` renders, and make sense."""
from __future__ import annotations

import json

import pytest
import yaml
from grafana_foundation_sdk.cog.encoder import JSONEncoder

from dashboards import build, kubernetes
from dashboards.boards import run_times
from dashboards.panel_queries import load_rendered, panel_queries, panels
from dashboards.rules import rule_groups
from simplepipe.standard_catalogue import CATALOGUE_FILE, catalogue, load_catalogue
from tests.support.promql_expressions import metric_names

# What dashboards and rules may read: the standard catalogue's series and the platform's own.
KNOWN_METRICS = (frozenset(name for metric in catalogue().metrics for name in metric.sample_names())
                 | {metric.name for metric in catalogue().platform})
MODELS = load_rendered()
PANELS = [(model, panel) for model in MODELS for panel in panels(model)]


def _id(item) -> str:
    model, panel = item
    return f"{model['uid']}:{panel.get('title')}"


def test_committed_files_are_not_stale(tmp_path):
    build.write(tmp_path)
    generated = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    stale = [str(path) for path in generated if (build.PACKAGE_DIR / path).read_text() != (tmp_path / path).read_text()]
    assert stale == [], f"run `make dashboards` and commit: {stale}"
    committed = sorted(p.relative_to(build.PACKAGE_DIR) for p in (build.PACKAGE_DIR / build.RENDERED_DIR).glob("*"))
    assert committed == [p for p in generated if p.parts[0] == build.RENDERED_DIR], "rendered/ has leftovers"


def test_the_three_dashboards_exist():
    assert {m["uid"] for m in MODELS} >= {
        "simplepipe-run-times", "simplepipe-tenant-overview", "simplepipe-platform-health"}


@pytest.mark.parametrize("item", PANELS, ids=_id)
def test_every_panel_has_a_query(item):
    model, panel = item
    queries = panel_queries(model, panel)
    assert queries and all(q.expr.strip() for q in queries)
    assert panel["type"] in ("timeseries", "stat", "table"), "make snapshot draws only these"


def test_the_known_metrics_are_the_catalogues_samples_and_the_platforms_series():
    assert {"application_run_time_seconds", "operation_duration_seconds_bucket", "push_time_seconds", "up"} \
        <= KNOWN_METRICS


@pytest.mark.parametrize("item", PANELS, ids=_id)
def test_queries_use_only_metrics_the_platform_produces(item):
    model, panel = item
    used = set().union(*(metric_names(q.expr) for q in panel_queries(model, panel)))
    assert used <= KNOWN_METRICS, f"unknown metrics: {sorted(used - KNOWN_METRICS)}"


def test_the_per_job_table_has_a_column_per_catalogue_entry_with_a_panel_hint():
    model = next(m for m in MODELS if m["uid"] == "simplepipe-run-times")
    table = next(p for p in panels(model) if p["title"] == "Standard metrics per job")
    read = set().union(*(metric_names(q.expr) for q in panel_queries(model, table)))
    assert read == {e.name for e in catalogue().with_panel()}
    units = {o["matcher"]["options"]: o["properties"][0]["value"] for o in table["fieldConfig"]["overrides"]}
    assert units == {e.panel.header: e.panel.unit for e in catalogue().with_panel()}


def test_a_new_catalogue_entry_with_a_panel_hint_becomes_a_column(tmp_path):
    data = yaml.safe_load(CATALOGUE_FILE.read_text())
    data["metrics"].append({
        "id": "rows_rejected", "name": "rows_rejected_total", "type": "counter", "unit": "", "help": "Rows refused.",
        "question": "How many rows were refused?", "labels": {"required": [], "optional": []},
        "provenance": "a test", "panel": {"header": "rejected", "unit": "none"}})
    path = tmp_path / "standard.yaml"
    path.write_text(yaml.safe_dump(data))
    model = json.loads(json.dumps(run_times.dashboard(load_catalogue(path)).build(), cls=JSONEncoder))
    table = next(p for p in panels(model) if p["title"] == "Standard metrics per job")
    assert any("rows_rejected_total" in q.expr for q in panel_queries(model, table))
    assert "rejected" in table["transformations"][-1]["options"]["renameByName"].values()


def test_rules_use_only_metrics_the_platform_produces():
    for rule in rule_groups()["groups"][0]["rules"]:
        assert metric_names(rule["expr"]) <= KNOWN_METRICS, rule["alert"]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m["uid"])
def test_panels_tile_the_grid_without_overlap(model):
    cells: dict[tuple[int, int], str] = {}
    ids = [panel["id"] for panel in panels(model)]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    for panel in panels(model):
        grid = panel["gridPos"]
        assert 0 <= grid["x"] and grid["x"] + grid["w"] <= 24, panel["title"]
        for x in range(grid["x"], grid["x"] + grid["w"]):
            for y in range(grid["y"], grid["y"] + grid["h"]):
                assert (x, y) not in cells, f"{panel['title']} overlaps {cells[(x, y)]}"
                cells[(x, y)] = panel["title"]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m["uid"])
def test_panels_read_the_datasource_variable_and_filter_by_tenant(model):
    assert [v["name"] for v in model["templating"]["list"]] == ["datasource", "tenant"]
    for panel in panels(model):
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        assert all("$tenant" in q.expr for q in panel_queries(model, panel)), panel["title"]


def test_kind_manifests_carry_the_same_dashboards_and_rules():
    directory = build.PACKAGE_DIR / build.KUBERNETES_DIR
    config_maps = list(yaml.safe_load_all((directory / "grafana-dashboards.yaml").read_text()))
    assert {cm["metadata"]["labels"]["grafana_dashboard"] for cm in config_maps} == {"1"}
    provisioned = [json.loads(text) for cm in config_maps for text in cm["data"].values()]
    assert sorted(provisioned, key=lambda m: m["uid"]) == sorted(MODELS, key=lambda m: m["uid"])
    rule = yaml.safe_load((directory / "prometheus-rule.yaml").read_text())
    local = yaml.safe_load((build.PACKAGE_DIR / build.RULES_FILE).read_text())
    assert rule["kind"] == "PrometheusRule"
    # The same rules; on kind each group also carries its own evaluation interval.
    assert [g.pop("interval") for g in rule["spec"]["groups"]] == [kubernetes.RULE_EVALUATION_INTERVAL] * len(
        local["groups"])
    assert rule["spec"] == local
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    assert kustomization["namespace"] == kubernetes.NAMESPACE
    assert all((directory / resource).is_file() for resource in kustomization["resources"])
