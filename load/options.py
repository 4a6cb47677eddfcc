"""What a `make load` run does: its options (LoadOptions), and the command line that sets them."""
from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from pathlib import Path

from load import capacity as capacity_shape
from load.targets import PLATFORMS

SHAPES = ("capacity", "workflows", "both")
# Seconds between a workflow's pushes, per payload kind: small and medium push back to back
# (a closed loop, to find the throughput); a histogram-heavy report goes out once a second.
DEFAULT_PACING = {"small": 0.0, "medium": 0.0, "large": 1.0}
DESCRIPTION = "`make load`: the capacity shape and the workflows shape against the running platform, then the growth curve."


@dataclass
class LoadOptions:
    users: int = 20
    spawn_rate: float = 10.0
    duration: int = 60
    out: Path | None = None
    processes: int = 1
    shape: str = "both"
    capacity_processes: int = field(default_factory=capacity_shape.default_processes)
    capacity_rates: list[float] = field(default_factory=lambda: list(capacity_shape.DEFAULT_RATES))
    capacity_step_seconds: float = capacity_shape.STEP_SECONDS
    ceiling_seconds: int = 10
    ceiling_tenant: str | None = None
    growth_sizes: list[int] = field(default_factory=lambda: [1, 1000, 10000])
    growth_probes: int = 30
    pacing: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_PACING))
    prometheus_timeout: float = 30.0
    pictures: bool = True

    @property
    def runs_capacity(self) -> bool:
        return self.shape in ("capacity", "both")

    @property
    def runs_workflows(self) -> bool:
        return self.shape in ("workflows", "both")


def parse_args(argv: list[str] | None) -> tuple[argparse.Namespace, LoadOptions]:
    default = LoadOptions()
    parser = argparse.ArgumentParser(prog="python -m load.run", description=DESCRIPTION)
    parser.add_argument("--platform", choices=PLATFORMS, default=os.environ.get("PLATFORM", "local"))
    parser.add_argument("--users", type=int, default=default.users,
                        help=f"simulated workflows, split evenly over the tenants (default {default.users})")
    parser.add_argument("--spawn-rate", type=float, default=default.spawn_rate,
                        help=f"users started per second (default {default.spawn_rate:g})")
    parser.add_argument("--duration", type=int, default=default.duration,
                        help=f"seconds of load (default {default.duration})")
    parser.add_argument("--out", type=Path, help="report folder (default .state/<platform>/load/<run id>)")
    parser.add_argument("--state-dir", type=Path, help="state folder of a local platform (default .state/local)")
    parser.add_argument("--processes", type=int, default=default.processes,
                        help=f"Locust processes (default {default.processes})")
    parser.add_argument("--shape", choices=SHAPES, default=default.shape,
                        help="capacity (stepped rate of pre-rendered pushes), workflows (paced SDK pushes, "
                             "nothing lost) or both (default %(default)s)")
    parser.add_argument("--capacity-processes", type=int, default=default.capacity_processes,
                        help=f"Locust processes of the capacity shape (default {default.capacity_processes}: "
                             f"one per core but one, at most 4)")
    parser.add_argument("--capacity-rates", default=",".join(f"{r:g}" for r in default.capacity_rates),
                        help="comma-separated offered pushes/s of the capacity steps (default %(default)s)")
    parser.add_argument("--step-seconds", type=float, default=default.capacity_step_seconds,
                        help=f"seconds per capacity step (default {default.capacity_step_seconds:g})")
    parser.add_argument("--ceiling-seconds", type=int, default=default.ceiling_seconds,
                        help=f"seconds of wrk (default {default.ceiling_seconds})")
    parser.add_argument("--ceiling-tenant", help="tenant whose gateway wrk measures (default: the first)")
    parser.add_argument("--growth", default=",".join(map(str, default.growth_sizes)),
                        help="comma-separated group counts for the growth curve, '' to skip (default %(default)s)")
    parser.add_argument("--growth-probes", type=int, default=default.growth_probes,
                        help=f"timed pushes per growth point (default {default.growth_probes})")
    parser.add_argument("--faults", action="store_true",
                        help="instead of the load: kill a Pushgateway, Prometheus and S3 while pushes run (local)")
    parser.add_argument("--short", action="store_true", help="with --faults: the short version `make test` runs")
    args = parser.parse_args(argv)
    if args.short and not args.faults:
        parser.error("--short goes with --faults")
    for name in ("users", "duration", "processes", "capacity_processes", "ceiling_seconds", "growth_probes"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.spawn_rate <= 0:
        parser.error("--spawn-rate must be above 0")
    try:
        sizes = [int(size) for size in args.growth.split(",") if size.strip()]
    except ValueError:
        parser.error(f"--growth {args.growth!r}: comma-separated whole numbers, e.g. 1,1000,10000")
    if any(size < 1 for size in sizes):
        parser.error("--growth: every group count must be at least 1")
    try:
        rates = sorted(float(rate) for rate in args.capacity_rates.split(",") if rate.strip())
    except ValueError:
        parser.error(f"--capacity-rates {args.capacity_rates!r}: comma-separated numbers, e.g. 250,500,1000")
    if not rates or rates[0] <= 0:
        parser.error("--capacity-rates: at least one rate, every rate above 0")
    if args.step_seconds < 3:
        parser.error("--step-seconds must be at least 3 (its first second is left out)")
    return args, LoadOptions(
        users=args.users, spawn_rate=args.spawn_rate, duration=args.duration, out=args.out,
        processes=args.processes, shape=args.shape, capacity_processes=args.capacity_processes,
        capacity_rates=rates, capacity_step_seconds=args.step_seconds, ceiling_seconds=args.ceiling_seconds, ceiling_tenant=args.ceiling_tenant,
        growth_sizes=sizes, growth_probes=args.growth_probes,
    )


