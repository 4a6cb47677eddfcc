"""Substitution, path mapping into a step's sandbox, image mapping and Argo's node identity."""
import sys
from pathlib import Path

import pytest

from harness.paths import REPO_ROOT
from harness.runner import StepError
from harness.runner.identity import argo_env, fnv32a, generated_name, node_id, pod_name
from harness.runner.images import local_image
from harness.runner.sandbox import StepSandbox
from harness.runner.variables import substitute, substitute_deep


def test_substitution_replaces_known_variables_with_and_without_spaces():
    scope = {"workflow.name": "alice-app-x7k2p", "inputs.parameters.job": "alice-app"}
    assert substitute("{{workflow.name}}/{{ inputs.parameters.job }}", scope, "p") == "alice-app-x7k2p/alice-app"


def test_unresolvable_variable_names_the_path_and_the_variable():
    with pytest.raises(StepError, match=r"spec\.templates\[0\]\.args\[1\]: failed to resolve \{\{steps\.a\.outputs\.result\}\}"):
        substitute("{{steps.a.outputs.result}}", {}, "spec.templates[0].args[1]")


def test_deep_substitution_keeps_structure():
    assert substitute_deep({"a": ["{{x}}", 3, {"b": "{{x}}!"}]}, {"x": "1"}, "t") == {"a": ["1", 3, {"b": "1!"}]}


def test_tmp_and_declared_paths_are_mapped_into_the_sandbox(tmp_path):
    sandbox = StepSandbox(tmp_path / "root", ["/data/out.json", "/tmp/metric.json"])
    root = tmp_path / "root"
    assert sandbox.rewrite('open("/tmp/metric.json")') == f'open("{root}/tmp/metric.json")'
    assert sandbox.rewrite("--out=/data/out.json") == f"--out={root}/data/out.json"
    assert sandbox.rewrite("/tmp") == f"{root}/tmp"
    # Not paths under /tmp or declared ones: left alone.
    for text in ("/tmpfoo/x", "/usr/tmp/x", "http://host/tmp/x", "/data/out.jsonl", "/etc/hosts"):
        assert sandbox.rewrite(text) == text
    assert (root / "tmp").is_dir()


def test_two_sandboxes_map_the_same_path_to_different_files(tmp_path):
    first, second = StepSandbox(tmp_path / "a", []), StepSandbox(tmp_path / "b", [])
    assert first.rewrite("/tmp/metric.json") != second.rewrite("/tmp/metric.json")


def test_python_image_runs_the_venv_interpreter_without_site_packages():
    image = local_image("python:3.11-slim", "t")
    assert image.argv(("python3", "-u"), ("x.py",), None, "t") == [sys.executable, "-S", "-u", "x.py"]


def test_simplepipe_image_maps_the_cli_and_the_legacy_app():
    image = local_image("ghcr.io/simplepipe/simplepipe:0.1.0", "t")
    assert image.argv(("simplepipe",), ("push", "f"), None, "t") == [str(Path(sys.executable).parent / "simplepipe"),
                                                                      "push", "f"]
    assert image.argv(("python3",), ("app.py", "f", "job"), None, "t")[1] == str(REPO_ROOT / "simplepipe" / "app.py")
    assert image.argv((), ("simplepipe", "push", "f"), None, "t")[0].endswith("/simplepipe")  # args replace CMD
    assert image.argv((), (), None, "t")[1:] == ["--help"]  # the image's CMD


def test_fnv32a_matches_the_reference_vectors():
    assert fnv32a("") == 0x811C9DC5
    assert fnv32a("a") == 0xE40C292C
    assert fnv32a("foobar") == 0xBF9CF968


def test_node_and_pod_names_follow_argo():
    node = "alice-app-x7k2p[0].produce"
    assert node_id("alice-app-x7k2p", node) == f"alice-app-x7k2p-{fnv32a(node)}"
    assert node_id("alice-app-x7k2p", "alice-app-x7k2p") == "alice-app-x7k2p"
    assert pod_name("alice-app-x7k2p", node, "produce") == f"alice-app-x7k2p-produce-{fnv32a(node)}"
    assert pod_name("alice-app-x7k2p", "alice-app-x7k2p", "produce") == "alice-app-x7k2p"  # the root node


def test_generated_names_have_a_five_character_suffix():
    name = generated_name("alice-app-")
    assert name.startswith("alice-app-") and len(name) == len("alice-app-") + 5
    assert set(name[len("alice-app-"):]) <= set("bcdfghjklmnpqrstvwxz2456789")


@pytest.mark.parametrize("node", ["alice-app-24567", "alice-app-24567[0].run-app", "alice-app-24567.push"])
def test_simplepipe_reads_the_workflow_identity_the_runner_sets(node):
    """Contract: Simplepipe derives workflow and template from the ARGO_* variables the runner sets like Argo."""
    from simplepipe.identity import WorkflowIdentity

    workflow = "alice-app-24567"  # a generated suffix may be all digits
    pod = pod_name(workflow, node, "run-app")
    env = argo_env(workflow_name=workflow, node_name=node, pod=pod, template={"name": "run-app"}, deadline=None,
                   progress_file="/var/run/argo/progress", include_script_output=False)
    identity = WorkflowIdentity.from_environ({**env, "HOSTNAME": pod})
    assert (identity.workflow, identity.template) == (workflow, "run-app")
