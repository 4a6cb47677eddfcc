"""The local workflow runner against a real SeaweedFS: artifacts, isolation, failures, deadlines, cancel."""
from __future__ import annotations

import io
import json
import tarfile
import threading
from pathlib import Path

import pytest
import yaml

from harness.runner import RunnerContext, WorkflowRunner
from harness.runner.identity import fnv32a
from harness.tenants import Tenant
from harness.waiting import wait_until

from seaweedfs_server import ACCESS_KEY, BUCKET, OTHER, SECRET_KEY, TENANT

SETTINGS = {"configmaps": {"simplepipe-config": {"pushgateway-url": "http://127.0.0.1:9/"}},
            "secrets": {"simplepipe-credentials": {"username": "alice", "password": "pw"}}}


def namespace_settings(endpoint: str, bucket: str, tenant: Tenant) -> dict:
    """SETTINGS plus Argo's per-namespace artifact repository: `bucket`, reached with the tenant's own S3 keys."""
    repository = {"s3": {"endpoint": endpoint.removeprefix("http://"), "insecure": True, "bucket": bucket,
                         "accessKeySecret": {"name": "s3", "key": "accesskey"},
                         "secretKeySecret": {"name": "s3", "key": "secretkey"}}}
    return {
        "configmaps": {**SETTINGS["configmaps"], "artifact-repositories": {"mine": yaml.safe_dump(repository)}},
        "secrets": {**SETTINGS["secrets"],
                    "s3": {"accesskey": tenant.s3_access_key, "secretkey": tenant.s3_secret_key}},
        "annotations": {"artifact-repositories": {"workflows.argoproj.io/default-artifact-repository": "mine"}},
    }


@pytest.fixture
def runner(s3, tmp_path):
    endpoint, _ = s3
    return WorkflowRunner(RunnerContext(s3_endpoint=endpoint, access_key=ACCESS_KEY, secret_key=SECRET_KEY,
                                        bucket=BUCKET, region="us-east-1", work_root=tmp_path / "work",
                                        tenant_settings=lambda tenant: SETTINGS))


def manifest(text: str) -> dict:
    return yaml.safe_load(text)


PRODUCE_AND_CONSUME = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: artifacts-}
spec:
  entrypoint: main
  arguments: {parameters: [{name: value, value: "42"}, {name: pause, value: "0"}]}
  templates:
  - name: main
    steps:
    - - name: produce
        template: produce
    - - name: consume
        template: consume
        arguments:
          artifacts:
          - {name: metrics, from: "{{steps.produce.outputs.artifacts.metrics}}"}
          - {name: raw-copy, from: "{{steps.produce.outputs.artifacts.raw-copy}}"}
  - name: produce
    script:
      image: python:3.11-slim
      command: [python3]
      source: |
        import json, os, time
        os.makedirs("/tmp/out", exist_ok=True)
        with open("/tmp/metric.json", "w") as f:
            json.dump([{"name": "v", "value": {{workflow.parameters.value}}}], f)
        open("/tmp/out/raw.txt", "w").write("{{workflow.parameters.value}}")
        time.sleep({{workflow.parameters.pause}})
        print("produced", open("/tmp/metric.json").read())
    outputs:
      artifacts:
      - {name: metrics, path: /tmp/metric.json}
      - {name: raw-copy, path: /tmp/out/raw.txt, archive: {none: {}}}
  - name: consume
    inputs:
      artifacts:
      - {name: metrics, path: /tmp/metric-in.json}
      - {name: raw-copy, path: /data/raw.txt}
    container:
      image: python:3.11-slim
      command: [python3, -c]
      args: ["import sys; print('consumed', open(sys.argv[1]).read(), open(sys.argv[2]).read())",
             /tmp/metric-in.json, /data/raw.txt]
