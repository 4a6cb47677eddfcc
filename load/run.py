"""`make load`: the capacity shape and the workflows shape against the running platform, then the growth curve.

    python -m load.run --platform local [--shape capacity|workflows|both] [--users 20 --duration 60 --out DIR]
    python -m load.run --platform local --faults [--short]   (faults during pushes: load/faults.py)

Ends with the one line other tooling parses:
    push throughput: N/s (ratio R of wrk ceiling M/s), failures F, lost L
N and R come from the capacity shape on the first tenant's gateway against wrk on the same gateway
(with --shape workflows: the workflows' small pushes to it). Exits non-zero when a push failed, a
group was lost, or a measurement could not run.
"""
from __future__ import annotations

import argparse
import html
import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from harness.paths import REPO_ROOT
from harness.platform import Platform
from harness.processes import ChildProcess
from harness.prometheus_api import PrometheusClient, PrometheusError
from harness.tenants import Tenant
from load import capacity as capacity_shape
from load import payloads
from load.capacity import Capacity
from load.capacity_plan import CAPACITY_PLAN_ENV, CapacityPlanError
from load.ceiling import Ceiling, CeilingError, measure_ceiling
from load.cpu import CORES, MACHINE, CpuSampler, CpuSamples
from load.growth import GrowthCurve, GrowthError, measure_growth
from load.ledger import GroupRecord, read_ledgers
from load.nothing_lost import CheckError, Loss, check_prometheus, check_pushgateways, gateway_groups
from load.plan import LOAD_JOB, PLAN_ENV, RUN_LABEL, LoadPlan, TenantTarget, grouping_key
from load.report import LoadStats, LocustStatsError, read_locust_stats
from load.targets import PLATFORMS, PlatformNotRunningError, gateway_pids, open_platform, tenant_targets
from load.timeline import read_timelines
from simplepipe.errors import SimplepipeError
from simplepipe.pushgateway import Pushgateway

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
CAPACITY_LOCUSTFILE = Path(__file__).with_name("capacity_locustfile.py")
SHAPES = ("capacity", "workflows", "both")
# Users finish the push they are in when the time is up, so no push is cut off half-way.
STOP_TIMEOUT_SECONDS = 30
CEILING_WORKFLOW = "wrk-ceiling"
GROWTH_JOB = "growth-probe"
# Seconds between a workflow's pushes, per payload kind: small and medium push back to back
# (a closed loop, to find the throughput); a histogram-heavy report goes out once a second.
DEFAULT_PACING = {"small": 0.0, "medium": 0.0, "large": 1.0}


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


@dataclass
class ShapeCpu:
    """CPU (cores, averaged over the shape's run) of the generator and of each tenant's gateway."""

    generator: float | None
    gateways: dict[str, float | None]
    machine: float | None  # every process on the machine, ours included

    def line(self, processes: int) -> str:
        gateways = ", ".join(f"{name} {_cores(v)}" for name, v in self.gateways.items()) or "n/a"
        ours = (self.generator or 0.0) + sum(v or 0.0 for v in self.gateways.values())
        other = "n/a" if self.machine is None else f"{max(0.0, self.machine - ours):.2f}"
        return (f"CPU (cores of {CORES}): generator ({processes} Locust process{'es' if processes > 1 else ''}) "
                f"{_cores(self.generator)}; gateways {gateways}; everything else on the machine {other}")


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
        if self.ceiling_capacity is not None:
            return self.ceiling_capacity.sustained
        return self.stats.total.throughput(self.stats.seconds) if self.stats else 0.0

    @property
    def ratio(self) -> float:
        if not (self.ceiling and self.ceiling.requests_per_second):
            return 0.0
        if self.ceiling_capacity is not None:
            return self.ceiling_capacity.sustained / self.ceiling.requests_per_second
        if not self.stats:
            return 0.0
        return self.stats.small_throughput(self.ceiling.tenant) / self.ceiling.requests_per_second

    @property
    def final_line(self) -> str:
        ceiling = self.ceiling.requests_per_second if self.ceiling else 0.0
        return (f"push throughput: {self.throughput:.1f}/s (ratio {self.ratio:.2f} of wrk ceiling {ceiling:.1f}/s), "
                f"failures {self.failures}, lost {self.lost}")

    @property
    def exit_code(self) -> int:
        return 1 if (self.failures or self.lost or self.errors) else 0


