"""Executes a validated Workflow as Argo's controller would (workflow/controller/operator.go, steps.go, dag.go):
one thread per running node, one local process per pod, the nodes named and recorded as Argo names them."""
from __future__ import annotations

import contextlib
import queue
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from harness.runner.artifacts import ArtifactLocation, ArtifactRepository
from harness.runner.context import RunnerContext
from harness.runner.errors import RunnerError, StepError
from harness.runner.expressions import ExpressionError, depends_holds, expand_depends, when_holds
from harness.runner.identity import pod_name
from harness.runner.items import (ItemError, expanded_name, go_string, item_substitutions, parse_json_list,
                                  sequence)
from harness.runner.nodes import NodeOutcome, NodeOutputs, NodeRecorder, aggregated_scope, argo_time, node_scope
from harness.runner.pods import Call, Inputs, PodRunner
from harness.runner.processes import stop_process_group
from harness.runner.retries import Attempt, decide, seconds
from harness.runner.spec import RetryStrategy, StepRef, Template, Workflow, parse_step
from harness.runner.variables import (GLOBAL_ARTIFACT_REFERENCE, INPUT_ARTIFACT_REFERENCE, ARTIFACT_REFERENCE,
                                      is_loop_variable, substitute, substitute_deep)
from harness.tenants import Tenant
from harness.workflows import NodeType, Phase, StepResult, WorkflowRun

_LOOP_KEYS = ("withItems", "withParam", "withSequence")
_RESOLUTION_ERRORS = (StepError, ItemError, ExpressionError)


def _later(name: str) -> bool:
    """Variables resolved after a step's own substitution: loop items and artifact references (`from:`)."""
    return is_loop_variable(name) or ".outputs.artifacts." in name or name.startswith("inputs.artifacts.")


