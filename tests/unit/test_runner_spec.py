"""The local runner's manifest parsing: the supported subset parses, everything else is refused by path."""
import copy

import pytest
import yaml

from harness.runner import (ManifestError, UnknownImageError, UnsupportedFieldError, validate,
                            validate_workflow_template)

MANIFEST = yaml.safe_load("""
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: demo-}
spec:
  entrypoint: main
  serviceAccountName: simplepipe-workflow
  arguments: {parameters: [{name: job, value: demo}]}
  templates:
  - name: main
    dag:
      tasks:
      - {name: produce, template: produce}
      - name: push
        template: push
        depends: produce
        arguments:
          artifacts: [{name: metrics, from: "{{tasks.produce.outputs.artifacts.metrics}}"}]
  - name: produce
    script:
      image: python:3.11-slim
      command: [python3]
      source: open("/tmp/metric.json", "w").write("[]")
    outputs:
      artifacts: [{name: metrics, path: /tmp/metric.json}]
  - name: push
    inputs:
      artifacts: [{name: metrics, path: /tmp/metric-in.json}]
    container:
      image: ghcr.io/simplepipe/simplepipe:0.1.0
      command: [simplepipe]
      args: [push, /tmp/metric-in.json, --job, "{{workflow.parameters.job}}"]
      env:
      - name: SIMPLEPIPE_PUSHGATEWAY_URL
        valueFrom: {configMapKeyRef: {name: simplepipe-config, key: pushgateway-url}}
""")


def with_change(path: list, value) -> dict:
    manifest = copy.deepcopy(MANIFEST)
    target = manifest
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return manifest


def test_supported_subset_parses():
    workflow = validate(MANIFEST)
    assert workflow.entrypoint == "main"
    assert [t.kind for t in workflow.templates.values()] == ["dag", "script", "container"]
    push_task = workflow.templates["main"].tasks[1]
    assert push_task.dependencies == ("produce",)
    assert push_task.arguments.artifacts[0].from_ == "{{tasks.produce.outputs.artifacts.metrics}}"
    env = workflow.templates["push"].container.env[0]
    assert (env.value_from.kind, env.value_from.name, env.value_from.key) == (
        "configMap", "simplepipe-config", "pushgateway-url")


@pytest.mark.parametrize("path, value, field", [
    (["spec", "templates", 1, "retryStrategy"], {"limit": 2, "affinity": {}}, "spec.templates[1].retryStrategy.affinity"),
    (["spec", "templates", 2, "container", "volumeMounts"], [], "spec.templates[2].container.volumeMounts"),
    (["spec", "volumes"], [], "spec.volumes"),
    (["status"], {}, "status"),
    (["spec", "templates", 0, "dag", "tasks", 0, "hooks"], {}, "spec.templates[0].dag.tasks[0].hooks"),
    (["spec", "templates", 0, "dag", "tasks", 1, "when"], "{{tasks.produce.outputs.result}} in (a, b)",
     "spec.templates[0].dag.tasks[1].when"),
    (["spec", "templates", 0, "dag", "tasks", 1, "when"], "a ? b : c", "spec.templates[0].dag.tasks[1].when"),
    (["spec", "templates", 1, "retryStrategy"], {"expression": "sprig.trim(lastRetry.message) == ''"},
     "spec.templates[1].retryStrategy.expression"),
    (["spec", "templates", 0, "dag", "failFast"], False, None),
    (["spec", "templates", 0, "dag", "target"], "push", "spec.templates[0].dag.target"),
    (["spec", "templates", 0, "activeDeadlineSeconds"], 10, "spec.templates[0].activeDeadlineSeconds"),
    (["spec", "templates", 1, "outputs", "artifacts", 0, "s3"], {"bucket": "x", "key": "k"},
     "spec.templates[1].outputs.artifacts[0].s3.bucket"),
    (["spec", "templates", 2, "container", "env", 0, "valueFrom"], {"fieldRef": {"fieldPath": "x"}},
     "spec.templates[2].container.env[0].valueFrom.fieldRef"),
    (["spec", "templates", 2, "container", "args", 3], "{{=sprig.upper('x')}}", "spec.templates[2].container.args[3]"),
    (["spec", "templates", 2, "container", "args", 3], "{{item}}", "spec.templates[2].container.args[3]"),
    (["spec", "templates", 2, "container", "args", 3], "{{workflow.parameters.nope}}",
     "spec.templates[2].container.args[3]"),
])
def test_outside_the_subset_is_refused_naming_the_field(path, value, field):
    if field is None:  # supported: parses
        validate(with_change(path, value))
        return
    with pytest.raises(UnsupportedFieldError) as refused:
        validate(with_change(path, value))
    assert refused.value.path == field
    assert "not supported by the local workflow runner" in str(refused.value)


