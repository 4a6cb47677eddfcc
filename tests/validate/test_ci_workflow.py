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


def test_it_runs_the_documented_commands_and_keeps_the_results(workflow):
    runs = "\n".join(step.get("run", "") for step in _steps(workflow))
    for command in ("make install PLATFORM=kind", "make up PLATFORM=kind", "make e2e PLATFORM=kind",
                    "make snapshot PLATFORM=kind", "make down PLATFORM=kind"):
        assert command in runs
    upload = next(step for step in _steps(workflow) if "upload-artifact" in step.get("uses", ""))
    assert ".state/snapshots/" in upload["with"]["path"] and ".state/kind-e2e/" in upload["with"]["path"]
