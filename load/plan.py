"""The load plan: what `load.run` hands the Locust processes (one JSON file, named by an environment variable)."""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

PLAN_ENV = "SIMPLEPIPE_LOAD_PLAN"
# Every group the load pushes has this job, so a sweep can find leftovers of an interrupted run.
LOAD_JOB = "simplepipe-load"
# Grouping-key label that namespaces one run's groups (and its series in Prometheus).
RUN_LABEL = "load_run"
WORKFLOW_LABEL = "workflow"


class LoadPlanError(RuntimeError):
    """The Locust processes were started without a usable load plan."""


@dataclass(frozen=True)
class TenantTarget:
    """One tenant's Pushgateway as the load generator reaches it."""

    name: str
    url: str
    username: str
    password: str


@dataclass(frozen=True)
class LoadPlan:
    run_id: str
    out_dir: str
    tenants: list[TenantTarget]
    # Seconds each workflow of a payload kind waits between two pushes (0: push again at once).
    pacing: dict[str, float] = field(default_factory=dict)
    push_timeout: float = 30.0

    def save(self, path: Path) -> Path:
        path.write_text(json.dumps(asdict(self), indent=2))
        return path

    @classmethod
    def load(cls, path: Path) -> "LoadPlan":
        data = json.loads(Path(path).read_text())
        data["tenants"] = [TenantTarget(**t) for t in data["tenants"]]
        return cls(**data)

    @classmethod
    def from_env(cls) -> "LoadPlan":
        path = os.environ.get(PLAN_ENV)
        if not path:
            raise LoadPlanError(
                f"{PLAN_ENV} is not set: start the load with `make load` (python -m load.run), "
                "which writes the plan and starts Locust with it"
            )
        try:
            return cls.load(Path(path))
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise LoadPlanError(f"{PLAN_ENV}={path}: not a load plan written by load.run: {exc}") from exc


def grouping_key(run_id: str, workflow: str) -> dict[str, str]:
    """The grouping key of one simulated workflow of one run."""
    return {RUN_LABEL: run_id, WORKFLOW_LABEL: workflow}
