"""Nothing below the charts floats: exact chart versions, a digest-pinned node image,
and schemas taken from the very Argo and prometheus-operator versions the charts deploy."""
from __future__ import annotations

import copy

import pytest
import yaml

from harness.kind import constants, pins
from harness.paths import REPO_ROOT
from tests.support import manifests

SCHEMA_SOURCES = yaml.safe_load((REPO_ROOT / "platform" / "schemas" / "sources.yaml").read_text())
SCENARIO = sorted((REPO_ROOT / "scenarios").glob("*/workflow.yaml"))[0]


@pytest.fixture(scope="module")
def helmfile(rendering) -> dict:
    return yaml.safe_load(rendering.files[constants.HELMFILE])


@pytest.fixture(scope="module")
def kind_config() -> dict:
    return yaml.safe_load(constants.KIND_CONFIG.read_text())


def test_every_repository_chart_is_pinned_and_recorded(helmfile):
    assert pins.unpinned_charts(helmfile) == []
    assert pins.unrecorded_charts(helmfile, pins.recorded_charts()) == []


@pytest.mark.parametrize("version", [">=1.0", "~1.0.18", "^1.0.0", "1.0", "1.0.x", ""])
def test_a_chart_version_range_is_refused(helmfile, version):
    floating = copy.deepcopy(helmfile)
    release = next(r for r in floating["releases"] if r["chart"] == "argo/argo-workflows")
    release["version"] = version
    problems = pins.unpinned_charts(floating)
    assert len(problems) == 1 and "argo-workflows" in problems[0] and "pin an exact" in problems[0]


def test_a_chart_bumped_without_its_record_is_refused(helmfile):
    bumped = copy.deepcopy(helmfile)
    next(r for r in bumped["releases"] if r["chart"] == "argo/argo-workflows")["version"] = "1.0.19"
    assert pins.unpinned_charts(bumped) == []
    [problem] = pins.unrecorded_charts(bumped, pins.recorded_charts())
    assert "1.0.19 in the helmfile" in problem


def test_node_image_is_pinned_by_digest(kind_config):
    assert pins.node_image_problems(kind_config) == []
    assert manifests.KUBERNETES_VERSION == pins.kubernetes_version()


@pytest.mark.parametrize("image", [None, "kindest/node:v1.36.1", "kindest/node@sha256:" + "a" * 64,
                                   "kindest/node:latest", "example.com/node:v1.36.1@sha256:" + "a" * 64])
def test_an_unpinned_node_image_is_refused(kind_config, image, tmp_path):
    floating = copy.deepcopy(kind_config)
    if image is None:
        floating["nodes"][0].pop("image")
    else:
        floating["nodes"][0]["image"] = image
    assert [p for p in pins.node_image_problems(floating) if p.startswith("nodes.0")]
    path = tmp_path / "kind.yaml"
    path.write_text(yaml.safe_dump(floating))
    with pytest.raises(ValueError, match="nodes.0"):
        pins.kubernetes_version(path)


def test_argo_schema_is_from_the_argo_version_the_chart_deploys():
    deployed = pins.recorded_charts()["argo/argo-workflows"]["appVersion"]
    for schema in ("workflow.json", "workflowtemplate.json", "argo-server-api.json"):
        assert SCHEMA_SOURCES[schema]["project"] == "argoproj/argo-workflows"
        assert SCHEMA_SOURCES[schema]["version"] == deployed, f"{schema}: rebuild it (platform/schemas/build.py)"


def test_monitoring_schemas_are_from_the_operator_the_chart_deploys():
    deployed = pins.recorded_charts()["prometheus-community/kube-prometheus-stack"]["appVersion"]
    for schema in ("servicemonitor.json", "prometheusrule.json", "alertmanagerconfig.json", "alertmanager.json"):
        assert SCHEMA_SOURCES[schema]["version"] == deployed


def test_every_vendored_schema_has_a_recorded_source():
    # The CRD schemas, and the Argo server's operations the tenant verbs call (harness/kind/argo_server.py).
    assert set(SCHEMA_SOURCES) == set(manifests.CUSTOM_RESOURCES.values()) | {"argo-server-api.json"}


# A field of a later Argo (v4.1 added templates[].pendingTimeout) and one Argo v4 removed
# (spec.podPriority, still in v3.4): the deployed v4.0.6 knows neither.
@pytest.mark.parametrize("path, value", [(("spec", "templates", 0, "pendingTimeout"), "5m"),
                                         (("spec", "podPriority"), 1)], ids=["newer-argo", "older-argo"])
def test_a_workflow_field_the_deployed_argo_does_not_know_is_refused(path, value):
    workflow = manifests.load_documents(SCENARIO.read_text())[0]
    assert manifests.validate_object(workflow, str(SCENARIO)) == []
    node = workflow
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    problems = manifests.validate_object(workflow, str(SCENARIO))
    assert len(problems) == 1
    assert repr(path[-1]) in problems[0].message and "unexpected" in problems[0].message
