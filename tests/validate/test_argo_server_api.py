"""The tenant verbs on kind, checked without a cluster: every request harness/kind/argo_server.py sends is an
operation of the Argo server the chart deploys (v4.0.6's swagger, platform/schemas/argo-server-api.json), with
only parameters and body fields it declares and a Workflow or WorkflowTemplate its schema accepts; and what the
server then does with the tenant's token is what the tenant's Role grants, in its own namespace only."""
from __future__ import annotations

import json
import re

import pytest

from harness.kind import manifests, network_flows, rbac
from harness.kind.argo_server import KUBERNETES_ACCESS, OPERATIONS, ArgoServer, Request
from harness.kind.constants import SCHEMAS_DIR, TENANT_SERVICE_ACCOUNT
from harness.paths import REPO_ROOT
from harness.tenants import load_tenants
from tests.support.helm_text import helm_unescape

API = json.loads((SCHEMAS_DIR / "argo-server-api.json").read_text())["operations"]
TENANTS = load_tenants()
SCENARIOS = sorted((REPO_ROOT / "scenarios").glob("*/workflow.yaml"))
SCENARIO_TEMPLATES = sorted((REPO_ROOT / "scenarios").glob("*/workflowtemplates/*.yaml"))


def problems(request: Request) -> list[str]:
    """Why Argo v4.0.6's server would not take this request as the operation it names ([] when it would)."""
    operation = API.get(request.operation)
    if operation is None:
        return [f"{request.operation}: no such operation in the swagger"]
    found = []
    if request.method != operation["method"]:
        found.append(f"{request.operation}: method {request.method}, the API has {operation['method']}")
    path = re.escape(operation["path"]).replace(r"\{namespace\}", "[^/]+").replace(r"\{name\}", "[^/]+")
    if not re.fullmatch(path, request.path):
        found.append(f"{request.operation}: path {request.path} is not {operation['path']}")
    query = {p["name"]: p["type"] for p in operation["parameters"] if p["in"] == "query"}
    for name, value in request.params.items():
        if name not in query:
            found.append(f"{request.operation}: query parameter {name!r} is not one of the API's")
        elif query[name] == "boolean" and value not in ("true", "false"):
            found.append(f"{request.operation}: {name}={value!r} is not a boolean")
    body = operation["body"]
    if (request.body is None) != (body is None):
        found.append(f"{request.operation}: body {'missing' if request.body is None else 'not expected'}")
    elif body is not None:
        found += [f"{request.operation}: body field {key!r} is not one of {body['fields']}"
                  for key in request.body if key not in body["fields"]]
        for kind in ("workflow", "template"):  # a Workflow (WorkflowService), a WorkflowTemplate
            if kind in request.body:
                found += [str(v) for v in manifests.validate_object(request.body[kind], request.operation)]
    return found


def every_request() -> list[Request]:
    workflows = [manifests.load_documents(path.read_text())[0] for path in SCENARIOS]
    templates = [manifests.load_documents(path.read_text())[0] for path in SCENARIO_TEMPLATES]
    tenant = TENANTS[0]

    def placed(obj: dict, **metadata: str) -> dict:
        return {**obj, "metadata": {**obj["metadata"], "namespace": tenant.namespace, **metadata}}

    return [*(ArgoServer.create_request(tenant.namespace, placed(w)) for w in workflows),
            *(ArgoServer.create_template_request(tenant.namespace, placed(t)) for t in templates),
            *(ArgoServer.update_template_request(tenant.namespace, placed(t, resourceVersion="4711")) for t in templates),
            ArgoServer.request("WorkflowTemplateService_ListWorkflowTemplates", tenant.namespace),
            ArgoServer.request("WorkflowTemplateService_GetWorkflowTemplate", tenant.namespace, "sweep-training"),
            ArgoServer.request("WorkflowService_ListWorkflows", tenant.namespace),
            ArgoServer.request("WorkflowService_GetWorkflow", tenant.namespace, "alice-app-x7k2p"),
            ArgoServer.request("WorkflowService_DeleteWorkflow", tenant.namespace, "alice-app-x7k2p"),
            ArgoServer.logs_request(tenant.namespace, "alice-app-x7k2p"),
            ArgoServer.logs_request(tenant.namespace, "alice-app-x7k2p", pod="alice-app-x7k2p-push-1", follow=True)]


def test_the_client_calls_only_operations_the_extract_has():
    assert set(OPERATIONS) == set(API) == set(KUBERNETES_ACCESS)
    assert SCENARIO_TEMPLATES, "no scenarios/*/workflowtemplates/*.yaml: the WorkflowTemplate requests go unchecked"


@pytest.mark.parametrize("request_", every_request(), ids=lambda r: f"{r.operation}:{r.path}:{sorted(r.params)}")
def test_each_request_is_one_the_deployed_argo_server_takes(request_):
    assert problems(request_) == []


