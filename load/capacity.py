"""The capacity shape: the highest push rate one tenant's gateway sustains within the p99 bound.

Simplepipe's client renders the small payload's request (body and headers) before the run; Locust's
FastHttpUser then sends exactly those bytes at a rate stepped up until a step's p99 passes
`P99_BOUND_MS`, an error appears, or the rate is not reached. Each step is judged from the
per-second timeline (its first second left out: users are still starting), and the CPU the
generator and the gateway used in it tells who the bottleneck was.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from load import payloads
from load.capacity_plan import CUT_SHORT, REQUEST_NAME, WITHIN, CapacityPlan, step_seconds_range, verdict
from load.cpu import CORES, MACHINE, CpuSamples
from load.plan import LOAD_JOB, TenantTarget, grouping_key
from load.timeline import Timeline, read_timelines
from simplepipe.pushgateway import Pushgateway

# The latency bound of the capacity shape: a rate counts only if its p99 stays within it.
P99_BOUND_MS = 50.0
# Offered pushes/s per step; the run stops at the first step over the bound.
DEFAULT_RATES = [250, 500, 750, 1000, 1250, 1500, 2000, 2500, 3000, 3500, 4000, 5000, 6000]
STEP_SECONDS = 6.0
# Pushes/s of one user: a user waits for each answer, so at the bound it can still keep 1/0.05 s.
PER_USER_RATE = 20.0
# A step that reached less than this share of its offered rate is saturated.
SATURATION = 0.9
# Share of its cores at which a process group counts as saturated.
BUSY = 0.9
# Share of the machine's cores busy (all processes) above which latency includes waiting for a core.
MACHINE_BUSY = 0.8
CAPACITY_WORKFLOW = "capacity"


def default_processes() -> int:
    """Locust processes for the capacity shape: one per core, leaving one for the gateway, at most 4."""
    return max(1, min(CORES - 1, 4))


@dataclass(frozen=True)
class PreparedPush:
    headers: dict[str, str]
    body: bytes
    paths: list[str]


def prepare_pushes(target: TenantTarget, run_id: str, slots: int, *, kind: str = "small") -> PreparedPush:
    """The requests `simplepipe push` would send for each slot's group: rendered once, by Simplepipe."""
    gateway = Pushgateway(target.url, username=target.username, password=target.password, identity=None)
    metrics = payloads.metric_set(kind, 1)
    requests = [gateway.prepare("PUT", metrics, LOAD_JOB,
                                grouping_key(run_id, f"{target.name}-{CAPACITY_WORKFLOW}-{slot:03d}"))
                for slot in range(slots)]
    first = requests[0]
    # The body and headers do not depend on the group; the capacity users send one copy of them.
    assert all(r.body == first.body and r.headers == first.headers for r in requests)
    host = gateway.url
    return PreparedPush(headers=first.headers, body=first.body or b"",
                        paths=[r.url[len(host):] for r in requests])


def write_plan(target: TenantTarget, run_id: str, out_dir: Path, processes: int, rates: list[float], *,
               step_seconds: float = STEP_SECONDS, p99_bound_ms: float = P99_BOUND_MS) -> Path:
    users_per_process = math.ceil(max(rates) / PER_USER_RATE)
    prepared = prepare_pushes(target, run_id, processes * users_per_process)
    body_file = out_dir / f"capacity-{target.name}-body.prom"
    body_file.write_bytes(prepared.body)
    plan = CapacityPlan(
        run_id=run_id, out_dir=str(out_dir), tenant=target.name, host=target.url.rstrip("/"),
        paths=prepared.paths, users_per_process=users_per_process, headers=prepared.headers,
        body_file=str(body_file), rates=list(rates), per_user_rate=PER_USER_RATE, step_seconds=step_seconds,
        p99_bound_ms=p99_bound_ms, report_lag_seconds=2.5, saturation=SATURATION,
        timeout=10.0,
    )
    return plan.save(out_dir / f"capacity-{target.name}-plan.json")


@dataclass
class Step:
    rate: float            # offered pushes/s
    start: float
    end: float
    pushes: int = 0
    achieved: float = 0.0  # pushes/s
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    failures: int = 0
    generator_cores: float | None = None
    gateway_cores: float | None = None
    machine_cores: float | None = None  # every process on the machine, ours included
    verdict: str = ""      # within | over the p99 bound | errors | saturated

    @property
    def within(self) -> bool:
        return self.verdict == WITHIN