class _Scope:
    """What a template's steps see: parameters by variable name, and artifacts by reference."""

    def __init__(self, parameters: dict[str, str], artifacts: dict[str, ArtifactLocation | str]):
        self.parameters = parameters
        self.artifacts = artifacts

    def with_node(self, prefix: str, outcome: NodeOutcome) -> None:
        parameters, artifacts = node_scope(prefix, outcome)
        self.parameters.update(parameters)
        self.artifacts.update(artifacts)


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
        self._run = WorkflowRun(name=name, tenant=tenant.name, phase=Phase.PENDING)
        self.recorder = NodeRecorder(self._run)
        self.pods = PodRunner(self)
        self.pod_slots = threading.BoundedSemaphore(workflow.parallelism) if workflow.parallelism \
            else contextlib.nullcontext()
        self._cancelled = threading.Event()
        self._deadline_passed = threading.Event()
        self.cancel_reason = ""
        self._processes: dict[subprocess.Popen, bool] = {}  # process -> belongs to the exit handler
        self._process_lock = threading.Lock()
        self._done = threading.Event()
        self._status = Phase.RUNNING  # {{workflow.status}}
        self._failures: str | None = None  # {{workflow.failures}}, once the exit handler starts
        self._globals: dict[str, str] = {}  # workflow.outputs.parameters.<globalName>
        self._global_artifacts: dict[str, ArtifactLocation] = {}
        self._uid = str(uuid.uuid4())
        self._created = time.time()
        self._started = time.monotonic()
        self.deadline = (self._started + workflow.active_deadline_seconds
                         if workflow.active_deadline_seconds else None)
        self._thread = threading.Thread(target=self._main, name=f"workflow {name}", daemon=True)

    # --- public face ------------------------------------------------------------------------

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    @property
    def deadline_passed(self) -> bool:
        return self._deadline_passed.is_set()

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.recorder.set_run(phase=Phase.RUNNING, started_at=self._created)
        self._thread.start()
        if self.deadline is not None:
            threading.Thread(target=self._watch_deadline, name=f"deadline {self.name}", daemon=True).start()

    def snapshot(self) -> WorkflowRun:
        return self.recorder.snapshot()

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
        """Stop every running step; nothing new starts, the exit handler included (Argo's Terminate)."""
        with self._process_lock:
            if self._cancelled.is_set():
                return
            self.cancel_reason = reason
            self._cancelled.set()
            processes = list(self._processes)
        for process in processes:
            stop_process_group(process)

    def _describe_steps(self) -> str:
        run = self.snapshot()
        return ", ".join(f"{s.name}={s.phase}" for s in run.steps) or "none started"

    def _watch_deadline(self) -> None:
        """At the workflow's activeDeadlineSeconds, stop every pod but the exit handler's (exec_control.go)."""
        if self._done.wait(max(self.deadline - time.monotonic(), 0)):
            return
        with self._process_lock:
            self._deadline_passed.set()
            processes = [p for p, exempt in self._processes.items() if not exempt]
        for process in processes:
            stop_process_group(process)

    # --- what pods need of the run -----------------------------------------------------------

    def track(self, process: subprocess.Popen, exempt: bool) -> None:
        with self._process_lock:
            self._processes[process] = exempt

    def untrack(self, process: subprocess.Popen) -> None:
        with self._process_lock:
            self._processes.pop(process, None)

    def argo_deadline(self, call: Call) -> datetime | None:
        """ARGO_DEADLINE (workflowpod.go getDeadline): the workflow's deadline except in the exit handler, or the
        retry's maxDuration deadline when earlier."""
        candidates = [d for d in (None if call.on_exit else self.deadline, call.execution_deadline) if d is not None]
        if not candidates:
            return None
        return datetime.now(timezone.utc) + timedelta(seconds=min(candidates) - time.monotonic())

    # --- the run ----------------------------------------------------------------------------

    def _main(self) -> None:
        try:
            entry = self.workflow.templates[self.workflow.entrypoint]
            call = Call(name=self.name, display_name=self.name, parent=None, boundary=None)
            arguments = _Arguments({p.name: p.value if p.value is not None else p.default
                                    for p in self.workflow.parameters if (p.value or p.default) is not None}, {})
            outcome = self._execute(entry, call, arguments)
            phase, message = outcome.phase, outcome.message
            if phase in (Phase.SKIPPED, Phase.OMITTED):
                phase = Phase.SUCCEEDED
            if self.cancelled:
                phase, message = Phase.FAILED, self.cancel_reason
            if self.workflow.on_exit is not None and not self.cancelled:
                self._status = phase
                self._failures = self._failures_text()
                exit_outcome = self._run_exit_handler()
                if phase == Phase.SUCCEEDED and exit_outcome.phase.unsuccessful:
                    phase, message = exit_outcome.phase, exit_outcome.message
        except Exception as exc:  # the runner's own failure must end the run, not hang its waiters
            phase, message = Phase.ERROR, f"local runner: {type(exc).__name__}: {exc}"
        self.recorder.set_run(phase=phase, message=message, finished_at=time.time(),
                              outputs={k.split(".", 3)[3]: v for k, v in self._globals.items()})
        self._done.set()

    def _run_exit_handler(self) -> NodeOutcome:
        """The exit handler, `<workflow>.onExit`, after the main template, whatever its outcome."""
        hook = self.workflow.on_exit
        call = Call(name=f"{self.name}.onExit", display_name=f"{self.name}.onExit", parent=None, boundary=None,
                    on_exit=True)
        scope = _Scope(self._workflow_scope(), dict(self._global_artifacts_scope()))
        try:
            parameters = {p.name: substitute(p.value, scope.parameters, f"{hook.path}.arguments")
                          for p in hook.arguments.parameters if p.value is not None}
            arguments = self._arguments(hook, scope)
        except _RESOLUTION_ERRORS as exc:
            node = self.recorder.create(call.name, call.display_name, _template_name(hook), NodeType.SKIPPED, None,
                                        Phase.ERROR, str(exc))
            return NodeOutcome(Phase.ERROR, str(exc), node=node)
        return self._execute(self.workflow.resolve(hook, ""), call, _Arguments(parameters, arguments.artifacts))

    def _workflow_scope(self) -> dict[str, str]:
        metadata = self.workflow.raw.get("metadata") or {}
        spec = self.workflow.raw.get("spec") or {}
        scope = {"workflow.name": self.name, "workflow.namespace": self.tenant.namespace,
                 "workflow.status": str(self._status), "workflow.uid": self._uid,
                 "workflow.creationTimestamp": argo_time(self._created),
                 "workflow.mainEntrypoint": self.workflow.entrypoint,
                 "workflow.serviceAccountName": str(spec.get("serviceAccountName", "")),
                 "workflow.duration": f"{time.monotonic() - self._started:f}"}
        if self._failures is not None:
            scope["workflow.failures"] = self._failures
        for parameter in self.workflow.parameters:
            value = parameter.value if parameter.value is not None else parameter.default
            if value is not None:
                scope[f"workflow.parameters.{parameter.name}"] = value
        for kind in ("labels", "annotations"):
            scope.update({f"workflow.{kind}.{k}": str(v) for k, v in (metadata.get(kind) or {}).items()})
        scope.update(self._globals)
        return scope

    def _global_artifacts_scope(self) -> dict[str, ArtifactLocation]:
        return {f"workflow.outputs.artifacts.{k}": v for k, v in self._global_artifacts.items()}

    def _failures_text(self) -> str:
        """{{workflow.failures}}: strconv.Quote of the JSON list of failed nodes (operator.go failedNodeStatus)."""
        failed = self.recorder.failures()
        if not failed:
            listed = "null"
        else:
            listed = "[" + ",".join(
                "{" + ",".join(f"{go_string(k)}:{v}" for k, v in (
                    ("displayName", go_string(n.display_name)), ("message", go_string(n.message)),
                    ("templateName", go_string(n.template)), ("phase", go_string(str(n.phase))),
                    ("podName", go_string(pod_name(self.name, n.name, n.template))),
                    ("finishedAt", go_string(argo_time(n.finished_at)) if n.finished_at
                     else "null"))) + "}" for n in failed) + "]"
        return _go_quote(listed)

    # --- templates ---------------------------------------------------------------------------

    def _execute(self, template: Template, call: Call, arguments: "_Arguments") -> NodeOutcome:
        """executeTemplate: the callee's inputs from the caller's arguments, then its retries or its one run."""
        if self.cancelled:
            node = self.recorder.create(call.name, call.display_name, template.name, NodeType.SKIPPED, call.parent,
                                        Phase.FAILED, self.cancel_reason)
            return NodeOutcome(Phase.FAILED, self.cancel_reason, node=node)
        try:
            inputs = self._inputs(template, arguments, call.name)
        except _RESOLUTION_ERRORS as exc:
            node = self.recorder.create(call.name, call.display_name, template.name, NodeType.SKIPPED, call.parent,
                                        Phase.ERROR, str(exc))
            return NodeOutcome(Phase.ERROR, str(exc), node=node)
        strategy = template.retry_strategy or self.workflow.retry_strategy
        outcome = self._retried(template, call, inputs, strategy) if strategy is not None \
            else self._run_once(template, call, inputs)
        if outcome.phase == Phase.SUCCEEDED:
            self._add_globals(template, outcome.outputs)
        return outcome

    def _inputs(self, template: Template, arguments: "_Arguments", node_name: str) -> Inputs:
        inputs = Inputs()
        scope = self._workflow_scope()
        for parameter in template.inputs.parameters:
            raw = next((v for v in (arguments.parameters.get(parameter.name), parameter.value, parameter.default)
                        if v is not None), None)
            if raw is None:
                raise StepError(f"{node_name}: inputs.parameters.{parameter.name} was not supplied "
                                f"(template {template.name!r})")
            inputs.parameters[parameter.name] = substitute(raw, scope, f"{template.path}.inputs.parameters")
        for artifact in template.inputs.artifacts:
            if artifact.name in arguments.artifacts:
                inputs.artifacts[artifact.name] = arguments.artifacts[artifact.name]
            elif artifact.s3_key is not None:
                key = substitute(artifact.s3_key, scope, f"{template.path}.inputs.artifacts")
                inputs.artifacts[artifact.name] = ArtifactLocation(self.repository.bucket, key)
            elif artifact.raw_data is not None:
                inputs.artifacts[artifact.name] = substitute(artifact.raw_data, scope,
                                                             f"{template.path}.inputs.artifacts")
            elif not artifact.optional:
                raise StepError(f"{node_name}: inputs.artifacts.{artifact.name} was not supplied "
                                f"(template {template.name!r}: no from, s3 or raw)")
        return inputs

    def _template_scope(self, inputs: Inputs, call: Call) -> dict[str, str]:
        scope = self._workflow_scope()
        scope.update({f"inputs.parameters.{k}": v for k, v in inputs.parameters.items()})
        scope.update(call.retry_scope)
        scope["node.name"] = call.name
        return scope

    def _run_once(self, template: Template, call: Call, inputs: Inputs) -> NodeOutcome:
        scope = self._template_scope(inputs, call)
        if template.is_pod:
            return self.pods.run(template, call, inputs, scope)
        if template.kind == "steps":
            return self._run_steps(template, call, inputs, scope)
        return self._run_dag(template, call, inputs, scope)

    def _retried(self, template: Template, call: Call, inputs: Inputs, strategy: RetryStrategy) -> NodeOutcome:
        """A Retry node named like the step, its attempts `name(0)`, `name(1)`, ... (operator.go executeTemplate,
        processNodeRetries)."""
        node = self.recorder.create(call.name, call.display_name, template.name, NodeType.RETRY, call.parent)
        try:
            strategy = _substituted_strategy(strategy, self._template_scope(inputs, call), template.path)
        except StepError as exc:
            self.recorder.finish(node, Phase.ERROR, str(exc))
            return NodeOutcome(Phase.ERROR, str(exc), node=node)
        attempts: list[Attempt] = []
        outcome = NodeOutcome(Phase.ERROR)
        max_duration_deadline = None
        while True:
            last = attempts[-1] if attempts else None
            retry_scope = {"retries": str(len(attempts)),
                           "lastRetry.exitCode": str(last.exit_code) if last and last.exit_code is not None else "0",
                           "lastRetry.duration": f"{last.duration:g}" if last else "0",
                           "lastRetry.status": str(last.phase) if last else "",
                           "lastRetry.message": last.message if last else ""}
            attempt_call = replace(call, name=f"{call.name}({len(attempts)})",
                                   display_name=f"{call.display_name}({len(attempts)})", parent=node,
                                   retry_scope=retry_scope, execution_deadline=max_duration_deadline)
            started, started_wall = time.monotonic(), int(time.time())
            outcome = self._run_once(template, attempt_call, inputs)
            attempts.append(Attempt(outcome.phase, outcome.message, outcome.outputs.exit_code, started,
                                    time.monotonic(), float(int(time.time()) - started_wall)))
            if strategy.backoff is not None and strategy.backoff.max_duration and max_duration_deadline is None:
                max_duration_deadline = attempts[0].started + seconds(strategy.backoff.max_duration)
            try:
                decision = decide(strategy, attempts, time.monotonic(),
                                  None if call.on_exit else (self.deadline if self.deadline_passed else None))
            except StepError as exc:
                self.recorder.finish(node, Phase.ERROR, str(exc))
                return NodeOutcome(Phase.ERROR, str(exc), outcome.outputs, node=node)
            if self.cancelled or not decision.retry:
                break
            self._pause(decision.wait, call.on_exit)
        message = "" if outcome.phase == Phase.SUCCEEDED else (decision.message or outcome.message)
        if self.cancelled:
            message = self.cancel_reason
        self.recorder.finish(node, outcome.phase, message, parameters=dict(outcome.outputs.parameters),
                             result=outcome.outputs.result, exit_code=outcome.outputs.exit_code)
        return NodeOutcome(outcome.phase, message, outcome.outputs, node=node)

    def _pause(self, seconds: float, on_exit: bool) -> None:
        """Back off before the next attempt; a cancel (or, outside the exit handler, the deadline) ends it."""
        end = time.monotonic() + seconds
        while time.monotonic() < end and not self.cancelled and (on_exit or not self.deadline_passed):
            time.sleep(min(0.2, max(end - time.monotonic(), 0)))

    def _add_globals(self, template: Template, outputs: NodeOutputs) -> None:
        """globalName: an output of a node that succeeded becomes workflow.outputs.* (addOutputsToGlobalScope)."""
        with self.recorder.lock:
            for parameter in template.output_parameters:
                if parameter.global_name and parameter.name in outputs.parameters:
                    self._globals[f"workflow.outputs.parameters.{parameter.global_name}"] = \
                        outputs.parameters[parameter.name]
            for artifact in template.output_artifacts:
                if artifact.global_name and artifact.name in outputs.artifacts:
                    self._global_artifacts[artifact.global_name] = outputs.artifacts[artifact.name]

    # --- steps --------------------------------------------------------------------------------

    def _run_steps(self, template: Template, call: Call, inputs: Inputs, base: dict[str, str]) -> NodeOutcome:
        node = self.recorder.create(call.name, call.display_name, template.name, NodeType.STEPS, call.parent)
        done = _Scope({}, _input_artifacts(template, inputs))
        limit = self._parallelism(template, base)
        for index, group in enumerate(template.steps):
            group_node = self.recorder.create(f"{call.name}[{index}]", f"[{index}]", template.name,
                                              NodeType.STEP_GROUP, node)
            scope = _Scope({**self._workflow_scope(), **base, **done.parameters},
                           {**self._global_artifacts_scope(), **done.artifacts})
            children: dict[str, list[_Child]] = {}
            try:
                for ref in group:
                    children[ref.name] = self._expand(ref, template, scope, group_node.name, group_node, call)
            except _RESOLUTION_ERRORS as exc:
                message = f"failed to resolve references: {exc}"
                self.recorder.finish(group_node, Phase.ERROR, message)
                self.recorder.finish(node, Phase.FAILED, message)
                return NodeOutcome(Phase.FAILED, message, node=node)
            self._run_children([child for expanded in children.values() for child in expanded], template, limit)
            failed = None
            for ref in group:
                prefix = f"steps.{ref.name}"
                outcomes = [child.outcome for child in children[ref.name]]
                if ref.expands:
                    try:
                        done.parameters.update(aggregated_scope(prefix, [o for o in outcomes
                                                                         if o.phase != Phase.SKIPPED]))
                    except ItemError as exc:
                        self.recorder.finish(group_node, Phase.SUCCEEDED)
                        self.recorder.finish(node, Phase.ERROR, str(exc))
                        return NodeOutcome(Phase.ERROR, str(exc), node=node)
                elif outcomes:
                    done.with_node(prefix, outcomes[0])
                for outcome in outcomes:
                    if failed is None and outcome.phase.unsuccessful and not ref.continues_on(outcome.phase):
                        failed = outcome
            if failed is not None:
                message = f"child '{failed.node.id if failed.node else ref.name}' failed"
                self.recorder.finish(group_node, Phase.FAILED, message)
                self.recorder.finish(node, Phase.FAILED, message)
                return NodeOutcome(Phase.FAILED, message, node=node)
            self.recorder.finish(group_node, Phase.SUCCEEDED)
        scope = _Scope({**self._workflow_scope(), **base, **done.parameters},
                       {**self._global_artifacts_scope(), **done.artifacts})
        return self._finish_with_outputs(template, node, scope)

    def _expand(self, ref: StepRef, template: Template, scope: _Scope, prefix: str, parent: StepResult, call: Call,
                group: Callable[[], StepResult] | None = None) -> list[_Child]:
        """The step's nodes `<prefix>.<name>`: resolved in the scope (`when` first), fanned out over its items
        (under the node `group()` makes, for a dag's TaskGroup), each skipped (`when` false) or ready to run."""
        dag = template.kind == "dag"
        base_name = f"{prefix}.{ref.name}"
        when = ref.raw.get("when")
        if when is not None and not ref.expands:
            when_text = substitute(str(when), scope.parameters, f"{ref.path}.when")
            if not when_holds(when_text):
                return [_Child(ref, None, None, self._skip(base_name, ref.name, ref, parent,
                                                           f"when '{when_text}' evaluated false"))]
        raw = substitute_deep(ref.raw, scope.parameters, ref.path, leave=_later)
        if not ref.expands:
            resolved = parse_step(raw, ref.path, dag)
            child = Call(name=base_name, display_name=ref.name, parent=parent, boundary=template,
                         on_exit=call.on_exit)
            return [_Child(resolved, child, self._arguments(resolved, scope))]
        items = self._items(raw)
        if not items:
            return [_Child(ref, None, None, self._skip(base_name, ref.name, ref, parent, "Skipped, empty params"))]
        if group is not None:
            parent = group()
        expanded = []
        body = {k: v for k, v in raw.items() if k not in _LOOP_KEYS}
        for index, item in enumerate(items):
            name = expanded_name(ref.name, index, item)
            child_raw = substitute_deep(body, item_substitutions(item), ref.path, leave=_later)
            child_raw["name"] = name
            resolved = parse_step(child_raw, ref.path, dag)
            child_name = f"{prefix}.{name}"
            if resolved.when is not None and not when_holds(resolved.when):
                expanded.append(_Child(resolved, None, None, self._skip(child_name, name, resolved, parent,
                                                                        f"when '{resolved.when}' evaluated false")))
                continue
            child = Call(name=child_name, display_name=name, parent=parent, boundary=template, on_exit=call.on_exit)
            expanded.append(_Child(resolved, child, self._arguments(resolved, scope)))
        return expanded

    def _items(self, raw: dict) -> list:
        if "withItems" in raw:
            return list(raw["withItems"])
        if "withParam" in raw:
            return parse_json_list(str(raw["withParam"]))
        spec = raw["withSequence"]
        return sequence(*(None if spec.get(k) is None else str(spec[k]) for k in ("count", "start", "end", "format")))

    def _skip(self, name: str, display_name: str, ref: StepRef, parent: StepResult, reason: str) -> NodeOutcome:
        template = ref.template or (ref.template_ref.template if ref.template_ref else "")
        node = self.recorder.create(name, display_name, template, NodeType.SKIPPED, parent, Phase.SKIPPED, reason)
        return NodeOutcome(Phase.SKIPPED, reason, node=node)

    def _arguments(self, ref: StepRef, scope: _Scope) -> "_Arguments":
        """The step's arguments: parameter values (already substituted) and artifact sources."""
        artifacts: dict[str, ArtifactLocation | str] = {}
        for artifact in ref.arguments.artifacts:
            if artifact.from_ is not None:
                key = _reference_key(artifact.from_)
                if key is None:
                    raise StepError(f"{ref.path}: artifact reference {artifact.from_!r} is not a reference")
                if key not in scope.artifacts:
                    if artifact.optional:
                        continue
                    raise StepError(f"{ref.path}: Unable to resolve: {artifact.from_} (did it run and save it?)")
                if scope.artifacts[key] is not None:  # None: an optional input artifact nobody supplied
                    artifacts[artifact.name] = scope.artifacts[key]
            elif artifact.s3_key is not None:
                artifacts[artifact.name] = ArtifactLocation(self.repository.bucket, artifact.s3_key)
            else:
                artifacts[artifact.name] = artifact.raw_data
        return _Arguments({p.name: p.value for p in ref.arguments.parameters if p.value is not None}, artifacts)

    def _run_children(self, children: list[_Child], template: Template, limit: threading.Semaphore | None) -> None:
        """Run the ready children at once (a step group), at most `parallelism` at a time; fill in outcomes."""
        threads = []
        for child in children:
            if child.outcome is not None:
                continue

            def run(entry: _Child = child) -> None:
                entry.outcome = self._call(entry.ref, template, entry.call, entry.arguments, limit)

            threads.append(threading.Thread(target=run, daemon=True, name=child.call.name))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def _call(self, ref: StepRef, caller: Template, call: Call, arguments: "_Arguments",
              limit: threading.Semaphore | None) -> NodeOutcome:
        try:
            with limit if limit is not None else contextlib.nullcontext():
                return self._execute(self.workflow.resolve(ref, caller.scope), call, arguments)
        except RunnerError as exc:
            node = self.recorder.create(call.name, call.display_name, ref.template or "", NodeType.SKIPPED,
                                        call.parent, Phase.ERROR, str(exc))
            return NodeOutcome(Phase.ERROR, str(exc), node=node)
        except Exception as exc:  # keep the siblings' outcome; the run ends as Error
            return NodeOutcome(Phase.ERROR, f"local runner: {type(exc).__name__}: {exc}")

    def _parallelism(self, template: Template, scope: dict[str, str]) -> threading.Semaphore | None:
        if template.parallelism is None:
            return None
        return threading.BoundedSemaphore(int(substitute(template.parallelism, scope, f"{template.path}.parallelism")))

    def _finish_with_outputs(self, template: Template, node: StepResult, scope: _Scope) -> NodeOutcome:
        """getTemplateOutputsFromScope: a steps or dag template's outputs from its steps' (or tasks')."""
        outputs = NodeOutputs()
        try:
            for parameter in template.output_parameters:
                try:
                    outputs.parameters[parameter.name] = substitute(parameter.value_from_parameter, scope.parameters,
                                                                    f"{template.path}.outputs.parameters")
                except StepError:
                    if parameter.value_from_default is None:
                        raise
                    outputs.parameters[parameter.name] = parameter.value_from_default
            for artifact in template.output_artifacts:
                key = _reference_key(artifact.from_)
                if scope.artifacts.get(key) is not None:
                    outputs.artifacts[artifact.name] = scope.artifacts[key]
                elif not artifact.optional:
                    raise StepError(f"{template.path}.outputs.artifacts: Unable to resolve: {artifact.from_}")
        except StepError as exc:
            message = f"unable to resolve outputs from scope: {exc}"
            self.recorder.finish(node, Phase.ERROR, message)
            return NodeOutcome(Phase.ERROR, message, node=node)
        self.recorder.finish(node, Phase.SUCCEEDED, parameters=dict(outputs.parameters))
        return NodeOutcome(Phase.SUCCEEDED, "", outputs, node=node)

    # --- dag ----------------------------------------------------------------------------------

    def _run_dag(self, template: Template, call: Call, inputs: Inputs, base: dict[str, str]) -> NodeOutcome:
        """Each task starts once its dependencies have finished and its `depends` holds (dag.go executeDAGTask);
        one whose `depends` does not hold is Omitted."""
        node = self.recorder.create(call.name, call.display_name, template.name, NodeType.DAG, call.parent)
        tasks = {t.name: t for t in template.tasks}
        logic = {t.name: _depends_logic(t, tasks) for t in template.tasks}
        limit = self._parallelism(template, base)
        outcomes: dict[str, NodeOutcome] = {}
        children: dict[str, list[NodeOutcome]] = {}
        finished: queue.Queue = queue.Queue()
        pending, running = list(template.tasks), 0
        input_artifacts = _input_artifacts(template, inputs)
        while pending or running:
            for task in list(pending):
                if any(d not in outcomes for d in task.dependencies):
                    continue
                pending.remove(task)
                name = f"{call.name}.{task.name}"
                if logic[task.name]:
                    try:
                        execute = depends_holds(logic[task.name], {d: _results(outcomes[d], children.get(d))
                                                                   for d in task.dependencies})
                    except ExpressionError as exc:
                        outcomes[task.name] = self._task_error(name, task, node, str(exc))
                        continue
                    if not execute:
                        omitted = self.recorder.create(name, task.name, _template_name(task), NodeType.SKIPPED, node,
                                                       Phase.OMITTED, "omitted: depends condition not met")
                        outcomes[task.name] = NodeOutcome(Phase.OMITTED, omitted.message, node=omitted)
                        continue
                scope = self._task_scope(task, tasks, outcomes, children, base, input_artifacts)
                running += 1
                threading.Thread(target=lambda t=task, s=scope: finished.put(
                    (t, *self._run_task(t, template, call, node, s, limit))), name=name, daemon=True).start()
            if not running:
                break
            task, outcome, expanded = finished.get()
            running -= 1
            outcomes[task.name] = outcome
            if expanded is not None:
                children[task.name] = expanded
        phase = _dag_phase(template, outcomes, tasks)
        if phase.unsuccessful:
            self.recorder.finish(node, phase)
            return NodeOutcome(phase, node.message, node=node)
        scope = self._task_scope(None, tasks, outcomes, children, base, input_artifacts)
        return self._finish_with_outputs(template, node, scope)

    def _task_scope(self, task: StepRef | None, tasks: dict[str, StepRef], outcomes: dict[str, NodeOutcome],
                    children: dict[str, list[NodeOutcome]], base: dict[str, str],
                    input_artifacts: dict) -> _Scope:
        """buildLocalScopeFromTask: what the task's ancestors produced (every task's, for the dag's outputs)."""
        scope = _Scope({**self._workflow_scope(), **base}, {**self._global_artifacts_scope(), **input_artifacts})
        for name in (_ancestors(task, tasks) if task is not None else list(outcomes)):
            prefix = f"tasks.{name}"
            if name in children:
                try:
                    scope.parameters.update(aggregated_scope(prefix, [o for o in children[name]
                                                                      if o.phase != Phase.SKIPPED]))
                except ItemError:
                    pass  # a result that is not JSON: only referring to the aggregate fails (at substitution)
            scope.with_node(prefix, outcomes[name])
        return scope

    def _run_task(self, task: StepRef, template: Template, call: Call, dag: StepResult, scope: _Scope,
                  limit: threading.Semaphore | None) -> tuple[NodeOutcome, list[NodeOutcome] | None]:
        """One task: a node of its own, or a TaskGroup `<dag>.<task>` over its expanded nodes (executeDAGTask)."""
        name = f"{call.name}.{task.name}"
        groups: list[StepResult] = []

        def group() -> StepResult:
            groups.append(self.recorder.create(name, task.name, _template_name(task), NodeType.TASK_GROUP, dag))
            return groups[0]

        try:
            expanded = self._expand(task, template, scope, call.name, dag, call, group)
        except _RESOLUTION_ERRORS as exc:
            if groups:
                self.recorder.finish(groups[0], Phase.ERROR, str(exc))
                return NodeOutcome(Phase.ERROR, str(exc), node=groups[0]), []
            return self._task_error(name, task, dag, str(exc)), None
        self._run_children(expanded, template, limit)
        outcomes = [child.outcome for child in expanded]
        if not groups:
            return outcomes[0], ([] if task.expands else None)
        phase = Phase.SUCCEEDED
        for outcome in outcomes:
            if outcome.phase.unsuccessful:
                phase = outcome.phase
        self.recorder.finish(groups[0], phase)
        return NodeOutcome(phase, "", node=groups[0]), outcomes

    def _task_error(self, name: str, task: StepRef, parent: StepResult, message: str) -> NodeOutcome:
        node = self.recorder.create(name, task.name, _template_name(task), NodeType.SKIPPED, parent, Phase.ERROR,
                                    message)
        return NodeOutcome(Phase.ERROR, message, node=node)


