"""Executes a validated Workflow as local processes: one thread per running node, one process per step."""
from __future__ import annotations

import copy
import queue
import subprocess
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from harness.runner.artifacts import ArtifactLocation, ArtifactRepository, default_key
from harness.runner.context import RunnerContext
from harness.runner.errors import RunnerError, StepError
from harness.runner.identity import argo_env, pod_name
from harness.runner.images import STEP_PATH, local_image
from harness.runner.processes import StepProcessResult, run_step_process, stop_process_group
from harness.runner.sandbox import PROGRESS_FILE, SCRIPT_PATH, StepSandbox
from harness.runner.spec import Arguments, StepRef, Template, Workflow, parse_template
from harness.runner.variables import ARTIFACT_REFERENCE, substitute, substitute_deep
from harness.tenants import Tenant
from harness.workflows import Phase, StepResult, WorkflowRun


@dataclass
class NodeOutputs:
    parameters: dict[str, str] = field(default_factory=dict)
    artifacts: dict[str, ArtifactLocation] = field(default_factory=dict)
    result: str | None = None


@dataclass
class NodeOutcome:
    phase: str  # Succeeded | Failed | Error
    message: str = ""
    outputs: NodeOutputs = field(default_factory=NodeOutputs)


@dataclass
class Inputs:
    """A template's inputs once resolved: parameter values, artifact sources (S3 location or raw text)."""

    parameters: dict[str, str] = field(default_factory=dict)
    artifacts: dict[str, ArtifactLocation | str] = field(default_factory=dict)


