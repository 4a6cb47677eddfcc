"""WorkflowTemplates on a local platform, as a tenant types the verbs (`python -m harness ...`, a process per command):
a template a tenant creates is what its workflows' templateRefs run, in the detached process of each workflow, as
it was when the workflow was submitted; another tenant's workflow naming it is refused with the field named, and
each tenant's template of the same name is its own; a template the runner cannot run is refused before it is
stored, naming the file and the field. The attack matrix's templateRef row is shown catching the door it is about
when the namespace boundary of the stored templates is taken out."""
from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from harness import tenant_cli
from harness.errors import ManifestRefusedError
from harness.local.platform import LocalPlatform
from harness.local.workflow_templates import WorkflowTemplateRecords
from harness.paths import REPO_ROOT
from tests.support.attacks import run_other_workflow_template
from tests.support.throwaway import throwaway_platform

pytestmark = [pytest.mark.timeout(420)]

REF_FIELD = "spec.templates[0].steps[0][0].templateRef.name"


def greeting(version: str, **changes) -> dict:
    """WorkflowTemplate `greeting`: one script template that says which version of it ran."""
    template = {"name": "greet", "inputs": {"parameters": [{"name": "who"}]},
                "script": {"image": "python:3.11-slim", "command": ["python3"],
                           "source": f'print("hello {{{{inputs.parameters.who}}}} from {version}")'}, **changes}
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowTemplate", "metadata": {"name": "greeting"},
            "spec": {"templates": [template]}}


def greeter(who: str) -> dict:
    """A Workflow whose only step is greeting's `greet`, by templateRef."""
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"generateName": "greeter-"},
            "spec": {"entrypoint": "main", "templates": [{"name": "main", "steps": [[{
                "name": "greet", "templateRef": {"name": "greeting", "template": "greet"},
                "arguments": {"parameters": [{"name": "who", "value": who}]}}]]}]}}


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    with throwaway_platform(tmp_path_factory.mktemp("workflow-templates")) as platform:
        yield platform


@pytest.fixture
def write(tmp_path):
    def write(name: str, manifest: dict) -> str:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(manifest, sort_keys=False))
        return str(path)
    return write


def harness(platform, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness", "--state-dir", str(platform.state_dir), *args],
                          capture_output=True, text=True, timeout=180, cwd=REPO_ROOT)


def greeted(platform, tenant: str, workflow: str) -> str:
    """The log of a watched run of `workflow` as `tenant`, which must have Succeeded."""
    watched = harness(platform, "submit", "--tenant", tenant, workflow, "--watch", "--timeout", "120")
    assert watched.returncode == tenant_cli.EXIT_OK, watched.stdout + watched.stderr
    name = next(line.split()[-1] for line in watched.stdout.splitlines() if line.startswith("Name:"))
    logs = harness(platform, "logs", "--tenant", tenant, name)
    assert logs.returncode == tenant_cli.EXIT_OK, logs.stderr
    return logs.stdout


def test_a_template_applied_before_a_submit_is_what_the_workflows_process_runs(platform, write):
    created = harness(platform, "template", "create", "--tenant", "alice", write("v1.yaml", greeting("v1")))
    assert created.returncode == tenant_cli.EXIT_OK, created.stderr
    assert created.stdout.split() == ["Name:", "greeting", "Namespace:", "alice"]
    assert harness(platform, "template", "list", "--tenant", "alice").stdout.split() == ["NAME", "greeting"]
    workflow = write("greeter.yaml", greeter("alice"))
    assert "hello alice from v1" in greeted(platform, "alice", workflow)

    # Replaced (as `kubectl apply` replaces it): the next workflow's own process loads the new one.
    replaced = harness(platform, "template", "create", "--tenant", "alice", write("v2.yaml", greeting("v2")))
    assert replaced.returncode == tenant_cli.EXIT_OK, replaced.stderr
    assert harness(platform, "template", "list", "--tenant", "alice").stdout.split() == ["NAME", "greeting"]
    assert "hello alice from v2" in greeted(platform, "alice", workflow)


