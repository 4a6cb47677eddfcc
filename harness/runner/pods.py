"""One pod of a workflow, run as a local process in its private root: inputs staged, the container's command
mapped to local executables, outputs collected as Argo's executor collects them."""
from __future__ import annotations

import copy
import json
import re
import subprocess
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from harness.runner.artifacts import ArtifactLocation, default_key
from harness.runner.errors import RunnerError, StepError
from harness.runner.identity import argo_env, pod_name
from harness.runner.images import STEP_PATH, local_image
from harness.runner.nodes import NodeOutcome, NodeOutputs
from harness.runner.processes import StepProcessResult, run_step_process, stop_process_group
from harness.runner.sandbox import PROGRESS_FILE, SCRIPT_PATH, StepSandbox
from harness.runner.spec import Template, parse_template
from harness.runner.variables import substitute_deep
from harness.workflows import NodeType, Phase, StepResult

# Argo keeps the last 256 kB of a step's stdout as outputs.result (workflow/executor/executor.go).
_MAX_RESULT = 256 * 1024
# Kubernetes' words for a pod killed at its activeDeadlineSeconds, and Argo's for one past the workflow's.
POD_DEADLINE_MESSAGE = "Pod was active on the node longer than the specified deadline"
WORKFLOW_DEADLINE_MESSAGE = "Step exceeded its deadline"


@dataclass
class Inputs:
    """A template's inputs once resolved: parameter values, artifact sources (S3 location or raw text)."""

    parameters: dict[str, str] = field(default_factory=dict)
    artifacts: dict[str, ArtifactLocation | str] = field(default_factory=dict)


@dataclass(frozen=True)
class Call:
    """Where a template runs: its node's name and display name, the node above it, the template of the steps
    or dag that called it (None for the workflow's own entrypoint and exit handler), and whether it belongs to
    the exit handler (which the workflow's deadline does not stop)."""

    name: str
    display_name: str
    parent: StepResult | None
    boundary: Template | None
    on_exit: bool = False
    retry_scope: dict[str, str] = field(default_factory=dict)  # retries, lastRetry.* of this attempt
    execution_deadline: float | None = None  # retryStrategy.backoff.maxDuration, time.monotonic()


def step_or_task_name(node_name: str) -> str:
    """getStepOrDAGTaskName (operator.go): the step's own name, without loop, retry and group suffixes."""
    opener, end = "", len(node_name)
    for i in range(len(node_name) - 1, -1, -1):
        ch = node_name[i]
        if opener:
            if ch == opener:
                opener = ""
        elif ch == ")":
            opener = "("
        elif ch == "]":
            opener = "["
        else:
            end = i + 1
            break
    return node_name[:end].rsplit(".", 1)[-1]


def includes_result(node_name: str, boundary: Template | None) -> bool:
    """includeScriptOutput: stdout becomes outputs.result only when the calling template refers to it."""
    if boundary is None or boundary.is_pod:
        return False
    kind = "tasks" if boundary.kind == "dag" else "steps"
    pattern = rf"{kind}\.{re.escape(step_or_task_name(node_name))}\.outputs\.result"
    return re.search(pattern, json.dumps(boundary.raw)) is not None


class PodHost(Protocol):
    """What a pod needs of the workflow execution that runs it (harness.runner.run.WorkflowExecution)."""

    name: str
    tenant: Any
    context: Any
    repository: Any
    root: Path
    recorder: Any
    pod_slots: Any  # spec.parallelism: a context manager that waits for a free slot
    deadline: float | None  # the workflow's, time.monotonic()
    cancelled: bool
    cancel_reason: str
    deadline_passed: bool

    def argo_deadline(self, call: Call) -> datetime | None: ...
    def track(self, process: subprocess.Popen, exempt: bool) -> None: ...
    def untrack(self, process: subprocess.Popen) -> None: ...


