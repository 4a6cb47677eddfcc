"""Scenarios load as data; a broken expect.yaml names its file and field; every workflow runs locally, with the
WorkflowTemplates its scenario ships."""
import pytest
import yaml

from harness.runner import validate, validate_workflow_template
from tests.support.scenario import (ExpectedValue, PromQLExpectation, ScenarioError, load_scenario,
                                    load_scenarios)

CONTRACT_SCENARIOS = {"alice-app", "bob-images", "alice-training", "bob-nightly-failing"}


def test_the_contracts_scenarios_load():
    scenarios = {s.name: s for s in load_scenarios()}
    assert set(scenarios) >= CONTRACT_SCENARIOS  # a tenant may add its own
    assert scenarios["bob-nightly-failing"].phase == "Failed"
    assert scenarios["alice-training"].during, "the concurrent scenario must check values during the run"
    assert scenarios["alice-app"].expect[0].labels["tenant"] == "alice"


@pytest.mark.parametrize("name", sorted(CONTRACT_SCENARIOS))
def test_scenario_workflows_are_argo_workflows_the_local_runner_accepts(name):
    manifest = load_scenario(name).manifest()
    assert manifest["metadata"].get("generateName") and "namespace" not in manifest["metadata"]
    assert manifest["spec"]["serviceAccountName"] == "simplepipe-workflow"
    validate(manifest)


@pytest.mark.parametrize("change, message", [
    ({"tenant": "mallory"}, "tenant: 'mallory' is not in platform/tenants.yaml"),
    ({"phase": "Done"}, "phase: 'Done' is not one of ['Succeeded', 'Failed', 'Error']"),
    ({"expect": [{"query": "up", "value": {"min": 2, "max": 1}}]}, "expect[0].value: min 2 is greater than max 1"),
    ({"expect": [{"query": "up", "value": "high"}]}, "expect[0].value: 'high' is not of type 'number', 'object'"),
    ({"expect": [{"query": "up"}]}, "expect[0]: 'value' is a required property"),
    ({"expect": [{"query": "up", "value": 1, "label": {}}]},
     "expect[0]: Additional properties are not allowed ('label' was unexpected)"),
    ({"expect": []}, "expect: [] should be non-empty"),
    ({"during": [{"query": " ", "value": 1}]}, "during[0].query: ' ' is not a PromQL expression"),
    ({"timeout": 5}, "expect.yaml: Additional properties are not allowed ('timeout' was unexpected)"),
])
def test_invalid_expect_yaml_names_file_and_field(tmp_path, change, message):
    data = {"tenant": "alice", "phase": "Succeeded", "expect": [{"query": "up", "value": 1}], **change}
    (tmp_path / "expect.yaml").write_text(yaml.safe_dump(data))
    (tmp_path / "workflow.yaml").write_text("{}")
    with pytest.raises(ScenarioError) as invalid:
        load_scenario(tmp_path)
    assert str(tmp_path / "expect.yaml") in str(invalid.value)
    assert message in str(invalid.value)


def test_missing_workflow_is_named(tmp_path):
    (tmp_path / "expect.yaml").write_text(yaml.safe_dump({"tenant": "bob", "expect": [{"query": "up", "value": 1}]}))
    with pytest.raises(ScenarioError, match="workflow.yaml: missing"):
        load_scenario(tmp_path)


def test_expected_values():
    assert ExpectedValue(exact=12).matches(12.0) and not ExpectedValue(exact=12).matches(12.5)
    assert ExpectedValue(min=0.05, max=60).matches(0.5) and not ExpectedValue(min=0.05, max=60).matches(0.01)
    assert ExpectedValue(min=1).matches(1e12) and not ExpectedValue(min=1).matches(float("nan"))


