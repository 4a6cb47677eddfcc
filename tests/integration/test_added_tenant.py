"""A tenant added to tenants.yaml with a scenario of its own: given one more tenant, carol, and her scenario next to
the repository's, when every scenario has run on a local platform built from that tenants file, then each
scenario's PromQL holds and every dashboard panel shows what its tenants produce (carol pushes none of the
run-time or job-outcome metrics the others do). Where tenants.yaml already has a carol (someone added her), the
added tenant takes the first free name of carol2, carol3, ...

A test of the harness on a throwaway platform of its own (not of the platform `make up` started): `make test`
runs it, `make e2e` does not, so the e2e values table shows each expectation once."""
from __future__ import annotations

import shutil

import pytest
import yaml

from harness.net import free_port
from harness.tenants import TENANTS_FILE, load_tenants
from tests.e2e.e2e_story import Given
from tests.support.scenario import SCENARIOS_DIR
from tests.support.tenants import one_more_tenant
from tests.support.throwaway import throwaway_platform

pytestmark = [pytest.mark.timeout(300)]

CAROL = {"name": "carol", "namespace": "carol",
         "pushgateway": {"username": "carol", "password": "carol-test-password", "local_port": None}}

# Carol's report job writes Simplepipe JSON; a Simplepipe step pushes it, as in alice-app.
CAROL_WORKFLOW = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Workflow",
    "metadata": {"generateName": "carol-report-"},
    "spec": {
        "entrypoint": "main",
        "serviceAccountName": "simplepipe-workflow",
        "activeDeadlineSeconds": 300,
        "templates": [
            {"name": "main", "steps": [
                [{"name": "report", "template": "report"}],
                [{"name": "push-metrics", "template": "simplepipe-push", "arguments": {"artifacts": [
                    {"name": "metrics", "from": "{{steps.report.outputs.artifacts.metrics}}"}]}}],
            ]},
            {"name": "report", "activeDeadlineSeconds": 120, "script": {
                "image": "python:3.11-slim", "command": ["python3"],
                "source": "import json\n"
                          "metrics = [{'name': 'rows_reported', 'metric_type': 'gauge', 'value': 42,\n"
                          "            'description': 'Rows in Carol\\'s report'}]\n"
                          "json.dump(metrics, open('/tmp/metric.json', 'w'))\n"},
             "outputs": {"artifacts": [{"name": "metrics", "path": "/tmp/metric.json"}]}},
            {"name": "simplepipe-push", "activeDeadlineSeconds": 120,
             "inputs": {"artifacts": [{"name": "metrics", "path": "/tmp/metric-in.json"}]},
             "container": {
                 "image": "ghcr.io/simplepipe/simplepipe:0.1.0", "command": ["simplepipe"],
                 "args": ["push", "/tmp/metric-in.json", "--job", "carol-report"],
                 "env": [
                     {"name": "SIMPLEPIPE_PUSHGATEWAY_URL",
                      "valueFrom": {"configMapKeyRef": {"name": "simplepipe-config", "key": "pushgateway-url"}}},
                     {"name": "SIMPLEPIPE_PUSHGATEWAY_USERNAME",
                      "valueFrom": {"secretKeyRef": {"name": "simplepipe-credentials", "key": "username"}}},
                     {"name": "SIMPLEPIPE_PUSHGATEWAY_PASSWORD",
                      "valueFrom": {"secretKeyRef": {"name": "simplepipe-credentials", "key": "password"}}},
                 ]}},
        ],
    },
}

CAROL_EXPECT = {
    "tenant": "carol",
    "description": "Carol, a tenant added to tenants.yaml, reports rows through Simplepipe",
    "timeout_seconds": 120,
    "expect": [
        {"query": 'rows_reported{tenant="carol", job="carol-report"}', "value": 42,
         "labels": {"tenant": "carol", "namespace": "carol", "job": "carol-report"}},
        # Series without an argo_workflow label: judged on their value alone.
        {"query": 'sum(rows_reported{tenant="carol"})', "value": 42},
        {"query": 'absent(rows_rejected{tenant="carol"})', "value": 1},
        {"query": 'count(rows_rejected{tenant="carol"}) or vector(0)', "value": 0},
    ],
}


def as_added(data: dict, name: str) -> dict:
    """CAROL, CAROL_WORKFLOW or CAROL_EXPECT for the added tenant's name."""
    return yaml.safe_load(yaml.safe_dump(data).replace("carol", name).replace("Carol", name.title()))


@pytest.fixture(scope="module")
def three_tenants(tmp_path_factory):
    """tenants.yaml + carol, and scenarios/ + carol-report, in a temp folder; a local platform built from them."""
    tmp = tmp_path_factory.mktemp("three-tenants")
    tenants_file = tmp / "tenants.yaml"
    document = yaml.safe_load(TENANTS_FILE.read_text())
    name = one_more_tenant(load_tenants()).name
    carol = as_added(CAROL, name)
    carol["pushgateway"]["local_port"] = free_port()
    tenants_file.write_text(yaml.safe_dump({"tenants": [*document["tenants"], carol]}, sort_keys=False))
    scenarios = tmp / "scenarios"
    shutil.copytree(SCENARIOS_DIR, scenarios)
    scenario = scenarios / f"{name}-report"
    scenario.mkdir()
    (scenario / "workflow.yaml").write_text(yaml.safe_dump(as_added(CAROL_WORKFLOW, name), sort_keys=False))
    (scenario / "expect.yaml").write_text(yaml.safe_dump(as_added(CAROL_EXPECT, name), sort_keys=False))
    tenants = load_tenants(tenants_file)
    with throwaway_platform(tmp / "platform", tenants) as platform:
        yield Given(platform, backend="local", tenants=tenants, scenarios_root=scenarios)


def test_a_third_tenant_with_its_own_scenario_runs_next_to_the_others_on_a_local_platform(three_tenants):
    given = three_tenants
    added = given.tenants[-1].name
    assert [t.name for t in given.tenants] == [t.name for t in load_tenants()] + [added]

    (given.every_scenario()
     .when().submitted().observed_while_running().finished()
     .then().phase_as_expected().expectations_hold().every_panel_shows_its_data())

    assert f"{added}-report" in {s.scenario.name for s in given.submissions}