class LoadRunError(RuntimeError):
    """A Locust run itself did not happen (crashed, timed out, pushed nothing)."""


def run_load(platform: Platform, tenants: list[Tenant], options: LoadOptions,
             say: Callable[[str], None] = print) -> LoadResult:
    """The whole `make load` against `platform`; prints as it goes, returns what it measured."""
    run_id = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + "-" + secrets.token_hex(2)
    out_dir = Path(options.out) if options.out else platform.state_dir / "load" / run_id
    out_dir.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []

    def report(line: str) -> None:
        lines.append(line)
        say(line)

    result = LoadResult(out_dir=out_dir)
    targets = tenant_targets(platform, tenants)
    result.ceiling_tenant = options.ceiling_tenant or tenants[0].name
    ceiling_target = targets[result.ceiling_tenant]
    pids = gateway_pids(platform, tenants)
    report(f"load run {run_id}: shape {options.shape} over {len(targets)} tenants ({', '.join(targets)}); "
           f"reports in {out_dir}")
    try:
        swept = sweep_leftovers(targets)
        if swept:
            report(f"deleted {swept} groups of interrupted earlier load runs (job {LOAD_JOB})")
        if options.runs_capacity:
            run_capacity_shape(targets, pids, run_id, options, out_dir, result, report)
        report("")
        # Before the cleanup: wrk meets the gateway holding the groups the capacity pushes made.
        ceiling_path = group_path(run_id, CEILING_WORKFLOW)
        request = Pushgateway(ceiling_target.url, username=ceiling_target.username,
                              password=ceiling_target.password, identity=None).prepare(
            "PUT", payloads.metric_set("small", 1), LOAD_JOB, grouping_key(run_id, CEILING_WORKFLOW))
        with CpuSampler({"gateway": pids[ceiling_target.name]} if ceiling_target.name in pids else {}) as sampler:
            result.ceiling = measure_ceiling(ceiling_target, ceiling_path, request.body or b"", out_dir,
                                             seconds=options.ceiling_seconds, headers=request.headers)
        wrk_cores = _whole_run(sampler.samples, "gateway")
        machine = _whole_run(sampler.samples, MACHINE)
        other = "n/a" if machine is None else f"{max(0.0, machine - (wrk_cores or 0.0)):.2f}"
        report(f"wrk ceiling: {result.ceiling.requests_per_second:.1f} PUTs/s of the small payload to "
               f"{ceiling_target.name}'s Pushgateway (p50 {_ms(result.ceiling.latency_p50_ms)}, "
               f"p99 {_ms(result.ceiling.latency_p99_ms)}; of {CORES} cores the gateway used {_cores(wrk_cores)}, "
               f"wrk and everything else {other})")
        if result.ceiling_capacity is not None:
            report(f"capacity of {ceiling_target.name}'s gateway against wrk: {result.ceiling_capacity.sustained:.1f}/s "
                   f"= ratio {result.ratio:.2f}"
                   + (" (generator-bound: not the gateway's capacity)" if result.ceiling_capacity.generator_bound else ""))
        if options.runs_workflows:
            run_workflows_shape(platform, targets, pids, run_id, options, out_dir, result, report)
    except (LoadRunError, LocustStatsError, CheckError, PrometheusError, CeilingError, CapacityPlanError,
            SimplepipeError, OSError, ValueError, KeyError) as exc:
        result.errors.append(str(exc))
        report(f"ERROR: {exc}")
    finally:
        deleted = delete_run_groups(targets, run_id)
        report(f"deleted this run's {deleted} groups from the gateways")

    if options.growth_sizes:
        report("")
        report("growth: push latency against a throwaway Pushgateway holding n groups of the small payload")
        try:
            result.growth = measure_growth(options.growth_sizes, small_body(), push_small,
                                           probes=options.growth_probes, work_dir=out_dir)
            report(result.growth.table())
            report(result.growth.expectation())
        except (GrowthError, SimplepipeError) as exc:
            result.errors.append(str(exc))
            report(f"ERROR: {exc}")
    if options.pictures:
        draw_pictures(result, options, report)
    report("")
    report(result.final_line)
    write_html_report(result, lines)
    return result


