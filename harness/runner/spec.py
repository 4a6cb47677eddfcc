"""The subset of the Argo Workflow spec the local runner executes, as typed models.

Parsing validates the whole manifest up front: every field outside the subset is refused with its path
(`spec.templates[2].volumes`), never ignored. Field names mirror Argo's (io.argoproj.workflow.v1alpha1).
FIELDS below is the runner's own list of what it reads, per Argo object; docs/runner.md's table is
checked against it (tests/unit/test_runner_docs.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from harness.runner.errors import ManifestError, UnsupportedFieldError
from harness.runner.expressions import (TASK_RESULTS, ExpressionError, UnsupportedExpression, check_depends,
                                        check_retry_expression, check_when, depends_tasks)

API_VERSION = "argoproj.io/v1alpha1"

# Per Argo object: the fields the runner executes, and those it accepts without effect (they only tune a
# cluster's scheduling, cleanup or RBAC). Every other field is refused naming its path.
FIELDS: dict[str, dict[str, set[str]]] = {
    "Workflow": {"run": {"apiVersion", "kind", "metadata", "spec"}, "no-op": set()},
    "ObjectMeta": {"run": {"name", "generateName", "namespace", "labels", "annotations"}, "no-op": set()},
    "WorkflowSpec": {"run": {"entrypoint", "templates", "arguments", "onExit", "hooks", "activeDeadlineSeconds",
                             "parallelism", "retryStrategy"},
                     "no-op": {"serviceAccountName", "ttlStrategy", "podGC"}},
    "LifecycleHook": {"run": {"template", "templateRef", "arguments"}, "no-op": set()},
    "Template": {"run": {"name", "inputs", "outputs", "activeDeadlineSeconds", "retryStrategy", "parallelism",
                         "container", "script", "steps", "dag"}, "no-op": {"metadata"}},
    "Container": {"run": {"image", "command", "args", "env", "workingDir", "name"},
                  "no-op": {"resources", "imagePullPolicy"}},
    "ScriptTemplate": {"run": {"image", "command", "args", "env", "workingDir", "source"},
                       "no-op": {"resources", "imagePullPolicy"}},
    "EnvVar": {"run": {"name", "value", "valueFrom"}, "no-op": set()},
    "EnvVarSource": {"run": {"configMapKeyRef", "secretKeyRef"}, "no-op": set()},
    "KeySelector": {"run": {"name", "key", "optional"}, "no-op": set()},
    "Inputs": {"run": {"parameters", "artifacts"}, "no-op": set()},
    "Outputs": {"run": {"parameters", "artifacts"}, "no-op": set()},
    "Arguments": {"run": {"parameters", "artifacts"}, "no-op": set()},
    "Parameter": {"run": {"name", "value", "default", "enum", "description"}, "no-op": set()},
    "Parameter (output)": {"run": {"name", "valueFrom", "globalName", "description"}, "no-op": set()},
    "ValueFrom": {"run": {"path", "parameter", "default"}, "no-op": set()},
    "Artifact (input)": {"run": {"name", "path", "optional", "s3", "raw", "from"}, "no-op": {"mode"}},
    "Artifact (output)": {"run": {"name", "path", "optional", "archive", "s3", "from", "globalName"},
                          "no-op": {"mode"}},
    "Artifact (argument)": {"run": {"name", "from", "s3", "raw", "optional"}, "no-op": set()},
    "S3Artifact": {"run": {"key"}, "no-op": set()},
    "RawArtifact": {"run": {"data"}, "no-op": set()},
    "ArchiveStrategy": {"run": {"none", "tar"}, "no-op": set()},
    "TarStrategy": {"run": set(), "no-op": {"compressionLevel"}},
    "WorkflowStep": {"run": {"name", "template", "templateRef", "arguments", "when", "withItems", "withParam",
                             "withSequence", "continueOn"}, "no-op": set()},
    "DAGTemplate": {"run": {"tasks", "failFast"}, "no-op": set()},
    "DAGTask": {"run": {"name", "template", "templateRef", "arguments", "when", "withItems", "withParam",
                        "withSequence", "continueOn", "dependencies", "depends"}, "no-op": set()},
    "TemplateRef": {"run": {"name", "template"}, "no-op": set()},
    "Sequence": {"run": {"count", "start", "end", "format"}, "no-op": set()},
    "ContinueOn": {"run": {"error", "failed"}, "no-op": set()},
    "RetryStrategy": {"run": {"limit", "retryPolicy", "backoff", "expression"}, "no-op": set()},
    "Backoff": {"run": {"duration", "factor", "maxDuration", "cap"}, "no-op": set()},
    "WorkflowTemplate": {"run": {"apiVersion", "kind", "metadata", "spec"}, "no-op": set()},
    "WorkflowTemplateSpec": {"run": {"templates", "entrypoint", "arguments"}, "no-op": {"serviceAccountName"}},
}

# Argo fields people commonly reach for, with what they are, to make the refusal actionable. docs/runner.md
# lists them; anything else outside FIELDS is refused the same way, without a hint.
HINTS = {
    "volumes": "volumes",
    "volumeMounts": "volumes",
    "volumeClaimTemplates": "volumes",
    "resource": "resource templates",
    "suspend": "suspend templates",
    "sidecars": "sidecars",
    "daemon": "daemon steps",
    "initContainers": "init containers",
    "containerSet": "container sets",
    "http": "HTTP templates",
    "plugin": "plugin templates",
    "data": "data templates",
    "workflowTemplateRef": "a Workflow made from a WorkflowTemplate",
    "hooks": "lifecycle hooks other than the workflow's exit hook",
    "memoize": "memoization",
    "synchronization": "mutexes and semaphores",
    "podSpecPatch": "pod spec patches",
    "failFast": "a template's failFast (dag.failFast is supported)",
    "target": "DAG targets",
    "expression": "expressions",
    "affinity": "retry affinity",
    "clusterScope": "ClusterWorkflowTemplates",
    "globalName": "global outputs of this kind",
    "jqFilter": "output parameters from a resource",
    "jsonPath": "output parameters from a resource",
    "configMapKeyRef": "parameters from a ConfigMap",
    "supplied": "parameters supplied by a person",
    "fieldRef": "the downward API",
    "resourceFieldRef": "the downward API",
    "bucket": "S3 artifacts in another bucket than the artifact repository's",
    "endpoint": "S3 artifacts in another store than the artifact repository",
    "artifactRepositoryRef": "artifact repositories by reference",
    "artifactGC": "artifact garbage collection",
    "metrics": "Prometheus metrics emitted by Argo",
    "nodeSelector": "scheduling",
    "tolerations": "scheduling",
    "securityContext": "security contexts",
}

RETRY_POLICIES = ("Always", "OnFailure", "OnError", "OnTransientError")


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
    value_from_path: str | None = None  # outputs of a pod: valueFrom.path
    value_from_parameter: str | None = None  # outputs of steps/dag: valueFrom.parameter
    value_from_default: str | None = None  # outputs: valueFrom.default
    global_name: str | None = None


@dataclass(frozen=True)
class Artifact:
    name: str
    path: str | None = None
    from_: str | None = None  # arguments, and outputs of steps/dag: "{{steps.a.outputs.artifacts.x}}"
    s3_key: str | None = None  # in the default artifact repository's bucket
    raw_data: str | None = None
    optional: bool = False
    archive: str = "tar"  # tar (Argo's default: tar+gzip) | none
    global_name: str | None = None


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
class Backoff:
    duration: str | None = None
    factor: str | None = None
    max_duration: str | None = None
    cap: str | None = None


@dataclass(frozen=True)
class RetryStrategy:
    limit: str | None = None  # None: no limit
    retry_policy: str | None = None
    backoff: Backoff | None = None
    expression: str | None = None

    @property
    def policy(self) -> str:
        """RetryPolicyActual (pkg/apis/workflow/v1alpha1/workflow_types.go): OnFailure by default, Always when
        an expression decides."""
        return self.retry_policy or ("Always" if self.expression else "OnFailure")


@dataclass(frozen=True)
class TemplateRef:
    name: str
    template: str


@dataclass(frozen=True)
class StepRef:
    """A step of a `steps` template or a task of a `dag` template (or the workflow's exit hook)."""

    name: str
    template: str | None
    arguments: Arguments
    template_ref: TemplateRef | None = None
    dependencies: tuple[str, ...] = ()  # dag: the tasks `dependencies` or `depends` names
    depends: str | None = None  # dag: the `depends` logic, or None for `dependencies` (all succeeded)
    when: str | None = None
    with_items: tuple | None = None
    with_param: str | None = None
    with_sequence: dict | None = None
    continue_on_error: bool = False
    continue_on_failed: bool = False
    path: str = ""
    raw: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def expands(self) -> bool:
        return self.with_items is not None or self.with_param is not None or self.with_sequence is not None

    def continues_on(self, phase: str) -> bool:
        return (phase == "Error" and self.continue_on_error) or (phase == "Failed" and self.continue_on_failed)


@dataclass
class Template:
    name: str
    kind: str  # container | script | steps | dag
    path: str
    raw: dict
    scope: str = ""  # "" for the workflow's own templates, else the WorkflowTemplate that holds it
    inputs: Arguments = field(default_factory=Arguments)
    output_parameters: tuple[Parameter, ...] = ()
    output_artifacts: tuple[Artifact, ...] = ()
    container: Container | None = None
    steps: tuple[tuple[StepRef, ...], ...] = ()
    tasks: tuple[StepRef, ...] = ()
    active_deadline_seconds: str | None = None
    retry_strategy: RetryStrategy | None = None
    parallelism: str | None = None
    fail_fast: bool = True  # dag.failFast

    @property
    def is_pod(self) -> bool:
        return self.kind in ("container", "script")


@dataclass
class Workflow:
    name: str | None
    generate_name: str | None
    namespace: str | None
    entrypoint: str
    parameters: tuple[Parameter, ...]
    templates: dict[str, Template]
    on_exit: StepRef | None
    active_deadline_seconds: float | None
    raw: dict
    parallelism: int | None = None
    retry_strategy: RetryStrategy | None = None
    # WorkflowTemplates this workflow's templateRefs name: name -> their templates
    workflow_templates: dict[str, dict[str, Template]] = field(default_factory=dict)

    def resolve(self, ref: StepRef, scope: str) -> Template:
        """The template a step calls: by `template` in the caller's own set, or by `templateRef`."""
        if ref.template_ref is not None:
            return self.workflow_templates[ref.template_ref.name][ref.template_ref.template]
        return self.template_set(scope)[ref.template]

    def template_set(self, scope: str) -> dict[str, Template]:
        return self.templates if scope == "" else self.workflow_templates[scope]

    def all_templates(self) -> list[Template]:
        return [*self.templates.values(), *(t for s in self.workflow_templates.values() for t in s.values())]


# --- small typed readers that name the path on every error ---------------------------------

def _mapping(value: Any, path: str) -> dict:
    if not isinstance(value, dict):
        raise ManifestError(path, f"must be a mapping, got {type(value).__name__}")
    return value


def _sequence(value: Any, path: str) -> list:
    if not isinstance(value, list):
        raise ManifestError(path, f"must be a list, got {type(value).__name__}")
    return value


def _keys(obj: dict, path: str, kind: str) -> None:
    fields = FIELDS[kind]
    for key in obj:
        if key not in fields["run"] and key not in fields["no-op"]:
            raise UnsupportedFieldError(f"{path}.{key}" if path else str(key), HINTS.get(key, ""))


def _text(obj: dict, key: str, path: str, required: bool = True) -> str | None:
    if key not in obj or obj[key] is None:
        if required:
            raise ManifestError(f"{path}.{key}", "is required")
        return None
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ManifestError(f"{path}.{key}", f"must be a string, got {type(value).__name__}")
    return str(value)


def _flag(obj: dict, key: str, path: str, default: bool = False) -> bool:
    value = obj.get(key, default)
    if not isinstance(value, bool):
        raise ManifestError(f"{path}.{key}", "must be true or false")
    return value


def _strings(obj: dict, key: str, path: str) -> tuple[str, ...]:
    values = _sequence(obj.get(key) or [], f"{path}.{key}")
    for index, value in enumerate(values):
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise ManifestError(f"{path}.{key}[{index}]", "must be a string")
    return tuple(str(v) for v in values)


def _int_or_variable(obj: dict, key: str, path: str, minimum: int = 0) -> str | None:
    """An IntOrString field: a whole number, or a `{{...}}` resolved when the template runs."""
    value = _text(obj, key, path, False)
    if value is None or "{{" in value:
        return value
    if not re.fullmatch(r"-?\d+", value.strip()) or int(value) < minimum:
        raise ManifestError(f"{path}.{key}", f"must be a whole number >= {minimum}, got {value!r}")
    return value.strip()


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
    _keys(obj, path, "Parameter")
    return Parameter(name=_text(obj, "name", path), value=_text(obj, "value", path, False),
                     default=_text(obj, "default", path, False))


def _output_parameter(obj: dict, path: str, pod: bool) -> Parameter:
    _keys(obj, path, "Parameter (output)")
    value_from = _mapping(obj.get("valueFrom"), f"{path}.valueFrom")
    _keys(value_from, f"{path}.valueFrom", "ValueFrom")
    source = "path" if pod else "parameter"
    other = "parameter" if pod else "path"
    if other in value_from:
        raise UnsupportedFieldError(f"{path}.valueFrom.{other}", f"valueFrom.{other} is for "
                                    f"{'steps and dag' if pod else 'container and script'} templates")
    return Parameter(name=_text(obj, "name", path),
                     value_from_path=_text(value_from, "path", f"{path}.valueFrom") if pod else None,
                     value_from_parameter=None if pod else _text(value_from, source, f"{path}.valueFrom"),
                     value_from_default=_text(value_from, "default", f"{path}.valueFrom", False),
                     global_name=_text(obj, "globalName", path, False))


_ARTIFACT_KIND = {"inputs": "Artifact (input)", "outputs": "Artifact (output)", "arguments": "Artifact (argument)"}


def _artifact(obj: dict, path: str, where: str, pod: bool = True) -> Artifact:
    """`where` is inputs | outputs | arguments; `pod` whether the template runs a pod (it needs paths)."""
    _keys(obj, path, _ARTIFACT_KIND[where])
    name = _text(obj, "name", path)
    s3_key = raw_data = None
    if "s3" in obj:
        s3 = _mapping(obj["s3"], f"{path}.s3")
        # Only keys in the default artifact repository: bucket/endpoint/credentials come from the platform.
        _keys(s3, f"{path}.s3", "S3Artifact")
        s3_key = _text(s3, "key", f"{path}.s3")
    if "raw" in obj:
        raw = _mapping(obj["raw"], f"{path}.raw")
        _keys(raw, f"{path}.raw", "RawArtifact")
        raw_data = _text(raw, "data", f"{path}.raw")
    archive = "tar"
    if "archive" in obj:
        spec = _mapping(obj["archive"], f"{path}.archive")
        _keys(spec, f"{path}.archive", "ArchiveStrategy")
        if len(spec) != 1:
            raise ManifestError(f"{path}.archive", "must name exactly one of: none, tar")
        archive = next(iter(spec))
        options = _mapping(spec[archive] or {}, f"{path}.archive.{archive}")
        if archive == "tar":
            _keys(options, f"{path}.archive.tar", "TarStrategy")
        elif options:
            raise UnsupportedFieldError(f"{path}.archive.none.{next(iter(options))}")
    artifact = Artifact(name=name, path=_text(obj, "path", path, where == "outputs" and pod),
                        from_=_text(obj, "from", path, False), s3_key=s3_key, raw_data=raw_data,
                        optional=_flag(obj, "optional", path), archive=archive,
                        global_name=_text(obj, "globalName", path, False))
    if where == "outputs":
        if pod and artifact.from_ is not None:
            raise UnsupportedFieldError(f"{path}.from", "outputs.artifacts[].from is for steps and dag templates")
        if not pod and artifact.from_ is None:
            raise ManifestError(f"{path}.from", "is required: a steps or dag template's output artifact comes "
                                                "from one of its steps or tasks")
    if where == "inputs" and pod and artifact.path is None:
        raise ManifestError(f"{path}.path", "is required: a container or script template's input artifact "
                                            "is placed at a path")
    if where == "arguments" and sum(x is not None for x in (artifact.from_, s3_key, raw_data)) != 1:
        raise ManifestError(path, "an argument artifact needs exactly one of: from, s3, raw")
    return artifact


def parse_arguments(obj: Any, path: str, where: str = "arguments", pod: bool = True) -> Arguments:
    obj = _mapping(obj or {}, path)
    _keys(obj, path, {"arguments": "Arguments", "inputs": "Inputs", "outputs": "Outputs"}[where])
    parameters = _named(_sequence(obj.get("parameters") or [], f"{path}.parameters"), f"{path}.parameters",
                        _parameter)
    artifacts = _named(_sequence(obj.get("artifacts") or [], f"{path}.artifacts"), f"{path}.artifacts",
                       lambda o, p: _artifact(o, p, where, pod))
    return Arguments(parameters=parameters, artifacts=artifacts)


# --- containers ---------------------------------------------------------------------------

def _env_var(obj: dict, path: str) -> EnvVar:
    _keys(obj, path, "EnvVar")
    name = _text(obj, "name", path)
    if "valueFrom" not in obj:
        return EnvVar(name=name, value=_text(obj, "value", path, False) or "")
    value_from = _mapping(obj["valueFrom"], f"{path}.valueFrom")
    _keys(value_from, f"{path}.valueFrom", "EnvVarSource")
    if len(value_from) != 1:
        raise ManifestError(f"{path}.valueFrom", "must name exactly one of: configMapKeyRef, secretKeyRef")
    ref_field = next(iter(value_from))
    ref_path = f"{path}.valueFrom.{ref_field}"
    ref = _mapping(value_from[ref_field], ref_path)
    _keys(ref, ref_path, "KeySelector")
    kind = "configMap" if ref_field == "configMapKeyRef" else "secret"
    return EnvVar(name=name, value_from=ConfigRef(kind, _text(ref, "name", ref_path), _text(ref, "key", ref_path),
                                                  _flag(ref, "optional", ref_path)))


def _container(obj: dict, path: str, script: bool) -> Container:
    _keys(obj, path, "ScriptTemplate" if script else "Container")
    if not script and obj.get("name", "main") != "main":
        raise UnsupportedFieldError(f"{path}.name", "the main container is always named 'main'")
    env = _named(_sequence(obj.get("env") or [], f"{path}.env"), f"{path}.env", _env_var)
    return Container(image=_text(obj, "image", path), command=_strings(obj, "command", path),
                     args=_strings(obj, "args", path), env=env,
                     working_dir=_text(obj, "workingDir", path, False),
                     source=_text(obj, "source", path) if script else None)


# --- retries, loops, conditions ------------------------------------------------------------

_DURATION = re.compile(r"^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$")


def _duration(obj: dict, key: str, path: str) -> str | None:
    """wfv1.ParseStringToDuration: a number of seconds, or a Go duration such as 90s, 2m, 1h30m."""
    value = _text(obj, key, path, False)
    if value is None or "{{" in value:
        return value
    if not (re.fullmatch(r"\d+", value) or _DURATION.match(value)):
        raise ManifestError(f"{path}.{key}", f"must be seconds or a duration like 30s, 2m, 1h; got {value!r}")
    return value


def _retry_strategy(value: Any, path: str) -> RetryStrategy:
    obj = _mapping(value or {}, path)
    _keys(obj, path, "RetryStrategy")
    policy = _text(obj, "retryPolicy", path, False)
    if policy is not None and policy not in RETRY_POLICIES:
        raise ManifestError(f"{path}.retryPolicy", f"must be one of {', '.join(RETRY_POLICIES)}, got {policy!r}")
    backoff = None
    if "backoff" in obj:
        spec = _mapping(obj["backoff"], f"{path}.backoff")
        _keys(spec, f"{path}.backoff", "Backoff")
        backoff = Backoff(duration=_duration(spec, "duration", f"{path}.backoff"),
                          factor=_int_or_variable(spec, "factor", f"{path}.backoff"),
                          max_duration=_duration(spec, "maxDuration", f"{path}.backoff"),
                          cap=_duration(spec, "cap", f"{path}.backoff"))
        if backoff.duration is None:
            raise ManifestError(f"{path}.backoff.duration", "is required (no base duration specified for "
                                                            "retryStrategy)")
    expression = _text(obj, "expression", path, False)
    if expression is not None:
        _checked(check_retry_expression, expression, f"{path}.expression")
    return RetryStrategy(limit=_int_or_variable(obj, "limit", path), retry_policy=policy, backoff=backoff,
                         expression=expression)


def _checked(check, text: str, path: str) -> None:
    try:
        check(text)
    except UnsupportedExpression as exc:
        raise UnsupportedFieldError(path, f"{exc}; docs/runner.md lists the expression syntax it maps") from None
    except ExpressionError as exc:
        raise ManifestError(path, f"invalid expression {text!r}: {exc}") from None


def _loop(obj: dict, path: str) -> tuple[tuple | None, str | None, dict | None]:
    loops = [k for k in ("withItems", "withParam", "withSequence") if k in obj]
    if len(loops) > 1:
        raise ManifestError(path, f"use only one of withItems, withParam, withSequence (has {', '.join(loops)})")
    items = param = sequence = None
    if "withItems" in obj:
        items = tuple(_sequence(obj["withItems"], f"{path}.withItems"))
    if "withParam" in obj:
        param = _text(obj, "withParam", path)
    if "withSequence" in obj:
        spec = _mapping(obj["withSequence"], f"{path}.withSequence")
        _keys(spec, f"{path}.withSequence", "Sequence")
        if "count" in spec and "end" in spec:
            raise ManifestError(f"{path}.withSequence", "use either count or end, not both")
        if "count" not in spec and "end" not in spec:
            raise ManifestError(f"{path}.withSequence", "needs count or end")
        sequence = {k: _text(spec, k, f"{path}.withSequence", False) for k in ("count", "start", "end", "format")}
    return items, param, sequence


def _template_ref(value: Any, path: str) -> TemplateRef:
    obj = _mapping(value, path)
    _keys(obj, path, "TemplateRef")
    return TemplateRef(name=_text(obj, "name", path), template=_text(obj, "template", path))


def _step(obj: dict, path: str, dag: bool) -> StepRef:
    _keys(obj, path, "DAGTask" if dag else "WorkflowStep")
    if ("template" in obj) == ("templateRef" in obj):
        raise ManifestError(path, "needs exactly one of template, templateRef")
    dependencies: tuple[str, ...] = ()
    depends = None
    if dag and "dependencies" in obj and "depends" in obj:
        raise ManifestError(path, "use either dependencies or depends, not both")
    if dag and "dependencies" in obj:
        dependencies = _strings(obj, "dependencies", path)
    if dag and "depends" in obj:
        depends = _text(obj, "depends", path)
        found = depends_tasks(depends)
        for task, result in found:
            if result is not None and result not in TASK_RESULTS:
                raise ManifestError(f"{path}.depends", f"task result '{result}' for task '{task}' is invalid "
                                                       f"(one of {', '.join(TASK_RESULTS)})")
        dependencies = tuple(dict.fromkeys(task for task, _ in found))
    when = _text(obj, "when", path, False)
    if when is not None:
        _checked(check_when, when, f"{path}.when")
    continue_on = _mapping(obj.get("continueOn") or {}, f"{path}.continueOn")
    _keys(continue_on, f"{path}.continueOn", "ContinueOn")
    items, param, sequence = _loop(obj, path)
    return StepRef(name=_text(obj, "name", path), template=_text(obj, "template", path, False),
                   template_ref=_template_ref(obj["templateRef"], f"{path}.templateRef") if "templateRef" in obj
                   else None,
                   arguments=parse_arguments(obj.get("arguments"), f"{path}.arguments"),
                   dependencies=dependencies, depends=depends, when=when, with_items=items, with_param=param,
                   with_sequence=sequence, continue_on_error=_flag(continue_on, "error", f"{path}.continueOn"),
                   continue_on_failed=_flag(continue_on, "failed", f"{path}.continueOn"), path=path, raw=obj)


def parse_step(obj: dict, path: str, dag: bool) -> StepRef:
    """A step or task as written, or after substitution (the runner re-reads substituted steps)."""
    return _step(_mapping(obj, path), path, dag)


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


def _dag(value: Any, path: str) -> tuple[tuple[StepRef, ...], bool]:
    obj = _mapping(value, path)
    _keys(obj, path, "DAGTemplate")
    tasks = _named(_sequence(obj.get("tasks") or [], f"{path}.tasks"), f"{path}.tasks",
                   lambda o, p: _step(o, p, dag=True))
    names = {t.name for t in tasks}
    for index, task in enumerate(tasks):
        for dependency in task.dependencies:
            if dependency not in names:
                raise ManifestError(f"{path}.tasks[{index}]", f"depends on unknown task {dependency!r}")
        if task.depends is not None:
            _checked(check_depends, task.depends, f"{path}.tasks[{index}].depends")
    _check_acyclic(tasks, path)
    return tasks, _flag(obj, "failFast", path, True)


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


def parse_template(obj: dict, path: str, scope: str = "") -> Template:
    _keys(obj, path, "Template")
    name = _text(obj, "name", path)
    kinds = [k for k in _KINDS if k in obj]
    if len(kinds) != 1:
        raise ManifestError(path, f"template {name!r} must have exactly one of: {', '.join(_KINDS)}")
    kind = kinds[0]
    pod = kind in ("container", "script")
    if not pod and "activeDeadlineSeconds" in obj:
        raise UnsupportedFieldError(f"{path}.activeDeadlineSeconds", "deadlines of steps and dag templates; "
                                    "set it on their container or script templates")
    if pod and "parallelism" in obj:
        raise ManifestError(f"{path}.parallelism", "is for steps and dag templates")
    template = Template(name=name, kind=kind, path=path, raw=obj, scope=scope,
                        inputs=parse_arguments(obj.get("inputs"), f"{path}.inputs", "inputs", pod),
                        active_deadline_seconds=_int_or_variable(obj, "activeDeadlineSeconds", path, 1),
                        retry_strategy=_retry_strategy(obj["retryStrategy"], f"{path}.retryStrategy")
                        if "retryStrategy" in obj else None,
                        parallelism=_int_or_variable(obj, "parallelism", path, 1))
    outputs = _mapping(obj.get("outputs") or {}, f"{path}.outputs")
    _keys(outputs, f"{path}.outputs", "Outputs")
    template.output_parameters = _named(_sequence(outputs.get("parameters") or [], f"{path}.outputs.parameters"),
                                        f"{path}.outputs.parameters", lambda o, p: _output_parameter(o, p, pod))
    template.output_artifacts = _named(_sequence(outputs.get("artifacts") or [], f"{path}.outputs.artifacts"),
                                       f"{path}.outputs.artifacts", lambda o, p: _artifact(o, p, "outputs", pod))
    if pod:
        template.container = _container(_mapping(obj[kind], f"{path}.{kind}"), f"{path}.{kind}", kind == "script")
    elif kind == "steps":
        template.steps = _steps(obj["steps"], f"{path}.steps")
    else:
        template.tasks, template.fail_fast = _dag(obj["dag"], f"{path}.dag")
    return template


def _templates(spec: dict, path: str, scope: str) -> dict[str, Template]:
    templates: dict[str, Template] = {}
    for index, raw in enumerate(_sequence(spec.get("templates"), f"{path}.templates")):
        template = parse_template(_mapping(raw, f"{path}.templates[{index}]"), f"{path}.templates[{index}]", scope)
        if template.name in templates:
            raise ManifestError(f"{path}.templates[{index}].name", f"duplicate template name {template.name!r}")
        templates[template.name] = template
    return templates


def parse_workflow_template(manifest: Any, where: str = "WorkflowTemplate") -> tuple[str, dict[str, Template]]:
    """A WorkflowTemplate a workflow's templateRefs may name: its name and its templates."""
    manifest = _mapping(manifest, where)
    _keys(manifest, "", "WorkflowTemplate")
    if manifest.get("apiVersion") != API_VERSION or manifest.get("kind") != "WorkflowTemplate":
        raise ManifestError(f"{where}: kind", f"expected apiVersion {API_VERSION} and kind WorkflowTemplate, "
                                              f"got {manifest.get('apiVersion')!r} {manifest.get('kind')!r}")
    metadata = _mapping(manifest.get("metadata") or {}, "metadata")
    _keys(metadata, "metadata", "ObjectMeta")
    name = _text(metadata, "name", "metadata")
    spec = _mapping(manifest.get("spec"), "spec")
    _keys(spec, "spec", "WorkflowTemplateSpec")
    return name, _templates(spec, "spec", name)


def _exit_hook(spec: dict) -> StepRef | None:
    if "onExit" in spec and "hooks" in spec:
        raise ManifestError("spec.hooks", "use either onExit or hooks.exit, not both")
    if "onExit" in spec:
        return StepRef(name="onExit", template=_text(spec, "onExit", "spec"), arguments=Arguments(),
                       path="spec.onExit", raw={"template": spec["onExit"]})
    if "hooks" not in spec:
        return None
    hooks = _mapping(spec["hooks"], "spec.hooks")
    for key in hooks:
        if key != "exit":
            raise UnsupportedFieldError(f"spec.hooks.{key}", HINTS["hooks"])
    hook = _mapping(hooks["exit"], "spec.hooks.exit")
    _keys(hook, "spec.hooks.exit", "LifecycleHook")
    if ("template" in hook) == ("templateRef" in hook):
        raise ManifestError("spec.hooks.exit", "needs exactly one of template, templateRef")
    return StepRef(name="exit", template=_text(hook, "template", "spec.hooks.exit", False),
                   template_ref=_template_ref(hook["templateRef"], "spec.hooks.exit.templateRef")
                   if "templateRef" in hook else None,
                   arguments=parse_arguments(hook.get("arguments"), "spec.hooks.exit.arguments"),
                   path="spec.hooks.exit", raw=hook)


def parse_workflow(manifest: Any, workflow_templates: dict[str, dict] | None = None) -> Workflow:
    """The workflow; `workflow_templates` are the WorkflowTemplate manifests of its namespace, by name."""
    manifest = _mapping(manifest, "manifest")
    _keys(manifest, "", "Workflow")
    if manifest.get("apiVersion") != API_VERSION or manifest.get("kind") != "Workflow":
        raise ManifestError("kind", f"expected apiVersion {API_VERSION} and kind Workflow, got "
                                    f"{manifest.get('apiVersion')!r} {manifest.get('kind')!r}")
    metadata = _mapping(manifest.get("metadata") or {}, "metadata")
    _keys(metadata, "metadata", "ObjectMeta")
    name, generate_name = _text(metadata, "name", "metadata", False), _text(metadata, "generateName", "metadata", False)
    if not name and not generate_name:
        raise ManifestError("metadata", "needs name or generateName")
    spec = _mapping(manifest.get("spec"), "spec")
    _keys(spec, "spec", "WorkflowSpec")
    templates = _templates(spec, "spec", "")
    arguments = parse_arguments(spec.get("arguments"), "spec.arguments")
    if arguments.artifacts:
        raise UnsupportedFieldError("spec.arguments.artifacts", "workflow-level artifacts")
    parallelism = _int_or_variable(spec, "parallelism", "spec", 1)
    if parallelism is not None and "{{" in parallelism:
        raise ManifestError("spec.parallelism", "must be a whole number")
    workflow = Workflow(name=name, generate_name=generate_name,
                        namespace=_text(metadata, "namespace", "metadata", False),
                        entrypoint=_text(spec, "entrypoint", "spec"), parameters=arguments.parameters,
                        templates=templates, on_exit=_exit_hook(spec),
                        active_deadline_seconds=_seconds(spec, "activeDeadlineSeconds", "spec"), raw=manifest,
                        parallelism=int(parallelism) if parallelism else None,
                        retry_strategy=_retry_strategy(spec["retryStrategy"], "spec.retryStrategy")
                        if "retryStrategy" in spec else None)
    if workflow.entrypoint not in templates:
        raise ManifestError("spec.entrypoint", f"names unknown template {workflow.entrypoint!r}")
    _resolve_references(workflow, workflow_templates or {})
    return workflow


def standalone_workflow_template(manifest: Any, workflow_templates: dict[str, dict] | None = None) -> Workflow:
    """A WorkflowTemplate checked on its own, as the Argo server checks one it is asked to create: its
    `entrypoint` and every `template` its steps name are its own, and every `templateRef` names one of the
    namespace's `workflow_templates` (manifests by name; None: left to the workflows that use it). Returns a
    Workflow that holds only it and what it names, for the checks a workflow's templates get."""
    name, templates = parse_workflow_template(manifest)
    entrypoint = _text(manifest["spec"], "entrypoint", "spec", False)
    if entrypoint and entrypoint not in templates:
        raise ManifestError("spec.entrypoint", f"names unknown template {entrypoint!r}")
    holder = Workflow(name=name, generate_name=None, namespace=None, entrypoint=entrypoint or "", parameters=(),
                      templates={}, on_exit=None, active_deadline_seconds=None, raw=manifest,
                      workflow_templates={name: templates})
    _resolve_references(holder, None if workflow_templates is None else {**workflow_templates, name: manifest})
    return holder


def _resolve_references(workflow: Workflow, manifests: dict[str, dict] | None) -> None:
    """Every `template` a step names exists in its own set; every `templateRef` names a WorkflowTemplate of
    the namespace and a template in it (loaded on first use, with the templates they name in turn); with
    `manifests` None only those naming a WorkflowTemplate it holds already."""
    pending = [(t, ref) for t in workflow.all_templates() for ref in _calls(t)]
    if workflow.on_exit is not None:
        pending.append((None, workflow.on_exit))
    while pending:
        caller, ref = pending.pop()
        scope = caller.scope if caller is not None else ""
        if ref.template_ref is None:
            if ref.template not in workflow.template_set(scope):
                where = f"WorkflowTemplate {scope!r}" if scope else "the workflow"
                raise ManifestError(f"{ref.path}.template", f"names unknown template {ref.template!r} of {where}")
            continue
        target = ref.template_ref
        if target.name not in workflow.workflow_templates:
            if manifests is None:
                continue
            if target.name not in manifests:
                raise ManifestError(f"{ref.path}.templateRef.name",
                                    f"WorkflowTemplate {target.name!r} not found in the namespace "
                                    f"(has: {', '.join(sorted(manifests)) or 'none'})")
            name, templates = parse_workflow_template(manifests[target.name], f"WorkflowTemplate {target.name}")
            workflow.workflow_templates[name] = templates
            pending.extend((t, r) for t in templates.values() for r in _calls(t))
        if target.template not in workflow.workflow_templates[target.name]:
            raise ManifestError(f"{ref.path}.templateRef.template",
                                f"WorkflowTemplate {target.name!r} has no template {target.template!r}")


def _calls(template: Template) -> list[StepRef]:
    return [*(s for group in template.steps for s in group), *template.tasks]
