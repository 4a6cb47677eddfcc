"""What a `make load` run does: its options (LoadOptions), and the command line that sets them."""
from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from pathlib import Path

from load import capacity as capacity_shape
from load.plan import DEFAULT_PACING
from load.targets import PLATFORMS

# both = capacity and workflows (and freshness); tenants builds throwaway platforms of its own (load.tenant_scale).
SHAPES = ("capacity", "workflows", "both", "tenants")
DEFAULT_TENANT_COUNTS = [10, 50, 200]
DESCRIPTION = "`make load`: the capacity shape and the workflows shape against the running platform, then the growth curve."


@dataclass
class LoadOptions:
    users: int = 20
    spawn_rate: float = 10.0
    duration: int = 60
    out: Path | None = None
    # Locust worker processes under one master (Locust's distributed mode); 0: one Locust process.
    workers: int = 0
    shape: str = "both"
    capacity_concurrency: list[int] = field(default_factory=lambda: list(capacity_shape.DEFAULT_CONCURRENCY))
    capacity_step_seconds: float = capacity_shape.STEP_SECONDS
    capacity_precision: float = capacity_shape.PRECISION
    capacity_max_probes: int = capacity_shape.MAX_PROBES
    # Acknowledged pushes timed until their value is in PromQL, and failing-job pushes until their alert
    # is delivered (0: not measured).
    freshness_pushes: int = 20
    alert_probes: int = 3
    tenant_counts: list[int] = field(default_factory=lambda: list(DEFAULT_TENANT_COUNTS))
    ceiling_seconds: int = 10
    ceiling_tenant: str | None = None
    growth_sizes: list[int] = field(default_factory=lambda: [1, 1000, 10000])
    growth_probes: int = 30
    pacing: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_PACING))
    pictures: bool = True

    @property
    def runs_capacity(self) -> bool:
        return self.shape in ("capacity", "both")

    @property
    def runs_workflows(self) -> bool:
        return self.shape in ("workflows", "both")

    @property
    def processes(self) -> int:
        """Locust processes that push (the workers, or the one process)."""
        return max(1, self.workers)


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
    parser.add_argument("--workers", type=int, default=default.workers,
                        help="Locust worker processes under one master (Locust's distributed mode; default: one "
                             "Locust process)")
    parser.add_argument("--shape", choices=SHAPES, default=default.shape,
                        help="capacity (Locust's throughput, then the rate within the p99 bound by bisection), "
                             "workflows (paced SDK pushes, nothing lost), both (and freshness), or tenants "
                             "(throwaway platforms of --tenants sizes) (default %(default)s)")
    parser.add_argument("--concurrency", default=",".join(map(str, default.capacity_concurrency)),
                        help="comma-separated users of the capacity shape's throughput steps (default %(default)s)")
    parser.add_argument("--step-seconds", type=float, default=default.capacity_step_seconds,
                        help=f"seconds per capacity step (default {default.capacity_step_seconds:g})")
    parser.add_argument("--precision", type=float, default=default.capacity_precision,
                        help=f"the bisection stops when its bracket is this share of its upper end "
                             f"(default {default.capacity_precision:g})")
    parser.add_argument("--freshness", type=int, default=default.freshness_pushes,
                        help=f"pushes timed until PromQL shows them, 0 to skip (default {default.freshness_pushes})")
    parser.add_argument("--alert-probes", type=int, default=default.alert_probes,
                        help=f"failing-job pushes timed until their alert is delivered, 0 to skip "
                             f"(default {default.alert_probes})")
    parser.add_argument("--tenants", default=",".join(map(str, default.tenant_counts)),
                        help="comma-separated tenant counts of the tenants shape (default %(default)s)")
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
    for name in ("users", "duration", "ceiling_seconds", "growth_probes"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    for name in ("workers", "freshness", "alert_probes"):
        if getattr(args, name) < 0:
            parser.error(f"--{name.replace('_', '-')} must be 0 or more")
    if args.spawn_rate <= 0:
        parser.error("--spawn-rate must be above 0")
    sizes = _counts(parser, "--growth", args.growth, allow_empty=True)
    concurrency = _counts(parser, "--concurrency", args.concurrency)
    tenant_counts = _counts(parser, "--tenants", args.tenants)
    if not 0 < args.precision < 0.5:
        parser.error("--precision must be above 0 and below 0.5 (a share of the bracket's upper end)")
    if args.step_seconds < 3:
        parser.error("--step-seconds must be at least 3 (its first second is left out)")
    return args, LoadOptions(
        users=args.users, spawn_rate=args.spawn_rate, duration=args.duration, out=args.out, workers=args.workers,
        shape=args.shape, capacity_concurrency=concurrency, capacity_step_seconds=args.step_seconds,
        capacity_precision=args.precision, ceiling_seconds=args.ceiling_seconds, ceiling_tenant=args.ceiling_tenant,
        growth_sizes=sizes, growth_probes=args.growth_probes, freshness_pushes=args.freshness,
        alert_probes=args.alert_probes, tenant_counts=tenant_counts,
    )


def _counts(parser: argparse.ArgumentParser, flag: str, text: str, allow_empty: bool = False) -> list[int]:
    """Comma-separated whole numbers, each at least 1 ('' only where `allow_empty`: skip)."""
    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        parser.error(f"{flag} {text!r}: comma-separated whole numbers, e.g. 1,10,100")
    if not counts and not allow_empty:
        parser.error(f"{flag}: at least one number")
    if any(count < 1 for count in counts):
        parser.error(f"{flag}: every number must be at least 1")
    return counts