@dataclass
class _Child:
    """One node a step or task expands to: its resolved step, where it runs (None: it was skipped), its
    arguments, and how it ended (set when it has run; a skipped one's from the start)."""

    ref: StepRef
    call: Call | None
    arguments: "_Arguments | None"
    outcome: NodeOutcome | None = None


class _Arguments:
    """A step's arguments once resolved: parameter values by name, artifact sources by name."""

    def __init__(self, parameters: dict[str, str], artifacts: dict[str, ArtifactLocation | str]):
        self.parameters = parameters
        self.artifacts = artifacts


def _input_artifacts(template: Template, inputs: Inputs) -> dict[str, ArtifactLocation | str | None]:
    """`{{inputs.artifacts.X}}` as a steps or dag template passes it on: every declared one, None when it is
    optional and was not supplied (scope.go createScope)."""
    return {f"inputs.artifacts.{a.name}": inputs.artifacts.get(a.name) for a in template.inputs.artifacts}


def _reference_key(reference: str | None) -> str | None:
    """The scope key of an artifact reference `{{steps.a.outputs.artifacts.x}}`, `{{inputs.artifacts.x}}`, ..."""
    if reference is None:
        return None
    for pattern, key in ((ARTIFACT_REFERENCE, lambda m: f"{m.group(1)}.{m.group(2)}.outputs.artifacts.{m.group(3)}"),
                         (INPUT_ARTIFACT_REFERENCE, lambda m: f"inputs.artifacts.{m.group(1)}"),
                         (GLOBAL_ARTIFACT_REFERENCE, lambda m: f"workflow.outputs.artifacts.{m.group(1)}")):
        match = pattern.match(reference)
        if match:
            return key(match)
    return None


