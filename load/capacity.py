"""The capacity shape: how many pushes/s one tenant's gateway takes, measured twice, each figure meaning one thing.

Simplepipe's client renders the small payload's request (body and headers) before the run; Locust's
FastHttpUser then sends exactly those bytes, in two phases (load.capacity_search):

- throughput: users push again as soon as they are answered, more users each step; the highest rate
  reached without failures is Locust's throughput, set against wrk's ceiling on the same gateway
  (the generator's adequacy);
- bisection: users push at a constant rate; the offered rate is bisected, from that throughput down,
  until the highest rate whose p99 stays within `P99_BOUND_MS` is known within `PRECISION`.

Each step is judged from the per-second timeline (its first second left out: users are still
starting), and the CPU the generator and the gateway used in it tells who the bottleneck was.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from load import payloads
from load.capacity_plan import REQUEST_NAME, THROUGHPUT, WITHIN, CapacityPlan, step_seconds_range, verdict
from load.cpu import CORES, MACHINE, CpuSamples
from load.plan import LOAD_JOB, TenantTarget, grouping_key
from load.timeline import read_timelines
from simplepipe.pushgateway import Pushgateway

# The latency bound of the capacity shape: a rate counts only if its p99 stays within it.
P99_BOUND_MS = 50.0
# Users of the throughput phase's steps (each pushes again as soon as it is answered).
DEFAULT_CONCURRENCY = [4, 16, 64]
# The bisection stops once the bracket is this close (a share of its upper end) or after this many probes.
PRECISION = 0.02
MAX_PROBES = 14
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


def write_plan(target: TenantTarget, run_id: str, out_dir: Path, mode: str, processes: int, *,
               concurrency: list[int] | None = None, high: float = 0.0, step_seconds: float = STEP_SECONDS,
               p99_bound_ms: float = P99_BOUND_MS, precision: float = PRECISION,
               max_probes: int = MAX_PROBES) -> Path:
    """The plan of one phase (THROUGHPUT with its `concurrency` steps, or BISECTION below `high` pushes/s)."""
    concurrency = list(concurrency or DEFAULT_CONCURRENCY)
    users = max(concurrency) if mode == THROUGHPUT else math.ceil(high / PER_USER_RATE)
    users_per_process = max(1, math.ceil(users / processes))
    prepared = prepare_pushes(target, run_id, processes * users_per_process)
    body_file = out_dir / f"capacity-{target.name}-body.prom"
    body_file.write_bytes(prepared.body)
    plan = CapacityPlan(
        mode=mode, run_id=run_id, out_dir=str(out_dir), tenant=target.name, host=target.url.rstrip("/"),
        paths=prepared.paths, users_per_process=users_per_process, headers=prepared.headers,
        body_file=str(body_file), concurrency=concurrency, high=high, precision=precision, max_probes=max_probes,
        per_user_rate=PER_USER_RATE, step_seconds=step_seconds, p99_bound_ms=p99_bound_ms, report_lag_seconds=2.5,
        saturation=SATURATION, timeout=10.0,
    )
    return plan.save(out_dir / f"capacity-{target.name}-{mode}-plan.json")


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
    steps: list[Step] = field(default_factory=list)            # the bisection's probes, in order
    throughput_steps: list[Step] = field(default_factory=list)  # the throughput phase (rate = users)
    cores: int = CORES  # of the machine the run had

    @property
    def throughput(self) -> float:
        """The most pushes/s Locust reached without failures, whatever the latency (0: none)."""
        return max((s.achieved for s in self.throughput_steps if not s.failures and s.pushes), default=0.0)

    @property
    def sustained(self) -> float:
        """The capacity within the p99 bound: highest rate reached by a probe within it (0: none was)."""
        return max((s.achieved for s in self.steps if s.within), default=0.0)

    @property
    def failures(self) -> int:
        """Errors at the lowest offered rate: far below any limit, they mean the pushes are wrong (refused,
        unreachable); errors higher up are how an overloaded gateway ends the ramp."""
        lowest = min((s.rate for s in self.steps), default=0.0)
        return sum(s.failures for s in self.steps if s.rate <= lowest)

    @property
    def deciding(self) -> Step | None:
        """The probe that bounds the capacity from above (the lowest rate not within, with no probe at that rate
        or above within), else the last probe."""
        bounding = [s for s in self.steps if not s.within
                    and not any(o.within and o.rate >= s.rate for o in self.steps)]
        if bounding:
            lowest = min(s.rate for s in bounding)
            return [s for s in bounding if s.rate == lowest][-1]
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

    @property
    def throughput_step(self) -> Step | None:
        """The throughput phase's best failure-free step."""
        clean = [s for s in self.throughput_steps if not s.failures and s.pushes]
        return max(clean, key=lambda s: s.achieved) if clean else None

    @property
    def throughput_bound(self) -> str:
        """What held Locust's throughput back, from the CPU of its best step: generator CPU-bound | gateway
        CPU-bound | machine-bound | neither CPU-bound | unknown."""
        step = self.throughput_step
        if step is None or step.generator_cores is None:
            return "unknown"
        if step.generator_cores >= BUSY * min(self.processes, self.cores):
            return "generator CPU-bound"
        if (step.gateway_cores or 0.0) >= BUSY * max(1.0, self.cores - step.generator_cores):
            return "gateway CPU-bound"
        if max(step.generator_cores + (step.gateway_cores or 0.0), step.machine_cores or 0.0) >= MACHINE_BUSY * self.cores:
            return "machine-bound"
        return "neither CPU-bound"

    def table(self) -> str:
        header = (f"{'offered/s':>9} {'reached/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'failures':>8} "
                  f"{'generator cores':>15} {'gateway cores':>13} {'other cores':>11}  verdict")
        lines = ["throughput (users pushing back to back):",
                 header.replace("offered/s", "    users"), "-" * len(header)]
        for s in self.throughput_steps:
            lines.append(f"{s.rate:>9.0f} {s.achieved:>9.1f} {s.p50_ms:>7.0f} {s.p99_ms:>7.0f} {s.failures:>8} "
                         f"{_cores(s.generator_cores):>15} {_cores(s.gateway_cores):>13} {_other(s):>11}  "
                         f"{s.verdict or '-'}")
        lines += ["", f"bisection of the offered rate for p99 within {self.p99_bound_ms:g} ms (probes in order):",
                  header, "-" * len(header)]
        for s in self.steps:
            lines.append(f"{s.rate:>9.0f} {s.achieved:>9.1f} {s.p50_ms:>7.0f} {s.p99_ms:>7.0f} {s.failures:>8} "
                         f"{_cores(s.generator_cores):>15} {_cores(s.gateway_cores):>13} {_other(s):>11}  {s.verdict}")
        return "\n".join(lines)

    def summary(self) -> str:
        best = self.throughput_step
        throughput = (f"{self.tenant}: Locust's throughput {self.throughput:.1f} pushes/s without failures"
                      + (f" ({best.rate:.0f} users; {self.throughput_bound})" if best else ""))
        step = self.deciding
        cpu = ""
        if step is not None:
            cpu = (f"; in the deciding probe ({step.rate:.0f}/s offered, {step.verdict}) the generator "
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
                    f"{self.p99_bound_ms:.0f} ms (the probe at Locust's throughput was within the bound)")
        else:
            head = (f"{self.tenant}: capacity {self.sustained:.1f} pushes/s within p99 {self.p99_bound_ms:.0f} ms "
                    f"({bottleneck})")
        return throughput + "\n" + head + cpu


def _other(step: Step) -> str:
    if step.machine_cores is None:
        return "n/a"
    return f"{max(0.0, step.machine_cores - (step.generator_cores or 0.0) - (step.gateway_cores or 0.0)):.2f}"


def _cores(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def analyse(mode: str, out_dir: Path, cpu: CpuSamples, gateway_role: str,
            p99_bound_ms: float = P99_BOUND_MS) -> list[Step]:
    """Per-step numbers of one phase, from the timeline its Locust processes wrote and the shape's step times:
    throughput steps carry their users as `rate` and no verdict; bisection probes are judged as the shape did."""
    timeline = read_timelines(out_dir)
    raw = json.loads((out_dir / f"capacity-{mode}-steps.json").read_text())
    steps = []
    for entry in raw:
        if entry.get("end") is None:
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
        step.verdict = ("errors" if step.failures else "") if mode == THROUGHPUT else \
            verdict(step.pushes, step.failures, step.p99_ms, end - start, step.rate, p99_bound_ms, SATURATION)
        steps.append(step)
    return steps