"""


def test_artifacts_pass_through_s3_with_argos_default_keys(runner, s3):
    _, client = s3
    run = runner.start(manifest(PRODUCE_AND_CONSUME), TENANT).wait(60)
    assert run.phase == "Succeeded", [(s.name, s.phase, s.log) for s in run.steps]
    produce, consume = run.steps
    assert (produce.name, produce.exit_code) == (f"{run.name}[0].produce", 0)
    assert 'consumed [{"name": "v", "value": 42}] 42' in consume.log
    pod = f"{run.name}-produce-{fnv32a(produce.name)}"
    keys = sorted(o["Key"] for o in client.list_objects_v2(Bucket=BUCKET, Prefix=f"{run.name}/")["Contents"])
    assert keys == [f"{run.name}/{pod}/metrics.tgz", f"{run.name}/{pod}/raw-copy"]
    tgz = client.get_object(Bucket=BUCKET, Key=keys[0])["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(tgz), mode="r:gz") as archive:
        assert archive.getnames() == ["metric.json"]
    assert client.get_object(Bucket=BUCKET, Key=keys[1])["Body"].read() == b"42"


def test_a_namespaces_artifact_repository_stores_in_its_bucket_with_its_keys(s3, tmp_path):
    endpoint, client = s3
    runner = WorkflowRunner(RunnerContext(
        s3_endpoint=endpoint, access_key=ACCESS_KEY, secret_key=SECRET_KEY, bucket=BUCKET, region="us-east-1",
        work_root=tmp_path / "work", tenant_settings=lambda t: namespace_settings(endpoint, t.artifact_bucket, t)))
    run = runner.start(manifest(PRODUCE_AND_CONSUME), TENANT).wait(60)
    assert run.phase == "Succeeded", [(s.name, s.phase, s.log) for s in run.steps]
    stored = client.list_objects_v2(Bucket=TENANT.artifact_bucket, Prefix=f"{run.name}/").get("Contents", [])
    assert len(stored) == 2
    assert not client.list_objects_v2(Bucket=BUCKET, Prefix=f"{run.name}/").get("Contents")


def test_a_repository_naming_another_tenants_bucket_fails_the_step_with_access_denied(s3, tmp_path):
    endpoint, client = s3
    runner = WorkflowRunner(RunnerContext(
        s3_endpoint=endpoint, access_key=ACCESS_KEY, secret_key=SECRET_KEY, bucket=BUCKET, region="us-east-1",
        work_root=tmp_path / "work", tenant_settings=lambda t: namespace_settings(endpoint, OTHER.artifact_bucket, t)))
    run = runner.start(manifest(PRODUCE_AND_CONSUME), TENANT).wait(60)
    assert run.phase in ("Failed", "Error")
    assert "AccessDenied" in run.message + "".join(s.log for s in run.steps)
    assert not client.list_objects_v2(Bucket=OTHER.artifact_bucket, Prefix=f"{run.name}/").get("Contents")


def test_concurrent_workflows_writing_the_same_tmp_file_never_see_each_other(runner):
    """Both write /tmp/metric.json, wait so their steps overlap, then read it back and pass it on."""
    texts = [PRODUCE_AND_CONSUME.replace('value: "42"', f'value: "{v}"').replace('pause, value: "0"',
                                                                                 'pause, value: "2"')
             for v in (111, 222)]
    handles = [runner.start(manifest(text), TENANT) for text in texts]
    runs = [handle.wait(60) for handle in handles]
    for run, value in zip(runs, (111, 222)):
        assert run.phase == "Succeeded", [(s.name, s.phase, s.log) for s in run.steps]
        produce, consume = run.steps
        assert f'produced [{{"name": "v", "value": {value}}}]' in produce.log
        assert f'consumed [{{"name": "v", "value": {value}}}] {value}' in consume.log
    assert not Path("/tmp/metric.json").exists() or "111" not in Path("/tmp/metric.json").read_text()


ENV_AND_FAILURE = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: env-check}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: show, template: show}
      - {name: fail, template: fail, dependencies: [show]}
      - {name: after, template: show, depends: fail}
  - name: show
    script:
      image: ghcr.io/simplepipe/simplepipe:0.1.0
      command: [python3]
      env:
      - {name: URL, valueFrom: {configMapKeyRef: {name: simplepipe-config, key: pushgateway-url}}}
      - {name: USER_NAME, valueFrom: {secretKeyRef: {name: simplepipe-credentials, key: username}}}
      source: |
        import json, os, tempfile
        keys = ["ARGO_CONTAINER_NAME", "ARGO_NODE_ID", "ARGO_POD_NAME", "ARGO_INCLUDE_SCRIPT_OUTPUT", "URL", "USER_NAME"]
        print(json.dumps({k: os.environ[k] for k in keys}))
        print("template", json.loads(os.environ["ARGO_TEMPLATE"])["name"], "deadline", os.environ["ARGO_DEADLINE"])
        print("tmpdir", tempfile.gettempdir())
  - name: fail
    container:
      image: python:3.11-slim
      command: [python3, -c, "import sys; print('failing'); sys.exit(3)"]
"""


