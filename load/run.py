"""`make load`: the capacity shape and the workflows shape against the running platform, then the growth curve.

    python -m load.run --platform local [--shape capacity|workflows|both] [--users 20 --duration 60 --out DIR]
    python -m load.run --platform local --faults [--short]   (faults during pushes: load/faults.py)

Ends with the two lines other tooling parses:
    push throughput: N/s (ratio R of wrk ceiling M/s), failures F, lost L
    capacity within p99 B ms: C/s
N is the most pushes/s Locust reached without failures on the first tenant's gateway (with --shape
workflows: the workflows' small pushes to it), R its ratio to wrk's unbounded throughput on the same
gateway (the generator's adequacy); C the highest rate whose p99 stayed within B ms, found by bisection.
Exits non-zero when a push failed, a group was lost, or a measurement could not run.
"""
from __future__ import annotations

import secrets
import sys
import time
from collections.abc import Callable
from pathlib import Path

from harness.errors import PlatformError
from harness.paths import REPO_ROOT
from harness.platform import Platform
from harness.prometheus_api import PrometheusError
from harness.tenants import Tenant
from load import capacity as capacity_shape
from load import html_report, payloads, pictures
from load.capacity import Capacity
from load.capacity_plan import BISECTION, CAPACITY_PLAN_ENV, THROUGHPUT, CapacityPlanError
from load.ceiling import CeilingError, measure_ceiling
from load.cpu import CORES, MACHINE, CpuSampler
from load.faults import SHORT, FaultOptions, run_faults
from load.freshness import FreshnessError, measure_freshness
from load.tenant_scale import TenantScaleError, run_tenant_scale
from load.groups import delete_run_groups, group_path, push_small, small_body, sweep_leftovers
from load.growth import GrowthError, measure_growth
from load.html_report import write_html_report
from load.locust_process import STOP_TIMEOUT_SECONDS, LoadRunError, run_locust
from load.nothing_lost import CheckError
from load.options import LoadOptions, parse_args
from load.plan import LOAD_JOB, PLAN_ENV, LoadPlan, TenantTarget, grouping_key
from load.report import LocustStatsError
from load.result import LoadResult, ShapeCpu, cores, ms, whole_run
from load.targets import PlatformNotRunningError, gateway_pids, open_platform, tenant_targets
from load.workflows_check import check_workflows
from load.cluster_run import run_in_cluster
from simplepipe.errors import SimplepipeError
from simplepipe.pushgateway import Pushgateway

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
CAPACITY_LOCUSTFILE = Path(__file__).with_name("capacity_locustfile.py")
CEILING_WORKFLOW = "wrk-ceiling"
# Locust's throughput at this share of wrk's or more: the generator is adequate to measure the gateway.
ADEQUATE_RATIO = 0.9


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

        def wrk_ceiling() -> None:
            # Right after Locust's throughput on the same gateway, so that the ratio compares like with like.
            report("")
            measure_wrk_ceiling(ceiling_target, pids, run_id, options, out_dir, result, report)

        if options.runs_capacity:
            run_capacity_shape(targets, pids, run_id, options, out_dir, result, report,
                               after_throughput={result.ceiling_tenant: wrk_ceiling})
        else:
            wrk_ceiling()
        if options.runs_workflows:
            run_workflows_shape(platform, targets, pids, run_id, options, out_dir, result, report)
        if options.freshness_pushes or options.alert_probes:
            report("")
            ceiling_tenant = next(t for t in tenants if t.name == result.ceiling_tenant)
            result.freshness = measure_freshness(platform, platform.prometheus(timeout=10.0),
                                                 ceiling_tenant, run_id, options.freshness_pushes,
                                                 options.alert_probes, report)
            for line in result.freshness.lines():
                report(line)
    except (LoadRunError, LocustStatsError, CheckError, PrometheusError, CeilingError, CapacityPlanError,
            FreshnessError, SimplepipeError, OSError, ValueError, KeyError) as exc:
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
    html_report.finish(result, options, lines, report)
    return result