def run_capacity_shape(targets: dict[str, TenantTarget], pids: dict[str, int], run_id: str, options: LoadOptions,
                       out_dir: Path, result: LoadResult, report: Callable[[str], None]) -> None:
    """One stepped ramp per tenant gateway, one gateway at a time (as wrk measures one)."""
    report("")
    report(f"capacity: Simplepipe's pre-rendered small push, PUT by Locust FastHttpUsers "
           f"({options.capacity_processes} process{'es' if options.capacity_processes > 1 else ''}, "
           f"{capacity_shape.PER_USER_RATE:g} pushes/s per user), offered rate stepped up every "
           f"{options.capacity_step_seconds:g}s until a step's p99 passes {capacity_shape.P99_BOUND_MS:g} ms, "
           f"an error appears or the rate is not reached")
    for name, target in targets.items():
        tenant_dir = out_dir / "capacity" / name
        tenant_dir.mkdir(parents=True, exist_ok=True)
        plan = capacity_shape.write_plan(target, run_id, tenant_dir, options.capacity_processes,
                                         options.capacity_rates, step_seconds=options.capacity_step_seconds)
        gateway_role = f"gateway {name}"
        limit = options.capacity_step_seconds * (len(options.capacity_rates) + 2) + STOP_TIMEOUT_SECONDS + 60
        with CpuSampler({gateway_role: pids[name]} if name in pids else {}) as sampler:
            run_locust(CAPACITY_LOCUSTFILE, {CAPACITY_PLAN_ENV: str(plan)}, [
                "--users", "1", "--processes", str(options.capacity_processes),
            ] if options.capacity_processes > 1 else ["--users", "1"], tenant_dir, limit, sampler)
        capacity, _ = capacity_shape.analyse(name, tenant_dir, options.capacity_processes, sampler.samples,
                                             gateway_role)
        if not capacity.steps:
            raise LoadRunError(f"the capacity shape of {name} measured no step: see {tenant_dir / 'locust.log'}")
        result.capacities[name] = capacity
        report("")
        report(f"capacity of {name}'s gateway (per step; numbers from its second second on):")
        report(capacity.table())
        report(capacity.summary())


def run_workflows_shape(platform: Platform, targets: dict[str, TenantTarget], pids: dict[str, int], run_id: str,
                        options: LoadOptions, out_dir: Path, result: LoadResult,
                        report: Callable[[str], None]) -> None:
    """Paced SDK pushes as workflows make them; latency percentiles and nothing lost."""
    report("")
    report(f"workflows: {options.users} users (simulated workflows) pushing through Simplepipe's SDK, "
           f"{options.duration}s")
    plan = LoadPlan(run_id=run_id, out_dir=str(out_dir), tenants=list(targets.values()), pacing=options.pacing)
    roles = {f"gateway {name}": pid for name, pid in pids.items()}
    with CpuSampler(roles) as sampler:
        run_locust(LOCUSTFILE, {PLAN_ENV: str(plan.save(out_dir / "plan.json"))}, [
            "--users", str(options.users), "--spawn-rate", str(options.spawn_rate),
            "--run-time", f"{options.duration}s", "--stop-timeout", str(STOP_TIMEOUT_SECONDS),
            "--csv", str(out_dir / "locust"), "--html", str(out_dir / "locust.html"),
            "--json-file", str(out_dir / "locust-stats"),
        ] + (["--processes", str(options.processes)] if options.processes > 1 else []),
            out_dir, options.duration + STOP_TIMEOUT_SECONDS + 60, sampler)
    result.workflows_cpu = ShapeCpu(
        generator=_whole_run(sampler.samples, "generator"),
        gateways={name: _whole_run(sampler.samples, f"gateway {name}") for name in targets},
        machine=_whole_run(sampler.samples, MACHINE))
    result.stats = read_locust_stats(out_dir / "locust-stats.json", payloads.KINDS)
    result.groups = read_ledgers(out_dir)
    if not result.stats.total.pushes or not result.groups:
        raise LoadRunError(f"Locust pushed nothing: see {out_dir / 'locust.log'}")
    report(f"Locust: {result.stats.total.pushes} pushes in {result.stats.seconds:.1f}s "
           f"(latency: the Simplepipe client's push call, in ms)")
    report(result.stats.table())
    report(result.workflows_cpu.line(options.processes))

    report("")
    report(f"nothing lost: {len(result.groups)} groups, last recorded push of each, "
           f"in the tenants' Pushgateways and one scrape later in Prometheus")
    result.losses = check_pushgateways(result.groups, targets, run_id)
    prometheus = PrometheusClient(platform.prometheus_url, timeout=30.0)
    result.losses += check_prometheus(result.groups, prometheus.query, run_id, timeout=options.prometheus_timeout)
    for loss in result.losses:
        report(f"  LOST {loss}")
    report(f"  {result.lost} of {len(result.groups)} groups lost")