def test_provenance_is_checked_wherever_series_carry_the_workflow_label():
    expectation = PromQLExpectation("x", ExpectedValue(min=1))
    this_run = ({"argo_workflow": "carol-a1b2c", "job": "carol-report"}, 3.0)
    earlier_run = ({"argo_workflow": "carol-z9y8x", "job": "carol-report"}, 2.0)
    aggregate = ({}, 5.0)  # sum(...), absent(...), ... or vector(0): no workflow label to check

    assert expectation.mismatch([this_run], {"carol-a1b2c"}) is None
    assert "series of workflow(s) ['carol-z9y8x']" in expectation.mismatch([this_run, earlier_run], {"carol-a1b2c"})
    assert expectation.mismatch([aggregate], {"carol-a1b2c"}) is None
    assert "expected [6, +inf]" in PromQLExpectation("x", ExpectedValue(min=6)).mismatch([aggregate], {"carol-a1b2c"})
    assert expectation.mismatch([earlier_run]) is None  # without runs: value and labels only


def test_expectation_checks_every_series_and_its_labels():
    expectation = PromQLExpectation("x", ExpectedValue(exact=1), {"tenant": "alice"})
    assert expectation.mismatch([({"tenant": "alice"}, 1.0)]) is None
    assert "no series" in expectation.mismatch([])
    assert "labels" in expectation.mismatch([({"tenant": "alice"}, 1.0), ({"tenant": "bob"}, 1.0)])
    assert "expected 1" in expectation.mismatch([({"tenant": "alice"}, 2.0)])


@pytest.mark.parametrize("name", sorted(CONTRACT_SCENARIOS))
def test_scenarios_use_the_simplepipe_image_of_this_version(name):
    """`make image` builds ghcr.io/simplepipe/simplepipe:<version>; a scenario naming another tag would not run on kind."""
    from simplepipe import __version__

    images = {t[kind]["image"] for t in load_scenario(name).manifest()["spec"]["templates"]
              for kind in ("container", "script") if kind in t}
    simplepipe_images = {i for i in images if "simplepipe" in i}
    assert simplepipe_images <= {f"ghcr.io/simplepipe/simplepipe:{__version__}"}
    assert images - simplepipe_images <= {"python:3.11-slim"}


def test_a_scenario_ships_workflow_templates_its_workflow_names():
    sweep = load_scenario("alice-sweep")
    assert [t["metadata"]["name"] for t in sweep.workflow_templates()] == ["sweep-training"]
    refs = {step["templateRef"]["name"] for t in sweep.manifest()["spec"]["templates"] for group in t.get("steps", [])
            for step in group if "templateRef" in step}
    assert refs == {"sweep-training"}


@pytest.mark.parametrize("name", [s.name for s in load_scenarios()])
def test_each_scenarios_workflow_runs_locally_with_the_templates_it_ships(name):
    """Applied in file-name order as make e2e applies them, each checked against the ones before it."""
    scenario = load_scenario(name)
    applied: dict[str, dict] = {}
    for template in scenario.workflow_templates():
        assert "namespace" not in template["metadata"]
        applied[validate_workflow_template(template, applied)] = template
    validate(scenario.manifest(), applied)


@pytest.mark.parametrize("text, words", [
    ("kind: Workflow\n", "must be one Argo WorkflowTemplate"),
    ("kind: WorkflowTemplate\n---\nkind: WorkflowTemplate\n", "one per file"),
    ("kind: [\n", "cannot read the WorkflowTemplate"),
], ids=["a-workflow", "two-documents", "bad-yaml"])
def test_a_broken_workflow_template_file_is_named(tmp_path, text, words):
    (tmp_path / "expect.yaml").write_text(yaml.safe_dump({"tenant": "bob", "expect": [{"query": "up", "value": 1}]}))
    (tmp_path / "workflow.yaml").write_text("kind: Workflow\n")
    (tmp_path / "workflowtemplates").mkdir()
    (tmp_path / "workflowtemplates" / "t.yaml").write_text(text)
    with pytest.raises(ScenarioError) as broken:
        load_scenario(tmp_path).workflow_templates()
    assert str(tmp_path / "workflowtemplates" / "t.yaml") in str(broken.value) and words in str(broken.value)


@pytest.mark.parametrize("name", [s.name for s in load_scenarios() if s.workflow_template_files])
def test_scenario_workflow_templates_use_the_images_the_workflows_may(name):
    from simplepipe import __version__

    images = {t[kind]["image"] for template in load_scenario(name).workflow_templates()
              for t in template["spec"]["templates"] for kind in ("container", "script") if kind in t}
    assert images and images <= {f"ghcr.io/simplepipe/simplepipe:{__version__}", "python:3.11-slim"}
