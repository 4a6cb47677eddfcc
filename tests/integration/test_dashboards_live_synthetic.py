"""tests.support.dashboards_live against a real Prometheus scraping real Pushgateways that hold scenario-like data.

Given two tenants' gateways scraped like the platform does (honor_labels, tenant stamped by
metric relabelling) and the groups the four scenarios push, when Prometheus has scraped them,
then every panel of every dashboard shows the data the scenarios produce, the rules load, and
SimplepipeJobFailed fires.
"""
from __future__ import annotations

import json
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path

import pytest

from dashboards.build import PACKAGE_DIR, RULES_FILE
from dashboards.panel_queries import load_rendered
from harness.local.binaries import installed
from harness.local.prometheus import prometheus_argv, prometheus_config, write_config
from harness.local.pushgateway import pushgateway_argv
from harness.net import HOST, free_port, http_ok
from harness.processes import SupervisedProcess
from harness.prometheus_api import PrometheusClient
from harness.tenants import Tenant
from harness.waiting import NotYet, holds_within
from tests.support.dashboards_live import check_all_panels
from tests.support.promql import non_empty, prometheus_alerts, rule_groups, wait_for
from tests.support.scenario import ExpectedValue, PromQLExpectation, Scenario, load_scenarios

PROMETHEUS = installed("prometheus")
PUSHGATEWAY = installed("pushgateway")
READY_TIMEOUT = 20.0
TENANTS = ("alice", "bob")
# What the scenarios push (contract: scenarios alice-app, bob-images, alice-training, bob-nightly-failing).
SCENARIO_GROUPS = {
    "alice": {
        "alice-app": 'application_run_time_seconds{argo_workflow="alice-app-x1b2c",argo_template="run"} 1.7\n'
                     'model_accuracy_ratio{argo_workflow="alice-app-x1b2c",argo_template="run"} 0.93\n'
                     'model_loss{argo_workflow="alice-app-x1b2c",argo_template="run"} 0.21\n',
        "alice-training": 'training_epoch{argo_workflow="alice-training-q9z8y",argo_template="train"} 5\n'
                          'training_reward{argo_workflow="alice-training-q9z8y",argo_template="train"} 0.8\n'
                          'process_memory_usage_bytes{argo_workflow="alice-training-q9z8y",argo_template="train"} 3e7\n'
                          'simplepipe_job_success{argo_workflow="alice-training-q9z8y",argo_template="train"} 1\n'
                          'simplepipe_job_last_success_timestamp_seconds'
                          '{argo_workflow="alice-training-q9z8y",argo_template="train"} {now}\n',
    },
    "bob": {
        "bob-images": '# TYPE items_processed_total counter\n'
                      'items_processed_total{argo_workflow="bob-images-m3n4o",argo_template="process",item="images"} 120\n'
                      '# TYPE data_processed_bytes_total counter\n'
                      'data_processed_bytes_total{argo_workflow="bob-images-m3n4o",argo_template="process"} 52428800\n'
                      'application_run_time_seconds{argo_workflow="bob-images-m3n4o",argo_template="process"} 3.2\n',
        "bob-nightly": 'simplepipe_job_success{argo_workflow="bob-nightly-k5l6m",argo_template="nightly"} 0\n'
                       'simplepipe_job_last_failure_timestamp_seconds'
                       '{argo_workflow="bob-nightly-k5l6m",argo_template="nightly"} {now}\n',
    },
}


def _put(url: str, body: str) -> None:
    request = urllib.request.Request(url, data=body.encode(), method="PUT")
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status in (200, 202), response.status


@pytest.fixture(scope="module")
def prometheus_url(tmp_path_factory):
    """Prometheus on a free port, scraping one Pushgateway per tenant into which the scenarios' groups were pushed."""
    tmp = tmp_path_factory.mktemp("dashboards-live")
    tenants = [Tenant(name=name, namespace=name, username=name, password="", local_port=0) for name in TENANTS]
    with ExitStack() as processes:
        gateways = {}
        for tenant in tenants:
            gateway = processes.enter_context(SupervisedProcess(
                f"pushgateway-{tenant.name}", pushgateway_argv(PUSHGATEWAY, None, "", 0),
                tmp / f"pushgateway-{tenant.name}.log"))
            gateways[tenant.name] = gateway.wait_listening(READY_TIMEOUT)
            ready = f"http://{HOST}:{gateways[tenant.name]}/-/ready"
            gateway.wait_ready(lambda url=ready: http_ok(url), READY_TIMEOUT, f"{ready} to answer 200")
        # Scraped as the local platform scrapes them (honor_labels, tenant stamped last), without basic auth.
        write_config(tmp / "prometheus.yml", prometheus_config(
            tenants, gateways, {}, scrape_interval="1s", evaluation_interval="1s",
            rule_files=str(PACKAGE_DIR / RULES_FILE)))
        port = free_port()
        url = f"http://{HOST}:{port}"
        prometheus = processes.enter_context(SupervisedProcess(
            "prometheus", prometheus_argv(PROMETHEUS, tmp / "prometheus.yml", tmp / "data", port),
            tmp / "prometheus.log"))
        prometheus.wait_ready(lambda: http_ok(f"{url}/-/ready"), READY_TIMEOUT, f"{url}/-/ready to answer 200")
        # Pushed twice, each time seen by Prometheus, like a re-run: the push rate panels need an increase.
        client = PrometheusClient(url)
        groups = sum(len(by_job) for by_job in SCENARIO_GROUPS.values())
        _push_scenarios(gateways)
        wait_for(client, f"count(push_time_seconds) == {groups}", non_empty, 30.0, what="a result")
        _push_scenarios(gateways)
        wait_for(client, f'count(changes(pushgateway_http_requests_total{{handler="push"}}[1m]) > 0) == {len(TENANTS)}',
                 non_empty, 30.0, what="a result")
        yield url


