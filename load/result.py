"""What a `make load` run measured, and the final line other tooling parses:

    push throughput: N/s (ratio R of wrk ceiling M/s), failures F, lost L
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from load.capacity import P99_BOUND_MS, Capacity
from load.ceiling import Ceiling
from load.cpu import CORES, CpuSamples
from load.freshness import Freshness
from load.growth import GrowthCurve
from load.ledger import GroupRecord
from load.nothing_lost import Loss
from load.report import LoadStats


@dataclass
class ShapeCpu:
    """CPU (cores, averaged over the shape's run) of the generator and of each tenant's gateway."""

    generator: float | None
    gateways: dict[str, float | None]
    machine: float | None  # every process on the machine, ours included
    processes: dict[str, float | None] = field(default_factory=dict)  # each Locust process: master, worker 1, ...

    def line(self, processes: int) -> str:
        gateways = ", ".join(f"{name} {cores(v)}" for name, v in self.gateways.items()) or "n/a"
        ours = (self.generator or 0.0) + sum(v or 0.0 for v in self.gateways.values())
        other = "n/a" if self.machine is None else f"{max(0.0, self.machine - ours):.2f}"
        each = f" ({', '.join(f'{role} {cores(v)}' for role, v in self.processes.items())})" \
            if len(self.processes) > 1 else ""
        return (f"CPU (cores of {CORES}): generator ({processes} Locust process{'es' if processes > 1 else ''}) "
                f"{cores(self.generator)}{each}; gateways {gateways}; everything else on the machine {other}")


@dataclass
class LoadResult:
    out_dir: Path
    stats: LoadStats | None = None
    groups: list[GroupRecord] = field(default_factory=list)
    losses: list[Loss] = field(default_factory=list)
    capacities: dict[str, Capacity] = field(default_factory=dict)
    ceiling: Ceiling | None = None
    ceiling_tenant: str | None = None
    workflows_cpu: ShapeCpu | None = None
    growth: GrowthCurve | None = None
    freshness: Freshness | None = None
    pictures: list[Path] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # measurements that could not run

    @property
    def capacity_failures(self) -> int:
        return sum(c.failures for c in self.capacities.values())

    @property
    def failures(self) -> int:
        return (self.stats.total.failures if self.stats else 0) + self.capacity_failures

    @property
    def lost(self) -> int:
        return len({(loss.tenant, loss.workflow) for loss in self.losses})

    @property
    def ceiling_capacity(self) -> Capacity | None:
        return self.capacities.get(self.ceiling_tenant or "")

    @property
    def throughput(self) -> float:
        """The most pushes/s Locust reached without failures on the ceiling tenant's gateway (the capacity
        shape's throughput phase; with --shape workflows, the workflows' small pushes to it)."""
        if self.ceiling_capacity is not None:
            return self.ceiling_capacity.throughput
        if not self.stats:
            return 0.0
        return self.stats.small_throughput(self.ceiling.tenant) if self.ceiling else \
            self.stats.total.throughput(self.stats.seconds)

    @property
    def ratio(self) -> float:
        """Locust's throughput over wrk's ceiling on the same gateway: the generator's adequacy (goal 0.9)."""
        if not (self.ceiling and self.ceiling.requests_per_second):
            return 0.0
        return self.throughput / self.ceiling.requests_per_second

    @property
    def final_lines(self) -> list[str]:
        """The two lines tooling parses, last in the report: throughput (and failures, losses), then capacity."""
        ceiling = self.ceiling.requests_per_second if self.ceiling else 0.0
        bound = self.ceiling_capacity.p99_bound_ms if self.ceiling_capacity else P99_BOUND_MS
        capacity = f"{self.ceiling_capacity.sustained:.1f}/s" if self.ceiling_capacity else "not measured"
        return [f"push throughput: {self.throughput:.1f}/s (ratio {self.ratio:.2f} of wrk ceiling {ceiling:.1f}/s), "
                f"failures {self.failures}, lost {self.lost}",
                f"capacity within p99 {bound:g} ms: {capacity}"]

    @property
    def exit_code(self) -> int:
        return 1 if (self.failures or self.lost or self.errors) else 0


def whole_run(samples: CpuSamples, role: str) -> float | None:
    if len(samples.times) < 2:
        return None
    return samples.cores(role, samples.times[0], samples.times[-1])


def cores(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} ms"
