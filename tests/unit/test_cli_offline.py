"""The CLI without a network: validate, dry-run, usage errors and exit codes."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from simplepipe.cli import main

SEED = [{"name": "example_metric", "description": "metric for example purposes", "value": 0, "metric_type": "gauge"}]
CLEAN_ENV = {"PATH": "/usr/bin:/bin"}


@pytest.fixture(autouse=True)
def no_gateway_env(monkeypatch):
    for name in ("SIMPLEPIPE_PUSHGATEWAY_URL", "PUSH_GATEWAY_HOSTNAME", "ARGO_WORKFLOW_NAME", "ARGO_NODE_ID",
                 "ARGO_TEMPLATE", "SIMPLEPIPE_WORKFLOW_IDENTITY"):
        monkeypatch.delenv(name, raising=False)


def write(tmp_path: Path, items, name="metrics.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(items))
    return str(path)


def test_validate_ok(tmp_path, capsys):
    assert main(["validate", write(tmp_path, SEED)]) == 0
    assert "valid: 1 metrics, 1 series" in capsys.readouterr().out


def test_invalid_input_exit_3_one_line(tmp_path, capsys):
    path = write(tmp_path, SEED + [{"name": "x", "value": "abc", "metric_type": "gauge"}])
    assert main(["validate", path]) == 3
    err = capsys.readouterr().err
    assert err.strip() == f"simplepipe: error: {path}: item 1 (name 'x'): field 'value': 'abc' is not a number"
    assert "Traceback" not in err


def test_verbose_prints_the_traceback(tmp_path, capsys):
    path = write(tmp_path, [{"name": "x", "value": "abc"}])
    assert main(["--verbose", "validate", path]) == 3
    assert "Traceback" in capsys.readouterr().err
    assert main(["validate", path, "--verbose"]) == 3
    assert "Traceback" in capsys.readouterr().err


def test_push_invalid_input_never_needs_a_gateway(tmp_path, capsys):
    path = write(tmp_path, [{"name": "x", "value": 1, "labels": {"tenant": "bob"}}])
    assert main(["push", path, "--job", "j"]) == 3
    assert "set by the platform" in capsys.readouterr().err


def test_push_without_gateway_is_usage_error(tmp_path, capsys):
    assert main(["push", write(tmp_path, SEED), "--job", "j"]) == 2
    assert "SIMPLEPIPE_PUSHGATEWAY_URL" in capsys.readouterr().err


def test_dry_run_prints_the_body_with_identity(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ARGO_WORKFLOW_NAME", "alice-app-abcde")
    monkeypatch.setenv("ARGO_TEMPLATE", json.dumps({"name": "push"}))
    monkeypatch.setenv("SIMPLEPIPE_PUSHGATEWAY_URL", "http://127.0.0.1:9")
    assert main(["push", write(tmp_path, SEED), "--job", "j", "--group", "stage=a/b", "--dry-run"]) == 0
    out, err = capsys.readouterr()
    assert 'example_metric{argo_workflow="alice-app-abcde",argo_template="push"} 0\n' in out
    assert "PUT http://127.0.0.1:9/metrics/job/j/stage@base64/YS9i" in err
    assert main(["push", write(tmp_path, SEED), "--job", "j", "--dry-run", "--no-identity"]) == 0
    assert "example_metric 0\n" in capsys.readouterr().out


def test_group_label_clashing_with_a_series_label(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SIMPLEPIPE_PUSHGATEWAY_URL", "http://127.0.0.1:9")
    path = write(tmp_path, [{"name": "x", "value": 1, "labels": {"stage": "a"}}])
    assert main(["push", path, "--job", "j", "--group", "stage=b", "--dry-run"]) == 3
    assert "also in the grouping key" in capsys.readouterr().err


def test_usage_errors_exit_2():
    assert subprocess.run([sys.executable, "-m", "simplepipe", "push"], capture_output=True, env=CLEAN_ENV).returncode == 2
    result = subprocess.run([sys.executable, "-m", "simplepipe", "push", "f", "--job", "j", "--group", "nope"],
                            capture_output=True, text=True, env=CLEAN_ENV)
    assert result.returncode == 2 and "expected key=value" in result.stderr


def test_legacy_app_usage():
    app = Path(__file__).resolve().parents[2] / "simplepipe" / "app.py"
    result = subprocess.run([sys.executable, str(app)], capture_output=True, text=True, env=CLEAN_ENV)
    assert result.returncode == 2 and "usage: python3 app.py" in result.stderr


def test_stdin_validate():
    result = subprocess.run([sys.executable, "-m", "simplepipe", "validate", "-"], input=json.dumps(SEED),
                            capture_output=True, text=True, env=CLEAN_ENV)
    assert result.returncode == 0, result.stderr
    assert "<stdin>: valid" in result.stdout
