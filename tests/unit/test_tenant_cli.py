"""The tenant verbs' input rules, one per test, asserting what the tenant reads: -p as argo submit applies it
(stricter on names the workflow does not declare), a manifest within hostile-input limits, errors to exit codes."""
from __future__ import annotations

import pytest

from harness import tenant_cli
from harness.errors import AccessDeniedError, ManifestRefusedError, PlatformError, PlatformNotUpError, \
    WorkflowNotFoundError
from harness.tenant_cli import UsageError, apply_parameters, load_manifest


def manifest(*parameters: str) -> dict:
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"generateName": "w-"},
            "spec": {"entrypoint": "m", "arguments": {"parameters": [{"name": p, "value": "old"}
                                                                      for p in parameters]}}}


def test_a_parameter_sets_the_declared_value_and_keeps_the_others():
    result = apply_parameters(manifest("job", "epochs"), ["epochs=3=x"])
    assert result["spec"]["arguments"]["parameters"] == [{"name": "job", "value": "old"},
                                                         {"name": "epochs", "value": "3=x"}]


@pytest.mark.parametrize("pair, words", [("epochs", "expected NAME=VALUE"), ("=3", "expected NAME=VALUE"),
                                         ("nope=1", "declares no parameter 'nope' (spec.arguments.parameters: job)")])
def test_a_bad_parameter_is_refused_naming_it(pair, words):
    with pytest.raises(UsageError, match=words.replace("(", r"\(").replace(")", r"\)")):
        apply_parameters(manifest("job"), [pair])


def test_a_parameter_given_twice_is_refused():
    with pytest.raises(UsageError, match="given twice"):
        apply_parameters(manifest("job"), ["job=a", "job=b"])


def test_no_parameters_leave_the_manifest_alone():
    assert apply_parameters(manifest(), []) == manifest()


def test_a_manifest_larger_than_one_object_is_refused_before_parsing(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"# " + b"x" * tenant_cli.MAX_MANIFEST_BYTES)
    with pytest.raises(ManifestRefusedError, match="larger than 1024 KiB"):
        load_manifest(path)


@pytest.mark.parametrize("text, words", [("a: &x [1]\nb: *x\n", "alias"), ("[1, 2]\n", "kind: expected an Argo Workflow"),
                                         ("kind: Pod\n", "kind: expected an Argo Workflow"), ("a: [\n", "invalid YAML"),
                                         ("[" * 100 + "]" * 100, "nest")],
                         ids=["alias", "a-list", "another-kind", "bad-yaml", "too-deep"])
def test_a_manifest_that_is_not_one_workflow_is_refused(tmp_path, text, words):
    path = tmp_path / "w.yaml"
    path.write_text(text)
    with pytest.raises(ManifestRefusedError) as refused:
        load_manifest(path)
    assert words in str(refused.value).lower() or words in str(refused.value)


def test_a_workflow_file_loads(tmp_path):
    path = tmp_path / "w.json"
    path.write_text('{"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {}, "spec": {}}')
    assert load_manifest(path)["kind"] == "Workflow"


@pytest.mark.parametrize("error, code", [
    (UsageError("x"), tenant_cli.EXIT_USAGE), (ManifestRefusedError("x"), tenant_cli.EXIT_REFUSED),
    (WorkflowNotFoundError("x"), tenant_cli.EXIT_NOT_FOUND), (AccessDeniedError("x"), tenant_cli.EXIT_NOT_FOUND),
    (PlatformNotUpError("x"), tenant_cli.EXIT_NOT_UP), (PlatformError("x"), tenant_cli.EXIT_ERROR),
    (TimeoutError("x"), tenant_cli.EXIT_ERROR), (KeyError("x"), None)])
def test_each_error_has_its_documented_exit_code(error, code):
    assert tenant_cli.exit_code(error) == code
    if code is not None:
        assert code in tenant_cli.EXIT_CODES


def test_a_workflow_template_file_loads_and_a_workflow_is_not_one(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("apiVersion: argoproj.io/v1alpha1\nkind: WorkflowTemplate\nmetadata: {name: t}\nspec: {}\n")
    assert load_manifest(path, "WorkflowTemplate")["metadata"]["name"] == "t"
    with pytest.raises(ManifestRefusedError, match="kind: expected an Argo Workflow \\(apiVersion"):
        load_manifest(path)
    path.write_text("apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: w}\nspec: {}\n")
    with pytest.raises(ManifestRefusedError, match="kind: expected an Argo WorkflowTemplate"):
        load_manifest(path, "WorkflowTemplate")
