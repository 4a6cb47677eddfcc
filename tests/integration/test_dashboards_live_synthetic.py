"""dashboards.live against a real Prometheus scraping real Pushgateways that hold scenario-like data.

Given two tenants' gateways scraped like the platform does (honor_labels, tenant stamped by
metric relabelling) and the groups the four scenarios push, when Prometheus has scraped them,
then every panel of every dashboard shows data, the rules load, and SimplepipeJobFailed fires.
"""
from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import yaml

from dashboards.build import PACKAGE_DIR, RULES_FILE
from dashboards.live import check_all_panels
from dashboards.panel_queries import load_rendered

pytestmark = pytest.mark.integration

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
PUSHGATEWAY = shutil.which("prometheus-pushgateway") or "/usr/bin/prometheus-pushgateway"
TENANTS = ("alice", "bob")
# What the scenarios push (contract: scenarios alice-app, bob-images, alice-training, bob-nightly-failing).
SCENARIO_GROUPS = {
    "alice": {
        "alice-app": 'application_run_time_seconds{argo_workflow="alice-app-x1b2c",argo_template="run"} 1.7\n'
                     'model_accuracy{argo_workflow="alice-app-x1b2c",argo_template="run"} 0.93\n',
        "alice-training": 'training_epoch{argo_workflow="alice-training-q9z8y",argo_template="train"} 5\n'
                          'training_reward{argo_workflow="alice-training-q9z8y",argo_template="train"} 0.8\n'
                          'simplepipe_job_success{argo_workflow="alice-training-q9z8y",argo_template="train"} 1\n'
                          'simplepipe_job_last_success_timestamp_seconds'
                          '{argo_workflow="alice-training-q9z8y",argo_template="train"} {now}\n',
    },
    "bob": {
        "bob-images": 'images_processed{argo_workflow="bob-images-m3n4o",argo_template="process"} 120\n'
                      'data_volume_bytes{argo_workflow="bob-images-m3n4o",argo_template="process"} 52428800\n'
                      'application_run_time_seconds{argo_workflow="bob-images-m3n4o",argo_template="process"} 3.2\n',
        "bob-nightly": 'simplepipe_job_success{argo_workflow="bob-nightly-k5l6m",argo_template="nightly"} 0\n'
                       'simplepipe_job_last_failure_timestamp_seconds'
                       '{argo_workflow="bob-nightly-k5l6m",argo_template="nightly"} {now}\n',
    },
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ready(url: str, process: subprocess.Popen, log: Path, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} not ready after {timeout}s:\n{log.read_text()[-2000:]}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _start(command: list[str], log: Path, ready_url: str, processes: list[subprocess.Popen]) -> None:
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    processes.append(process)
    _wait_ready(ready_url, process, log)


def _put(url: str, body: str) -> None:
    request = urllib.request.Request(url, data=body.encode(), method="PUT")
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status in (200, 202), response.status


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


@pytest.fixture(scope="module")
def prometheus_url(tmp_path_factory):
    """Prometheus on a free port, scraping one Pushgateway per tenant into which the scenarios' groups were pushed."""
    tmp = tmp_path_factory.mktemp("dashboards-live")
    processes: list[subprocess.Popen] = []
    try:
        gateways = {}
        for tenant in TENANTS:
            port = _free_port()
            gateways[tenant] = f"127.0.0.1:{port}"
            # Debian's gateway persists to a shared /var/lib file by default: memory only here.
            _start([PUSHGATEWAY, f"--web.listen-address=127.0.0.1:{port}", "--persistence.file="], tmp / f"pushgateway-{tenant}.log",
                   f"http://127.0.0.1:{port}/-/ready", processes)
        config = {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(PACKAGE_DIR / RULES_FILE)],
            "scrape_configs": [
                {
                    "job_name": f"pushgateway-{tenant}",
                    "honor_labels": True,
                    "static_configs": [{"targets": [address]}],
                    "metric_relabel_configs": [
                        {"target_label": "tenant", "replacement": tenant},
                        {"target_label": "namespace", "replacement": tenant},
                    ],
                }
                for tenant, address in gateways.items()
            ],
        }
        (tmp / "prometheus.yml").write_text(yaml.safe_dump(config))
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        _start([PROMETHEUS, f"--config.file={tmp / 'prometheus.yml'}", f"--storage.tsdb.path={tmp / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}"], tmp / "prometheus.log", f"{url}/-/ready", processes)
        # Pushed twice, each time seen by Prometheus, like a re-run: the push rate panels need an increase.
        groups = sum(len(by_job) for by_job in SCENARIO_GROUPS.values())
        _push_scenarios(gateways)
        _wait_for(url, f"count(push_time_seconds) == {groups}")
        _push_scenarios(gateways)
        _wait_for(url, f'count(changes(pushgateway_http_requests_total{{handler="push"}}[1m]) > 0) == {len(TENANTS)}')
        yield url
    finally:
        for process in reversed(processes):
            _stop(process)


