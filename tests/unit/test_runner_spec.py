"""The local runner's manifest parsing: the supported subset parses, everything else is refused by path."""
import copy

import pytest
import yaml

from harness.runner import ManifestError, UnknownImageError, UnsupportedFieldError, validate

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
    (["spec", "templates", 1, "retryStrategy"], {"limit": 2}, "spec.templates[1].retryStrategy"),
    (["spec", "templates", 2, "container", "volumeMounts"], [], "spec.templates[2].container.volumeMounts"),
    (["spec", "volumes"], [], "spec.volumes"),
    (["status"], {}, "status"),
    (["spec", "templates", 0, "dag", "tasks", 0, "withItems"], [1, 2], "spec.templates[0].dag.tasks[0].withItems"),
    (["spec", "templates", 0, "dag", "tasks", 1, "depends"], "produce.Failed", "spec.templates[0].dag.tasks[1].depends"),
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