def measure_wrk_ceiling(target: TenantTarget, pids: dict[str, int], run_id: str, options: LoadOptions, out_dir: Path,
                        result: LoadResult, report: Callable[[str], None]) -> None:
    """wrk's unbounded PUTs of the small payload to `target`'s gateway (holding the groups the load made)."""
    request = Pushgateway(target.url, username=target.username, password=target.password, identity=None).prepare(
        "PUT", payloads.metric_set("small", 1), LOAD_JOB, grouping_key(run_id, CEILING_WORKFLOW))
    with CpuSampler({"gateway": pids[target.name]} if target.name in pids else {}) as sampler:
        result.ceiling = measure_ceiling(target, group_path(run_id, CEILING_WORKFLOW), request.body or b"", out_dir,
                                         seconds=options.ceiling_seconds, headers=request.headers)
    wrk_cores = whole_run(sampler.samples, "gateway")
    machine = whole_run(sampler.samples, MACHINE)
    other = "n/a" if machine is None else f"{max(0.0, machine - (wrk_cores or 0.0)):.2f}"
    report(f"wrk ceiling: {result.ceiling.requests_per_second:.1f} PUTs/s of the small payload to "
           f"{target.name}'s Pushgateway (p50 {ms(result.ceiling.latency_p50_ms)}, "
           f"p99 {ms(result.ceiling.latency_p99_ms)}; of {CORES} cores the gateway used {cores(wrk_cores)}, "
           f"wrk and everything else {other})")
    capacity = result.ceiling_capacity
    if capacity is not None:
        verdict = "the generator keeps up" if result.ratio >= ADEQUATE_RATIO else \
            f"below {ADEQUATE_RATIO:g}: {capacity.throughput_bound} in its best step"
        report(f"Locust's throughput on {target.name}'s gateway against wrk: {capacity.throughput:.1f}/s = ratio "
               f"{result.ratio:.2f} ({verdict})")


def run_capacity_shape(targets: dict[str, TenantTarget], pids: dict[str, int], run_id: str, options: LoadOptions,
                       out_dir: Path, result: LoadResult, report: Callable[[str], None],
                       after_throughput: dict[str, Callable[[], None]] | None = None) -> None:
    """Per tenant gateway, one at a time (as wrk measures one): Locust's failure-free throughput, then the
    rate within the p99 bound, bisected below it. `after_throughput[name]` runs between the two phases."""
    report("")
    report(f"capacity: Simplepipe's pre-rendered small push, PUT by Locust FastHttpUsers ({_generator(options)}); "
           f"throughput with {', '.join(map(str, options.capacity_concurrency))} users pushing back to back, then the "
           f"offered rate ({capacity_shape.PER_USER_RATE:g} pushes/s per user) bisected for p99 within "
           f"{capacity_shape.P99_BOUND_MS:g} ms to {options.capacity_precision:.0%}, {options.capacity_step_seconds:g} s "
           f"per step")
    for name, target in targets.items():
        capacity = Capacity(tenant=name, processes=options.processes, p99_bound_ms=capacity_shape.P99_BOUND_MS)
        gateway_role = f"gateway {name}"
        for mode in (THROUGHPUT, BISECTION):
            if mode == BISECTION and capacity.throughput <= 0:
                raise LoadRunError(f"the capacity shape of {name} reached no failure-free throughput: "
                                   f"see {out_dir / 'capacity' / name / THROUGHPUT / 'locust.log'}")
            phase_dir = out_dir / "capacity" / name / mode
            phase_dir.mkdir(parents=True, exist_ok=True)
            plan = capacity_shape.write_plan(
                target, run_id, phase_dir, mode, options.processes, concurrency=options.capacity_concurrency,
                high=capacity.throughput, step_seconds=options.capacity_step_seconds,
                precision=options.capacity_precision, max_probes=options.capacity_max_probes)
            steps = len(options.capacity_concurrency) if mode == THROUGHPUT else options.capacity_max_probes
            limit = (options.capacity_step_seconds + 3) * (steps + 1) + STOP_TIMEOUT_SECONDS + 60
            with CpuSampler({gateway_role: pids[name]} if name in pids else {}) as sampler:
                run_locust(CAPACITY_LOCUSTFILE, {CAPACITY_PLAN_ENV: str(plan)}, ["--users", "1"], phase_dir, limit,
                           sampler, workers=options.workers)
            measured = capacity_shape.analyse(mode, phase_dir, sampler.samples, gateway_role)
            if not measured:
                raise LoadRunError(f"the capacity shape of {name} measured no {mode} step: see {phase_dir / 'locust.log'}")
            if mode == THROUGHPUT:
                capacity.throughput_steps = measured
                result.capacities[name] = capacity
                (after_throughput or {}).get(name, lambda: None)()
            else:
                capacity.steps = measured
        report("")
        report(f"capacity of {name}'s gateway (numbers of each step from its second second on):")
        report(capacity.table())
        report(capacity.summary())