@dataclass
class Capacity:
    tenant: str
    processes: int
    p99_bound_ms: float
    steps: list[Step] = field(default_factory=list)
    cores: int = CORES  # of the machine the run had

    @property
    def sustained(self) -> float:
        """Highest rate reached by a step within the bound (0: none was)."""
        return max((s.achieved for s in self.steps if s.within), default=0.0)

    @property
    def failures(self) -> int:
        """Errors at the lowest offered rate: far below any limit, they mean the pushes are wrong (refused,
        unreachable); errors higher up are how an overloaded gateway ends the ramp."""
        lowest = min((s.rate for s in self.steps), default=0.0)
        return sum(s.failures for s in self.steps if s.rate <= lowest)

    @property
    def deciding(self) -> Step | None:
        """The step that ended the ramp (over the bound, and no later step at its rate or above within),
        else the last step."""
        for i, step in enumerate(self.steps):
            if not step.within and not any(later.within and later.rate >= step.rate for later in self.steps[i + 1:]):
                return step
        return self.steps[-1] if self.steps else None

    @property
    def limit_reached(self) -> bool:
        return self.deciding is not None and not self.deciding.within

    @property
    def bottleneck(self) -> str:
        """generator-bound | machine-bound | gateway-bound | not reached | unknown (no CPU figures)."""
        step = self.deciding
        if step is None or not self.limit_reached:
            return "not reached"
        if step.generator_cores is None:
            return "unknown"
        had = min(self.processes, self.cores)
        generator_busy = step.generator_cores >= BUSY * had
        total = step.generator_cores + (step.gateway_cores or 0.0)
        if generator_busy and (step.gateway_cores is None or step.gateway_cores < BUSY * (self.cores - step.generator_cores)):
            return "generator-bound"
        # The machine had no idle core, and not because the gateway took them: it waited for CPU.
        busy = max(total, step.machine_cores or 0.0) >= MACHINE_BUSY * self.cores
        if busy and (step.gateway_cores or 0.0) < MACHINE_BUSY * self.cores:
            return "machine-bound"
        return "gateway-bound"

    @property
    def generator_bound(self) -> bool:
        return self.bottleneck == "generator-bound"

    def table(self) -> str:
        header = (f"{'offered/s':>9} {'reached/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'failures':>8} "
                  f"{'generator cores':>15} {'gateway cores':>13} {'other cores':>11}  verdict")
        lines = [header, "-" * len(header)]
        for s in self.steps:
            lines.append(f"{s.rate:>9.0f} {s.achieved:>9.1f} {s.p50_ms:>7.0f} {s.p99_ms:>7.0f} {s.failures:>8} "
                         f"{_cores(s.generator_cores):>15} {_cores(s.gateway_cores):>13} {_other(s):>11}  {s.verdict}")
        return "\n".join(lines)

    def summary(self) -> str:
        step = self.deciding
        cpu = ""
        if step is not None:
            cpu = (f"; in the deciding step ({step.rate:.0f}/s offered, {step.verdict}) the generator "
                   f"({self.processes} Locust process{'es' if self.processes > 1 else ''}) used "
                   f"{_cores(step.generator_cores)} of {min(self.processes, self.cores)} cores, the gateway "
                   f"{_cores(step.gateway_cores)} of {self.cores}, everything else on the machine {_other(step)}")
        bottleneck = self.bottleneck
        if bottleneck == "generator-bound":
            head = (f"{self.tenant}: generator-bound: the load generator saturated before the gateway; "
                    f"{self.sustained:.1f}/s within p99 {self.p99_bound_ms:.0f} ms is the generator's limit, "
                    f"not the gateway's capacity")
        elif bottleneck == "not reached":
            head = (f"{self.tenant}: capacity at least {self.sustained:.1f} pushes/s within p99 "
                    f"{self.p99_bound_ms:.0f} ms (every step was within the bound; the limit is above)")
        else:
            head = (f"{self.tenant}: capacity {self.sustained:.1f} pushes/s within p99 {self.p99_bound_ms:.0f} ms "
                    f"({bottleneck})")
        return head + cpu


def _other(step: Step) -> str:
    if step.machine_cores is None:
        return "n/a"
    return f"{max(0.0, step.machine_cores - (step.generator_cores or 0.0) - (step.gateway_cores or 0.0)):.2f}"


def _cores(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def analyse(tenant: str, out_dir: Path, processes: int, cpu: CpuSamples, gateway_role: str,
            p99_bound_ms: float = P99_BOUND_MS) -> tuple[Capacity, Timeline]:
    """Per-step numbers from the timeline the Locust processes wrote and the shape's step times."""
    timeline = read_timelines(out_dir)
    raw = json.loads((out_dir / "capacity-steps.json").read_text())
    capacity = Capacity(tenant=tenant, processes=processes, p99_bound_ms=p99_bound_ms)
    for entry in raw:
        if entry.get("end") is None or entry.get("verdict") == CUT_SHORT:
            continue
        start, end = step_seconds_range(entry["start"], entry["end"])
        if end <= start:
            continue
        window = timeline.window(start, end, [REQUEST_NAME])
        step = Step(rate=entry["rate"], start=start, end=end, pushes=window.pushes,
                    achieved=window.pushes / (end - start), p50_ms=window.percentile(0.5),
                    p99_ms=window.percentile(0.99), failures=window.failures,
                    generator_cores=cpu.cores("generator", start, end), gateway_cores=cpu.cores(gateway_role, start, end),
                    machine_cores=cpu.cores(MACHINE, start, end))
        step.verdict = verdict(step.pushes, step.failures, step.p99_ms, end - start, step.rate, p99_bound_ms,
                               SATURATION)
        capacity.steps.append(step)
    return capacity, timeline