def _whole_run(samples: CpuSamples, role: str) -> float | None:
    if len(samples.times) < 2:
        return None
    return samples.cores(role, samples.times[0], samples.times[-1])


def draw_pictures(result: LoadResult, options: LoadOptions, report: Callable[[str], None]) -> None:
    """PNGs next to the HTML report; a picture that cannot be drawn is named, not fatal."""
    from load import pictures
    from load.capacity_plan import REQUEST_NAME

    try:
        for name, capacity in result.capacities.items():
            timeline = read_timelines(result.out_dir / "capacity" / name)
            # Every step the shape ran, also those cut short by a repeat: what was offered when.
            steps = json.loads((result.out_dir / "capacity" / name / "capacity-steps.json").read_text())
            offered = [(step["start"], step["end"], step["rate"]) for step in steps if step.get("end")]
            result.pictures.append(pictures.shape_picture(
                result.out_dir / f"capacity-{name}.png", f"capacity: {name}'s gateway ({capacity.bottleneck})",
                timeline, [REQUEST_NAME], offered=offered, bound_ms=capacity.p99_bound_ms))
        if result.stats is not None:
            result.pictures.append(pictures.shape_picture(
                result.out_dir / "workflows.png", f"workflows: {options.users} simulated workflows (SDK pushes)",
                read_timelines(result.out_dir)))
        if result.growth is not None:
            result.pictures.append(pictures.growth_picture(result.out_dir / "growth.png", result.growth))
    except (OSError, ValueError) as exc:
        report(f"WARNING: pictures not drawn: {exc}")
        return
    report(f"pictures: {', '.join(p.name for p in result.pictures)} in {result.out_dir}")


def write_html_report(result: LoadResult, lines: list[str]) -> Path:
    """report.html: the printed report and the pictures, beside Locust's own locust.html."""
    images = "\n".join(f'<p><img src="{html.escape(p.name)}" alt="{html.escape(p.stem)}"></p>' for p in result.pictures)
    path = result.out_dir / "report.html"
    path.write_text(f"<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Simplepipe load run</title></head>"
                    f"<body><h1>Simplepipe load run</h1>\n<pre>{html.escape(chr(10).join(lines))}</pre>\n"
                    f"{images}\n</body></html>\n")
    return path


