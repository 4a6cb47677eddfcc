"""Local Argo workflow runner: runs the subset of the Argo Workflow spec the scenarios use as local processes.

    runner = WorkflowRunner(RunnerContext(s3_endpoint=..., ..., work_root=Path(...), tenant_settings=...))
    handle = runner.start(manifest, tenant)      # refuses what it cannot run, naming the field
    run = handle.wait(timeout=120)               # harness.platform.WorkflowRun: phase, steps, logs
"""
from __future__ import annotations

from harness.runner.artifacts import ArtifactRepository, namespace_repository
from harness.runner.context import RunnerContext, TenantSettings
from harness.runner.errors import ManifestError, RunnerError, StepError, UnknownImageError, UnsupportedFieldError
from harness.runner.identity import generated_name
from harness.runner.images import local_image
from harness.runner.run import WorkflowExecution
from harness.runner.spec import Workflow, parse_workflow, standalone_workflow_template
from harness.runner.variables import check_variables
from harness.tenants import Tenant
from harness.workflows import WorkflowRun

__all__ = ["RunnerContext", "TenantSettings", "WorkflowRunner", "RunHandle", "RunnerError", "ManifestError",
           "UnsupportedFieldError", "UnknownImageError", "StepError", "parse_workflow", "validate",
           "validate_workflow_template"]

def validate(manifest: dict, workflow_templates: dict[str, dict] | None = None) -> Workflow:
    """Parse and check a manifest without running it; raises ManifestError naming the field.
    `workflow_templates` are the WorkflowTemplates (manifests by name) its templateRefs may name."""
    workflow = parse_workflow(manifest, workflow_templates)
    check_variables(workflow)
    _check_images(workflow)
    return workflow


def validate_workflow_template(manifest: dict, workflow_templates: dict[str, dict] | None = None) -> str:
    """Check a WorkflowTemplate as the runner will run its templates, before it is stored; returns its name.
    ManifestError naming the field. `workflow_templates`: the namespace's other WorkflowTemplates (manifests by
    name), which its templateRefs must name as on Argo's server; None leaves them to the workflows using it."""
    holder = standalone_workflow_template(manifest, workflow_templates)
    check_variables(holder, from_caller=("workflow.parameters.",))
    _check_images(holder)
    return holder.name


def _check_images(workflow: Workflow) -> None:
    """Every image has a local command, and its command line maps (where no variable decides it)."""
    for template in workflow.all_templates():
        if template.container is not None and "{{" not in template.container.image:
            path = f"{template.path}.{template.kind}"
            image = local_image(template.container.image, path)
            if not any("{{" in part for part in template.container.command[:1]):
                image.argv(template.container.command, template.container.args, template.container.working_dir,
                           path)


class RunHandle:
    """A started workflow: poll it, wait for it, cancel it."""

    def __init__(self, execution: WorkflowExecution):
        self._execution = execution
        self.name = execution.name

    def poll(self) -> WorkflowRun:
        run = self._execution.snapshot()
        run.handle = self
        return run

    def wait(self, timeout: float) -> WorkflowRun:
        """The finished run; raises TimeoutError naming the workflow and its steps' phases."""
        run = self._execution.wait(timeout)
        run.handle = self
        return run

    def cancel(self) -> None:
        """Stop every running step (SIGTERM, then SIGKILL); the run ends Failed."""
        self._execution.cancel()


class WorkflowRunner:
    def __init__(self, context: RunnerContext):
        self.context = context
        self._repositories: dict[str, ArtifactRepository] = {}
        self._workflow_templates: dict[str, dict[str, dict]] = {}  # namespace -> name -> manifest

    def apply(self, manifest: dict, tenant: Tenant) -> str:
        """Store a WorkflowTemplate in the tenant's namespace (as `kubectl apply -n` does on kind), for the
        templateRefs of the workflows started after it; returns its name. Refuses what the runner cannot run."""
        name = validate_workflow_template(manifest)
        namespace = (manifest.get("metadata") or {}).get("namespace")
        if namespace not in (None, tenant.namespace):
            raise ManifestError("metadata.namespace", f"is {namespace!r} but tenant {tenant.name!r} "
                                                      f"runs in namespace {tenant.namespace!r}; leave it out")
        self._workflow_templates.setdefault(tenant.namespace, {})[name] = manifest
        return name

    def start(self, manifest: dict, tenant: Tenant) -> RunHandle:
        workflow = validate(manifest, self._workflow_templates.get(tenant.namespace, {}))
        if workflow.namespace not in (None, tenant.namespace):
            raise ManifestError("metadata.namespace", f"is {workflow.namespace!r} but tenant {tenant.name!r} "
                                                      f"runs in namespace {tenant.namespace!r}; leave it out")
        name = workflow.name or generated_name(workflow.generate_name)
        execution = WorkflowExecution(workflow, name, tenant, self.context, self._artifact_repository(tenant))
        execution.start()
        return RunHandle(execution)

    def _artifact_repository(self, tenant: Tenant) -> ArtifactRepository:
        """The tenant's namespace's repository as Argo resolves it; the controller's default without one."""
        c = self.context
        try:
            own = namespace_repository(c.tenant_settings(tenant) or {}, c.region)
        except StepError as exc:
            raise ManifestError("spec.artifactRepositoryRef", f"namespace {tenant.namespace}: {exc}") from exc
        key = tenant.namespace if own is not None else ""
        if key not in self._repositories:
            self._repositories[key] = ArtifactRepository.of(own) if own is not None else \
                ArtifactRepository(c.s3_endpoint, c.access_key, c.secret_key, c.bucket, c.region)
        return self._repositories[key]
