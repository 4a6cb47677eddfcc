"""harness/kind/argo_server.py against a stand-in for the Argo server (no cluster here): the tenant's token is
sent, the server's refusals become the one-line errors a tenant reads, and a log stream is read entry by entry.
The answers are shaped as Argo v4.0.6's server sends them (grpc-gateway's error body, the logs' JSON lines)."""
from __future__ import annotations

import json

import pytest

from harness.errors import AccessDeniedError, ManifestRefusedError, PlatformError, WorkflowNotFoundError
from harness.kind.argo_server import ArgoServer, workflow_run
from harness.workflow_view import get_lines
from tests.integration.scripted_server import ScriptedServer


def _error(code: int, message: str) -> str:
    return json.dumps({"code": code, "message": message})


def test_the_tenants_token_is_sent_and_the_workflow_read_back():
    workflow = {"metadata": {"name": "alice-app-x7k2p", "namespace": "alice", "creationTimestamp": "2025-01-01T00:00:00Z"},
                "spec": {"entrypoint": "main", "arguments": {"parameters": [{"name": "job", "value": "alice-app"}]}},
                "status": {"phase": "Succeeded", "startedAt": "2025-01-01T00:00:01Z",
                           "finishedAt": "2025-01-01T00:00:09Z", "nodes": {
                               "alice-app-x7k2p": {"name": "alice-app-x7k2p", "type": "Steps", "phase": "Succeeded"},
                               "alice-app-x7k2p-1": {"name": "alice-app-x7k2p[0]", "type": "StepGroup"},
                               "alice-app-x7k2p-2": {"name": "alice-app-x7k2p[0].run-app", "type": "Pod",
                                                     "templateName": "alice-app", "phase": "Succeeded",
                                                     "startedAt": "2025-01-01T00:00:01Z",
                                                     "finishedAt": "2025-01-01T00:00:06Z",
                                                     "outputs": {"exitCode": "0"}}}}}
    with ScriptedServer([(200, json.dumps(workflow))]) as server:
        got = ArgoServer(server.url, "Bearer tenant-token").get("alice", "alice-app-x7k2p")
    assert server.requests[0]["headers"]["Authorization"] == "Bearer tenant-token"
    assert server.requests[0]["path"] == "/api/v1/workflows/alice/alice-app-x7k2p"
    run = workflow_run(got, "alice")
    assert [(s.name, s.exit_code, s.finished_at - s.started_at) for s in run.steps] == \
        [("alice-app-x7k2p[0].run-app", 0, 5.0)]
    assert " └───✔ run-app      alice-app  alice-app-x7k2p-alice-app-1340032007  5s" in "\n".join(get_lines(run))


@pytest.mark.parametrize("status, body, error, words", [
    (404, _error(5, 'workflows.argoproj.io "bob-images-abcde" not found'), WorkflowNotFoundError, "not found"),
    (403, _error(7, 'workflows.argoproj.io "x" is forbidden: User "system:serviceaccount:alice:simplepipe-tenant" '
                    'cannot get resource "workflows" in the namespace "bob"'), AccessDeniedError, "forbidden"),
    (400, _error(3, "templates.main.steps[0]: template 'nope' not found"), ManifestRefusedError,
     "templates.main.steps[0]"),
    (500, "boom", PlatformError, "HTTP 500"),
], ids=["not-found", "forbidden", "refused-manifest", "server-error"])
def test_a_refusal_is_one_error_with_the_servers_words(status, body, error, words):
    with ScriptedServer([(status, body)]) as server:
        with pytest.raises(error) as raised:
            ArgoServer(server.url, "t").get("bob", "bob-images-abcde")
    assert words in str(raised.value) and "\n" not in str(raised.value)


def test_logs_are_read_entry_by_entry_and_an_error_entry_ends_them():
    lines = [{"result": {"podName": "wf-a-1", "content": "first"}}, {"result": {"podName": "wf-b-2", "content": "x"}},
             {"error": {"message": "pods \"wf-c-3\" is forbidden"}}]
    with ScriptedServer([(200, "\n".join(json.dumps(line) for line in lines) + "\n")]) as server:
        read = []
        with pytest.raises(PlatformError, match="forbidden"):
            for entry in ArgoServer(server.url, "t").logs("alice", "wf", follow=True):
                read.append(entry)
    assert read == [("wf-a-1", "first"), ("wf-b-2", "x")]
    assert "logOptions.follow=true" in server.requests[0]["path"]


def test_a_name_that_would_leave_its_path_segment_is_refused_before_any_request():
    with ScriptedServer([(200, "{}")]) as server:
        with pytest.raises(WorkflowNotFoundError):
            ArgoServer(server.url, "t").get("alice", "../bob/x")
    assert server.requests == []


TEMPLATE = {"apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowTemplate",
            "metadata": {"name": "sweep-training", "namespace": "alice"}, "spec": {"templates": []}}


def test_a_new_workflow_template_is_created_with_one_request():
    created = {**TEMPLATE, "metadata": {**TEMPLATE["metadata"], "resourceVersion": "1"}}
    with ScriptedServer([(200, json.dumps(created))]) as server:
        assert ArgoServer(server.url, "t").apply_template("alice", TEMPLATE) == created
    [request] = server.requests
    assert (request["method"], request["path"]) == ("POST", "/api/v1/workflow-templates/alice")
    assert json.loads(request["body"]) == {"namespace": "alice", "template": TEMPLATE}


def test_an_existing_workflow_template_is_replaced_at_its_stored_resource_version():
    """As `kubectl apply`: the create is refused as existing (409, gRPC AlreadyExists), so the stored one is read for
    its resourceVersion (an update of a custom resource without it is refused) and replaced."""
    stored = {**TEMPLATE, "metadata": {**TEMPLATE["metadata"], "resourceVersion": "4711"}}
    exists = _error(6, 'workflowtemplates.argoproj.io "sweep-training" already exists')
    with ScriptedServer([(409, exists), (200, json.dumps(stored)), (200, json.dumps(stored))]) as server:
        ArgoServer(server.url, "t").apply_template("alice", TEMPLATE)
    assert [(r["method"], r["path"]) for r in server.requests] == [
        ("POST", "/api/v1/workflow-templates/alice"), ("GET", "/api/v1/workflow-templates/alice/sweep-training"),
        ("PUT", "/api/v1/workflow-templates/alice/sweep-training")]
    update = json.loads(server.requests[2]["body"])
    assert update == {"namespace": "alice", "template": {**TEMPLATE, "metadata": {**TEMPLATE["metadata"],
                                                                                 "resourceVersion": "4711"}}}


def test_a_workflow_template_the_server_refuses_is_one_error_naming_it():
    with ScriptedServer([(400, _error(3, "templates.m.container: image is required"))]) as server:
        with pytest.raises(ManifestRefusedError) as refused:
            ArgoServer(server.url, "t").apply_template("alice", TEMPLATE)
    assert str(refused.value) == ("the Argo server refused the WorkflowTemplate: templates.m.container: image is "
                                  "required")
    assert len(server.requests) == 1
