"""`make load`: Locust against the running platform, then nothing-lost, the wrk ceiling and the growth curve.

    python -m load.run --platform local [--users 20 --spawn-rate 10 --duration 60 --out DIR]
    python -m load.run --platform local --faults [--short]   (faults during pushes: load/faults.py)

Ends with the one line other tooling parses:
    push throughput: N/s (ratio R of wrk ceiling M/s), failures F, lost L
and exits non-zero when a push failed, a group was lost, or a measurement could not run.
"""
from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from harness.platform import Platform
from harness.processes import ChildProcess
from harness.promql import PrometheusClient, PrometheusError
from harness.tenants import REPO_ROOT, Tenant
from load import payloads
from load.ceiling import Ceiling, CeilingError, measure_ceiling
from load.growth import GrowthCurve, GrowthError, measure_growth
from load.ledger import GroupRecord, read_ledgers
from load.nothing_lost import CheckError, Loss, check_prometheus, check_pushgateways, gateway_groups
from load.plan import LOAD_JOB, PLAN_ENV, RUN_LABEL, LoadPlan, TenantTarget, grouping_key
from load.report import LoadStats, LocustStatsError, read_locust_stats
from load.targets import PLATFORMS, PlatformNotRunningError, open_platform, tenant_targets
from simplepipe.errors import SimplepipeError
from simplepipe.pushgateway import Pushgateway

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
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
    ceiling_seconds: int = 10
    ceiling_tenant: str | None = None
    growth_sizes: list[int] = field(default_factory=lambda: [1, 1000, 10000])
    growth_probes: int = 30
    pacing: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_PACING))
    prometheus_timeout: float = 30.0


@dataclass
class LoadResult:
    out_dir: Path
    stats: LoadStats | None = None
    groups: list[GroupRecord] = field(default_factory=list)
    losses: list[Loss] = field(default_factory=list)
    ceiling: Ceiling | None = None
    growth: GrowthCurve | None = None
    errors: list[str] = field(default_factory=list)  # measurements that could not run

    @property
    def failures(self) -> int:
        return self.stats.total.failures if self.stats else 0

    @property
    def lost(self) -> int:
        return len({(loss.tenant, loss.workflow) for loss in self.losses})

    @property
    def throughput(self) -> float:
        return self.stats.total.throughput(self.stats.seconds) if self.stats else 0.0

    @property
    def ratio(self) -> float:
        if not (self.stats and self.ceiling and self.ceiling.requests_per_second):
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
    """The Locust run itself did not happen (crashed, timed out, pushed nothing)."""


