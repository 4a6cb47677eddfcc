"""Argo's `{{...}}` variables: which ones a manifest may use where, and their substitution."""
from __future__ import annotations

import re
from typing import Any, Callable, Iterator

from harness.runner.errors import StepError, UnsupportedFieldError
from harness.runner.spec import StepRef, Template, Workflow

_EXPRESSION = re.compile(r"\{\{\s*(.*?)\s*\}\}", re.DOTALL)
# Variables Argo sets for the whole workflow (workflow/common/common.go GlobalVar*); workflow.failures only
# means something in an exit handler, workflow.duration counts from the start.
_WORKFLOW_FIELDS = {"workflow.name", "workflow.namespace", "workflow.status", "workflow.uid",
                    "workflow.creationTimestamp", "workflow.mainEntrypoint", "workflow.serviceAccountName",
                    "workflow.duration", "workflow.failures", "node.name"}
RETRY_VARIABLES = {"retries", "lastRetry.exitCode", "lastRetry.status", "lastRetry.duration", "lastRetry.message"}
# What a step or task of the same template shows of itself (operator.go buildLocalScope, addOutputsToLocalScope).
_NODE_FIELDS = ("status", "id", "exitCode", "startedAt", "finishedAt")
_NODE_OUTPUT = re.compile(r"^(steps|tasks)\.([A-Za-z0-9_-]+)\.(outputs\.result|outputs\.parameters|"
                          r"outputs\.parameters\.([A-Za-z0-9_-]+)|outputs\.artifacts\.([A-Za-z0-9_-]+)|"
                          + "|".join(_NODE_FIELDS) + r")$")
ARTIFACT_REFERENCE = re.compile(r"^\{\{\s*(steps|tasks)\.([A-Za-z0-9_-]+)\.outputs\.artifacts\.([A-Za-z0-9_-]+)"
                                r"\s*\}\}$")
INPUT_ARTIFACT_REFERENCE = re.compile(r"^\{\{\s*inputs\.artifacts\.([A-Za-z0-9_-]+)\s*\}\}$")
GLOBAL_ARTIFACT_REFERENCE = re.compile(r"^\{\{\s*workflow\.outputs\.artifacts\.([A-Za-z0-9_-]+)\s*\}\}$")


def variables_in(text: str) -> list[str]:
    return _EXPRESSION.findall(text)


def substitute(text: str, scope: dict[str, str], path: str, leave: Callable[[str], bool] | None = None) -> str:
    """Replace every `{{name}}` with its value; a name without a value is an error, as in Argo, unless `leave`
    says it is resolved later (`{{item}}` before a loop expands)."""

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name in scope:
            return scope[name]
        if leave is not None and leave(name):
            return match.group(0)
        raise StepError(f"{path}: failed to resolve {{{{{name}}}}}")

    return _EXPRESSION.sub(value, text)


def substitute_deep(obj: Any, scope: dict[str, str], path: str, leave: Callable[[str], bool] | None = None) -> Any:
    if isinstance(obj, str):
        return substitute(obj, scope, path, leave)
    if isinstance(obj, dict):
        return {k: substitute_deep(v, scope, f"{path}.{k}", leave) for k, v in obj.items()}
    if isinstance(obj, list):
        return [substitute_deep(v, scope, f"{path}[{i}]", leave) for i, v in enumerate(obj)]
    return obj


def is_loop_variable(name: str) -> bool:
    return name == "item" or name.startswith("item.")


