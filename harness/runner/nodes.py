"""A running workflow's nodes as Argo records them (`status.nodes`), and what each node shows the steps
after it: its outputs, its status, and for a fanned-out step the JSON lists of all its children's outputs."""
from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field, replace
import time
from datetime import datetime, timezone

from harness.runner.artifacts import ArtifactLocation
from harness.runner.identity import node_id
from harness.runner.items import aggregated_parameter, aggregated_results, go_json
from harness.workflows import NodeType, Phase, StepResult, WorkflowRun

# Node types that stand for one step each: what WorkflowRun.steps lists.
_STEP_TYPES = (NodeType.POD, NodeType.SKIPPED)


def argo_time(seconds: float) -> str:
    """A node's or the workflow's time as Argo writes it into variables (`2026-12-04T13:16:06Z`, UTC)."""
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class NodeOutputs:
    parameters: dict[str, str] = field(default_factory=dict)
    artifacts: dict[str, ArtifactLocation] = field(default_factory=dict)
    result: str | None = None
    exit_code: int | None = None


@dataclass
class NodeOutcome:
    """How a node ended; `node` is its record (a retried step's: the Retry node)."""

    phase: Phase
    message: str = ""
    outputs: NodeOutputs = field(default_factory=NodeOutputs)
    node: StepResult | None = None


class NodeRecorder:
    """The workflow's nodes, created and updated by the threads that run them, read by snapshot()."""

    def __init__(self, run: WorkflowRun):
        self._lock = threading.Lock()
        self._run = run
        self._by_name: dict[str, StepResult] = {}

    @property
    def lock(self) -> threading.Lock:
        return self._lock

    def create(self, name: str, display_name: str, template: str, node_type: NodeType, parent: StepResult | None,
               phase: Phase = Phase.RUNNING, message: str = "") -> StepResult:
        now = time.time()
        node = StepResult(name=name, template=template, phase=phase, exit_code=None, type=node_type,
                          display_name=display_name, id=node_id(self._run.name, name), message=message,
                          started_at=now, finished_at=now if Phase(phase).fulfilled else None)
        with self._lock:
            self._by_name[name] = node
            self._run.nodes.append(node)
            if node_type in _STEP_TYPES:
                self._run.steps.append(node)
            if parent is not None:
                parent.children.append(node.id)
        return node

    def finish(self, node: StepResult, phase: Phase, message: str | None = None, **fields) -> None:
        with self._lock:
            node.phase = phase
            if message is not None:
                node.message = message
            for key, value in fields.items():
                setattr(node, key, value)
            if Phase(phase).fulfilled and node.finished_at is None:
                node.finished_at = time.time()

    def update(self, node: StepResult, **fields) -> None:
        with self._lock:
            for key, value in fields.items():
                setattr(node, key, value)

    def failures(self) -> list[StepResult]:
        with self._lock:
            return [replace(n) for n in self._run.nodes if Phase(n.phase).unsuccessful]

    def snapshot(self) -> WorkflowRun:
        with self._lock:
            run = copy.copy(self._run)
            nodes = {id(n): replace(n, children=list(n.children), parameters=dict(n.parameters))
                     for n in self._run.nodes}
            run.nodes = [nodes[id(n)] for n in self._run.nodes]
            run.steps = [nodes[id(n)] for n in self._run.steps]
            run.outputs = dict(self._run.outputs)
            return run

    def set_run(self, **fields) -> None:
        with self._lock:
            for key, value in fields.items():
                setattr(self._run, key, value)


def node_scope(prefix: str, outcome: NodeOutcome) -> tuple[dict[str, str], dict[str, ArtifactLocation]]:
    """buildLocalScope: `<prefix>.outputs.*`, `.status`, `.id`, `.exitCode`, `.startedAt`, `.finishedAt`."""
    outputs = outcome.outputs
    parameters = {f"{prefix}.outputs.parameters.{k}": v for k, v in outputs.parameters.items()}
    if outputs.result is not None:
        parameters[f"{prefix}.outputs.result"] = outputs.result
    if outputs.exit_code is not None:
        parameters[f"{prefix}.exitCode"] = str(outputs.exit_code)
    parameters[f"{prefix}.status"] = str(outcome.phase)
    node = outcome.node
    if node is not None:
        parameters[f"{prefix}.id"] = node.id
        for key, when in (("startedAt", node.started_at), ("finishedAt", node.finished_at)):
            if when is not None:
                parameters[f"{prefix}.{key}"] = argo_time(when)
    artifacts = {f"{prefix}.outputs.artifacts.{k}": v for k, v in outputs.artifacts.items()}
    return parameters, artifacts


def aggregated_scope(prefix: str, children: list[NodeOutcome]) -> dict[str, str]:
    """processAggregateNodeOutputs: the outputs of a fanned-out step's succeeded children, in loop order, as
    JSON lists (`<prefix>.outputs.result`, `.outputs.parameters` and `.outputs.parameters.<name>`)."""
    succeeded = [c for c in children if c.phase == Phase.SUCCEEDED]
    results = [c.outputs.result for c in succeeded if c.outputs.result is not None]
    per_name: dict[str, list[str]] = {}
    listed = []
    for child in succeeded:
        if child.outputs.parameters:
            listed.append(dict(child.outputs.parameters))
            for name, value in child.outputs.parameters.items():
                per_name.setdefault(name, []).append(value)
    scope = {f"{prefix}.outputs.result": aggregated_results(results),
             f"{prefix}.outputs.parameters": go_json(listed)}
    scope.update({f"{prefix}.outputs.parameters.{name}": aggregated_parameter(values)
                  for name, values in per_name.items()})
    return scope


__all__ = ["NodeOutputs", "NodeOutcome", "NodeRecorder", "node_scope", "aggregated_scope"]
