"""Argo's own examples (tests/argo_examples/, adapted only in their images) run by the local runner as Argo
runs them: the phase, nodes, logs and outputs tests/argo_examples/expected.yaml gives, or a refusal before
anything runs that names the field."""
from __future__ import annotations

import fnmatch
import re

import pytest
import yaml

from harness.paths import REPO_ROOT
from harness.runner import ManifestError, RunnerContext, WorkflowRunner, validate
from harness.workflows import NodeType, Phase, WorkflowRun

from seaweedfs_server import ACCESS_KEY, BUCKET, SECRET_KEY, TENANT

pytestmark = [pytest.mark.timeout(600)]

EXAMPLES = REPO_ROOT / "tests" / "argo_examples"
EXPECTED: dict[str, dict] = yaml.safe_load((EXAMPLES / "expected.yaml").read_text())
RUNNABLE = sorted(name for name, expected in EXPECTED.items() if "refused" not in expected)
REFUSED = sorted(name for name, expected in EXPECTED.items() if "refused" in expected)
SETTINGS = {"configmaps": {}, "secrets": {}}


def documents(name: str, kind: str) -> list[dict]:
    return [d for d in yaml.safe_load_all((EXAMPLES / name).read_text())
            if isinstance(d, dict) and d.get("kind") == kind]


@pytest.fixture(scope="module")
def runs(s3, tmp_path_factory) -> dict[str, WorkflowRun]:
    """Every runnable example started at once, then each waited for."""
    endpoint, _ = s3
    runner = WorkflowRunner(RunnerContext(s3_endpoint=endpoint, access_key=ACCESS_KEY, secret_key=SECRET_KEY,
                                          bucket=BUCKET, region="us-east-1",
                                          work_root=tmp_path_factory.mktemp("examples"),
                                          tenant_settings=lambda tenant: SETTINGS))
    handles = {}
    try:
        for name in RUNNABLE:
            for template_file in EXPECTED[name].get("workflow_templates", []):
                for manifest in documents(template_file, "WorkflowTemplate"):
                    runner.apply(manifest, TENANT)
            handles[name] = runner.start(documents(name, "Workflow")[0], TENANT)
        return {name: handle.wait(300) for name, handle in handles.items()}
    finally:
        for handle in handles.values():
            handle.cancel()


def node(run: WorkflowRun, key: str):
    """A node by display name (a glob), or by Argo's node name when the key starts with `~`."""
    for candidate in run.nodes:
        if key.startswith("~") and candidate.name == key[1:]:
            return candidate
        if not key.startswith("~") and (candidate.display_name == key or
                                        ("*" in key and fnmatch.fnmatchcase(candidate.display_name, key))):
            return candidate
    raise AssertionError(f"{run.name} has no node {key!r}: {describe(run)}")


def describe(run: WorkflowRun) -> str:
    return "\n".join(f"  {n.type} {n.name} [{n.display_name}] {n.phase} {n.message!r} {n.log[-300:]!r}"
                     for n in run.nodes)


@pytest.mark.parametrize("name", RUNNABLE)
def test_example_runs_as_argo_runs_it(runs, name):
    expected, run = EXPECTED[name], runs[name]
    phases = expected.get("phase")
    if phases is not None:
        allowed = [phases] if isinstance(phases, str) else phases
        assert run.phase in allowed, f"{run.phase} {run.message!r}\n{describe(run)}"
    if "message" in expected:
        assert re.fullmatch(expected["message"], run.message), run.message
    for key, phase in (expected.get("nodes") or {}).items():
        assert node(run, key).phase == phase, f"{key}\n{describe(run)}"
    for key, pattern in (expected.get("logs") or {}).items():
        log = node(run, key).log
        assert re.search(pattern, log, re.DOTALL), f"{key}: {log!r} does not match {pattern!r}"
    assert run.outputs == {**run.outputs, **(expected.get("outputs") or {})}
    if "check" in expected:
        CHECKS[expected["check"]](run, name)


def _retried(run: WorkflowRun, name: str) -> None:
    """Every Retry node has attempts `name(0)`, `name(1)`, ...: all but the last failed, the last one's phase is
    the Retry node's, and there are at most `limit` + 1 of them (operator.go processNodeRetries)."""
    limits = [t["retryStrategy"].get("limit") for d in documents(name, "Workflow")
              for t in d["spec"]["templates"] if "retryStrategy" in t]
    limit = int(limits[0]) if limits and limits[0] is not None else None
    retries = [n for n in run.nodes if n.type == NodeType.RETRY]
    assert retries, describe(run)
    by_id = {n.id: n for n in run.nodes}
    for retry in retries:
        attempts = [by_id[child] for child in retry.children]
        assert [a.name for a in attempts] == [f"{retry.name}({i})" for i in range(len(attempts))], describe(run)
        assert all(a.phase.unsuccessful for a in attempts[:-1]), describe(run)
        assert attempts[-1].phase == retry.phase
        assert limit is None or len(attempts) <= limit + 1
        if retry.phase.unsuccessful and limit is not None and len(attempts) == limit + 1:
            assert retry.message == "No more retries left"
        for index, attempt in enumerate(attempts):
            if "retries: " in attempt.log:  # retry-with-steps prints {{retries}}
                assert f"retries: {index}" in attempt.log
    if all(r.phase == Phase.SUCCEEDED for r in retries):
        assert run.phase == Phase.SUCCEEDED


def _coin(run: WorkflowRun, name: str) -> None:
    """The step named after the side that came up ran; the other was skipped (`when` on the flip's result)."""
    flips = {"heads": "flip-coin", "tails": "flip-coin", "heads-regex": "flip-again", "tails-regex": "flip-again"}
    for side, flip in flips.items():
        if any(n.display_name == side for n in run.nodes):
            came_up = node(run, flip).log.strip()
            assert came_up in ("heads", "tails")
            ran = node(run, side).phase
            assert ran == (Phase.SUCCEEDED if side.startswith(came_up) else Phase.SKIPPED), describe(run)


def _two_at_a_time(run: WorkflowRun, name: str) -> None:
    """parallelism: 2 — never more than two pods at once, and two at once most of the time."""
    pods = [n for n in run.nodes if n.type == NodeType.POD]
    assert len(pods) == 10
    moments = sorted([(p.started_at, 1) for p in pods] + [(p.finished_at - 0.001, -1)
                                                                for p in pods])
    running = peak = 0
    for _, change in moments:
        running += change
        peak = max(peak, running)
    assert peak == 2, describe(run)


CHECKS = {"retried": _retried, "coin": _coin, "two-at-a-time": _two_at_a_time}


@pytest.mark.parametrize("name", REFUSED)
def test_example_is_refused_before_anything_runs_naming_the_field(name):
    with pytest.raises(ManifestError) as refused:
        validate(documents(name, "Workflow")[0])
    assert refused.value.path == EXPECTED[name]["refused"]
    assert "not supported by the local workflow runner" in str(refused.value)


def test_every_example_has_an_expectation_and_its_attribution():
    templates = {t for e in EXPECTED.values() for t in e.get("workflow_templates", [])}
    files = {p.name for p in EXAMPLES.glob("*.yaml")} - {"expected.yaml"}
    assert files == set(EXPECTED) | templates
    for name in files:
        header = (EXAMPLES / name).read_text().splitlines()[:3]
        assert header[0].startswith("# From argoproj/argo-workflows v4.0.10, "), name
        assert "Apache License 2.0" in header[0] and "Adapted only in its images" in header[2], name
