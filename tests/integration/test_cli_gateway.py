"""The `simplepipe` command and the seed's `python3 app.py FILE JOB` against a real Pushgateway."""
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from harness.net import free_port
from tests.support.tools import SIMPLEPIPE

REPO = Path(__file__).resolve().parents[2]
SEED = [{"name": "example_metric", "description": "metric for example purposes", "value": 0, "metric_type": "gauge"},
        {"name": "images", "description": "numeric string", "value": "6", "metric_type": "gauge"}]


def run(args, env=None, cwd=None, stdin=None):
    base = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run(args, env={**base, **(env or {})}, cwd=cwd, input=stdin, capture_output=True, text=True,
                          timeout=60)


@pytest.fixture
def metrics_file(tmp_path):
    path = tmp_path / "metric-in.json"
    path.write_text(json.dumps(SEED))
    return path


def job():
    return f"cli-{uuid.uuid4().hex[:8]}"


def test_push_and_read_back(pushgateway, metrics_file):
    name = job()
    result = run([SIMPLEPIPE, "push", str(metrics_file), "--job", name, "--group", "stage=train/eval"],
                 {"SIMPLEPIPE_PUSHGATEWAY_URL": pushgateway.url})
    assert result.returncode == 0, result.stderr
    back = pushgateway.read_back(name, stage="train/eval")
    assert back["images"][2] == {frozenset(): 6.0}
    assert back["example_metric"][1] == "metric for example purposes"


def test_legacy_app_py_with_push_gateway_hostname(pushgateway, metrics_file, tmp_path):
    # The image runs `python3 app.py FILE JOB` from /app with the address as host:port.
    app_dir = tmp_path / "app"
    app_dir.mkdir()
    shutil.copy(REPO / "simplepipe" / "app.py", app_dir / "app.py")
    result = run([sys.executable, "app.py", str(metrics_file), "simple"],
                 {"PUSH_GATEWAY_HOSTNAME": pushgateway.url.removeprefix("http://")}, cwd=app_dir)
    assert result.returncode == 0, result.stderr
    assert pushgateway.read_back("simple")["example_metric"][2] == {frozenset(): 0.0}


def test_stdin_and_post(pushgateway):
    name = job()
    env = {"SIMPLEPIPE_PUSHGATEWAY_URL": pushgateway.url}
    assert run([SIMPLEPIPE, "push", "-", "--job", name], env, stdin="a 1\nb 2\n").returncode == 0
    assert run([SIMPLEPIPE, "push", "-", "--job", name, "--method", "post"], env, stdin="a 5\n").returncode == 0
    back = pushgateway.read_back(name)
    assert (back["a"][2], back["b"][2]) == ({frozenset(): 5.0}, {frozenset(): 2.0})


def test_delete(pushgateway, metrics_file):
    name = job()
    env = {"SIMPLEPIPE_PUSHGATEWAY_URL": pushgateway.url}
    assert run([SIMPLEPIPE, "push", str(metrics_file), "--job", name], env).returncode == 0
    assert run([SIMPLEPIPE, "delete", "--job", name], env).returncode == 0
    assert pushgateway.group(name) is None


def test_workflow_identity_labels_and_off_switch(pushgateway, metrics_file):
    argo = {"SIMPLEPIPE_PUSHGATEWAY_URL": pushgateway.url, "ARGO_NODE_ID": "alice-app-x7k2p-3021520121",
            "ARGO_TEMPLATE": json.dumps({"name": "push-metrics", "container": {}}), "ARGO_CONTAINER_NAME": "main"}
    name = job()
    assert run([SIMPLEPIPE, "push", str(metrics_file), "--job", name], argo).returncode == 0
    labels = dict(next(iter(pushgateway.read_back(name)["images"][2])))
    assert labels == {"argo_workflow": "alice-app-x7k2p", "argo_template": "push-metrics"}
    name = job()
    assert run([SIMPLEPIPE, "push", str(metrics_file), "--job", name], {**argo, "SIMPLEPIPE_WORKFLOW_IDENTITY": "off"}).returncode == 0
    assert pushgateway.read_back(name)["images"][2] == {frozenset(): 6.0}


def test_invalid_file_exit_3_and_nothing_pushed(pushgateway, tmp_path):
    name = job()
    path = tmp_path / "metrics.json"
    path.write_text(json.dumps(SEED + [{"name": "x", "value": "abc", "metric_type": "gauge"}]))
    result = run([SIMPLEPIPE, "push", str(path), "--job", name], {"SIMPLEPIPE_PUSHGATEWAY_URL": pushgateway.url})
    assert result.returncode == 3
    assert result.stderr.strip().endswith("item 2 (name 'x'): field 'value': 'abc' is not a number")
    assert pushgateway.group(name) is None


