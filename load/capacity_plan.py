"""The capacity plan: what `load.capacity` hands the Locust processes of the capacity shape (one JSON file)."""
from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass
from pathlib import Path

CAPACITY_PLAN_ENV = "SIMPLEPIPE_CAPACITY_PLAN"
# Request name of every capacity push in Locust's statistics and the timeline.
REQUEST_NAME = "capacity"
# The two phases of the capacity shape, each one Locust run:
THROUGHPUT = "throughput"  # closed loop, concurrency stepped up: the most pushes/s Locust reaches without failures
BISECTION = "bisection"    # paced users, the offered rate bisected: the most pushes/s within the p99 bound


# Seconds at the start of a step left out of its numbers (users starting, connections opening).
SETTLE_SECONDS = 1
WITHIN = "within"


def step_seconds_range(start: float, end: float) -> tuple[int, int]:
    """The whole seconds [first, last) of a step that count: its first second is left out."""
    return math.ceil(start) + SETTLE_SECONDS, math.floor(end)


def verdict(pushes: int, failures: int, p99_ms: float, seconds: float, rate: float, bound_ms: float,
            saturation: float) -> str:
    """within | errors | over the p99 bound | saturated: one rule for the shape and the report."""
    if failures:
        return "errors"
    if p99_ms > bound_ms:
        return "over the p99 bound"
    if pushes < saturation * rate * seconds:
        return "saturated"
    return WITHIN


class CapacityPlanError(RuntimeError):
    """The Locust processes were started without a usable capacity plan."""


@dataclass(frozen=True)
class CapacityPlan:
    mode: str                 # THROUGHPUT | BISECTION
    run_id: str
    out_dir: str
    tenant: str
    host: str                 # the tenant's gateway, scheme://host:port
    paths: list[str]          # one group path per user slot (process-major), pre-rendered
    users_per_process: int    # slots per Locust process
    headers: dict[str, str]   # exactly the headers Simplepipe's client sends (auth, Content-Type, User-Agent)
    body_file: str            # exactly the body Simplepipe's client sends
    # THROUGHPUT: users of each step (each pushes again as soon as its push is answered).
    concurrency: list[int]
    # BISECTION: the offered rate lies in (0, high]; probes stop once the bracket is within `precision`
    # of its upper end, or after `max_probes` probes.
    high: float
    precision: float
    max_probes: int
    per_user_rate: float      # BISECTION: pushes/s of one user (constant throughput)
    step_seconds: float
    p99_bound_ms: float
    # Seconds after a step's end when every process's timeline holds it (the shape judges it then).
    report_lag_seconds: float
    saturation: float         # a step that reached less than this share of its rate is saturated
    timeout: float

    def save(self, path: Path) -> Path:
        path.write_text(json.dumps(asdict(self), indent=2))
        return path

    @classmethod
    def from_env(cls) -> "CapacityPlan":
        path = os.environ.get(CAPACITY_PLAN_ENV)
        if not path:
            raise CapacityPlanError(f"{CAPACITY_PLAN_ENV} is not set: start the load with `make load` (python -m load.run)")
        try:
            return cls(**json.loads(Path(path).read_text()))
        except (OSError, ValueError, TypeError) as exc:
            raise CapacityPlanError(f"{CAPACITY_PLAN_ENV}={path}: not a capacity plan written by load.run: {exc}") from exc