class PodRunner:
    """Runs the pods of one workflow execution."""

    def __init__(self, execution: PodHost):
        self.execution = execution

    def run(self, template: Template, call: Call, inputs: Inputs, scope: dict[str, str]) -> NodeOutcome:
        ex = self.execution
        node = ex.recorder.create(call.name, call.display_name, template.name, NodeType.POD, call.parent,
                                  phase=Phase.PENDING)
        if ex.cancelled:
            ex.recorder.finish(node, Phase.FAILED, ex.cancel_reason)
            return NodeOutcome(Phase.FAILED, ex.cancel_reason, node=node)
        if ex.deadline_passed and not call.on_exit:
            ex.recorder.finish(node, Phase.FAILED, WORKFLOW_DEADLINE_MESSAGE)
            return NodeOutcome(Phase.FAILED, WORKFLOW_DEADLINE_MESSAGE, node=node)
        log: list[str] = []
        try:
            with ex.pod_slots:
                return self._execute(template, call, inputs, scope, node, log)
        except RunnerError as exc:
            ex.recorder.finish(node, Phase.ERROR, str(exc), log="".join(log) + f"\n[local runner] {exc}\n")
            return NodeOutcome(Phase.ERROR, str(exc), node=node)

    def _execute(self, template: Template, call: Call, inputs: Inputs, scope: dict[str, str], node: StepResult,
                 log: list[str]) -> NodeOutcome:
        ex = self.execution
        pod = pod_name(ex.name, call.name, template.name)
        sandbox_root = ex.root / pod / "root"
        scope = {**scope, "pod.name": pod, "node.name": call.name, **call.retry_scope}
        scope.update({f"inputs.artifacts.{a.name}.path": a.path for a in template.inputs.artifacts if a.path})
        resolved_raw = substitute_deep(template.raw, scope, template.path)
        leaf = parse_template(resolved_raw, template.path, template.scope)
        declared = [a.path for a in (*leaf.inputs.artifacts, *leaf.output_artifacts) if a.path]
        declared += [p.value_from_path for p in leaf.output_parameters if p.value_from_path]
        sandbox = StepSandbox(sandbox_root, declared)
        for path in declared:
            sandbox.local(path).parent.mkdir(parents=True, exist_ok=True)
        self._stage_inputs(leaf, inputs, sandbox)

        container = leaf.container
        kind = template.kind
        image = local_image(container.image, f"{template.path}.{kind}")
        argv = image.argv(container.command, container.args, container.working_dir, f"{template.path}.{kind}")
        argv = [argv[0], *(sandbox.rewrite(a) for a in argv[1:])]
        if container.source is not None:
            script = sandbox.local(SCRIPT_PATH)
            script.write_text(sandbox.rewrite(container.source))
            script.chmod(0o755)  # as Argo's executor writes it, so `command: [sh, -c]` may run it
            argv.append(str(script))
        cwd = sandbox.local(container.working_dir or image.working_dir)
        cwd.mkdir(parents=True, exist_ok=True)

        timeout, deadline_message = self._timeout(leaf, call)
        argo_deadline = ex.argo_deadline(call)
        include_result = includes_result(call.name, call.boundary)
        env = {"PATH": STEP_PATH, "HOME": str(sandbox.root), "TMPDIR": str(sandbox.tmp), "LANG": "C.UTF-8",
               "HOSTNAME": pod, **image.env}
        env.update(self._container_env(container, sandbox, template.path, kind))
        env.update(argo_env(workflow_name=ex.name, node_name=call.name, pod=pod,
                            template=_argo_template(resolved_raw, inputs), deadline=argo_deadline,
                            progress_file=str(sandbox.local(PROGRESS_FILE)), include_script_output=include_result))
        ex.recorder.update(node, phase=Phase.RUNNING, started_at=time.time())
        exit_code, stdout, timed_out = self._spawn(argv, env, cwd, timeout, log, node, call)
        log_text = "".join(log)
        (ex.root / pod / "main.log").write_text(log_text)

        if ex.cancelled:
            ex.recorder.finish(node, Phase.FAILED, ex.cancel_reason, exit_code=exit_code,
                               log=log_text + f"\n[local runner] {ex.cancel_reason}\n")
            return NodeOutcome(Phase.FAILED, ex.cancel_reason, node=node)
        if ex.deadline_passed and not call.on_exit and (timed_out or exit_code != 0):
            timed_out, deadline_message = True, WORKFLOW_DEADLINE_MESSAGE
        if timed_out:
            ex.recorder.finish(node, Phase.FAILED, deadline_message, exit_code=exit_code,
                               log=log_text + f"\n[local runner] {deadline_message}\n")
            return NodeOutcome(Phase.FAILED, deadline_message, node=node)
        result = _trim_newline(stdout)[-_MAX_RESULT:] if include_result else None
        outputs = NodeOutputs(result=result, exit_code=exit_code)
        try:
            self._collect_outputs(leaf, sandbox, pod, outputs, required=exit_code == 0)
        except StepError as exc:
            ex.recorder.finish(node, Phase.ERROR, str(exc), exit_code=exit_code,
                               log=log_text + f"\n[local runner] {exc}\n", parameters=dict(outputs.parameters))
            return NodeOutcome(Phase.ERROR, str(exc), outputs, node=node)
        phase, message = (Phase.SUCCEEDED, "") if exit_code == 0 else (Phase.FAILED, f"Error (exit code {exit_code})")
        ex.recorder.finish(node, phase, message, exit_code=exit_code, log=log_text,
                           parameters=dict(outputs.parameters), result=outputs.result)
        return NodeOutcome(phase, message, outputs, node=node)

    def _timeout(self, leaf: Template, call: Call) -> tuple[float, str]:
        """The pod's activeDeadlineSeconds (the template's, capped by the workflow's deadline unless it belongs
        to the exit handler), or the runner's default for a step without one; and what to say when it passes."""
        ex = self.execution
        limits = [(ex.context.default_step_timeout, POD_DEADLINE_MESSAGE)]
        if leaf.active_deadline_seconds is not None:
            limits.append((float(leaf.active_deadline_seconds), POD_DEADLINE_MESSAGE))
        if ex.deadline is not None and not call.on_exit:
            limits.append((ex.deadline - time.monotonic(), WORKFLOW_DEADLINE_MESSAGE))
        if call.execution_deadline is not None:
            limits.append((call.execution_deadline - time.monotonic(), POD_DEADLINE_MESSAGE))
        seconds, message = min(limits, key=lambda limit: limit[0])
        return max(seconds, 0.0), message

    def _stage_inputs(self, leaf: Template, inputs: Inputs, sandbox: StepSandbox) -> None:
        for artifact in leaf.inputs.artifacts:
            source = inputs.artifacts.get(artifact.name)
            if source is None:
                continue  # optional and not supplied
            destination = sandbox.local(artifact.path)
            if isinstance(source, str):
                destination.write_text(source)
            else:
                self.execution.repository.load(source, destination)

    def _collect_outputs(self, leaf: Template, sandbox: StepSandbox, pod: str, outputs: NodeOutputs,
                         required: bool) -> None:
        """Save output parameters and artifacts; after a failed main container, only what exists."""
        for parameter in leaf.output_parameters:
            local = sandbox.local(parameter.value_from_path)
            if local.is_file():
                value = local.read_text(errors="replace")
            elif parameter.value_from_default is not None:
                value = parameter.value_from_default
            elif required:
                raise StepError(f"output parameter {parameter.name!r}: {parameter.value_from_path} "
                                "does not exist (no such file or directory)")
            else:
                continue
            outputs.parameters[parameter.name] = _trim_newline(value)
        for artifact in leaf.output_artifacts:
            local = sandbox.local(artifact.path)
            if not local.exists():
                if required and not artifact.optional:
                    raise StepError(f"output artifact {artifact.name!r}: {artifact.path} "
                                    "does not exist (no such file or directory)")
                continue
            key = artifact.s3_key or default_key(self.execution.name, pod, artifact.name, artifact.archive)
            outputs.artifacts[artifact.name] = self.execution.repository.save(local, key, artifact.archive)

    def _container_env(self, container, sandbox: StepSandbox, path: str, kind: str) -> dict[str, str]:
        ex = self.execution
        settings = ex.context.tenant_settings(ex.tenant) or {}
        env: dict[str, str] = {}
        for index, variable in enumerate(container.env):
            if variable.value_from is None:
                env[variable.name] = sandbox.rewrite(variable.value or "")
                continue
            ref = variable.value_from
            store = settings.get("configmaps" if ref.kind == "configMap" else "secrets", {})
            where = f"{path}.{kind}.env[{index}].valueFrom"
            if ref.name not in store:
                if ref.optional:
                    continue
                raise StepError(f"{where}: CreateContainerConfigError: {ref.kind} {ref.name!r} not found in "
                                f"namespace {ex.tenant.namespace!r} (has: {', '.join(sorted(store)) or 'none'})")
            if ref.key not in store[ref.name]:
                if ref.optional:
                    continue
                raise StepError(f"{where}: CreateContainerConfigError: couldn't find key {ref.key!r} in "
                                f"{ref.kind} {ex.tenant.namespace}/{ref.name}")
            env[variable.name] = str(store[ref.name][ref.key])
        return env

    def _spawn(self, argv: list[str], env: dict[str, str], cwd: Path, timeout: float, log: list[str],
               node: StepResult, call: Call) -> StepProcessResult:
        ex = self.execution
        lock = threading.Lock()

        def on_output(line: str) -> None:
            with lock:
                log.append(line)
                text = "".join(log)
            ex.recorder.update(node, log=text)

        started: list[subprocess.Popen] = []

        def on_start(process: subprocess.Popen) -> None:
            started.append(process)
            ex.track(process, exempt=call.on_exit)
            if ex.cancelled or (ex.deadline_passed and not call.on_exit):  # stopped while this step was prepared
                stop_process_group(process)

        try:
            return run_step_process(argv, env, cwd, timeout, on_start=on_start, on_output=on_output)
        except OSError as exc:
            raise StepError(f"cannot start {argv[0]}: {exc}") from exc
        finally:
            for process in started:
                ex.untrack(process)


def _trim_newline(text: str) -> str:
    """Argo's executor trims one trailing newline off outputs.result and output parameters, nothing more."""
    return text[:-1] if text.endswith("\n") else text


def _argo_template(resolved_raw: dict, inputs: Inputs) -> dict:
    """The template as Argo passes it in ARGO_TEMPLATE: resolved, with input parameter values filled in."""
    template = copy.deepcopy(resolved_raw)
    for parameter in (template.get("inputs") or {}).get("parameters") or []:
        if parameter.get("name") in inputs.parameters:
            parameter["value"] = inputs.parameters[parameter["name"]]
    return template