def _push_scenarios(gateways: dict[str, str]) -> None:
    for tenant, groups in SCENARIO_GROUPS.items():
        for job, body in groups.items():
            _put(f"http://{gateways[tenant]}/metrics/job/{job}", body.replace("{now}", f"{time.time():.0f}"))


def _wait_for(url: str, query: str, timeout: float = 30.0) -> None:
    """Until the PromQL query returns a result (Prometheus discovers targets and scrapes within seconds)."""
    encoded = urllib.parse.urlencode({"query": query})
    deadline = time.monotonic() + timeout
    while not _get_json(f"{url}/api/v1/query?{encoded}")["data"]["result"]:
        if time.monotonic() > deadline:
            raise TimeoutError(f"Prometheus at {url}: no result for {query} within {timeout}s")
        time.sleep(0.5)


def _eventually(check, timeout: float = 20.0):
    """The check's last result once it is falsy (no problems), or after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if not result or time.monotonic() > deadline:
            return result
        time.sleep(1)


def test_every_panel_of_every_dashboard_shows_scenario_data(prometheus_url):
    problems = _eventually(lambda: check_all_panels(prometheus_url, window_seconds=120))
    assert problems == []


def test_a_panel_over_a_metric_nobody_pushes_is_reported_by_dashboard_and_panel(prometheus_url):
    model = load_rendered()[0]
    ghost = json.loads(json.dumps(model["panels"][-1]))
    ghost["title"] = "Ghost panel"
    ghost["targets"] = [{**ghost["targets"][0], "expr": 'sum by (tenant) (images_forgotten_total{tenant=~"$tenant"})'}]
    model["panels"].append(ghost)

    problems = check_all_panels(prometheus_url, window_seconds=120, dashboards=[model])

    ghost_problems = [p for p in problems if "'Ghost panel'" in p]
    assert ghost_problems, problems
    assert all(model["title"] in p and "images_forgotten_total" in p for p in ghost_problems)
    # Reported with "All" and for each tenant on its own.
    assert any("tenant=alice" in p for p in ghost_problems) and any("tenant=bob" in p for p in ghost_problems)


def test_rules_load_and_the_failed_job_fires_SimplepipeJobFailed(prometheus_url):
    groups = _get_json(f"{prometheus_url}/api/v1/rules")["data"]["groups"]
    assert {rule["name"] for group in groups for rule in group["rules"]} >= {
        "SimplepipePushFailed", "SimplepipeGroupStale", "SimplepipeJobFailed", "ApplicationRunTimeHigh"}

    def firing():
        return [a for a in _get_json(f"{prometheus_url}/api/v1/alerts")["data"]["alerts"] if a["state"] == "firing"]

    alerts = _eventually(lambda: not firing()) or firing()
    assert [(a["labels"]["alertname"], a["labels"]["tenant"], a["labels"]["job"]) for a in alerts] == [
        ("SimplepipeJobFailed", "bob", "bob-nightly")]
    assert "bob-nightly" in alerts[0]["annotations"]["summary"] and "bob" in alerts[0]["annotations"]["summary"]


def test_snapshot_draws_every_dashboard_from_live_data(prometheus_url, tmp_path):
    from dashboards.snapshot import snapshot_all

    snapshots = snapshot_all(prometheus_url, tmp_path, range_seconds=120)

    assert sorted(s.path.name for s in snapshots) == sorted(f"{m['uid']}.png" for m in load_rendered())
    for snapshot in snapshots:
        assert snapshot.path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", snapshot.path
        assert snapshot.empty_panels == [], snapshot.path