def _substituted_strategy(strategy: RetryStrategy, scope: dict[str, str], path: str) -> RetryStrategy:
    def value(text: str | None) -> str | None:
        return None if text is None else substitute(text, scope, f"{path}.retryStrategy")

    backoff = strategy.backoff
    if backoff is not None:
        backoff = replace(backoff, duration=value(backoff.duration), factor=value(backoff.factor),
                          max_duration=value(backoff.max_duration), cap=value(backoff.cap))
    expression = strategy.expression
    if expression is not None:
        expression = substitute(expression, scope, f"{path}.retryStrategy.expression",
                                leave=lambda name: name == "retries" or name.startswith("lastRetry."))
    return replace(strategy, limit=value(strategy.limit), backoff=backoff, expression=expression)


def _template_name(ref: StepRef) -> str:
    return ref.template or (ref.template_ref.template if ref.template_ref else "")


def _depends_logic(task: StepRef, tasks: dict[str, StepRef]) -> str:
    """The task's `depends`, bare names expanded; `dependencies: [a, b]` as `a && b` (ancestry.go)."""
    def continue_on(name: str) -> tuple[bool, bool]:
        dependency = tasks[name]
        return dependency.continue_on_error, dependency.continue_on_failed

    text = task.depends if task.depends is not None else " && ".join(task.dependencies)
    return expand_depends(text, continue_on) if text else ""


