"""The validation fails on a broken manifest and says which object and field."""
from __future__ import annotations

import shutil

from harness.paths import REPO_ROOT
from tests.support import manifests


def test_a_typo_in_a_tenant_manifest_is_reported_with_object_and_field(tmp_path):
    broken = tmp_path / "manifests.yaml"
    source = REPO_ROOT / "platform" / "k8s" / "tenants" / "alice" / "chart" / "templates" / "manifests.yaml"
    shutil.copy(source, broken)
    text = broken.read_text()
    assert "  policyTypes:\n  - Ingress" in text
    broken.write_text(text.replace("  policyTypes:\n  - Ingress", "  policyType:\n  - Ingress", 1))

    problems = manifests.validate_file(broken)

    assert [(p.kind, p.name) for p in problems] == [("NetworkPolicy", "tenant-ingress")]
    assert "'policyType' was unexpected" in problems[0].message
    assert str(problems[0]).startswith(f"{broken}: NetworkPolicy/tenant-ingress: spec: ")


def test_a_wrong_type_in_a_scenario_workflow_is_reported_with_its_path(tmp_path):
    workflow = next(iter(sorted((REPO_ROOT / "scenarios").glob("*/workflow.yaml"))))
    obj = manifests.load_documents(workflow.read_text())[0]
    obj["spec"]["templates"][0]["activeDeadlineSeconds"] = {"seconds": 5}

    problems = manifests.validate_object(obj, "broken.yaml")

    assert len(problems) == 1
    assert problems[0].kind == "Workflow"
    assert problems[0].field == "spec.templates.0.activeDeadlineSeconds"


def test_an_unknown_field_in_a_service_monitor_is_rejected():
    monitor = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {"name": "pushgateway-alice", "namespace": "monitoring"},
        "spec": {"selector": {}, "endpoints": [{"port": "http", "honorLabel": True}]},
    }
    problems = manifests.validate_object(monitor, "inline")
    assert [p.field for p in problems] == ["spec.endpoints.0"]
    assert "honorLabel" in problems[0].message


def test_an_unknown_kind_is_a_problem_not_a_pass():
    problems = manifests.validate_object({"apiVersion": "example.com/v1", "kind": "Gadget",
                                          "metadata": {"name": "g"}}, "inline")
    assert [p.field for p in problems] == ["apiVersion"]