def run_locust(locustfile: Path, plan_env: dict[str, str], arguments: list[str], out_dir: Path, limit: float,
               sampler: CpuSampler | None = None) -> None:
    """Headless Locust in its own process (gevent's monkey-patching stays out of this one)."""
    command = [
        sys.executable, "-m", "locust", "-f", str(locustfile), "--headless", "--only-summary",
        "--exit-code-on-error", "0",  # failed pushes are this run's verdict, not Locust's
    ] + arguments
    env = dict(os.environ, **plan_env, **{
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
        # The load is not an Argo step: no workflow identity labels on its series.
        "SIMPLEPIPE_WORKFLOW_IDENTITY": "off",
    })
    with open(out_dir / "locust.log", "wb") as log:
        process = ChildProcess("locust", subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log,
                                                          stderr=subprocess.STDOUT), stop_grace=15.0)
        if sampler is not None:
            sampler.generator_root = process.pid
        try:
            returncode = process.popen.wait(limit)
        except subprocess.TimeoutExpired:
            process.stop()
            raise LoadRunError(f"Locust did not finish within {limit:.0f}s: see {out_dir / 'locust.log'}") from None
        except BaseException:  # Ctrl-C: no Locust left behind
            process.stop()
            raise
    if returncode != 0:
        raise LoadRunError(f"Locust exited with {returncode}: see {out_dir / 'locust.log'}")


def group_path(run_id: str, workflow: str) -> str:
    """URL path of a load group below /metrics/ (the Pushgateway's grouping-key path)."""
    key = grouping_key(run_id, workflow)
    return f"job/{LOAD_JOB}/" + "/".join(f"{name}/{value}" for name, value in key.items())


def small_body() -> bytes:
    """The small payload exactly as Simplepipe's client sends it."""
    return payloads.exposition("small", 1)


def push_small(url: str) -> None:
    Pushgateway(url, timeout=30.0, retries=0).push(payloads.metric_set("small", 1), job=GROWTH_JOB)


def sweep_leftovers(targets: dict[str, TenantTarget]) -> int:
    """Delete every load group (job simplepipe-load) left behind by an interrupted earlier run."""
    return sum(_delete_groups(target, lambda labels: labels.get("job") == LOAD_JOB) for target in targets.values())


def delete_run_groups(targets: dict[str, TenantTarget], run_id: str) -> int:
    """Delete this run's groups so repeated runs never accumulate in a tenant's gateway."""
    total = 0
    for target in targets.values():
        try:
            total += _delete_groups(target, lambda labels: labels.get("job") == LOAD_JOB
                                    and labels.get(RUN_LABEL) == run_id)
        except (CheckError, SimplepipeError) as exc:
            print(f"WARNING: could not delete the load's groups from {target.name}'s gateway: {exc}")
    return total


def _delete_groups(target: TenantTarget, chosen: Callable[[dict], bool]) -> int:
    gateway = Pushgateway(target.url, username=target.username, password=target.password, timeout=60.0, retries=1)
    deleted = 0
    for group in gateway_groups(target):
        labels = dict(group["labels"])
        if chosen(labels):
            job = labels.pop("job")
            gateway.delete(job, labels)
            deleted += 1
    return deleted


def _cores(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} ms"


def parse_args(argv: list[str] | None) -> tuple[argparse.Namespace, LoadOptions]:
    default = LoadOptions()
    parser = argparse.ArgumentParser(prog="python -m load.run", description=__doc__.split("\n")[0])
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


def main(argv: list[str] | None = None) -> int:
    args, options = parse_args(argv)
    try:
        platform = open_platform(args.platform, args.state_dir)
    except PlatformNotRunningError as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 2
    tenants = platform.tenants
    if args.faults:
        return _faults(platform, tenants, args.short)
    if options.ceiling_tenant and options.ceiling_tenant not in {t.name for t in tenants}:
        print(f"ERROR: --ceiling-tenant {options.ceiling_tenant!r} is not in platform/tenants.yaml", file=sys.stderr)
        return 2
    try:
        result = run_load(platform, tenants, options, say=lambda line: print(line, flush=True))
    finally:
        platform.close()  # kind: the port-forwards to the gateways
    return result.exit_code


def _faults(platform: Platform, tenants: list[Tenant], short: bool) -> int:
    from load.faults import SHORT, FaultOptions, run_faults

    if not hasattr(platform, "supervisor_status"):
        print(f"ERROR: --faults runs on the local platform (its supervisor restarts what is killed), "
              f"not on {platform.name}", file=sys.stderr)
        return 2
    result = run_faults(platform, tenants, SHORT if short else FaultOptions(), say=lambda line: print(line, flush=True))
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
