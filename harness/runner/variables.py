"""Argo's `{{...}}` variables: which ones a manifest may use, and their substitution."""
from __future__ import annotations

import re
from typing import Any, Iterator

from harness.runner.errors import StepError, UnsupportedFieldError
from harness.runner.spec import Template, Workflow

_EXPRESSION = re.compile(r"\{\{\s*(.*?)\s*\}\}")
_WORKFLOW_FIELDS = {"workflow.name", "workflow.namespace", "workflow.status", "pod.name"}
# steps.<step>.outputs.parameters.<p> | steps.<step>.outputs.result | steps.<step>.outputs.artifacts.<a>
_NODE_OUTPUT = re.compile(r"^(steps|tasks)\.([A-Za-z0-9_-]+)\.outputs\.(result|parameters\.([A-Za-z0-9_-]+)|"
                          r"artifacts\.([A-Za-z0-9_-]+))$")
ARTIFACT_REFERENCE = re.compile(r"^\{\{\s*(steps|tasks)\.([A-Za-z0-9_-]+)\.outputs\.artifacts\.([A-Za-z0-9_-]+)\s*\}\}$")


def variables_in(text: str) -> list[str]:
    return _EXPRESSION.findall(text)


def substitute(text: str, scope: dict[str, str], path: str) -> str:
    """Replace every `{{name}}` with its value; a name without a value is an error, as in Argo."""

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in scope:
            raise StepError(f"{path}: failed to resolve {{{{{name}}}}}")
        return scope[name]

    return _EXPRESSION.sub(value, text)


def substitute_deep(obj: Any, scope: dict[str, str], path: str) -> Any:
    if isinstance(obj, str):
        return substitute(obj, scope, path)
    if isinstance(obj, dict):
        return {k: substitute_deep(v, scope, f"{path}.{k}") for k, v in obj.items()}
    if isinstance(obj, list):
        return [substitute_deep(v, scope, f"{path}[{i}]") for i, v in enumerate(obj)]
    return obj


def _strings(obj: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(obj, str):
        yield path, obj
    elif isinstance(obj, dict):
        for key, value in obj.items():
            yield from _strings(value, f"{path}.{key}")
    elif isinstance(obj, list):
        for index, value in enumerate(obj):
            yield from _strings(value, f"{path}[{index}]")


def check_variables(workflow: Workflow) -> None:
    """Refuse, before anything runs, variables the runner cannot resolve (expressions, loops, unknown names)."""
    declared = {f"workflow.parameters.{p.name}" for p in workflow.parameters}
    for template in workflow.templates.values():
        allowed = _WORKFLOW_FIELDS | declared | {f"inputs.parameters.{p.name}" for p in template.inputs.parameters}
        allowed |= {f"inputs.artifacts.{a.name}.path" for a in template.inputs.artifacts}
        for path, text in _strings(template.raw, template.path):
            for name in variables_in(text):
                if name in allowed:
                    continue
                match = _NODE_OUTPUT.match(name)
                if match and _node_output_exists(workflow, template, match, path):
                    continue
                raise UnsupportedFieldError(path, f"variable {{{{{name}}}}} is unknown here or not supported")


def _node_output_exists(workflow: Workflow, template: Template, match: re.Match, path: str) -> bool:
    kind, node, what, parameter, artifact = match.groups()
    refs = [s for group in template.steps for s in group] if kind == "steps" else list(template.tasks)
    target = next((ref for ref in refs if ref.name == node), None)
    if target is None:
        return False
    produced = workflow.templates[target.template]
    if artifact is not None:
        # Artifacts are passed by reference only (`from:`), never as text.
        return path.endswith(".from") and any(a.name == artifact for a in produced.output_artifacts)
    if parameter is not None:
        return any(p.name == parameter for p in produced.output_parameters)
    return produced.kind in ("container", "script")  # outputs.result: the step's stdout