def _strings(obj: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(obj, str):
        yield path, obj
    elif isinstance(obj, dict):
        for key, value in obj.items():
            yield from _strings(value, f"{path}.{key}")
    elif isinstance(obj, list):
        for index, value in enumerate(obj):
            yield from _strings(value, f"{path}[{index}]")


def check_variables(workflow: Workflow, from_caller: tuple[str, ...] = ()) -> None:
    """Refuse, before anything runs, variables the runner cannot resolve (expressions, unknown names).
    `from_caller`: prefixes of the variables a workflow that uses these templates gives them (a WorkflowTemplate
    checked on its own: its callers' `workflow.parameters.`, as Argo's validation allows them there)."""
    globals_ = {f"workflow.parameters.{p.name}" for p in workflow.parameters}
    metadata = workflow.raw.get("metadata") or {}
    globals_ |= {f"workflow.labels.{k}" for k in metadata.get("labels") or {}}
    globals_ |= {f"workflow.annotations.{k}" for k in metadata.get("annotations") or {}}
    templates = workflow.all_templates()
    globals_ |= {f"workflow.outputs.parameters.{p.global_name}" for t in templates for p in t.output_parameters
                 if p.global_name}
    global_artifacts = {a.global_name for t in templates for a in t.output_artifacts if a.global_name}
    for template in templates:
        allowed = _WORKFLOW_FIELDS | globals_ | {f"inputs.parameters.{p.name}" for p in template.inputs.parameters}
        allowed |= {f"inputs.artifacts.{a.name}.path" for a in template.inputs.artifacts if a.path}
        if template.is_pod:
            allowed.add("pod.name")
        if template.retry_strategy is not None or workflow.retry_strategy is not None:
            allowed |= RETRY_VARIABLES
        steps = {ref.path: ref for group in template.steps for ref in group} | {ref.path: ref for ref in template.tasks}
        for path, text in _strings(template.raw, template.path):
            if "{{=" in text.replace(" ", ""):
                raise UnsupportedFieldError(path, "expression tags {{=...}}")
            step = next((ref for ref_path, ref in steps.items() if path.startswith(ref_path + ".")), None)
            for name in variables_in(text):
                if name in allowed or name.startswith(from_caller) or \
                        _allowed_here(workflow, template, step, name, path, global_artifacts):
                    continue
                raise UnsupportedFieldError(path, f"variable {{{{{name}}}}} is unknown here or not supported")


def _allowed_here(workflow: Workflow, template: Template, step: StepRef | None, name: str, path: str,
                  global_artifacts: set[str]) -> bool:
    reference = path.endswith(".from")
    if reference and name.startswith("inputs.artifacts."):
        return not template.is_pod and name.split(".", 2)[2] in {a.name for a in template.inputs.artifacts}
    if reference and name.startswith("workflow.outputs.artifacts."):
        return name.split(".", 3)[3] in global_artifacts
    if step is not None:
        if step.expands and is_loop_variable(name):
            return True
        if name == ("tasks.name" if template.kind == "dag" else "steps.name"):
            return True
    match = _NODE_OUTPUT.match(name)
    if not match:
        return False
    kind, node, what, parameter, artifact = match.groups()
    if kind != ("tasks" if template.kind == "dag" else "steps"):
        return False
    target = _visible_node(template, step, node)
    if target is None:
        return False
    if what in _NODE_FIELDS:
        return True
    if target.template_ref is not None and target.template_ref.name not in workflow.workflow_templates:
        return True  # a WorkflowTemplate checked without the one it names: checked where a workflow uses both
    produced = workflow.resolve(target, template.scope)
    if artifact is not None:
        # Artifacts are passed by reference only (`from:`), never as text.
        return reference and any(a.name == artifact for a in produced.output_artifacts)
    if parameter is not None:
        return any(p.name == parameter for p in produced.output_parameters)
    if what == "outputs.parameters":
        return target.expands  # the aggregated list of a fanned-out step
    return produced.is_pod  # outputs.result: a pod's stdout


def _visible_node(template: Template, step: StepRef | None, node: str) -> StepRef | None:
    """The step or task `node` as `step` may see it: a step of an earlier group, an ancestor task; outside the
    steps (the template's outputs) any of them."""
    if template.kind == "steps":
        for group in template.steps:
            if step is not None and step in group:
                return None
            for ref in group:
                if ref.name == node:
                    return ref
        return None
    tasks = {t.name: t for t in template.tasks}
    if node not in tasks:
        return None
    if step is None:
        return tasks[node]
    ancestors, pending = set(), list(step.dependencies)
    while pending:
        name = pending.pop()
        if name not in ancestors:
            ancestors.add(name)
            pending.extend(tasks[name].dependencies)
    return tasks[node] if node in ancestors else None
