"""The CI workflow that runs the kind backend installs what `make up PLATFORM=kind` requires."""
from __future__ import annotations

import re

import pytest
import yaml

from harness.kind import prerequisites
from harness.paths import REPO_ROOT

WORKFLOW = REPO_ROOT / ".github" / "workflows" / "kind-e2e.yml"


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def _steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


@pytest.mark.parametrize("tool, variable", [("kind", "KIND_VERSION"), ("helm", "HELM_VERSION"),
                                            ("helmfile", "HELMFILE_VERSION")])
def test_installed_tools_meet_the_prerequisites(workflow, tool, variable):
    version = prerequisites.parse_version(workflow["env"][variable])
    spec = prerequisites.TOOLS[tool]
    assert version >= spec.minimum, f"{variable} is below what make up requires"
    assert spec.below is None or version < spec.below


def test_kind_is_the_release_the_node_image_was_built_for(workflow):
    # kindest/node images are made for one kind release; the prerequisite names it.
    assert prerequisites.parse_version(workflow["env"]["KIND_VERSION"]) == prerequisites.TOOLS["kind"].minimum


def test_every_action_is_pinned_by_commit(workflow):
    for step in _steps(workflow):
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), step["uses"]


def _job_runs(job: dict) -> list[str]:
    return [step.get("run", "") for step in job["steps"]]


def test_a_first_job_renders_validates_and_runs_one_scenario_before_the_full_e2e(workflow):
    render, e2e = workflow["jobs"]["render"], workflow["jobs"]["e2e"]
    assert e2e["needs"] == "render"
    runs = "\n".join(_job_runs(render))
    order = ["make install PLATFORM=kind", "harness.kind.prerequisites --e2e", "make charts", "make validate",
             "make up PLATFORM=kind", "make e2e PLATFORM=kind E2E_SELECT="]
    assert [runs.index(command) for command in order] == sorted(runs.index(command) for command in order)
    validate = next(s for s in render["steps"] if "make validate" in s.get("run", ""))
    assert validate["env"]["SIMPLEPIPE_REQUIRE_CHART_CACHE"] == "1", "the cluster checks must not skip there"
    assert "make e2e PLATFORM=kind 2>&1" in "\n".join(_job_runs(e2e))


def test_the_preflight_installs_and_checks_wrk_before_any_cluster(workflow):
    for job in workflow["jobs"].values():
        runs = _job_runs(job)
        preflight = next(i for i, run in enumerate(runs) if "prerequisites --e2e" in run)
        assert "apt-get install -y -q wrk" in runs[preflight]
        assert preflight < next(i for i, run in enumerate(runs) if "make up PLATFORM=kind" in run)


def test_a_failure_leaves_the_rendered_cluster_logs_events_and_the_e2e_report(workflow):
    render = workflow["jobs"]["render"]
    upload = next(step for step in render["steps"] if "upload-artifact" in step.get("uses", ""))
    assert upload["if"] == "${{ failure() }}"
    for path in (".state/kind/rendered/", ".state/kind/ci/", ".state/kind/e2e/"):
        assert path in upload["with"]["path"]
    evidence = (REPO_ROOT / ".github" / "kind-evidence.sh").read_text()
    for what in ("get events", "kind export logs", "imageID"):
        assert what in evidence
    e2e_upload = next(s for s in workflow["jobs"]["e2e"]["steps"] if "upload-artifact" in s.get("uses", ""))
    assert ".state/kind/e2e/" in e2e_upload["with"]["path"] and ".state/snapshots/" in e2e_upload["with"]["path"]
    assert "make down PLATFORM=kind" in _job_runs(workflow["jobs"]["e2e"])[-1]