def test_another_tenants_workflow_naming_the_template_is_refused_with_the_field_named(platform, write):
    alice = harness(platform, "template", "create", "--tenant", "alice", write("alice.yaml", greeting("alice's")))
    assert alice.returncode == tenant_cli.EXIT_OK, alice.stderr
    assert "greeting" not in harness(platform, "template", "list", "--tenant", "bob").stdout

    bobs = [run.name for run in platform.workflows(platform.tenant("bob"))]
    refused = harness(platform, "submit", "--tenant", "bob", write("bob-greeter.yaml", greeter("bob")))
    assert refused.returncode == tenant_cli.EXIT_REFUSED, refused.stdout + refused.stderr
    assert refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr
    assert f"{REF_FIELD}: WorkflowTemplate 'greeting' not found in the namespace (has: none)" in refused.stderr
    assert [run.name for run in platform.workflows(platform.tenant("bob"))] == bobs  # nothing recorded, nothing ran
    with pytest.raises(ManifestRefusedError, match=REF_FIELD.replace("[", r"\[").replace("]", r"\]")):
        platform.submit(platform.tenant("bob"), greeter("bob"))

    # Nor can bob place one in alice's namespace; his own `greeting` is his, and alice's runs stay hers.
    elsewhere = greeting("bob's")
    elsewhere["metadata"]["namespace"] = "alice"
    placed = harness(platform, "template", "create", "--tenant", "bob", write("placed.yaml", elsewhere))
    assert placed.returncode == tenant_cli.EXIT_REFUSED and "metadata.namespace: is 'alice'" in placed.stderr
    own = harness(platform, "template", "create", "--tenant", "bob", write("bob.yaml", greeting("bob's")))
    assert own.returncode == tenant_cli.EXIT_OK, own.stderr
    assert "hello bob from bob's" in greeted(platform, "bob", write("bob-greeter.yaml", greeter("bob")))
    assert "hello alice from alice's" in greeted(platform, "alice", write("alice-greeter.yaml", greeter("alice")))


@pytest.mark.parametrize("broken, field", [
    (greeting("v9", podSpecPatch="{}"), "spec.templates[0].podSpecPatch: not supported by the local workflow runner"),
    (greeting("v9", script={"image": "registry.example/mystery:1", "command": ["python3"], "source": "pass"}),
     "spec.templates[0].script.image"),
    (greeting("v9", inputs={}), "spec.templates[0].script.source: not supported by the local workflow runner "
                                "(variable {{inputs.parameters.who}} is unknown"),
    ({**greeting("v9"), "metadata": {"name": "../greeting"}}, "metadata.name: '../greeting' is not a Kubernetes"),
    ({**greeting("v9"), "kind": "Workflow"}, "kind: expected an Argo WorkflowTemplate"),
], ids=["field", "image", "variable", "name", "kind"])
def test_a_template_the_runner_cannot_run_is_refused_before_it_is_stored(platform, write, broken, field):
    good = harness(platform, "template", "create", "--tenant", "alice", write("good.yaml", greeting("good")))
    assert good.returncode == tenant_cli.EXIT_OK, good.stderr
    stored = sorted(p.relative_to(platform.state_dir) for p in platform.state_dir.rglob("*") if p.is_file()
                    and "workflowtemplates" in p.parts)
    before = {p: (platform.state_dir / p).read_text() for p in stored}

    path = write("broken.yaml", broken)
    refused = harness(platform, "template", "create", "--tenant", "alice", path)
    assert refused.returncode == tenant_cli.EXIT_REFUSED, refused.stdout + refused.stderr
    assert refused.stderr.startswith(f"error: {path}: ") and field in refused.stderr, refused.stderr
    assert refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr
    after = sorted(p.relative_to(platform.state_dir) for p in platform.state_dir.rglob("*") if p.is_file()
                   and "workflowtemplates" in p.parts)
    assert after == stored and all((platform.state_dir / p).read_text() == text for p, text in before.items())
    assert harness(platform, "template", "list", "--tenant", "alice").stdout.split() == ["NAME", "greeting"]


class OneFolderForEveryNamespace(WorkflowTemplateRecords):
    """The boundary taken out: every namespace's WorkflowTemplates kept and read in one folder."""

    def file(self, namespace: str, name: str):
        return super().file("everyone", name)

    def manifests(self, namespace: str) -> dict[str, dict]:
        return super().manifests("everyone")


class OpenTemplatesPlatform(LocalPlatform):
    @property
    def template_records(self) -> WorkflowTemplateRecords:
        return OneFolderForEveryNamespace(self.layout.workflow_templates)


def test_the_attack_matrix_row_is_blocked_and_catches_the_door_when_it_is_open(platform):
    alice, bob = platform.tenant("alice"), platform.tenant("bob")
    attempt = run_other_workflow_template(platform, bob, alice)
    assert attempt.blocked, attempt.detail
    assert REF_FIELD in attempt.detail

    opened = OpenTemplatesPlatform(state_dir=platform.state_dir, ports="free", tenants=platform.tenants)
    attempt = run_other_workflow_template(opened, bob, alice)
    assert not attempt.blocked and "was accepted" in attempt.detail, attempt.detail
    assert not [run for run in platform.workflows(bob) if run.name.startswith("isolation-probe-")]  # deleted again
