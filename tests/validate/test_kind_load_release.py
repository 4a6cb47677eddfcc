"""The in-cluster load's release for one run (harness/kind/load_release.py), against stand-in helmfile and kubectl
that record their arguments: installed alone and under its condition with the run's values, removed whatever
happens, waited for until the master's done.json, its folder copied back without letting an archive write outside
it, and the master told it may end. No cluster needed; a real run is tests/e2e/test_kind_load_in_cluster.py."""
from __future__ import annotations

import io
import json
import sys
import tarfile

import jsonschema
import pytest
import yaml

from harness.kind import load_chart
from harness.kind.constants import KUBE_CONTEXT, LOAD_NAMESPACE, LOAD_RELEASE, PLATFORM_DIR
from harness.kind.load_release import LoadRelease, LoadReleaseError, LoadRun, extract

RUN = LoadRun(workers=3, users=12, spawn_rate=4.0, run_seconds=30, run_id="20260101t000000-ab12", hold_seconds=600)

# A stand-in tool: records argv (one JSON line per call) and answers from a script of rules (argv substring -> output,
# exit code); `cat done.json` fails until the Nth call.
TOOL = '''#!{python}
import json, sys
from pathlib import Path
calls = Path({calls!r})
with calls.open("a") as f:
    f.write(json.dumps(sys.argv) + "\\n")
rules = json.loads(Path({rules!r}).read_text())
line = " ".join(sys.argv[1:])
for rule in rules:
    if rule["when"] in line:
        n = sum(1 for c in calls.read_text().splitlines() if rule["when"] in " ".join(json.loads(c)[1:]))
        if n <= rule.get("fail_first", 0):
            sys.stderr.write("cat: /data/done.json: No such file or directory\\n"); sys.exit(1)
        if "file" in rule:
            sys.stdout.buffer.write(Path(rule["file"]).read_bytes())
        else:
            sys.stdout.write(rule.get("out", ""))
        sys.exit(rule.get("exit", 0))
'''


def _tools(tmp_path, rules: list[dict]) -> tuple[dict[str, str], callable]:
    calls, rules_file = tmp_path / "calls.jsonl", tmp_path / "rules.json"
    rules_file.write_text(json.dumps(rules))
    tools = {}
    for name in ("helmfile", "kubectl"):
        tool = tmp_path / name
        tool.write_text(TOOL.format(python=sys.executable, calls=str(calls), rules=str(rules_file)))
        tool.chmod(0o755)
        tools[name] = str(tool)

    def recorded() -> list[list[str]]:
        return [json.loads(line) for line in calls.read_text().splitlines()] if calls.exists() else []
    return tools, recorded


def _tar(members: dict[str, bytes], links: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            tar.addfile(info)
    return buffer.getvalue()


def test_the_run_values_are_what_the_charts_schema_accepts():
    schema = json.loads((PLATFORM_DIR / load_chart.LOAD_CHART / "values.schema.json").read_text())
    jsonschema.validate(RUN.values(), schema)
    assert set(RUN.values()) == set(load_chart.default_values())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(LoadRun(1, 1, 1.0, 1, "Upper_Case").values(), schema)


def test_installed_syncs_the_release_alone_under_its_condition_and_always_destroys_it(tmp_path):
    tools, recorded = _tools(tmp_path, [])
    release = LoadRelease(tools)
    with pytest.raises(RuntimeError, match="the run broke"):
        with release.installed(RUN, tmp_path / "run" / "values.yaml"):
            raise RuntimeError("the run broke")
    sync, destroy = [call[1:] for call in recorded()]
    selection = ["--kube-context", KUBE_CONTEXT, "--state-values-set", "clusterLoad.enabled=true",
                 "--selector", f"name={LOAD_RELEASE}"]
    assert sync[:2] == ["--file", str(PLATFORM_DIR / "helmfile.yaml")] and sync[2:8] == selection
    assert sync[8:] == ["sync", "--values", str(tmp_path / "run" / "values.yaml")]
    assert destroy[2:8] == selection and destroy[8:] == ["destroy"]
    assert yaml.safe_load((tmp_path / "run" / "values.yaml").read_text()) == RUN.values()


def test_the_wait_ends_with_the_masters_exit_code_once_done_json_is_there(tmp_path):
    tools, recorded = _tools(tmp_path, [
        {"when": "get pods -l", "out": "locust-master-x1"},
        {"when": "exec locust-master-x1 -c locust -- cat /data/done.json", "fail_first": 2,
         "out": json.dumps({"exit_code": 0, "finished_at": 1})},
    ])
    release = LoadRelease(tools)
    assert release.wait_finished(timeout=60, say=lambda line: None, poll=0.05) == 0
    assert all(call[1:5] == ["--context", KUBE_CONTEXT, "-n", LOAD_NAMESPACE] for call in recorded())


def test_a_master_that_ends_without_done_json_fails_the_wait_with_its_log(tmp_path):
    tools, _ = _tools(tmp_path, [
        {"when": "jsonpath={.items[0].status.phase}", "out": "Failed"},
        {"when": "get pods -l", "out": "locust-master-x1"},
        {"when": "logs job/locust-master", "out": "Traceback: the targets file is gone"},
        {"when": "cat /data/done.json", "fail_first": 99},
    ])
    with pytest.raises(LoadReleaseError) as failed:
        LoadRelease(tools).wait_finished(timeout=60, say=lambda line: None, poll=0.05)
    assert "the master pod ended (Failed) without finishing the run" in str(failed.value)
    assert "Traceback: the targets file is gone" in str(failed.value)


def test_the_results_are_copied_and_the_master_told_it_may_end(tmp_path):
    archive = tmp_path / "results.tar"
    archive.write_bytes(_tar({"./locust-stats.json": b"[]", "./pushed-worker-1.json": b"[]", "./done.json": b"{}"}))
    tools, recorded = _tools(tmp_path, [{"when": "get pods -l", "out": "locust-master-x1"},
                                        {"when": "-- tar -C /data -cf - .", "file": str(archive)}])
    written = LoadRelease(tools).copy_results(tmp_path / "out")
    assert sorted(p.name for p in written) == ["done.json", "locust-stats.json", "pushed-worker-1.json"]
    assert recorded()[-1][-2:] == ["touch", "/data/collected"]


@pytest.mark.parametrize("members, links, refused", [
    ({"../escape.json": b"x"}, None, "'../escape.json', which is not a file inside"),
    ({"/etc/passwd": b"x"}, None, "'/etc/passwd', which is not a file inside"),
    ({}, {"./link": "/etc/passwd"}, "'./link', which is not a file inside"),
], ids=["dot-dot", "absolute", "symlink"])
def test_an_archive_that_reaches_outside_its_folder_is_refused(tmp_path, members, links, refused):
    with pytest.raises(LoadReleaseError, match=refused):
        extract(_tar(members, links), tmp_path / "out")
    assert not (tmp_path / "escape.json").exists()
    with pytest.raises(LoadReleaseError, match="not a tar archive"):
        extract(b"not a tar at all" * 100, tmp_path / "out")
