"""The Argo server's REST API, called with a tenant's own token: what the argo CLI does against a server in
`client` auth mode, so a tenant reaches only what its Role allows (its own namespace).

The requests are data first (`ArgoServer.request`), so that `make validate` checks each against the operations
of Argo v4.0.6's swagger (platform/schemas/argo-server-api.json) and the Role that must allow it, without a
cluster; `send` is the only place that talks to a server."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterator

import requests

from harness.errors import AccessDeniedError, ManifestRefusedError, PlatformError, WorkflowNotFoundError
from harness.workflows import Phase, StepResult, WorkflowRun

# operationId in Argo's swagger -> (HTTP method, path template).
OPERATIONS = {
    "WorkflowService_CreateWorkflow": ("POST", "/api/v1/workflows/{namespace}"),
    "WorkflowService_ListWorkflows": ("GET", "/api/v1/workflows/{namespace}"),
    "WorkflowService_GetWorkflow": ("GET", "/api/v1/workflows/{namespace}/{name}"),
    "WorkflowService_DeleteWorkflow": ("DELETE", "/api/v1/workflows/{namespace}/{name}"),
    "WorkflowService_WorkflowLogs": ("GET", "/api/v1/workflows/{namespace}/{name}/log"),
    "WorkflowTemplateService_CreateWorkflowTemplate": ("POST", "/api/v1/workflow-templates/{namespace}"),
    "WorkflowTemplateService_ListWorkflowTemplates": ("GET", "/api/v1/workflow-templates/{namespace}"),
    "WorkflowTemplateService_GetWorkflowTemplate": ("GET", "/api/v1/workflow-templates/{namespace}/{name}"),
    "WorkflowTemplateService_UpdateWorkflowTemplate": ("PUT", "/api/v1/workflow-templates/{namespace}/{name}"),
}
# What the Argo server does with the caller's token for each (server/workflow/workflow_server.go,
# util/logs/workflow-logger.go and server/workflowtemplate/workflow_template_server.go at v4.0.6: a template's Get is
# an access review of the caller, then the server's own informer): (API group, resource, verb) the tenant's Role
# must grant.
KUBERNETES_ACCESS = {
    "WorkflowService_CreateWorkflow": {("argoproj.io", "workflows", "create")},
    "WorkflowService_ListWorkflows": {("argoproj.io", "workflows", "list")},
    "WorkflowService_GetWorkflow": {("argoproj.io", "workflows", "get")},
    "WorkflowService_DeleteWorkflow": {("argoproj.io", "workflows", "get"), ("argoproj.io", "workflows", "delete")},
    "WorkflowService_WorkflowLogs": {("argoproj.io", "workflows", "get"), ("argoproj.io", "workflows", "watch"),
                                     ("", "pods", "list"), ("", "pods", "watch"), ("", "pods/log", "get")},
    "WorkflowTemplateService_CreateWorkflowTemplate": {("argoproj.io", "workflowtemplates", "create")},
    "WorkflowTemplateService_ListWorkflowTemplates": {("argoproj.io", "workflowtemplates", "list")},
    "WorkflowTemplateService_GetWorkflowTemplate": {("argoproj.io", "workflowtemplates", "get")},
    "WorkflowTemplateService_UpdateWorkflowTemplate": {("argoproj.io", "workflowtemplates", "update")},
}
TIMEOUT_SECONDS = 30.0
# --follow: a step may be quiet this long before the stream is given up (its deadline bounds the run anyway).
FOLLOW_READ_TIMEOUT_SECONDS = 600.0


class AlreadyExistsError(ManifestRefusedError):
    """The server holds an object of that name already (HTTP 409, gRPC AlreadyExists), or a newer version of it."""


@dataclass(frozen=True)
class Request:
    operation: str
    method: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    body: dict | None = None


class ArgoServer:
    def __init__(self, url: str, token: str, timeout: float = TIMEOUT_SECONDS):
        self.url = url.rstrip("/")
        self._token = token.removeprefix("Bearer ").strip()
        self.timeout = timeout

    # -- the requests, as data ---------------------------------------------------------------------------
    @staticmethod
    def request(operation: str, namespace: str, name: str | None = None, params: dict[str, str] | None = None,
                body: dict | None = None) -> Request:
        method, template = OPERATIONS[operation]
        path = template.replace("{namespace}", _segment(namespace))
        if "{name}" in path:
            path = path.replace("{name}", _segment(name or ""))
        return Request(operation, method, path, dict(params or {}), body)

    @classmethod
    def create_request(cls, namespace: str, workflow: dict) -> Request:
        return cls.request("WorkflowService_CreateWorkflow", namespace,
                           body={"namespace": namespace, "workflow": workflow})

    @classmethod
    def create_template_request(cls, namespace: str, template: dict) -> Request:
        return cls.request("WorkflowTemplateService_CreateWorkflowTemplate", namespace,
                           body={"namespace": namespace, "template": template})

    @classmethod
    def update_template_request(cls, namespace: str, template: dict) -> Request:
        """Replace the WorkflowTemplate of the template's name; its metadata.resourceVersion must be the stored one's
        (Kubernetes refuses an update of a custom resource without it)."""
        return cls.request("WorkflowTemplateService_UpdateWorkflowTemplate", namespace,
                           str((template.get("metadata") or {}).get("name", "")),
                           body={"namespace": namespace, "template": template})

    @classmethod
    def logs_request(cls, namespace: str, name: str, pod: str | None = None, follow: bool = False) -> Request:
        params = {"logOptions.container": "main"}
        if follow:
            params["logOptions.follow"] = "true"
        if pod:
            params["podName"] = pod
        return cls.request("WorkflowService_WorkflowLogs", namespace, name, params)

    # -- the verbs ---------------------------------------------------------------------------------------
    def create(self, namespace: str, workflow: dict) -> dict:
        return self.send(self.create_request(namespace, workflow)).json()

    def list(self, namespace: str) -> list[dict]:
        return self.send(self.request("WorkflowService_ListWorkflows", namespace)).json().get("items") or []

    def get(self, namespace: str, name: str) -> dict:
        return self.send(self.request("WorkflowService_GetWorkflow", namespace, name)).json()

    def delete(self, namespace: str, name: str) -> None:
        self.send(self.request("WorkflowService_DeleteWorkflow", namespace, name))

    def apply_template(self, namespace: str, template: dict) -> dict:
        """Create the WorkflowTemplate, or replace the one of its name as `kubectl apply` does: a create the server
        refuses as existing (409) becomes an update at the stored one's resourceVersion."""
        try:
            return self.send(self.create_template_request(namespace, template)).json()
        except AlreadyExistsError:
            pass
        name = str((template.get("metadata") or {}).get("name", ""))
        stored = self.send(self.request("WorkflowTemplateService_GetWorkflowTemplate", namespace, name)).json()
        replacement = {**template, "metadata": {**template.get("metadata", {}),
                                                "resourceVersion": (stored.get("metadata") or {}).get("resourceVersion")}}
        return self.send(self.update_template_request(namespace, replacement)).json()

    def list_templates(self, namespace: str) -> list[dict]:
        return self.send(self.request("WorkflowTemplateService_ListWorkflowTemplates", namespace)).json().get(
            "items") or []

    def logs(self, namespace: str, name: str, pod: str | None = None,
             follow: bool = False) -> Iterator[tuple[str, str]]:
        """(pod, line) as the server streams them: one JSON object per line, `result` or `error`."""
        response = self.send(self.logs_request(namespace, name, pod, follow), stream=True)
        with response:
            for raw in response.iter_lines(decode_unicode=True):
                if not raw:
                    continue
                try:
                    entry = json.loads(raw)
                except ValueError:
                    raise PlatformError(f"Argo server: not a log entry: {raw[:200]!r}") from None
                if entry.get("error"):
                    raise PlatformError(f"Argo server: {entry['error'].get('message', entry['error'])}")
                result = entry.get("result") or {}
                yield str(result.get("podName", "")), str(result.get("content", ""))

    def send(self, request: Request, stream: bool = False) -> requests.Response:
        """The one call to the server; its refusals as the harness's errors, with the server's own message."""
        timeout = (10.0, FOLLOW_READ_TIMEOUT_SECONDS if stream else self.timeout)
        try:
            response = requests.request(request.method, f"{self.url}{request.path}", params=request.params,
                                        json=request.body, stream=stream, timeout=timeout,
                                        headers={"Authorization": f"Bearer {self._token}"})
        except requests.RequestException as exc:
            raise PlatformError(f"Argo server at {self.url} did not answer: {exc}") from None
        if response.status_code < 300:
            return response
        message = _message(response)
        where = f"{request.method} {request.path}"
        if response.status_code == 404:
            raise WorkflowNotFoundError(f"not found ({where}): {message}")
        if response.status_code in (401, 403):
            raise AccessDeniedError(f"the Argo server refused this tenant's token ({where}): {message}")
        what = "WorkflowTemplate" if request.operation.startswith("WorkflowTemplateService_") else "workflow"
        if response.status_code == 409:
            raise AlreadyExistsError(f"the Argo server refused the {what}: {message}")
        if response.status_code in (400, 422):
            raise ManifestRefusedError(f"the Argo server refused the {what}: {message}")
        raise PlatformError(f"Argo server: {where}: HTTP {response.status_code}: {message}")