def test_steps_get_argos_variables_and_the_tenants_settings_and_failure_stops_the_dag(runner, tmp_path):
    run = runner.start(manifest(ENV_AND_FAILURE), TENANT).wait(60)
    assert run.name == "env-check"
    assert run.phase == "Failed"
    by_name = {s.name: s for s in run.steps}
    show, fail, after = by_name["env-check.show"], by_name["env-check.fail"], by_name["env-check.after"]
    env = json.loads(show.log.splitlines()[0])
    assert env == {"ARGO_CONTAINER_NAME": "main", "ARGO_NODE_ID": f"env-check-{fnv32a('env-check.show')}",
                   # Argo captures stdout as outputs.result only when the calling template refers to it.
                   "ARGO_POD_NAME": f"env-check-show-{fnv32a('env-check.show')}", "ARGO_INCLUDE_SCRIPT_OUTPUT": "false",
                   "URL": "http://127.0.0.1:9/", "USER_NAME": "alice"}
    assert "template show deadline 0001-01-01T00:00:00Z" in show.log  # no workflow deadline: Go's zero time
    assert f"tmpdir {tmp_path / 'work' / 'env-check'}" in show.log
    assert (fail.phase, fail.exit_code, fail.log) == ("Failed", 3, "failing\n")
    assert (after.phase, after.exit_code) == ("Omitted", None)


def test_missing_config_map_key_is_an_error_naming_it(runner):
    text = ENV_AND_FAILURE.replace("key: pushgateway-url", "key: nope").replace("name: env-check", "name: env-missing")
    run = runner.start(manifest(text), TENANT).wait(60)
    assert run.phase == "Error"
    assert "couldn't find key 'nope' in configMap alice/simplepipe-config" in run.steps[0].log


SLEEPER = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: sleeper-}
spec:
  entrypoint: sleep
  templates:
  - name: sleep
    activeDeadlineSeconds: DEADLINE
    script:
      image: python:3.11-slim
      command: [python3]
      source: |
        import os, subprocess, sys, time
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        open("/tmp/pids", "w").write(f"{os.getpid()} {child.pid}")
        print("sleeping", flush=True)
        time.sleep(60)
"""


def _pids(run, runner) -> list[int]:
    pid_files = list(Path(runner.context.work_root, run.name).glob("*/root/tmp/pids"))
    return [int(p) for p in pid_files[0].read_text().split()]


def _alive(pid: int) -> bool:
    """Running or sleeping; a zombie waiting for init to reap it is gone already."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def _wait_for_log(handle, text: str, timeout: float = 30) -> None:
    wait_until(lambda: any(text in s.log for s in handle.poll().steps), timeout=timeout, poll=0.1,
               what=f"{text!r} in the step logs")


def test_step_deadline_fails_the_step_and_kills_its_processes(runner):
    run = runner.start(manifest(SLEEPER.replace("DEADLINE", "2")), TENANT).wait(30)
    assert run.phase == "Failed"
    assert "longer than the specified deadline" in run.steps[0].log
    assert not any(_alive(pid) for pid in _pids(run, runner))


def test_cancel_stops_the_run_and_every_process_it_started(runner):
    handle = runner.start(manifest(SLEEPER.replace("DEADLINE", "120")), TENANT)
    _wait_for_log(handle, "sleeping")
    assert handle.poll().phase == "Running"
    threading.Timer(0, handle.cancel).start()
    run = handle.wait(30)
    assert (run.phase, run.message) == ("Failed", "cancelled")
    assert not any(_alive(pid) for pid in _pids(run, runner))


EXIT_HANDLER = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: exit-handler-}
spec:
  entrypoint: fail
  onExit: report
  templates:
  - name: fail
    container:
      image: python:3.11-slim
      command: [python3, -c, "raise SystemExit(1)"]
  - name: report
    container:
      image: python:3.11-slim
      command: [python3, -c, "print('status {{workflow.status}} of {{workflow.name}}')"]
