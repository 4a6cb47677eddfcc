"""Nothing to push never wipes a group on a real Pushgateway: every empty input is exit 3 and the group stays."""
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from simplepipe import MetricCollector
from simplepipe.errors import InvalidMetricsError
from simplepipe.pushgateway import Pushgateway
from simplepipe.spec import MetricSet
from tests.support.tools import SIMPLEPIPE

REPO = Path(__file__).resolve().parents[2]
SEED = [{"name": "example_metric", "description": "metric for example purposes", "value": 7, "metric_type": "gauge"}]
EMPTY = {"empty.json": "", "blank.yaml": " \n\n", "comments.yaml": "# nothing yet\n", "list.json": "[]",
         "kubeflow.json": '{"metrics": []}', "help-only.prom": "# HELP example_metric metric for example purposes\n"}


def run(args, env, cwd=None, stdin=None):
    base = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run(args, env={**base, **env}, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=60)


@pytest.fixture
def group(pushgateway, tmp_path):
    """A job whose group holds example_metric 7, pushed with the CLI."""
    name = f"empty-{uuid.uuid4().hex[:8]}"
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(SEED))
    assert run([SIMPLEPIPE, "push", str(path), "--job", name], {"SIMPLEPIPE_PUSHGATEWAY_URL": pushgateway.url}).returncode == 0
    assert pushgateway.read_back(name)["example_metric"][2] == {frozenset(): 7.0}
    return name


def refused_and_intact(pushgateway, name, result):
    assert result.returncode == 3, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and ("holds no metrics" in lines[0] or "no file given" in lines[0]), lines
    assert pushgateway.read_back(name)["example_metric"][2] == {frozenset(): 7.0}


@pytest.mark.parametrize("file_name, method", [(name, "put") for name in sorted(EMPTY)] + [("list.json", "post")])
def test_an_empty_file_leaves_the_group_intact(pushgateway, group, tmp_path, file_name, method):
    path = tmp_path / file_name
    path.write_text(EMPTY[file_name])
    result = run([SIMPLEPIPE, "push", str(path), "--job", group, "--method", method],
                 {"SIMPLEPIPE_PUSHGATEWAY_URL": pushgateway.url})
    refused_and_intact(pushgateway, group, result)


def test_empty_stdin_and_an_empty_file_name_leave_the_group_intact(pushgateway, group):
    env = {"SIMPLEPIPE_PUSHGATEWAY_URL": pushgateway.url}
    refused_and_intact(pushgateway, group, run([SIMPLEPIPE, "push", "-", "--job", group], env, stdin=""))
    refused_and_intact(pushgateway, group, run([SIMPLEPIPE, "push", "", "--job", group], env))


def test_the_seed_app_py_with_an_empty_file_leaves_the_group_intact(pushgateway, group, tmp_path):
    app_dir = tmp_path / "app"
    app_dir.mkdir()
    shutil.copy(REPO / "simplepipe" / "app.py", app_dir / "app.py")
    (app_dir / "metric-in.json").write_text("[]")
    result = run([sys.executable, "app.py", "metric-in.json", group],
                 {"PUSH_GATEWAY_HOSTNAME": pushgateway.url.removeprefix("http://")}, cwd=app_dir)
    refused_and_intact(pushgateway, group, result)


def test_the_sdk_and_client_refuse_nothing_and_the_group_stays(pushgateway, group):
    with pytest.raises(InvalidMetricsError, match="holds no metrics"):
        MetricCollector(pushgateway.url, identity=None).parse_and_push(metrics=[], job_name=group)
    with Pushgateway(pushgateway.url, identity=None) as gateway:
        for body in (MetricSet("built"), b"", b"# TYPE example_metric gauge\n"):
            with pytest.raises(InvalidMetricsError, match="holds no metrics"):
                gateway.push(body, group)
    assert pushgateway.read_back(group)["example_metric"][2] == {frozenset(): 7.0}