def _segment(value: str) -> str:
    """A namespace or name as one path segment: nothing that could climb out of it."""
    if not value or "/" in value or value in (".", "..") or any(c in value for c in "?#%"):
        raise WorkflowNotFoundError(f"{value[:80]!r} is not a namespace or workflow name")
    return value


def _message(response: requests.Response) -> str:
    """grpc-gateway's error body (`{"code": 5, "message": "..."}`), else the start of the text."""
    try:
        return str(response.json().get("message") or response.text[:300])
    except ValueError:
        return response.text[:300] or response.reason


# -- Argo's Workflow object as a WorkflowRun ---------------------------------------------------------------
def _seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _phase(value: str | None) -> Phase:
    try:
        return Phase(value or Phase.PENDING)
    except ValueError:
        return Phase.PENDING


def _exit_code(node: dict) -> int | None:
    value = (node.get("outputs") or {}).get("exitCode")
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def workflow_run(workflow: dict, tenant: str) -> WorkflowRun:
    """A Workflow as the Argo server (or the Kubernetes API) returns it: its steps are the Pod and Skipped nodes
    under their full node names, so that the tree reads the same as the local backend's."""
    metadata, spec, status = workflow.get("metadata") or {}, workflow.get("spec") or {}, workflow.get("status") or {}
    steps = [StepResult(name=str(node.get("name", node_id)), template=str(node.get("templateName", "")),
                        phase=_phase(node.get("phase")), exit_code=_exit_code(node),
                        started_at=_seconds(node.get("startedAt")), finished_at=_seconds(node.get("finishedAt")),
                        message=str(node.get("message", "")))
             for node_id, node in (status.get("nodes") or {}).items() if node.get("type") in ("Pod", "Skipped")]
    parameters = {str(p.get("name")): str(p.get("value")) for p in (spec.get("arguments") or {}).get("parameters")
                  or [] if isinstance(p, dict) and p.get("value") is not None}
    return WorkflowRun(name=str(metadata.get("name", "")), tenant=tenant, phase=_phase(status.get("phase")),
                       message=str(status.get("message", "")), steps=steps,
                       namespace=str(metadata.get("namespace", "")),
                       created_at=_seconds(metadata.get("creationTimestamp")),
                       started_at=_seconds(status.get("startedAt")), finished_at=_seconds(status.get("finishedAt")),
                       entrypoint=str(spec.get("entrypoint", "")), parameters=parameters,
                       service_account=str(spec.get("serviceAccountName", "")), handle=metadata.get("namespace"))
