"""What a submitted workflow is, whatever runs it: its phase (Argo's words), its steps, its record.

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
    def unsuccessful(self) -> bool:
        """Failed or Error: what fails the parent, and what an exit handler's `{{workflow.status}}` reports."""
        return self in (Phase.FAILED, Phase.ERROR)


FINISHED = frozenset({Phase.SUCCEEDED, Phase.FAILED, Phase.ERROR})


@dataclass
class StepResult:
    """One executed step (a pod on kind, a local process on the local backend).

    `name` is Argo's node name (`wf[0].step`, `wf.task`, `step(0)`): the tree `argo get` draws is read from it.
    The times are Unix seconds (Argo's `startedAt`/`finishedAt`), None until the step started/finished; where a
    runner does not set them, whoever observes the run stamps them when it first sees the change."""

    name: str
    template: str
    phase: Phase
    exit_code: int | None
    log: str = ""
    started_at: float | None = None
    finished_at: float | None = None
    message: str = ""  # Argo's node message, e.g. "Error (exit code 1)"


@dataclass
class WorkflowRun:
    """A submitted workflow; `phase` is Running until it has finished."""

    name: str
    tenant: str
    phase: Phase = Phase.PENDING
    message: str = ""
    steps: list[StepResult] = field(default_factory=list)
    handle: Any = None  # backend-specific
    # What `argo get` shows beside the nodes (Unix seconds; None until it happened).
    namespace: str = ""
    created_at: float | None = None
    started_at: float | None = None
    finished_at: float | None = None
    entrypoint: str = ""
    parameters: dict[str, str] = field(default_factory=dict)  # spec.arguments.parameters as submitted
    service_account: str = ""

    @property
    def finished(self) -> bool:
        return Phase(self.phase).finished