def _generator(options: LoadOptions) -> str:
    if options.workers:
        return f"Locust's distributed mode: a master and {options.workers} worker process{'es' if options.workers > 1 else ''}"
    return "one Locust process"


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
        ], out_dir, options.duration + STOP_TIMEOUT_SECONDS + 60, sampler, workers=options.workers)
    result.workflows_cpu = ShapeCpu(
        generator=whole_run(sampler.samples, "generator"),
        gateways={name: whole_run(sampler.samples, f"gateway {name}") for name in targets},
        machine=whole_run(sampler.samples, MACHINE),
        processes={role: whole_run(sampler.samples, role) for role in sampler.gateways if not role.startswith("gateway ")})
    check_workflows(platform, targets, run_id, out_dir, result, report,
                    cpu_line=result.workflows_cpu.line(options.processes))


def run_tenants_shape(options: LoadOptions, out_dir: Path, say: Callable[[str], None]) -> int:
    """The tenants shape: throwaway platforms of its own, so no running platform is needed."""
    lines: list[str] = []

    def report(line: str) -> None:
        lines.append(line)
        say(line)

    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        scale = run_tenant_scale(options.tenant_counts, out_dir, report)
    except (TenantScaleError, PlatformError, SimplepipeError, PrometheusError, OSError) as exc:
        report(f"ERROR: {exc}")
        write_html_report(LoadResult(out_dir=out_dir), lines)
        return 1
    report("")
    report(scale.table())
    report("")
    report("targets:")
    verdicts = scale.verdicts()
    for line in verdicts:
        report(line)
    result = LoadResult(out_dir=out_dir)
    if options.pictures:
        result.pictures.append(pictures.tenant_scale_picture(out_dir / "tenants.png", scale))
        report(f"pictures: tenants.png in {out_dir}")
    write_html_report(result, lines)
    return 1 if any("MISSED" in line for line in verdicts) else 0


def main(argv: list[str] | None = None) -> int:
    args, options = parse_args(argv)
    if options.shape == "tenants":
        out_dir = Path(options.out) if options.out else \
            REPO_ROOT / ".state" / "local" / "load" / (time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + "-tenants")
        return run_tenants_shape(options, out_dir, say=lambda line: print(line, flush=True))
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
    if args.platform == "kind" and options.workers and options.shape == "capacity":
        print("ERROR: with --workers on kind the load runs in the cluster, the workflows shape; the capacity shape "
              "measures one gateway from this machine: leave out --workers", file=sys.stderr)
        return 2
    try:
        if args.platform == "kind" and options.workers:  # load past one machine: Locust's master and workers in the cluster
            result = run_in_cluster(platform, tenants, options, say=lambda line: print(line, flush=True))
        else:
            result = run_load(platform, tenants, options, say=lambda line: print(line, flush=True))
    finally:
        platform.close()  # kind: the port-forwards to the gateways
    return result.exit_code


def _faults(platform: Platform, tenants: list[Tenant], short: bool) -> int:
    if not hasattr(platform, "supervisor_status"):
        print(f"ERROR: --faults runs on the local platform (its supervisor restarts what is killed), "
              f"not on {platform.name}", file=sys.stderr)
        return 2
    result = run_faults(platform, tenants, SHORT if short else FaultOptions(), say=lambda line: print(line, flush=True))
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
