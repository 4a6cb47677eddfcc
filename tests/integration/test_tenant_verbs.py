"""A tenant's Argo verbs on a local platform, as a tenant types them (`python -m harness ... --tenant T`, a process
per command): submit returns at once and the workflow runs on after the command exited, --watch follows it to its
end (exit 0 only when it Succeeded), get --metrics shows what it pushed, logs and delete work from another command,
another tenant's workflow is refused in one line, and every error a tenant meets has its documented exit code."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from harness import tenant_cli
from harness.paths import REPO_ROOT
from harness.waiting import wait_until
from tests.support.throwaway import throwaway_platform

pytestmark = [pytest.mark.timeout(420)]

APP = REPO_ROOT / "scenarios" / "alice-app" / "workflow.yaml"
TRAINING = REPO_ROOT / "scenarios" / "alice-training" / "workflow.yaml"  # a 16 s step
FAILING = REPO_ROOT / "scenarios" / "bob-nightly-failing" / "workflow.yaml"


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    with throwaway_platform(tmp_path_factory.mktemp("tenant-verbs")) as platform:
        yield platform


def harness(platform, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness", "--state-dir", str(platform.state_dir), *args],
                          capture_output=True, text=True, timeout=timeout, cwd=REPO_ROOT)


def name_of(result: subprocess.CompletedProcess) -> str:
    return next(line.split()[-1] for line in result.stdout.splitlines() if line.startswith("Name:"))


def test_submit_watch_shows_the_tree_and_get_metrics_what_it_pushed(platform):
    watched = harness(platform, "submit", "--tenant", "alice", str(APP), "--watch")
    assert watched.returncode == tenant_cli.EXIT_OK, watched.stderr
    name = name_of(watched)
    assert "Status:              Succeeded" in watched.stdout
    assert " ├───✔ run-app" in watched.stdout and " └───✔ push-metrics" in watched.stdout
    assert "STEP" in watched.stdout and "PODNAME" in watched.stdout and "DURATION" in watched.stdout

    def pushed() -> str | None:
        result = harness(platform, "get", "--tenant", "alice", name, "--metrics")
        return result.stdout if "model_accuracy_ratio" in result.stdout else None

    shown = wait_until(pushed, timeout=platform.settle_seconds, what=f"get {name} --metrics to list the series")
    assert f'argo_workflow="{name}"' in shown and 'tenant="alice"' in shown
    assert all(metric in shown for metric in ("application_run_time_seconds", "model_loss"))

    logs = harness(platform, "logs", "--tenant", "alice", name, "--step", "push-metrics")
    assert logs.returncode == 0 and "pushed 3 series" in logs.stdout
    assert all(line.startswith(f"{name}-simplepipe-push-") for line in logs.stdout.splitlines())


def test_submit_returns_at_once_and_the_workflow_runs_on_after_the_command_exited(platform):
    began = time.monotonic()
    submitted = harness(platform, "submit", "--tenant", "alice", str(TRAINING), "-o", "name")
    assert submitted.returncode == 0, submitted.stderr
    assert time.monotonic() - began < 12, "submit waited for the workflow"
    name = submitted.stdout.strip()
    listed = harness(platform, "list", "--tenant", "alice")
    assert any(line.startswith(name) and ("Running" in line or "Pending" in line) for line in listed.stdout.splitlines())
    followed = harness(platform, "logs", "--tenant", "alice", name, "--follow")
    assert followed.returncode == 0
    done = harness(platform, "get", "--tenant", "alice", name)
    assert "Status:              Succeeded" in done.stdout, done.stdout


def test_watch_exits_non_zero_when_the_workflow_failed(platform):
    watched = harness(platform, "submit", "--tenant", "bob", str(FAILING), "--watch")
    assert watched.returncode == tenant_cli.EXIT_UNSUCCESSFUL, watched.stdout + watched.stderr
    assert "Status:              Failed" in watched.stdout and "Error (exit code 1)" in watched.stdout


def test_ctrl_c_stops_watching_not_the_workflow(platform):
    watcher = subprocess.Popen([sys.executable, "-m", "harness", "--state-dir", str(platform.state_dir), "submit",
                                "--tenant", "alice", str(TRAINING), "--watch"], cwd=REPO_ROOT, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        name = None
        while name is None:
            line = watcher.stdout.readline()
            assert line, "the watch ended before showing the workflow"
            if "workflow " in line and ": " in line:
                name = line.split("workflow ", 1)[1].split(":", 1)[0]
        watcher.send_signal(signal.SIGINT)
        _, err = watcher.communicate(timeout=30)
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.wait()
    assert watcher.returncode == tenant_cli.EXIT_INTERRUPTED and "keeps running" in err
    record = platform.records.get("alice", name)
    wait_until(lambda: record.run().phase == "Running", timeout=30, what=f"{name} to run on after the watch stopped")
    assert record.process() is not None
    assert harness(platform, "delete", "--tenant", "alice", name).returncode == 0


def test_another_tenants_workflow_is_refused_in_one_line(platform):
    own = harness(platform, "submit", "--tenant", "alice", str(APP), "-o", "name")
    name = own.stdout.strip()
    assert harness(platform, "get", "--tenant", "alice", name).returncode == 0  # the control: alice sees it
    for verb in ("get", "logs", "delete"):
        refused = harness(platform, verb, "--tenant", "bob", name)
        assert refused.returncode == tenant_cli.EXIT_NOT_FOUND, (verb, refused.stdout, refused.stderr)
        assert refused.stderr.count("\n") == 1 and "not found in namespace bob" in refused.stderr
        assert "Traceback" not in refused.stderr
    assert name not in harness(platform, "list", "--tenant", "bob").stdout
    assert harness(platform, "get", "--tenant", "alice", name).returncode == 0  # still there


def test_delete_stops_a_running_workflow_and_its_steps(platform):
    name = harness(platform, "submit", "--tenant", "alice", str(TRAINING), "-o", "name").stdout.strip()
    record = platform.records.get("alice", name)
    wait_until(lambda: record.process() is not None and any(s.phase == "Running" for s in record.run().steps),
               timeout=60, what=f"{name}'s training step to run")
    process = record.process()
    assert harness(platform, "delete", "--tenant", "alice", name).returncode == 0
    assert not process.alive() and not record.folder.exists()
    assert harness(platform, "get", "--tenant", "alice", name).returncode == tenant_cli.EXIT_NOT_FOUND


@pytest.mark.parametrize("args, code, words", [
    (["submit", "--tenant", "mallory", str(APP)], tenant_cli.EXIT_USAGE, "unknown tenant 'mallory'"),
    (["submit", "--tenant", "alice", str(APP), "-p", "epochs=3"], tenant_cli.EXIT_USAGE, "no parameter 'epochs'"),
    (["submit", "--tenant", "alice", str(APP), "-p", "job"], tenant_cli.EXIT_USAGE, "expected NAME=VALUE"),
    (["submit", "--tenant", "alice", "no-such-file.yaml"], tenant_cli.EXIT_USAGE, "cannot read it"),
    (["get", "--tenant", "alice", "../../etc/passwd"], tenant_cli.EXIT_NOT_FOUND, "is not a workflow name"),
    (["logs", "--tenant", "alice", "no-such-workflow"], tenant_cli.EXIT_NOT_FOUND, "not found in namespace alice"),
], ids=["unknown-tenant", "undeclared-parameter", "parameter-without-value", "missing-file", "path-as-name",
        "unknown-workflow"])
def test_an_error_a_tenant_meets_is_one_line_with_its_exit_code(platform, args, code, words):
    result = harness(platform, *args)
    assert result.returncode == code, result.stderr
    assert words in result.stderr and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_a_manifest_the_runner_refuses_names_the_field(platform, tmp_path):
    manifest = yaml.safe_load(APP.read_text())
    manifest["spec"]["templates"][0]["podSpecPatch"] = "{}"
    path = tmp_path / "workflow.yaml"
    path.write_text(yaml.safe_dump(manifest))
    result = harness(platform, "submit", "--tenant", "alice", str(path))
    assert result.returncode == tenant_cli.EXIT_REFUSED, result.stderr
    assert "spec.templates[0].podSpecPatch" in result.stderr and result.stderr.count("\n") == 1
    (tmp_path / "alias.yaml").write_text("a: &x [1]\nb: *x\n")
    aliased = harness(platform, "submit", "--tenant", "alice", str(tmp_path / "alias.yaml"))
    assert aliased.returncode == tenant_cli.EXIT_REFUSED and "alias" in aliased.stderr.lower()


def test_a_parameter_reaches_the_workflow(platform):
    watched = harness(platform, "submit", "--tenant", "alice", str(APP), "-p", "job=alice-app-tuned", "--watch")
    assert watched.returncode == 0, watched.stderr
    assert "  job:               alice-app-tuned" in watched.stdout


def test_every_verb_says_when_the_platform_is_not_up(tmp_path):
    for args in (["submit", "--tenant", "alice", str(APP)], ["list", "--tenant", "alice"],
                 ["get", "--tenant", "alice", "x"]):
        result = subprocess.run([sys.executable, "-m", "harness", "--state-dir", str(tmp_path), *args],
                                capture_output=True, text=True, timeout=60, cwd=REPO_ROOT,
                                env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)))
        assert result.returncode == tenant_cli.EXIT_NOT_UP, result.stderr
        assert "is not up" in result.stderr and result.stderr.count("\n") == 1


def test_make_down_stops_a_running_workflow(tmp_path):
    with throwaway_platform(tmp_path / "platform") as platform:
        run = platform.submit(platform.tenant("alice"), yaml.safe_load(TRAINING.read_text()))
        record = platform.records.get("alice", run.name)
        wait_until(lambda: any(s.phase == "Running" for s in record.run().steps), timeout=60,
                   what=f"{run.name}'s step to run")
        process = record.process()
    assert process is not None and not process.alive()
    stopped = record.run()
    assert stopped.phase == "Failed" and "Stopped" in stopped.message
    assert not any(Path(f"/proc/{pid}").exists() for pid in _step_pids(record))


def _step_pids(record) -> list[int]:
    """Processes still running from the workflow's step folders (none must outlive `down`)."""
    root = str(record.folder.parents[2] / "runs" / record.name)
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if root in (proc / "cmdline").read_bytes().decode(errors="replace"):
                    pids.append(int(proc.name))
            except OSError:
                continue
    return pids
