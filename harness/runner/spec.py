"""The subset of the Argo Workflow spec the local runner executes, as typed models.

Parsing validates the whole manifest up front: every field outside the subset is
refused with its path (`spec.templates[2].retryStrategy`), never ignored.
Field names mirror Argo's (io.argoproj.workflow.v1alpha1).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from harness.runner.errors import ManifestError, UnsupportedFieldError

API_VERSION = "argoproj.io/v1alpha1"

# Fields that only tune scheduling or cleanup on a cluster; accepting them changes no result locally.
_NO_OP = {
    "spec": {"serviceAccountName", "ttlStrategy", "podGC"},
    "template": {"metadata"},
    "container": {"resources", "imagePullPolicy"},
}

# Argo fields people commonly reach for, with what they are, to make the refusal actionable.
_HINTS = {
    "retryStrategy": "retries",
    "withItems": "loops",
    "withParam": "loops",
    "withSequence": "loops",
    "when": "conditional steps",
    "volumes": "volumes",
    "volumeMounts": "volumes",
    "volumeClaimTemplates": "volumes",
    "resource": "resource templates",
    "suspend": "suspend templates",
    "sidecars": "sidecars",
    "initContainers": "init containers",
    "containerSet": "container sets",
    "http": "HTTP templates",
    "plugin": "plugin templates",
    "data": "data templates",
    "templateRef": "WorkflowTemplate references",
    "workflowTemplateRef": "WorkflowTemplate references",
    "continueOn": "continueOn",
    "hooks": "lifecycle hooks",
}


@dataclass(frozen=True)
class ConfigRef:
    """A `configMapKeyRef` or `secretKeyRef` of an env var."""

    kind: str  # configMap | secret
    name: str
    key: str
    optional: bool = False


@dataclass(frozen=True)
class EnvVar:
    name: str
    value: str | None = None
    value_from: ConfigRef | None = None


@dataclass(frozen=True)
class Parameter:
    name: str
    value: str | None = None
    default: str | None = None
    value_from_path: str | None = None  # outputs: valueFrom.path
    value_from_default: str | None = None  # outputs: valueFrom.default


@dataclass(frozen=True)
class Artifact:
    name: str
    path: str | None = None
    from_: str | None = None  # arguments: "{{steps.a.outputs.artifacts.x}}"
    s3_key: str | None = None  # in the default artifact repository's bucket
    raw_data: str | None = None
    optional: bool = False
    archive: str = "tar"  # tar (Argo's default: tar+gzip) | none


@dataclass(frozen=True)
class Arguments:
    parameters: tuple[Parameter, ...] = ()
    artifacts: tuple[Artifact, ...] = ()


@dataclass(frozen=True)
class Container:
    """The main container of a container or script template."""

    image: str
    command: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    env: tuple[EnvVar, ...] = ()
    working_dir: str | None = None
    source: str | None = None  # script templates only


@dataclass(frozen=True)
class StepRef:
    """A step of a `steps` template or a task of a `dag` template."""

    name: str
    template: str
    arguments: Arguments
    dependencies: tuple[str, ...] = ()  # dag only
    path: str = ""


@dataclass
class Template:
    name: str
    kind: str  # container | script | steps | dag
    path: str
    raw: dict
    inputs: Arguments = field(default_factory=Arguments)
    output_parameters: tuple[Parameter, ...] = ()
    output_artifacts: tuple[Artifact, ...] = ()
    container: Container | None = None
    steps: tuple[tuple[StepRef, ...], ...] = ()
    tasks: tuple[StepRef, ...] = ()
    active_deadline_seconds: float | None = None


@dataclass
class Workflow:
    name: str | None
    generate_name: str | None
    namespace: str | None
    entrypoint: str
    parameters: tuple[Parameter, ...]
    templates: dict[str, Template]
    on_exit: str | None
    active_deadline_seconds: float | None
    raw: dict


# --- small typed readers that name the path on every error ---------------------------------

def _mapping(value: Any, path: str) -> dict:
    if not isinstance(value, dict):
        raise ManifestError(path, f"must be a mapping, got {type(value).__name__}")
    return value


def _sequence(value: Any, path: str) -> list:
    if not isinstance(value, list):
        raise ManifestError(path, f"must be a list, got {type(value).__name__}")
    return value


def _keys(obj: dict, path: str, allowed: set[str], no_op: set[str] = frozenset()) -> None:
    for key in obj:
        if key not in allowed and key not in no_op:
            raise UnsupportedFieldError(f"{path}.{key}" if path else str(key), _HINTS.get(key, ""))


def _text(obj: dict, key: str, path: str, required: bool = True) -> str | None:
    if key not in obj or obj[key] is None:
        if required:
            raise ManifestError(f"{path}.{key}", "is required")
        return None
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ManifestError(f"{path}.{key}", f"must be a string, got {type(value).__name__}")
    return str(value)


def _strings(obj: dict, key: str, path: str) -> tuple[str, ...]:
    values = _sequence(obj.get(key) or [], f"{path}.{key}")
    for index, value in enumerate(values):
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise ManifestError(f"{path}.{key}[{index}]", "must be a string")
    return tuple(str(v) for v in values)


def _seconds(obj: dict, key: str, path: str) -> float | None:
    if key not in obj:
        return None
    value = obj[key]
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise ManifestError(f"{path}.{key}", f"must be a number of seconds, got {value!r}") from None
    if seconds <= 0:
        raise ManifestError(f"{path}.{key}", "must be positive")
    return seconds


def _named(items: list, path: str, parse) -> tuple:
    parsed, seen = [], set()
    for index, item in enumerate(items):
        entry = parse(_mapping(item, f"{path}[{index}]"), f"{path}[{index}]")
        if entry.name in seen:
            raise ManifestError(f"{path}[{index}].name", f"duplicate name {entry.name!r}")
        seen.add(entry.name)
        parsed.append(entry)
    return tuple(parsed)


# --- parameters and artifacts -------------------------------------------------------------

def _parameter(obj: dict, path: str) -> Parameter:
    _keys(obj, path, {"name", "value", "default", "description", "enum"})
    return Parameter(name=_text(obj, "name", path), value=_text(obj, "value", path, False),
                     default=_text(obj, "default", path, False))


def _output_parameter(obj: dict, path: str) -> Parameter:
    _keys(obj, path, {"name", "valueFrom", "description"})
    value_from = _mapping(obj.get("valueFrom"), f"{path}.valueFrom")
    _keys(value_from, f"{path}.valueFrom", {"path", "default"})
    return Parameter(name=_text(obj, "name", path),
                     value_from_path=_text(value_from, "path", f"{path}.valueFrom"),
                     value_from_default=_text(value_from, "default", f"{path}.valueFrom", False))


def _artifact(obj: dict, path: str, where: str) -> Artifact:
    """`where` is inputs | outputs | arguments: each allows its own sources."""
    allowed = {"name", "optional"}
    allowed |= {"path"} if where != "arguments" else set()
    allowed |= {"from"} if where == "arguments" else set()
    allowed |= {"archive"} if where == "outputs" else set()
    allowed |= {"s3", "raw"} if where != "outputs" else {"s3"}
    _keys(obj, path, allowed)
    name = _text(obj, "name", path)
    s3_key = raw_data = None
    if "s3" in obj:
        s3 = _mapping(obj["s3"], f"{path}.s3")
        # Only keys in the default artifact repository: bucket/endpoint/credentials come from the platform.
        _keys(s3, f"{path}.s3", {"key"})
        s3_key = _text(s3, "key", f"{path}.s3")
    if "raw" in obj:
        raw = _mapping(obj["raw"], f"{path}.raw")
        _keys(raw, f"{path}.raw", {"data"})
        raw_data = _text(raw, "data", f"{path}.raw")
    archive = "tar"
    if "archive" in obj:
        spec = _mapping(obj["archive"], f"{path}.archive")
        _keys(spec, f"{path}.archive", {"none", "tar"})
        if len(spec) != 1:
            raise ManifestError(f"{path}.archive", "must name exactly one of: none, tar")
        archive = next(iter(spec))
        _keys(_mapping(spec[archive] or {}, f"{path}.archive.{archive}"), f"{path}.archive.{archive}",
              {"compressionLevel"} if archive == "tar" else set())
    optional = obj.get("optional", False)
    if not isinstance(optional, bool):
        raise ManifestError(f"{path}.optional", "must be true or false")
    artifact = Artifact(name=name, path=_text(obj, "path", path, where != "arguments"),
                        from_=_text(obj, "from", path, False), s3_key=s3_key, raw_data=raw_data,
                        optional=optional, archive=archive)
    if where == "arguments" and sum(x is not None for x in (artifact.from_, s3_key, raw_data)) != 1:
        raise ManifestError(path, "an argument artifact needs exactly one of: from, s3, raw")
    return artifact


def parse_arguments(obj: Any, path: str, where: str = "arguments") -> Arguments:
    obj = _mapping(obj or {}, path)
    _keys(obj, path, {"parameters", "artifacts"})
    parse_parameter = _parameter
    parameters = _named(_sequence(obj.get("parameters") or [], f"{path}.parameters"), f"{path}.parameters",
                        parse_parameter)
    artifacts = _named(_sequence(obj.get("artifacts") or [], f"{path}.artifacts"), f"{path}.artifacts",
                       lambda o, p: _artifact(o, p, where))
    return Arguments(parameters=parameters, artifacts=artifacts)


# --- containers ---------------------------------------------------------------------------

def _env_var(obj: dict, path: str) -> EnvVar:
    _keys(obj, path, {"name", "value", "valueFrom"})
    name = _text(obj, "name", path)
    if "valueFrom" not in obj:
        return EnvVar(name=name, value=_text(obj, "value", path, False) or "")
    value_from = _mapping(obj["valueFrom"], f"{path}.valueFrom")
    _keys(value_from, f"{path}.valueFrom", {"configMapKeyRef", "secretKeyRef"})
    if len(value_from) != 1:
        raise ManifestError(f"{path}.valueFrom", "must name exactly one of: configMapKeyRef, secretKeyRef")
    ref_field = next(iter(value_from))
    ref_path = f"{path}.valueFrom.{ref_field}"
    ref = _mapping(value_from[ref_field], ref_path)
    _keys(ref, ref_path, {"name", "key", "optional"})
    optional = ref.get("optional", False)
    if not isinstance(optional, bool):
        raise ManifestError(f"{ref_path}.optional", "must be true or false")
    kind = "configMap" if ref_field == "configMapKeyRef" else "secret"
    return EnvVar(name=name, value_from=ConfigRef(kind, _text(ref, "name", ref_path), _text(ref, "key", ref_path),
                                                  optional))


def _container(obj: dict, path: str, script: bool) -> Container:
    allowed = {"image", "command", "args", "env", "workingDir"} | ({"source"} if script else {"name"})
    _keys(obj, path, allowed, _NO_OP["container"])
    if not script and obj.get("name", "main") != "main":
        raise UnsupportedFieldError(f"{path}.name", "the main container is always named 'main'")
    env = _named(_sequence(obj.get("env") or [], f"{path}.env"), f"{path}.env", _env_var)
    return Container(image=_text(obj, "image", path), command=_strings(obj, "command", path),
                     args=_strings(obj, "args", path), env=env,
                     working_dir=_text(obj, "workingDir", path, False),
                     source=_text(obj, "source", path) if script else None)


# --- steps and dag ------------------------------------------------------------------------

_DEPENDS_TERM = re.compile(r"^\s*([A-Za-z0-9_-]+)(\.Succeeded)?\s*$")


def _parse_depends(expression: str, path: str) -> tuple[str, ...]:
    """`depends` as far as it means "all of these succeeded": `a && b.Succeeded`."""
    names = []
    for term in expression.split("&&"):
        match = _DEPENDS_TERM.match(term)
        if not match:
            raise UnsupportedFieldError(path, f"only 'a && b.Succeeded' is supported, not {expression!r}")
        names.append(match.group(1))
    return tuple(names)


def _step(obj: dict, path: str, dag: bool) -> StepRef:
    _keys(obj, path, {"name", "template", "arguments"} | ({"dependencies", "depends"} if dag else set()))
    dependencies: tuple[str, ...] = ()
    if dag and "dependencies" in obj and "depends" in obj:
        raise ManifestError(path, "use either dependencies or depends, not both")
    if dag and "dependencies" in obj:
        dependencies = _strings(obj, "dependencies", path)
    if dag and "depends" in obj:
        dependencies = _parse_depends(_text(obj, "depends", path), f"{path}.depends")
    return StepRef(name=_text(obj, "name", path), template=_text(obj, "template", path),
                   arguments=parse_arguments(obj.get("arguments"), f"{path}.arguments"),
                   dependencies=dependencies, path=path)


def _steps(value: Any, path: str) -> tuple[tuple[StepRef, ...], ...]:
    groups, seen = [], set()
    for g, group in enumerate(_sequence(value, path)):
        parsed = []
        for s, step in enumerate(_sequence(group, f"{path}[{g}]")):
            ref = _step(_mapping(step, f"{path}[{g}][{s}]"), f"{path}[{g}][{s}]", dag=False)
            if ref.name in seen:
                raise ManifestError(f"{path}[{g}][{s}].name", f"duplicate step name {ref.name!r}")
            seen.add(ref.name)
            parsed.append(ref)
        groups.append(tuple(parsed))
    return tuple(groups)


def _dag(value: Any, path: str) -> tuple[StepRef, ...]:
    obj = _mapping(value, path)
    _keys(obj, path, {"tasks"})
    tasks = _named(_sequence(obj.get("tasks") or [], f"{path}.tasks"), f"{path}.tasks",
                   lambda o, p: _step(o, p, dag=True))
    names = {t.name for t in tasks}
    for index, task in enumerate(tasks):
        for dependency in task.dependencies:
            if dependency not in names:
                raise ManifestError(f"{path}.tasks[{index}]", f"depends on unknown task {dependency!r}")
    _check_acyclic(tasks, path)
    return tasks


def _check_acyclic(tasks: tuple[StepRef, ...], path: str) -> None:
    remaining = {t.name: set(t.dependencies) for t in tasks}
    while remaining:
        ready = [name for name, deps in remaining.items() if not deps & remaining.keys()]
        if not ready:
            raise ManifestError(f"{path}.tasks", f"dependency cycle among {sorted(remaining)}")
        for name in ready:
            del remaining[name]


# --- templates and the workflow -----------------------------------------------------------

_KINDS = ("container", "script", "steps", "dag")


def parse_template(obj: dict, path: str) -> Template:
    _keys(obj, path, {"name", "inputs", "outputs", "activeDeadlineSeconds", *_KINDS}, _NO_OP["template"])
    name = _text(obj, "name", path)
    kinds = [k for k in _KINDS if k in obj]
    if len(kinds) != 1:
        raise ManifestError(path, f"template {name!r} must have exactly one of: {', '.join(_KINDS)}")
    kind = kinds[0]
    template = Template(name=name, kind=kind, path=path, raw=obj,
                        inputs=parse_arguments(obj.get("inputs"), f"{path}.inputs", where="inputs"),
                        active_deadline_seconds=_seconds(obj, "activeDeadlineSeconds", path))
    outputs = _mapping(obj.get("outputs") or {}, f"{path}.outputs")
    _keys(outputs, f"{path}.outputs", {"parameters", "artifacts"})
    if outputs and kind not in ("container", "script"):
        raise UnsupportedFieldError(f"{path}.outputs", "outputs of steps/dag templates")
    template.output_parameters = _named(_sequence(outputs.get("parameters") or [], f"{path}.outputs.parameters"),
                                        f"{path}.outputs.parameters", _output_parameter)
    template.output_artifacts = _named(_sequence(outputs.get("artifacts") or [], f"{path}.outputs.artifacts"),
                                       f"{path}.outputs.artifacts", lambda o, p: _artifact(o, p, "outputs"))
    if kind in ("container", "script"):
        template.container = _container(_mapping(obj[kind], f"{path}.{kind}"), f"{path}.{kind}", kind == "script")
    elif kind == "steps":
        template.steps = _steps(obj["steps"], f"{path}.steps")
    else:
        template.tasks = _dag(obj["dag"], f"{path}.dag")
    return template


def parse_workflow(manifest: Any) -> Workflow:
    manifest = _mapping(manifest, "manifest")
    _keys(manifest, "", {"apiVersion", "kind", "metadata", "spec"})
    if manifest.get("apiVersion") != API_VERSION or manifest.get("kind") != "Workflow":
        raise ManifestError("kind", f"expected apiVersion {API_VERSION} and kind Workflow, got "
                                    f"{manifest.get('apiVersion')!r} {manifest.get('kind')!r}")
    metadata = _mapping(manifest.get("metadata") or {}, "metadata")
    _keys(metadata, "metadata", {"name", "generateName", "namespace", "labels", "annotations"})
    name, generate_name = _text(metadata, "name", "metadata", False), _text(metadata, "generateName", "metadata", False)
    if not name and not generate_name:
        raise ManifestError("metadata", "needs name or generateName")
    spec = _mapping(manifest.get("spec"), "spec")
    _keys(spec, "spec", {"entrypoint", "templates", "arguments", "onExit", "activeDeadlineSeconds"}, _NO_OP["spec"])
    templates: dict[str, Template] = {}
    for index, raw in enumerate(_sequence(spec.get("templates"), "spec.templates")):
        template = parse_template(_mapping(raw, f"spec.templates[{index}]"), f"spec.templates[{index}]")
        if template.name in templates:
            raise ManifestError(f"spec.templates[{index}].name", f"duplicate template name {template.name!r}")
        templates[template.name] = template
    arguments = parse_arguments(spec.get("arguments"), "spec.arguments")
    if arguments.artifacts:
        raise UnsupportedFieldError("spec.arguments.artifacts", "workflow-level artifacts")
    workflow = Workflow(name=name, generate_name=generate_name,
                        namespace=_text(metadata, "namespace", "metadata", False),
                        entrypoint=_text(spec, "entrypoint", "spec"), parameters=arguments.parameters,
                        templates=templates, on_exit=_text(spec, "onExit", "spec", False),
                        active_deadline_seconds=_seconds(spec, "activeDeadlineSeconds", "spec"), raw=manifest)
    for field_name, target in (("entrypoint", workflow.entrypoint), ("onExit", workflow.on_exit)):
        if target is not None and target not in templates:
            raise ManifestError(f"spec.{field_name}", f"names unknown template {target!r}")
    for template in templates.values():
        for step in [*(s for group in template.steps for s in group), *template.tasks]:
            if step.template not in templates:
                raise ManifestError(f"{step.path}.template", f"names unknown template {step.template!r}")
    return workflow