"""


def test_exit_handler_runs_after_a_failure_and_sees_the_status(runner):
    run = runner.start(manifest(EXIT_HANDLER), TENANT).wait(30)
    assert run.phase == "Failed"
    fail, report = run.steps
    assert (fail.name, fail.exit_code) == (run.name, 1)
    assert (report.name, report.phase, report.log) == (f"{run.name}.onExit", "Succeeded",
                                                       f"status Failed of {run.name}\n")


DAG_SCHEDULING = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: dag-}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: slow, template: sleep}
      - {name: fast, template: echo, arguments: {parameters: [{name: text, value: first}]}}
      - name: after-fast
        template: echo
        depends: fast.Succeeded
        arguments: {parameters: [{name: text, value: "after {{tasks.fast.outputs.result}}"}]}
  - name: sleep
    container:
      image: python:3.11-slim
      command: [python3, -c, "import time; time.sleep(8)"]
  - name: echo
    inputs: {parameters: [{name: text}]}
    container:
      image: python:3.11-slim
      command: [python3, -c, "import sys; print(sys.argv[1])", "{{inputs.parameters.text}}"]
"""


def test_a_dag_task_starts_when_its_own_dependencies_are_done(runner):
    handle = runner.start(manifest(DAG_SCHEDULING), TENANT)
    _wait_for_log(handle, "after first")
    steps = {s.name.rsplit(".", 1)[1]: s for s in handle.poll().steps}
    assert steps["slow"].phase == "Running", "after-fast waited for an unrelated task"
    run = handle.wait(30)
    assert run.phase == "Succeeded"
    assert [s.phase for s in run.steps] == ["Succeeded"] * 3


# Built from Argo's output-parameter and scripts-python examples, with values that carry whitespace.
TRIMMING = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: output-parameter-}
spec:
  entrypoint: output-parameter
  templates:
  - name: output-parameter
    steps:
    - - name: generate-parameter
        template: hello-world-to-file
      - name: generate
        template: gen-random-int
    - - name: consume-parameter
        template: print-message
        arguments:
          parameters:
          - name: message
            value: "[{{steps.generate-parameter.outputs.parameters.hello-param}}|{{steps.generate.outputs.result}}]"
  - name: hello-world-to-file
    container:
      image: python:3.11-slim
      command: [sh, -c]
      args: ["printf '  hello world\\\\n\\\\n' > /tmp/hello_world.txt"]
    outputs:
      parameters:
      - name: hello-param
        valueFrom: {path: /tmp/hello_world.txt}
  - name: gen-random-int
    script:
      image: python:3.11-slim
      command: [python]
      source: |
        print("  42\\n")
  - name: print-message
    inputs:
      parameters:
      - name: message
    container:
      image: python:3.11-slim
      command: [python3, -c, "import sys; print(repr(sys.argv[1]))", "{{inputs.parameters.message}}"]
"""


def test_outputs_lose_exactly_one_trailing_newline(runner):
    """Argo's executor trims one trailing newline off output parameters and outputs.result (executor.go
    SaveParameters, CaptureScriptResult), and keeps the rest of the whitespace."""
    run = runner.start(manifest(TRIMMING), TENANT).wait(60)
    assert run.phase == "Succeeded", [(s.name, s.phase, s.log) for s in run.steps]
    assert run.node("consume-parameter").log == repr("[  hello world\n|  42\n]") + "\n"
    assert run.node("generate-parameter").parameters == {"hello-param": "  hello world\n"}
    assert run.node("generate").result == "  42\n"


CANCEL_WITH_EXIT_HANDLER = SLEEPER.replace("activeDeadlineSeconds: DEADLINE", "activeDeadlineSeconds: 120").replace(
    "  entrypoint: sleep\n", "  entrypoint: sleep\n  onExit: sleep\n")


def test_cancel_is_argos_terminate_the_exit_handler_does_not_run(runner):
    handle = runner.start(manifest(CANCEL_WITH_EXIT_HANDLER), TENANT)
    _wait_for_log(handle, "sleeping")
    handle.cancel()
    run = handle.wait(30)
    assert (run.phase, run.message) == ("Failed", "cancelled")
    assert [n.name for n in run.nodes] == [run.name]
