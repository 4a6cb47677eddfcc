"""What the capacity shape tries next, given what the steps so far showed: pure decisions, no Locust.

Throughput: concurrency steps in the plan's order; the phase ends at the first step with failures.
Bisection: the offered rate is bisected between the highest rate judged within the p99 bound and the
lowest judged over it, starting at the top of the bracket (Locust's own failure-free throughput), until
the bracket is within `precision` of its upper end, or `max_probes` probes (repeats included) ran. A probe
over the bound is run once more before it counts (one noisy step is not the limit)."""
from __future__ import annotations

from dataclasses import dataclass, field

from load.capacity_plan import WITHIN


@dataclass(frozen=True)
class Probe:
    rate: float      # offered pushes/s (bisection) or users (throughput)
    repeat: bool     # a second run of a probe that was not within


@dataclass
class Bisection:
    high: float
    precision: float
    max_probes: int
    low: float = 0.0             # highest rate judged within (0: none yet)
    upper: float | None = None   # lowest rate judged not within (None: none yet)
    probes: list[tuple[float, str]] = field(default_factory=list)  # every judged probe, in order

    def first(self) -> Probe:
        return Probe(self.high, repeat=False)

    def after(self, probe: Probe, verdict: str) -> Probe | None:
        """The next probe once `probe` was judged `verdict`; None when the bracket is narrow enough."""
        self.probes.append((probe.rate, verdict))
        if len(self.probes) >= self.max_probes:  # the budget is a hard cap, repeats included
            return None
        if verdict != WITHIN and not probe.repeat:
            return Probe(probe.rate, repeat=True)
        if verdict == WITHIN:
            self.low = max(self.low, probe.rate)
        else:
            self.upper = probe.rate if self.upper is None else min(self.upper, probe.rate)
        if self.done:
            return None
        return Probe((self.low + self.upper) / 2 if self.upper is not None else self.high, repeat=False)

    @property
    def done(self) -> bool:
        if len(self.probes) >= self.max_probes:
            return True
        if self.upper is None:  # the top of the bracket is within: the limit is at or above it
            return self.low >= self.high
        return self.upper - self.low <= self.precision * self.upper


@dataclass
class ConcurrencySteps:
    concurrency: list[int]
    index: int = 0

    def first(self) -> Probe:
        return Probe(self.concurrency[0], repeat=False)

    def after(self, probe: Probe, failures: int) -> Probe | None:
        """The next concurrency; None after the last, or once a step failed pushes (the gateway gave up)."""
        self.index += 1
        if failures or self.index >= len(self.concurrency):
            return None
        return Probe(self.concurrency[self.index], repeat=False)
