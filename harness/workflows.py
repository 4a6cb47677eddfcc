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
    """One executed step (a pod on kind, a local process on the local backend)."""

    name: str
    template: str
    phase: Phase
    exit_code: int | None
    log: str = ""


@dataclass
class WorkflowRun:
    """A submitted workflow; `phase` is Running until it has finished."""

    name: str
    tenant: str
    phase: Phase = Phase.PENDING
    message: str = ""
    steps: list[StepResult] = field(default_factory=list)
    handle: Any = None  # backend-specific

    @property
    def finished(self) -> bool:
        return Phase(self.phase).finished
