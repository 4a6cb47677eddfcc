"""The load plan: what `load.run` hands the Locust processes (one JSON file, named by an environment variable).

In the cluster (`make load PLATFORM=kind LOAD_ARGS="--workers N"`, load/in_cluster.py) the plan is written in
each pod from the chart's targets file: the tenants' in-cluster gateway URLs and users, and for each the file
where the load's Secret puts its password (`password_file`), so no password is ever in a ConfigMap or a plan.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

PLAN_ENV = "SIMPLEPIPE_LOAD_PLAN"
# Every group the load pushes has this job, so a sweep can find leftovers of an interrupted run.
LOAD_JOB = "simplepipe-load"
# Grouping-key label that namespaces one run's groups (and its series in Prometheus).
RUN_LABEL = "load_run"
WORKFLOW_LABEL = "workflow"
# Seconds between a workflow's pushes, per payload kind: small and medium push back to back
# (a closed loop, to find the throughput); a histogram-heavy report goes out once a second.
DEFAULT_PACING = {"small": 0.0, "medium": 0.0, "large": 1.0}


class LoadPlanError(RuntimeError):
    """The Locust processes were started without a usable load plan."""


@dataclass(frozen=True)
class TenantTarget:
    """One tenant's Pushgateway as the load generator reaches it."""

    name: str
    url: str
    username: str
    password: str = ""
    # A file holding the password (in the cluster: the load's Secret, mounted), read when the plan is loaded.
    password_file: str = ""

    def resolved(self) -> "TenantTarget":
        """The target with its password read from `password_file` (LoadPlanError naming the tenant if it cannot be)."""
        if self.password or not self.password_file:
            return self
        try:
            return replace(self, password=Path(self.password_file).read_text().strip())
        except (OSError, UnicodeDecodeError) as exc:
            raise LoadPlanError(f"tenant {self.name}: password_file {self.password_file}: cannot read it "
                                f"({exc.__class__.__name__})") from None


def load_targets(path: Path) -> list[TenantTarget]:
    """A targets file (a JSON list of TenantTarget fields, as the in-cluster chart holds it), passwords read."""
    try:
        entries = json.loads(Path(path).read_text())
        return [TenantTarget(**entry).resolved() for entry in entries]
    except (OSError, ValueError, TypeError) as exc:
        raise LoadPlanError(f"{path}: not a list of load targets (name, url, username, password_file): {exc}") from None


@dataclass(frozen=True)
class LoadPlan:
    run_id: str
    out_dir: str
    tenants: list[TenantTarget]
    # Seconds each workflow of a payload kind waits between two pushes (0: push again at once).
    pacing: dict[str, float] = field(default_factory=dict)
    push_timeout: float = 30.0
    # Workers on other machines (pods): they send their ledger and timeline to the master when they stop
    # (Locust's custom messages) instead of writing them into an out_dir the master cannot read.
    ship_to_master: bool = False

    def save(self, path: Path) -> Path:
        # Passwords stay where they came from: a target with a password_file is saved without its password.
        data = asdict(self)
        for tenant in data["tenants"]:
            if tenant["password_file"]:
                tenant["password"] = ""
        path.write_text(json.dumps(data, indent=2))
        return path

    @classmethod
    def load(cls, path: Path) -> "LoadPlan":
        data = json.loads(Path(path).read_text())
        data["tenants"] = [TenantTarget(**t).resolved() for t in data["tenants"]]
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
