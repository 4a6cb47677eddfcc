"""The local backend's WorkflowTemplate records: one file per template in its namespace's folder, replaced as
`kubectl apply` replaces an object (its creation time kept), an unreadable one named, a bad name refused."""
import json

import pytest

from harness.errors import ManifestRefusedError, PlatformError
from harness.local.workflow_templates import WorkflowTemplateRecords


def template(name: str, version: str) -> dict:
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowTemplate", "metadata": {"name": name},
            "spec": {"templates": [], "arguments": {"parameters": [{"name": "version", "value": version}]}}}


def test_a_template_is_created_then_replaced_keeping_when_it_was_created(tmp_path):
    records = WorkflowTemplateRecords(tmp_path)
    assert records.apply("alice", template("t", "1")) is True
    created = json.loads(records.file("alice", "t").read_text())["created_at"]
    assert records.apply("alice", template("t", "2")) is False
    stored = json.loads(records.file("alice", "t").read_text())
    assert stored["created_at"] == created and stored["applied_at"] >= created
    assert records.manifests("alice") == {"t": template("t", "2")}


def test_each_namespace_sees_its_own_templates_only(tmp_path):
    records = WorkflowTemplateRecords(tmp_path)
    records.apply("alice", template("t", "alice's"))
    records.apply("alice", template("a", "alice's"))
    records.apply("bob", template("t", "bob's"))
    assert records.names("alice") == ["a", "t"] and records.names("bob") == ["t"] and records.names("carol") == []
    assert records.manifests("bob") == {"t": template("t", "bob's")}


def test_an_unreadable_record_is_named(tmp_path):
    records = WorkflowTemplateRecords(tmp_path)
    records.apply("alice", template("t", "1"))
    records.file("alice", "t").write_text("{")
    with pytest.raises(PlatformError, match="unreadable WorkflowTemplate record .*alice/t.json"):
        records.manifests("alice")


@pytest.mark.parametrize("name", ["../t", "T", "", "a/b", "x" * 254, 5, None])
def test_a_name_that_is_not_a_kubernetes_name_is_refused_and_nothing_written(tmp_path, name):
    records = WorkflowTemplateRecords(tmp_path / "workflowtemplates")
    with pytest.raises(ManifestRefusedError, match="metadata.name: .* is not a Kubernetes object name"):
        records.apply("alice", template(name, "1"))
    assert not any(tmp_path.rglob("*.json"))
