"""What a submitted workflow is, whatever runs it: its phase (Argo's words), its nodes, its record.

A leaf: the runner, both backends and the scenarios import it, and it imports nothing of the project."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Phase(enum.StrEnum):
    """Argo's node and workflow phases (`status.phase`, `status.nodes[].phase`), spelt as Argo spells them."""

    PENDING = "Pending"
    RUNNING = "Running"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    ERROR = "Error"
    SKIPPED = "Skipped"
    OMITTED = "Omitted"

    @property
    def finished(self) -> bool:
        """Whether a workflow in this phase has ended (Argo's `Fulfilled` for a workflow)."""
        return self in FINISHED

    @property
    def fulfilled(self) -> bool:
        """Whether a node in this phase has ended, also without running (Argo's `NodePhase.Fulfilled`)."""
        return self in FINISHED or self in (Phase.SKIPPED, Phase.OMITTED)

    @property
    def unsuccessful(self) -> bool:
        """Failed or Error: what fails the parent, and what an exit handler's `{{workflow.status}}` reports."""
        return self in (Phase.FAILED, Phase.ERROR)


FINISHED = frozenset({Phase.SUCCEEDED, Phase.FAILED, Phase.ERROR})


class NodeType(enum.StrEnum):
    """Argo's node types (`status.nodes[].type`)."""

    POD = "Pod"
    STEPS = "Steps"
    STEP_GROUP = "StepGroup"
    DAG = "DAG"
    TASK_GROUP = "TaskGroup"
    RETRY = "Retry"
    SKIPPED = "Skipped"


@dataclass
class StepResult:
    """One node of a workflow as `argo get` shows it: a pod (a local process on the local backend), or a node
    that groups, retries or skips them. `name` is Argo's node name (`wf[0].step`, `wf.task`,
    `wf[0].train(1:0.01)(0)`): the tree `argo get` draws is read from it. The times are Unix seconds (Argo's
    `startedAt`/`finishedAt`), None until the node started/finished; where a runner does not set them, whoever
    observes the run stamps them when it first sees the change."""

    name: str
    template: str
    phase: Phase
    exit_code: int | None
    log: str = ""
    type: NodeType = NodeType.POD
    display_name: str = ""
    id: str = ""
    message: str = ""  # Argo's node message, e.g. "Error (exit code 1)"
    started_at: float | None = None
    finished_at: float | None = None
    children: list[str] = field(default_factory=list)  # node ids, as Argo's `children`
    parameters: dict[str, str] = field(default_factory=dict)  # output parameters
    result: str | None = None  # outputs.result, when the workflow references it (as Argo captures it)


@dataclass
class WorkflowRun:
    """A submitted workflow; `phase` is Running until it has finished.

    `steps` are the nodes that stand for one step each (pods, and the skipped or omitted ones); `nodes` are all
    of them, parents included, in the order they were created (the local runner fills it)."""

    name: str
    tenant: str
    phase: Phase = Phase.PENDING
    message: str = ""
    steps: list[StepResult] = field(default_factory=list)
    handle: Any = None  # backend-specific
    nodes: list[StepResult] = field(default_factory=list)  # every node, in creation order (`steps`: the pods)
    # What `argo get` shows beside the nodes (Unix seconds; None until it happened).
    namespace: str = ""
    created_at: float | None = None
    started_at: float | None = None
    finished_at: float | None = None
    entrypoint: str = ""
    parameters: dict[str, str] = field(default_factory=dict)  # spec.arguments.parameters as submitted
    service_account: str = ""
    outputs: dict[str, str] = field(default_factory=dict)  # workflow.outputs.parameters (globalName)

    @property
    def finished(self) -> bool:
        return Phase(self.phase).finished

    def node(self, display_name: str) -> StepResult:
        """The node with this display name (`argo get`'s STEP column); KeyError naming the ones there are."""
        for node in self.nodes or self.steps:
            if node.display_name == display_name or (not node.display_name and node.name == display_name):
                return node
        raise KeyError(f"workflow {self.name} has no node {display_name!r} "
                       f"(has: {', '.join(n.display_name or n.name for n in self.nodes or self.steps)})")