def test_refused_exit_5_shows_the_gateway_body(pushgateway, tmp_path):
    env = {"SIMPLEPIPE_PUSHGATEWAY_URL": pushgateway.url}
    (tmp_path / "a.json").write_text(json.dumps([{"name": "cliclash_total", "value": 1}]))
    (tmp_path / "b.json").write_text(json.dumps([{"name": "cliclash", "value": 1, "metric_type": "counter"}]))
    assert run([SIMPLEPIPE, "push", str(tmp_path / "a.json"), "--job", job()], env).returncode == 0
    result = run([SIMPLEPIPE, "push", str(tmp_path / "b.json"), "--job", job()], env)
    assert result.returncode == 5
    assert "HTTP 400: pushed metrics are invalid or inconsistent with existing metrics" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_gateway_down_exit_4(metrics_file):
    result = run([SIMPLEPIPE, "push", str(metrics_file), "--job", "j", "--retries", "2"],
                 {"SIMPLEPIPE_PUSHGATEWAY_URL": f"http://127.0.0.1:{free_port()}"})
    assert result.returncode == 4
    assert "unreachable after 3 attempt(s)" in result.stderr and "Traceback" not in result.stderr


def test_basic_auth_from_environment(auth_pushgateway, metrics_file):
    name = job()
    env = {"SIMPLEPIPE_PUSHGATEWAY_URL": auth_pushgateway.url}
    refused = run([SIMPLEPIPE, "push", str(metrics_file), "--job", name], env)
    assert refused.returncode == 5 and "HTTP 401" in refused.stderr
    user, password = auth_pushgateway.auth
    env.update(SIMPLEPIPE_PUSHGATEWAY_USERNAME=user, SIMPLEPIPE_PUSHGATEWAY_PASSWORD=password)
    assert run([SIMPLEPIPE, "push", str(metrics_file), "--job", name], env).returncode == 0
    assert auth_pushgateway.group(name) is not None


def test_dot_segments_address_their_own_groups(pushgateway, metrics_file):
    name = job()
    env = {"SIMPLEPIPE_PUSHGATEWAY_URL": pushgateway.url}
    for group in (["--group", "run=keep"], ["--group", "run=.."], []):
        assert run([SIMPLEPIPE, "push", str(metrics_file), "--job", name, *group], env).returncode == 0
    result = run([SIMPLEPIPE, "delete", "--job", name, "--group", "run=.."], env)
    assert result.returncode == 0, result.stderr
    assert pushgateway.group(name, run="..") is None
    assert pushgateway.group(name, run="keep") is not None and pushgateway.group(name) is not None
    assert run([SIMPLEPIPE, "push", str(metrics_file), "--job", name, "--group", "stage=."], env).returncode == 0
    assert pushgateway.group(name, stage=".") is not None and pushgateway.group(name, stage="") is None


def test_job_dot(pushgateway, metrics_file):
    result = run([SIMPLEPIPE, "push", str(metrics_file), "--job", "."], {"SIMPLEPIPE_PUSHGATEWAY_URL": pushgateway.url})
    assert result.returncode == 0 and "HTTP 200" in result.stderr, result.stderr
    assert pushgateway.read_back(".")["images"][2] == {frozenset(): 6.0}


def test_url_credentials_are_used_and_never_shown(auth_pushgateway, metrics_file):
    user, password = auth_pushgateway.auth
    with_credentials = auth_pushgateway.url.replace("http://", f"http://{user}:{password}@")
    name = job()
    result = run([SIMPLEPIPE, "push", str(metrics_file), "--job", name, "--url", with_credentials])
    assert result.returncode == 0 and auth_pushgateway.group(name) is not None
    assert password not in result.stderr + result.stdout
    wrong = auth_pushgateway.url.replace("http://", f"http://{user}:wrong-{password}@")
    refused = run([SIMPLEPIPE, "push", str(metrics_file), "--job", name, "--url", wrong])
    assert refused.returncode == 5 and "HTTP 401" in refused.stderr and "wrong-" not in refused.stderr
    dry = run([SIMPLEPIPE, "push", str(metrics_file), "--job", name, "--url", with_credentials, "--dry-run"])
    assert dry.returncode == 0 and password not in dry.stderr + dry.stdout


def test_url_credentials_and_username_together_are_refused(metrics_file):
    result = run([SIMPLEPIPE, "push", str(metrics_file), "--job", "j", "--url", "http://u:topsecret@127.0.0.1:9",
                  "--username", "v", "--password", "w"])
    assert result.returncode == 2 and "credentials given twice" in result.stderr
    assert "topsecret" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_unreachable_message_hides_url_password(metrics_file):
    result = run([SIMPLEPIPE, "push", str(metrics_file), "--job", "j", "--retries", "0",
                  "--url", f"http://u:topsecret@127.0.0.1:{free_port()}"])
    assert result.returncode == 4 and "topsecret" not in result.stderr
    assert "http://127.0.0.1:" in result.stderr