def _results(outcome: NodeOutcome, expanded: list[NodeOutcome] | None) -> dict[str, bool]:
    """TaskResults (dag.go) of a finished dependency."""
    phases = [o.phase for o in expanded or []]
    return {"Succeeded": outcome.phase == Phase.SUCCEEDED, "Failed": outcome.phase == Phase.FAILED,
            "Errored": outcome.phase == Phase.ERROR, "Skipped": outcome.phase == Phase.SKIPPED,
            "Omitted": outcome.phase == Phase.OMITTED, "Daemoned": False,
            "AnySucceeded": Phase.SUCCEEDED in phases,
            "AllFailed": bool(phases) and all(p == Phase.FAILED for p in phases)}


def _ancestors(task: StepRef, tasks: dict[str, StepRef]) -> list[str]:
    seen: list[str] = []
    pending = list(task.dependencies)
    while pending:
        name = pending.pop()
        if name not in seen:
            seen.append(name)
            pending.extend(tasks[name].dependencies)
    return seen


def _dag_phase(template: Template, outcomes: dict[str, NodeOutcome], tasks: dict[str, StepRef]) -> Phase:
    """assessDAGPhase (dag.go): the phases of the target tasks (those nothing depends on, in name order); a
    skipped or omitted one takes the phase of its branch, Failed or Error before Succeeded."""
    dependents = {d for t in tasks.values() for d in t.dependencies}
    targets = sorted(name for name in tasks if name not in dependents)
    branch: dict[str, Phase] = {}

    def branch_phase(name: str) -> Phase:
        if name not in branch:
            phase = outcomes[name].phase if name in outcomes else Phase.SUCCEEDED
            if phase not in (Phase.SUCCEEDED, Phase.FAILED, Phase.ERROR):
                inherited = [branch_phase(d) for d in tasks[name].dependencies]
                phase = next((p for p in inherited if p.unsuccessful), Phase.SUCCEEDED)
            branch[name] = phase
        return branch[name]

    result = Phase.SUCCEEDED
    for name in targets:
        phase = branch_phase(name)
        if phase.unsuccessful and not tasks[name].continues_on(phase):
            result = phase
            if template.fail_fast:
                break
    return result


def _go_quote(text: str) -> str:
    """strconv.Quote: a double-quoted Go string literal."""
    escapes = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\a": "\\a", "\b": "\\b",
               "\f": "\\f", "\v": "\\v"}
    return '"' + "".join(escapes.get(ch) or (f"\\x{ord(ch):02x}" if ord(ch) < 0x20 or ord(ch) == 0x7f else ch)
                         for ch in text) + '"'


__all__ = ["WorkflowExecution"]