def run_load(platform: Platform, tenants: list[Tenant], options: LoadOptions,
             say: Callable[[str], None] = print) -> LoadResult:
    """The whole `make load` against `platform`; prints as it goes, returns what it measured."""
    run_id = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + "-" + secrets.token_hex(2)
    out_dir = Path(options.out) if options.out else platform.state_dir / "load" / run_id
    out_dir.mkdir(parents=True, exist_ok=True)
    result = LoadResult(out_dir=out_dir)
    targets = tenant_targets(platform, tenants)
    ceiling_target = targets[options.ceiling_tenant or tenants[0].name]
    say(f"load run {run_id}: {options.users} users over {len(targets)} tenants "
        f"({', '.join(targets)}), {options.duration}s; reports in {out_dir}")
    try:
        swept = sweep_leftovers(targets)
        if swept:
            say(f"deleted {swept} groups of interrupted earlier load runs (job {LOAD_JOB})")
        plan = LoadPlan(run_id=run_id, out_dir=str(out_dir), tenants=list(targets.values()), pacing=options.pacing)
        run_locust(plan.save(out_dir / "plan.json"), options, out_dir)
        result.stats = read_locust_stats(out_dir / "locust-stats.json", payloads.KINDS)
        result.groups = read_ledgers(out_dir)
        if not result.stats.total.pushes or not result.groups:
            raise LoadRunError(f"Locust pushed nothing: see {out_dir / 'locust.log'}")
        say("")
        say(f"Locust: {result.stats.total.pushes} pushes in {result.stats.seconds:.1f}s "
            f"(latency: the Simplepipe client's push call, in ms)")
        say(result.stats.table())

        say("")
        say(f"nothing lost: {len(result.groups)} groups, last recorded push of each, "
            f"in the tenants' Pushgateways and one scrape later in Prometheus")
        result.losses = check_pushgateways(result.groups, targets, run_id)
        prometheus = PrometheusClient(platform.prometheus_url, timeout=30.0)
        result.losses += check_prometheus(result.groups, prometheus.query, run_id, timeout=options.prometheus_timeout)
        for loss in result.losses:
            say(f"  LOST {loss}")
        say(f"  {result.lost} of {len(result.groups)} groups lost")

        say("")
        # Before the cleanup: wrk meets the gateway holding the same groups the load's pushes met.
        result.ceiling = measure_ceiling(
            ceiling_target, group_path(run_id, CEILING_WORKFLOW), small_body(), out_dir,
            seconds=options.ceiling_seconds,
        )
        small = result.stats.small_throughput(ceiling_target.name)
        say(f"wrk ceiling: {result.ceiling.requests_per_second:.1f} PUTs/s of the small payload to "
            f"{ceiling_target.name}'s Pushgateway (p50 {_ms(result.ceiling.latency_p50_ms)}, "
            f"p99 {_ms(result.ceiling.latency_p99_ms)}); Locust's small pushes to {ceiling_target.name}: "
            f"{small:.1f}/s = ratio {result.ratio:.2f}")
    except (LoadRunError, LocustStatsError, CheckError, PrometheusError, CeilingError, SimplepipeError) as exc:
        result.errors.append(str(exc))
        say(f"ERROR: {exc}")
    finally:
        deleted = delete_run_groups(targets, run_id)
        say(f"deleted this run's {deleted} groups from the gateways")

    if options.growth_sizes:
        say("")
        say("growth: push latency against a throwaway Pushgateway holding n groups of the small payload")
        try:
            result.growth = measure_growth(options.growth_sizes, small_body(), push_small,
                                           probes=options.growth_probes, work_dir=out_dir)
            say(result.growth.table())
            say(result.growth.expectation())
        except (GrowthError, SimplepipeError) as exc:
            result.errors.append(str(exc))
            say(f"ERROR: {exc}")
    say("")
    say(result.final_line)
    return result


def run_locust(plan_path: Path, options: LoadOptions, out_dir: Path) -> None:
    """Headless Locust in its own process (gevent's monkey-patching stays out of this one)."""
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
        "--users", str(options.users), "--spawn-rate", str(options.spawn_rate),
        "--run-time", f"{options.duration}s", "--stop-timeout", str(STOP_TIMEOUT_SECONDS),
        "--csv", str(out_dir / "locust"), "--html", str(out_dir / "locust.html"),
        "--json-file", str(out_dir / "locust-stats"), "--only-summary",
        "--exit-code-on-error", "0",  # failed pushes are this run's verdict, not Locust's
    ] + (["--processes", str(options.processes)] if options.processes > 1 else [])
    env = dict(os.environ, **{
        PLAN_ENV: str(plan_path),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
        # The load is not an Argo step: no workflow identity labels on its series.
        "SIMPLEPIPE_WORKFLOW_IDENTITY": "off",
    })
    limit = options.duration + STOP_TIMEOUT_SECONDS + 60
    with open(out_dir / "locust.log", "wb") as log:
        process = ChildProcess("locust", subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log,
                                                          stderr=subprocess.STDOUT), stop_grace=15.0)
        try:
            returncode = process.popen.wait(limit)
        except subprocess.TimeoutExpired:
            process.stop()
            raise LoadRunError(f"Locust did not finish within {limit}s: see {out_dir / 'locust.log'}") from None
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
    for name in ("users", "duration", "processes", "ceiling_seconds", "growth_probes"):
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
    return args, LoadOptions(
        users=args.users, spawn_rate=args.spawn_rate, duration=args.duration, out=args.out,
        processes=args.processes, ceiling_seconds=args.ceiling_seconds, ceiling_tenant=args.ceiling_tenant,
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