class WorkflowExecution:
    """One run of one workflow; RunHandle is its public face."""

    def __init__(self, workflow: Workflow, name: str, tenant: Tenant, context: RunnerContext,
                 repository: ArtifactRepository):
        self.workflow = workflow
        self.name = name
        self.tenant = tenant
        self.context = context
        self.repository = repository
        self.root = Path(context.work_root) / name
        self._lock = threading.Lock()
        self._run = WorkflowRun(name=name, tenant=tenant.name, phase=Phase.PENDING)
        self._cancelled = threading.Event()
        self._cancel_reason = ""
        self._processes: set[subprocess.Popen] = set()
        self._done = threading.Event()
        self._status = Phase.RUNNING  # {{workflow.status}}
        self._deadline = (time.monotonic() + workflow.active_deadline_seconds
                          if workflow.active_deadline_seconds else None)
        self._thread = threading.Thread(target=self._main, name=f"workflow {name}", daemon=True)

    # --- public face ------------------------------------------------------------------------

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        with self._lock:
            self._run.phase = Phase.RUNNING
        self._thread.start()
        if self._deadline is not None:
            threading.Thread(target=self._watch_deadline, name=f"deadline {self.name}", daemon=True).start()

    def snapshot(self) -> WorkflowRun:
        with self._lock:
            run = copy.copy(self._run)
            run.steps = [replace(step) for step in self._run.steps]
            return run

    def wait(self, timeout: float) -> WorkflowRun:
        deadline = time.monotonic() + timeout
        # Short waits: a Ctrl-C in the waiting thread is raised at once, not taken for a timeout.
        while not self._done.wait(min(1.0, max(deadline - time.monotonic(), 0))):
            if time.monotonic() >= deadline:
                break
        if not self._done.is_set():
            raise TimeoutError(f"workflow {self.name} (tenant {self.tenant.name}) did not finish within {timeout:g} s; "
                               f"steps: {self._describe_steps()}")
        return self.snapshot()

    def cancel(self, reason: str = "cancelled") -> None:
        with self._lock:
            if self._cancelled.is_set():
                return
            self._cancel_reason = reason
            self._cancelled.set()
            processes = list(self._processes)
        for process in processes:
            stop_process_group(process)

    def _describe_steps(self) -> str:
        run = self.snapshot()
        return ", ".join(f"{s.name}={s.phase}" for s in run.steps) or "none started"

    def _watch_deadline(self) -> None:
        remaining = self._deadline - time.monotonic()
        if not self._done.wait(max(remaining, 0)):
            self.cancel(f"Max duration limit exceeded (activeDeadlineSeconds "
                        f"{self.workflow.active_deadline_seconds:g})")

    # --- the run ----------------------------------------------------------------------------

    def _main(self) -> None:
        try:
            entry = self.workflow.templates[self.workflow.entrypoint]
            arguments = Arguments(parameters=self.workflow.parameters)
            outcome = self._call(entry, self.name, arguments, self._workflow_scope(), None)
            phase, message = outcome.phase, outcome.message
            if self._cancelled.is_set():
                phase, message = Phase.FAILED, self._cancel_reason
            if self.workflow.on_exit:
                self._status = phase
                handler = self.workflow.templates[self.workflow.on_exit]
                exit_outcome = self._call(handler, f"{self.name}.onExit", Arguments(), self._workflow_scope(), None)
                if exit_outcome.phase != Phase.SUCCEEDED and phase == Phase.SUCCEEDED:
                    phase, message = Phase.FAILED, f"exit handler: {exit_outcome.message}"
        except Exception as exc:  # the runner's own failure must end the run, not hang its waiters
            phase, message = Phase.ERROR, f"local runner: {type(exc).__name__}: {exc}"
        with self._lock:
            self._run.phase, self._run.message = phase, message
        self._done.set()

    def _workflow_scope(self) -> dict[str, str]:
        scope = {"workflow.name": self.name, "workflow.namespace": self.tenant.namespace,
                 "workflow.status": self._status}
        for parameter in self.workflow.parameters:
            value = parameter.value if parameter.value is not None else parameter.default
            if value is not None:
                scope[f"workflow.parameters.{parameter.name}"] = value
        return scope

    def _call(self, template: Template, node_name: str, arguments: Arguments, caller_scope: dict[str, str],
              siblings: dict[str, NodeOutputs] | None, kind: str = "steps") -> NodeOutcome:
        """Resolve the callee's inputs from the caller's arguments, then run the template."""
        if self._cancelled.is_set():
            return NodeOutcome(Phase.FAILED, self._cancel_reason)
        try:
            inputs = self._resolve_inputs(template, arguments, caller_scope, siblings or {}, kind, node_name)
        except StepError as exc:
            self._record_error(template, node_name, str(exc))
            return NodeOutcome(Phase.ERROR, str(exc))
        if template.kind == "steps":
            return self._run_steps(template, node_name, inputs)
        if template.kind == "dag":
            return self._run_dag(template, node_name, inputs)
        return self._run_leaf(template, node_name, inputs)

    def _resolve_inputs(self, template: Template, arguments: Arguments, scope: dict[str, str],
                        siblings: dict[str, NodeOutputs], kind: str, node_name: str) -> Inputs:
        inputs = Inputs()
        given = {p.name: p for p in arguments.parameters}
        for parameter in template.inputs.parameters:
            argument = given.get(parameter.name)
            raw = next((v for v in ((argument.value if argument else None), parameter.value, parameter.default)
                        if v is not None), None)
            if raw is None:
                raise StepError(f"{node_name}: input parameter {parameter.name!r} of template "
                                f"{template.name!r} has no value")
            inputs.parameters[parameter.name] = substitute(raw, scope, f"{node_name}.inputs.parameters")
        supplied = {a.name: a for a in arguments.artifacts}
        for artifact in template.inputs.artifacts:
            source = supplied.get(artifact.name, artifact)
            if source.from_ is not None:
                inputs.artifacts[artifact.name] = self._artifact_reference(source.from_, siblings, kind, node_name)
            elif source.s3_key is not None:
                key = substitute(source.s3_key, scope, f"{node_name}.inputs.artifacts")
                inputs.artifacts[artifact.name] = ArtifactLocation(self.repository.bucket, key)
            elif source.raw_data is not None:
                inputs.artifacts[artifact.name] = substitute(source.raw_data, scope, f"{node_name}.inputs.artifacts")
            elif not artifact.optional:
                raise StepError(f"{node_name}: input artifact {artifact.name!r} of template {template.name!r} "
                                "has no source (from, s3 or raw)")
        return inputs

    def _artifact_reference(self, reference: str, siblings: dict[str, NodeOutputs], kind: str,
                            node_name: str) -> ArtifactLocation:
        match = ARTIFACT_REFERENCE.match(reference)
        if not match or match.group(1) != kind:
            raise StepError(f"{node_name}: artifact reference {reference!r} must be "
                            f"'{{{{{kind}.<name>.outputs.artifacts.<artifact>}}}}'")
        _, node, artifact = match.groups()
        outputs = siblings.get(node)
        if outputs is None or artifact not in outputs.artifacts:
            raise StepError(f"{node_name}: {reference} has not been produced (did {node!r} run and save it?)")
        return outputs.artifacts[artifact]

    # --- steps and dag ----------------------------------------------------------------------

    def _run_steps(self, template: Template, node_name: str, inputs: Inputs) -> NodeOutcome:
        scope = self._template_scope(inputs)
        done: dict[str, NodeOutputs] = {}
        for index, group in enumerate(template.steps):
            outcomes = self._parallel(
                [(ref, f"{node_name}[{index}].{ref.name}") for ref in group], scope, done, "steps")
            for ref, outcome in outcomes:
                done[ref.name] = outcome.outputs
                scope.update(_node_scope("steps", ref.name, outcome.outputs))
            failed = [(ref, o) for ref, o in outcomes if o.phase != Phase.SUCCEEDED]
            if failed:
                ref, outcome = failed[0]
                phase = Phase.ERROR if any(o.phase == Phase.ERROR for _, o in failed) else Phase.FAILED
                return NodeOutcome(phase, f"child '{node_name}[{index}].{ref.name}' failed: {outcome.message}")
        return NodeOutcome(Phase.SUCCEEDED)

    def _run_dag(self, template: Template, node_name: str, inputs: Inputs) -> NodeOutcome:
        """Each task starts as soon as its dependencies succeeded; dependents of a failed task are Omitted,
        and after a failure nothing new starts (Argo's failFast)."""
        scope = self._template_scope(inputs)
        prefix = self.name if node_name == self.name else node_name
        done: dict[str, NodeOutputs] = {}
        outcomes: dict[str, NodeOutcome] = {}
        finished: queue.Queue[tuple[StepRef, NodeOutcome]] = queue.Queue()
        pending, running = list(template.tasks), 0
        while pending or running:
            failing = any(o.phase.unsuccessful for o in outcomes.values())
            for task in list(pending):
                states = [outcomes[d].phase if d in outcomes else None for d in task.dependencies]
                if any(state not in (None, Phase.SUCCEEDED) for state in states):
                    self._record(StepResult(name=f"{prefix}.{task.name}", template=task.template, phase=Phase.OMITTED,
                                            exit_code=None))
                    outcomes[task.name] = NodeOutcome(Phase.OMITTED, "a dependency did not succeed")
                    pending.remove(task)
                elif not failing and all(state == Phase.SUCCEEDED for state in states):
                    pending.remove(task)
                    running += 1
                    child = f"{prefix}.{task.name}"
                    arguments_scope = dict(scope)
                    threading.Thread(target=lambda t=task, c=child, sc=arguments_scope: finished.put(
                        (t, self._run_child(t, c, sc, dict(done), "tasks"))), name=child, daemon=True).start()
            if not running:
                break
            task, outcome = finished.get()
            running -= 1
            outcomes[task.name] = outcome
            done[task.name] = outcome.outputs
            scope.update(_node_scope("tasks", task.name, outcome.outputs))
        bad = [(name, o) for name, o in outcomes.items() if o.phase.unsuccessful]
        if bad:
            phase = Phase.ERROR if any(o.phase == Phase.ERROR for _, o in bad) else Phase.FAILED
            return NodeOutcome(phase, f"task '{prefix}.{bad[0][0]}' failed: {bad[0][1].message}")
        return NodeOutcome(Phase.SUCCEEDED)

    def _parallel(self, calls: list[tuple[StepRef, str]], scope: dict[str, str], done: dict[str, NodeOutputs],
                  kind: str) -> list[tuple[StepRef, NodeOutcome]]:
        """Run the calls at the same time (the steps of one group) and return when all have finished."""
        results: dict[int, NodeOutcome] = {}

        def run(index: int, ref: StepRef, child: str) -> None:
            results[index] = self._run_child(ref, child, scope, done, kind)

        threads = [threading.Thread(target=run, args=(i, ref, child), daemon=True, name=child)
                   for i, (ref, child) in enumerate(calls)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return [(ref, results[i]) for i, (ref, _) in enumerate(calls)]

    def _run_child(self, ref: StepRef, child: str, scope: dict[str, str], done: dict[str, NodeOutputs],
                   kind: str) -> NodeOutcome:
        """One step or task: its arguments resolved in the caller's scope, then its template called."""
        try:
            arguments = _substitute_arguments(ref.arguments, scope, child)
            return self._call(self.workflow.templates[ref.template], child, arguments, scope, done, kind)
        except StepError as exc:
            self._record_error(self.workflow.templates[ref.template], child, str(exc))
            return NodeOutcome(Phase.ERROR, str(exc))
        except Exception as exc:  # keep the siblings' outcome; the run ends as Error
            return NodeOutcome(Phase.ERROR, f"local runner: {type(exc).__name__}: {exc}")

    def _template_scope(self, inputs: Inputs) -> dict[str, str]:
        scope = self._workflow_scope()
        scope.update({f"inputs.parameters.{k}": v for k, v in inputs.parameters.items()})
        return scope

    # --- one step: a local process ------------------------------------------------------------

    def _run_leaf(self, template: Template, node_name: str, inputs: Inputs) -> NodeOutcome:
        pod = pod_name(self.name, node_name, template.name)
        step = StepResult(name=node_name, template=template.name, phase=Phase.RUNNING, exit_code=None)
        self._record(step)
        log: list[str] = []
        try:
            return self._execute(template, node_name, pod, inputs, step, log)
        except RunnerError as exc:
            self._finish(step, Phase.ERROR, None, "".join(log) + f"\n[local runner] {exc}\n")
            return NodeOutcome(Phase.ERROR, str(exc))

    def _execute(self, template: Template, node_name: str, pod: str, inputs: Inputs, step: StepResult,
                 log: list[str]) -> NodeOutcome:
        sandbox_root = self.root / pod / "root"
        scope = self._template_scope(inputs)
        scope["pod.name"] = pod
        scope.update({f"inputs.artifacts.{a.name}.path": a.path for a in template.inputs.artifacts if a.path})
        resolved_raw = substitute_deep(template.raw, scope, template.path)
        leaf = parse_template(resolved_raw, template.path)
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
            argv.append(str(script))
        cwd = sandbox.local(container.working_dir or image.working_dir)
        cwd.mkdir(parents=True, exist_ok=True)

        timeout = min(t for t in (template.active_deadline_seconds, self.context.default_step_timeout,
                                  (self._deadline - time.monotonic()) if self._deadline else None) if t is not None)
        deadline = datetime.now(timezone.utc) + timedelta(seconds=timeout)
        argo_template = _argo_template(resolved_raw, inputs)
        env = {"PATH": STEP_PATH, "HOME": str(sandbox.root), "TMPDIR": str(sandbox.tmp), "LANG": "C.UTF-8",
               "HOSTNAME": pod, **image.env}
        env.update(self._container_env(container, sandbox, template.path, kind))
        env.update(argo_env(workflow_name=self.name, node_name=node_name, pod=pod, template=argo_template,
                            deadline=deadline, progress_file=str(sandbox.local(PROGRESS_FILE)),
                            include_script_output=kind == "script"))
        exit_code, stdout, timed_out = self._spawn(argv, env, cwd, timeout, log, step)
        log_text = "".join(log)
        (self.root / pod / "main.log").write_text(log_text)

        if self._cancelled.is_set():
            self._finish(step, Phase.FAILED, exit_code, log_text + f"\n[local runner] {self._cancel_reason}\n")
            return NodeOutcome(Phase.FAILED, self._cancel_reason)
        if timed_out:
            message = f"Pod was active on the node longer than the specified deadline ({timeout:g} s)"
            self._finish(step, Phase.FAILED, exit_code, log_text + f"\n[local runner] {message}\n")
            return NodeOutcome(Phase.FAILED, message)
        outputs = NodeOutputs(result=stdout.rstrip("\n"))
        try:
            self._collect_outputs(leaf, sandbox, pod, outputs, required=exit_code == 0)
        except StepError as exc:
            self._finish(step, Phase.ERROR, exit_code, log_text + f"\n[local runner] {exc}\n")
            return NodeOutcome(Phase.ERROR, str(exc), outputs)
        if exit_code != 0:
            self._finish(step, Phase.FAILED, exit_code, log_text)
            return NodeOutcome(Phase.FAILED, f"Error (exit code {exit_code})", outputs)
        self._finish(step, Phase.SUCCEEDED, 0, log_text)
        return NodeOutcome(Phase.SUCCEEDED, "", outputs)

    def _stage_inputs(self, leaf: Template, inputs: Inputs, sandbox: StepSandbox) -> None:
        for artifact in leaf.inputs.artifacts:
            source = inputs.artifacts.get(artifact.name)
            if source is None:
                continue  # optional and not supplied
            destination = sandbox.local(artifact.path)
            if isinstance(source, str):
                destination.write_text(source)
            else:
                self.repository.load(source, destination)

    def _collect_outputs(self, leaf: Template, sandbox: StepSandbox, pod: str, outputs: NodeOutputs,
                         required: bool) -> None:
        """Save output parameters and artifacts; after a failed main container, only what exists."""
        for parameter in leaf.output_parameters:
            local = sandbox.local(parameter.value_from_path)
            if local.is_file():
                outputs.parameters[parameter.name] = local.read_text().strip()
            elif parameter.value_from_default is not None:
                outputs.parameters[parameter.name] = parameter.value_from_default
            elif required:
                raise StepError(f"output parameter {parameter.name!r}: {parameter.value_from_path} "
                                "does not exist (no such file or directory)")
        for artifact in leaf.output_artifacts:
            local = sandbox.local(artifact.path)
            if not local.exists():
                if required and not artifact.optional:
                    raise StepError(f"output artifact {artifact.name!r}: {artifact.path} "
                                    "does not exist (no such file or directory)")
                continue
            key = artifact.s3_key or default_key(self.name, pod, artifact.name, artifact.archive)
            outputs.artifacts[artifact.name] = self.repository.save(local, key, artifact.archive)

    def _container_env(self, container, sandbox: StepSandbox, path: str, kind: str) -> dict[str, str]:
        settings = self.context.tenant_settings(self.tenant) or {}
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
                                f"namespace {self.tenant.namespace!r} (has: {', '.join(sorted(store)) or 'none'})")
            if ref.key not in store[ref.name]:
                if ref.optional:
                    continue
                raise StepError(f"{where}: CreateContainerConfigError: couldn't find key {ref.key!r} in "
                                f"{ref.kind} {self.tenant.namespace}/{ref.name}")
            env[variable.name] = str(store[ref.name][ref.key])
        return env

    def _spawn(self, argv: list[str], env: dict[str, str], cwd: Path, timeout: float, log: list[str],
               step: StepResult) -> StepProcessResult:
        def on_output(line: str) -> None:
            with self._lock:
                log.append(line)
                step.log = "".join(log)

        started: list[subprocess.Popen] = []

        def on_start(process: subprocess.Popen) -> None:
            started.append(process)
            with self._lock:
                self._processes.add(process)
            if self._cancelled.is_set():  # cancelled while this step was being prepared
                stop_process_group(process)

        try:
            return run_step_process(argv, env, cwd, timeout, on_start=on_start, on_output=on_output)
        except OSError as exc:
            raise StepError(f"cannot start {argv[0]}: {exc}") from exc
        finally:
            with self._lock:
                self._processes.difference_update(started)

    # --- recording ----------------------------------------------------------------------------

    def _record(self, step: StepResult) -> None:
        with self._lock:
            self._run.steps.append(step)

    def _record_error(self, template: Template, node_name: str, message: str) -> None:
        self._record(StepResult(name=node_name, template=template.name, phase=Phase.ERROR, exit_code=None,
                                log=f"[local runner] {message}\n"))

    def _finish(self, step: StepResult, phase: str, exit_code: int | None, log: str) -> None:
        with self._lock:
            step.phase, step.exit_code, step.log = phase, exit_code, log


def _node_scope(kind: str, name: str, outputs: NodeOutputs) -> dict[str, str]:
    scope = {f"{kind}.{name}.outputs.parameters.{k}": v for k, v in outputs.parameters.items()}
    if outputs.result is not None:
        scope[f"{kind}.{name}.outputs.result"] = outputs.result
    return scope


def _substitute_arguments(arguments: Arguments, scope: dict[str, str], path: str) -> Arguments:
    parameters = tuple(replace(p, value=substitute(p.value, scope, f"{path}.arguments.parameters"))
                       if p.value is not None else p for p in arguments.parameters)
    return Arguments(parameters=parameters, artifacts=arguments.artifacts)


def _argo_template(resolved_raw: dict, inputs: Inputs) -> dict:
    """The template as Argo passes it in ARGO_TEMPLATE: resolved, with input parameter values filled in."""
    template = copy.deepcopy(resolved_raw)
    for parameter in (template.get("inputs") or {}).get("parameters") or []:
        if parameter.get("name") in inputs.parameters:
            parameter["value"] = inputs.parameters[parameter["name"]]
    return template