def test_a_resource_template_is_refused_by_path():
    manifest = copy.deepcopy(MANIFEST)
    manifest["spec"]["templates"].append({"name": "make-cm", "resource": {"action": "create", "manifest": "x"}})
    with pytest.raises(UnsupportedFieldError, match=r"spec\.templates\[3\]\.resource"):
        validate(manifest)


@pytest.mark.parametrize("path, value, field", [
    (["spec", "entrypoint"], "missing", "spec.entrypoint"),
    (["spec", "templates", 0, "dag", "tasks", 1, "template"], "missing", "spec.templates[0].dag.tasks[1].template"),
    (["spec", "templates", 2, "container", "args"], "push", "spec.templates[2].container.args"),
    (["metadata"], {}, "metadata"),
    (["kind"], "Pod", "kind"),
])
def test_invalid_manifests_name_the_field(path, value, field):
    with pytest.raises(ManifestError) as invalid:
        validate(with_change(path, value))
    assert invalid.value.path == field


def test_unknown_image_names_the_image_field():
    with pytest.raises(UnknownImageError) as unknown:
        validate(with_change(["spec", "templates", 1, "script", "image"], "busybox:1.36"))
    assert unknown.value.path == "spec.templates[1].script.image"
    assert "busybox:1.36" in str(unknown.value)


def test_unknown_command_of_a_known_image_names_the_command():
    with pytest.raises(UnknownImageError) as unknown:
        validate(with_change(["spec", "templates", 2, "container", "command"], ["curl"]))
    assert unknown.value.path == "spec.templates[2].container.command[0]"


def test_dag_cycle_is_refused():
    manifest = copy.deepcopy(MANIFEST)
    manifest["spec"]["templates"][0]["dag"]["tasks"][0]["dependencies"] = ["push"]
    with pytest.raises(ManifestError, match="cycle"):
        validate(manifest)


def test_artifact_reference_must_name_a_produced_artifact():
    manifest = with_change(["spec", "templates", 0, "dag", "tasks", 1, "arguments"],
                           {"artifacts": [{"name": "metrics", "from": "{{tasks.produce.outputs.artifacts.other}}"}]})
    with pytest.raises(UnsupportedFieldError, match=r"tasks\[1\]\.arguments\.artifacts\[0\]\.from"):
        validate(manifest)


def test_the_features_parse_with_argos_defaults():
    manifest = copy.deepcopy(MANIFEST)
    main = manifest["spec"]["templates"][0]
    main["dag"]["tasks"][0].update(withItems=[0.1, 0.01], when="{{item}} != 0")
    main["dag"]["tasks"][1].update(depends="produce.Succeeded || !produce.Failed", continueOn={"failed": True})
    manifest["spec"]["templates"][1]["retryStrategy"] = {"limit": "3", "backoff": {"duration": "1m", "factor": 2}}
    workflow = validate(manifest)
    produce, push = workflow.templates["main"].tasks
    assert produce.with_items == (0.1, 0.01) and produce.when == "{{item}} != 0"
    assert push.dependencies == ("produce",) and push.continue_on_failed
    strategy = workflow.templates["produce"].retry_strategy
    assert (strategy.limit, strategy.policy, strategy.backoff.duration) == ("3", "OnFailure", "1m")


@pytest.mark.parametrize("change, field, words", [
    ({"retryStrategy": {"retryPolicy": "Sometimes"}}, "spec.templates[1].retryStrategy.retryPolicy", "one of"),
    ({"retryStrategy": {"backoff": {"factor": 2}}}, "spec.templates[1].retryStrategy.backoff.duration", "required"),
    ({"retryStrategy": {"backoff": {"duration": "soon"}}}, "spec.templates[1].retryStrategy.backoff.duration",
     "duration"),
    ({"retryStrategy": {"limit": "many"}}, "spec.templates[1].retryStrategy.limit", "whole number"),
])
def test_a_wrong_retry_strategy_names_the_field(change, field, words):
    manifest = copy.deepcopy(MANIFEST)
    manifest["spec"]["templates"][1].update(change)
    with pytest.raises(ManifestError) as invalid:
        validate(manifest)
    assert invalid.value.path == field and words in str(invalid.value)


def test_a_depends_naming_an_unknown_result_is_refused():
    with pytest.raises(ManifestError, match="task result 'Done' for task 'produce' is invalid"):
        validate(with_change(["spec", "templates", 0, "dag", "tasks", 1, "depends"], "produce.Done"))