def _push_scenarios(gateways: dict[str, int]) -> None:
    for tenant, groups in SCENARIO_GROUPS.items():
        for job, body in groups.items():
            _put(f"http://{HOST}:{gateways[tenant]}/metrics/job/{job}", body.replace("{now}", f"{time.time():.0f}"))


def _eventually(check, timeout: float = 20.0):
    """The check's last result once it is falsy (no problems), or after `timeout` s."""
    last: list = []

    def no_problems() -> bool:
        last[:] = [check()]
        if last[0]:
            raise NotYet(f"{len(last[0])} problem(s)")
        return True

    holds_within(no_problems, timeout=timeout, poll=1, what="no problems")
    return last[0]


def test_every_panel_of_every_dashboard_shows_scenario_data(prometheus_url):
    problems = _eventually(lambda: check_all_panels(PrometheusClient(prometheus_url), window_seconds=120))
    assert problems == []


def _with_panel(title: str, expr: str) -> dict:
    """The first dashboard with one more panel, a copy of its last, over `expr`."""
    model = load_rendered()[0]
    panel = json.loads(json.dumps(model["panels"][-1]))
    panel["title"] = title
    panel["targets"] = [{**panel["targets"][0], "expr": expr}]
    model["panels"].append(panel)
    return model


def test_a_panel_over_a_metric_no_scenario_pushes_is_reported_by_dashboard_and_panel(prometheus_url):
    model = _with_panel("Ghost panel", 'sum by (tenant) (images_forgotten_total{tenant=~"$tenant"})')

    problems = check_all_panels(PrometheusClient(prometheus_url), window_seconds=120, dashboards=[model])

    ghost_problems = [p for p in problems if "'Ghost panel'" in p]
    assert len(ghost_problems) == 1, problems
    assert model["title"] in ghost_problems[0] and "no scenario produces any of ['images_forgotten_total']" in \
        ghost_problems[0]


def test_a_panel_over_one_tenants_metric_is_checked_for_that_tenant_only(prometheus_url):
    # Given a panel over data_processed_bytes_total, which only Bob's scenario (bob-images) pushes
    model = _with_panel("Images", 'sum by (tenant) (data_processed_bytes_total{tenant=~"$tenant"})')
    scenarios = load_scenarios()

    # When the panel is checked against the scenarios that ran
    problems = check_all_panels(PrometheusClient(prometheus_url), scenarios, window_seconds=120, dashboards=[model])

    # Then it is not empty for Bob, and its being empty for Alice is no problem
    assert [p for p in problems if "'Images'" in p] == []

    # But when a scenario of Alice's said she pushes it too, her empty panel is reported, and only hers
    alice_images = Scenario(name="alice-images", directory=Path("alice-images"), tenant="alice", description="",
                            timeout_seconds=1, phase="Succeeded", during=(),
                            expect=(PromQLExpectation('data_processed_bytes_total{tenant="alice"}', ExpectedValue(min=1)),))
    problems = check_all_panels(PrometheusClient(prometheus_url), [*scenarios, alice_images], window_seconds=120,
                                dashboards=[model])
    images_problems = [p for p in problems if "'Images'" in p]
    assert len(images_problems) == 1 and "is empty with tenant=alice" in images_problems[0], problems


def test_rules_load_and_the_failed_job_fires_SimplepipeJobFailed(prometheus_url):
    prometheus = PrometheusClient(prometheus_url)
    groups = rule_groups(prometheus)
    assert {rule["name"] for group in groups for rule in group["rules"]} >= {
        "SimplepipePushFailed", "SimplepipeGroupStale", "SimplepipeJobFailed", "ApplicationRunTimeHigh"}

    def firing():
        return [a for a in prometheus_alerts(prometheus) if a["state"] == "firing"]

    alerts = _eventually(lambda: not firing()) or firing()
    assert [(a["labels"]["alertname"], a["labels"]["tenant"], a["labels"]["job"]) for a in alerts] == [
        ("SimplepipeJobFailed", "bob", "bob-nightly")]
    assert "bob-nightly" in alerts[0]["annotations"]["summary"] and "bob" in alerts[0]["annotations"]["summary"]


def test_snapshot_draws_every_dashboard_from_live_data(prometheus_url, tmp_path):
    from dashboards.snapshot import snapshot_all

    snapshots = snapshot_all(PrometheusClient(prometheus_url), tmp_path, range_seconds=120)

    assert sorted(s.path.name for s in snapshots) == sorted(f"{m['uid']}.png" for m in load_rendered())
    for snapshot in snapshots:
        assert snapshot.path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", snapshot.path
        assert snapshot.empty_panels == [], snapshot.path