@pytest.mark.parametrize("broken, expected", [
    (Request("WorkflowService_WorkflowLogs", "GET", "/api/v1/workflows/alice/wf/log", {"logOptions.folow": "true"}),
     "query parameter 'logOptions.folow'"),
    (Request("WorkflowService_GetWorkflow", "POST", "/api/v1/workflows/alice/wf"), "method POST"),
    (Request("WorkflowService_DeleteWorkflow", "DELETE", "/api/v1/workflow/alice/wf"), "is not /api/v1/workflows"),
    (Request("WorkflowService_CreateWorkflow", "POST", "/api/v1/workflows/alice",
             body={"namespace": "alice", "wf": {}}), "body field 'wf'"),
    (Request("WorkflowService_CreateWorkflow", "POST", "/api/v1/workflows/alice",
             body={"workflow": {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {},
                                "spec": {"entrypoint": "m", "templates": [{"name": "m", "pendingTimeout": "5m"}]}}}),
     "pendingTimeout"),
    (Request("WorkflowTemplateService_UpdateWorkflowTemplate", "POST", "/api/v1/workflow-templates/alice/t",
             body={"namespace": "alice", "template": {}}), "method POST"),
    (Request("WorkflowTemplateService_ListWorkflowTemplates", "GET", "/api/v1/workflowtemplates/alice"),
     "is not /api/v1/workflow-templates"),
    (Request("WorkflowTemplateService_CreateWorkflowTemplate", "POST", "/api/v1/workflow-templates/alice",
             body={"namespace": "alice", "workflowTemplate": {}}), "body field 'workflowTemplate'"),
    (Request("WorkflowTemplateService_CreateWorkflowTemplate", "POST", "/api/v1/workflow-templates/alice",
             body={"template": {"apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowTemplate", "metadata": {},
                                "spec": {"templates": [{"name": "m", "contaner": {}}]}}}), "contaner"),
    (Request("WorkflowTemplateService_CreateWorkflowTemplate", "POST", "/api/v1/workflow-templates/alice"),
     "body missing"),
], ids=["unknown-parameter", "wrong-method", "wrong-path", "unknown-body-field", "field-of-a-later-argo",
        "template-update-by-post", "template-path-without-dash", "template-body-field", "template-unknown-field",
        "template-without-body"])
def test_a_request_the_server_would_not_take_is_found(broken, expected):
    assert any(expected in problem for problem in problems(broken)), problems(broken)


def _grants(rendering, tenant) -> tuple[set[tuple[str, str, str]], list[dict]]:
    text = helm_unescape(rendering.files[f"k8s/tenants/{tenant.name}/chart/templates/manifests.yaml"])
    objects = manifests.load_documents(text)
    bindings = [o for o in objects if o["kind"] == "RoleBinding" and any(
        s.get("kind") == "ServiceAccount" and s.get("name") == TENANT_SERVICE_ACCOUNT for s in o.get("subjects", []))]
    roles = {o["metadata"]["name"]: o for o in objects if o["kind"] == "Role"}
    grants = {(group, resource, verb) for binding in bindings for rule in roles[binding["roleRef"]["name"]]["rules"]
              for group in rule["apiGroups"] for resource in rule["resources"] for verb in rule["verbs"]
              if not rule.get("resourceNames")}
    return grants, bindings


@pytest.mark.parametrize("tenant", TENANTS, ids=lambda t: t.name)
def test_the_tenants_role_allows_what_the_server_does_with_its_token_in_its_namespace_only(rendering, tenant):
    grants, bindings = _grants(rendering, tenant)
    for operation, needed in KUBERNETES_ACCESS.items():
        assert needed <= grants, f"{operation}: the Role lacks {sorted(needed - grants)}"
    assert {b["metadata"].get("namespace", tenant.namespace) for b in bindings} == {tenant.namespace}
    assert all(s.get("namespace", tenant.namespace) == tenant.namespace for b in bindings for s in b["subjects"]
               if s.get("kind") == "ServiceAccount")


def test_a_role_without_pod_logs_would_be_found(rendering):
    grants, _ = _grants(rendering, TENANTS[0])
    assert not KUBERNETES_ACCESS["WorkflowService_WorkflowLogs"] <= grants - {("", "pods/log", "get")}


@pytest.mark.parametrize("verb", ["create", "update", "get", "list"])
def test_a_role_without_a_workflowtemplates_verb_would_be_found(rendering, verb):
    """`template create` needs create, and update, get (the server's access review) for a template that exists."""
    grants, _ = _grants(rendering, TENANTS[0])
    without = grants - {("argoproj.io", "workflowtemplates", verb)}
    assert any(not needed <= without for operation, needed in KUBERNETES_ACCESS.items()
               if operation.startswith("WorkflowTemplateService_"))


def _service_account(cluster, deployment: str) -> str:
    namespace, name = deployment.split("/")
    found = cluster.find("Deployment", namespace, name)
    assert found is not None, f"no Deployment {deployment} in the rendered cluster"
    return f"ServiceAccount {namespace}/{found.obj['spec']['template']['spec'].get('serviceAccountName', 'default')}"


def test_the_argo_server_and_controller_read_the_tenants_workflow_templates(cluster):
    """What is not the tenant's token: the server's informer serves a template's get and validates the templateRefs
    of what is created; the controller resolves a running workflow's templateRefs with its own account."""
    server = _service_account(cluster, network_flows.ARGO_SERVER)
    controller = _service_account(cluster, network_flows.ARGO_CONTROLLER)
    for tenant in TENANTS:
        for verb in ("get", "list", "watch"):
            assert rbac.may(cluster, server, tenant.namespace, verb, "workflowtemplates", group="argoproj.io"), verb
        assert rbac.may(cluster, controller, tenant.namespace, "get", "workflowtemplates", group="argoproj.io")
    assert not rbac.may(cluster, server, TENANTS[0].namespace, "get", "workflowtemplates", group="example.com")