def test_a_loop_variable_outside_a_loop_and_a_later_step_are_refused():
    manifest = copy.deepcopy(MANIFEST)
    manifest["spec"]["templates"][0]["dag"]["tasks"][1]["arguments"]["parameters"] = [
        {"name": "job", "value": "{{item}}"}]
    with pytest.raises(UnsupportedFieldError, match=r"\{\{item\}\}"):
        validate(manifest)
    manifest = copy.deepcopy(MANIFEST)
    manifest["spec"]["templates"][0]["dag"]["tasks"][0]["arguments"] = {
        "parameters": [{"name": "job", "value": "{{tasks.push.outputs.result}}"}]}
    with pytest.raises(UnsupportedFieldError, match="tasks.push.outputs.result"):  # not an ancestor
        validate(manifest)


def test_a_template_ref_needs_the_workflow_template():
    manifest = with_change(["spec", "templates", 0, "dag", "tasks", 0],
                           {"name": "produce", "templateRef": {"name": "shared", "template": "make"}})
    with pytest.raises(ManifestError, match="WorkflowTemplate 'shared' not found"):
        validate(manifest)
    shared = {"apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowTemplate", "metadata": {"name": "shared"},
              "spec": {"templates": [copy.deepcopy(MANIFEST["spec"]["templates"][1]) | {"name": "make"}]}}
    workflow = validate(manifest, {"shared": shared})
    assert workflow.resolve(workflow.templates["main"].tasks[0], "").name == "make"
    with pytest.raises(ManifestError, match="has no template 'other'"):
        validate(with_change(["spec", "templates", 0, "dag", "tasks", 0],
                             {"name": "produce", "templateRef": {"name": "shared", "template": "other"}}),
                 {"shared": shared})


def shared_template(**spec_changes) -> dict:
    """A WorkflowTemplate holding MANIFEST's templates: `main` calls `produce` and `push` of its own."""
    spec = {"templates": copy.deepcopy(MANIFEST["spec"]["templates"]), **spec_changes}
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowTemplate", "metadata": {"name": "shared"},
            "spec": spec}


def test_a_workflow_template_is_checked_on_its_own_as_argo_checks_it_on_create():
    # Its callers give `{{workflow.parameters.job}}` (push's --job): allowed here, as in Argo's validation.
    assert validate_workflow_template(shared_template(entrypoint="main")) == "shared"
    assert validate_workflow_template(shared_template(), {}) == "shared"


@pytest.mark.parametrize("change, field", [
    (lambda t: t["spec"].update(entrypoint="nothing"), "spec.entrypoint"),
    (lambda t: t["spec"]["templates"][0]["dag"]["tasks"][0].update(template="nothing"),
     "spec.templates[0].dag.tasks[0].template"),
    (lambda t: t["spec"]["templates"][1]["script"].update(image="registry.example/mystery:1"),
     "spec.templates[1].script.image"),
    (lambda t: t["spec"]["templates"][2]["container"].update(volumeMounts=[]),
     "spec.templates[2].container.volumeMounts"),
    (lambda t: t["spec"]["templates"][2]["container"]["args"].append("{{workflow.labels.team}}"),
     "spec.templates[2].container.args[4]"),
    (lambda t: t["spec"].update(workflowMetadata={}), "spec.workflowMetadata"),
    (lambda t: t.update(kind="Workflow"), "WorkflowTemplate: kind"),
], ids=["entrypoint", "template", "image", "field", "variable", "spec-field", "kind"])
def test_a_workflow_template_the_runner_cannot_run_is_refused_naming_the_field(change, field):
    template = shared_template()
    change(template)
    with pytest.raises(ManifestError) as refused:
        validate_workflow_template(template)
    assert refused.value.path == field


def test_a_workflow_templates_template_ref_must_name_one_of_the_namespace_when_given():
    template = shared_template()
    template["spec"]["templates"][0]["dag"]["tasks"][0] = {"name": "produce",
                                                          "templateRef": {"name": "makers", "template": "make"}}
    assert validate_workflow_template(template) == "shared"  # on its own: left to the workflows using it
    with pytest.raises(ManifestError, match="WorkflowTemplate 'makers' not found in the namespace") as refused:
        validate_workflow_template(template, {})
    assert refused.value.path == "spec.templates[0].dag.tasks[0].templateRef.name"
    makers = shared_template()
    makers["metadata"]["name"] = "makers"
    makers["spec"]["templates"].append({**makers["spec"]["templates"][1], "name": "make"})
    assert validate_workflow_template(template, {"makers": makers}) == "shared"
    with pytest.raises(ManifestError, match="has no template 'make'"):
        validate_workflow_template(template, {"makers": {**makers, "spec": shared_template()["spec"]}})
