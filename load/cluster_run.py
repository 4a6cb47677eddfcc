"""`make load PLATFORM=kind LOAD_ARGS="--workers N"`: the load past one machine, in the cluster.

Locust's master and N worker pods (platform/k8s/load/chart) push to every tenant's Pushgateway at its in-cluster URL,
so the load grows with the worker count, not with this machine: the workflows shape (simulated workflows pushing
through Simplepipe's SDK, paced as locally). This run builds and loads the images (the pods run this checkout's
load/), installs the release with the run's values, waits until the master has finished, copies its folder back
(Locust's statistics and HTML report, every worker's ledger, timeline and CPU, shipped to the master over
Locust's own protocol), removes the release, and reports as a local run does: the statistics, each worker's CPU,
and nothing lost (each group's last acknowledged push in its gateway and in Prometheus, read from here through
port-forwards). Groups of the run are deleted from the gateways at the end.

The capacity shape and wrk's ceiling measure one gateway from one machine; they run without --workers.
"""
from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from pathlib import Path

from harness.errors import PlatformError
from harness.kind import image as kind_image
from harness.kind import prerequisites
from harness.kind.load_release import LoadRelease, LoadRun
from harness.platform import Platform
from harness.prometheus_api import PrometheusError
from harness.tenants import Tenant
from load import html_report, shipping
from load.groups import delete_run_groups, sweep_leftovers
from load.locust_process import LoadRunError
from load.nothing_lost import CheckError
from load.options import LoadOptions
from load.report import LocustStatsError
from load.result import LoadResult
from load.targets import tenant_targets
from load.workflows_check import check_workflows
from simplepipe.errors import SimplepipeError

TOOLS = ("docker", "kind", "kubectl", "helm", "helmfile")
# A worker pod's CPU limit (harness/kind/load_chart.py): a worker near it is CPU-bound, add workers.
BUSY_WORKER_CORES = 0.9


def run_id_now() -> str:
    """A run id that is also a DNS label (the chart's runId): lower case."""
    return time.strftime("%Y%m%dt%H%M%S", time.gmtime()) + "-" + secrets.token_hex(2)


def worker_line(cpu: dict[str, float]) -> str:
    if not cpu:
        return "CPU of the workers: not reported (no worker shipped its records to the master)"
    busy = [name for name, cores in cpu.items() if cores >= BUSY_WORKER_CORES]
    verdict = (f"; {', '.join(busy)} near its 1-core limit: the generator is CPU-bound, add workers" if busy
               else "; none near its 1-core limit")
    return ("CPU of the workers (cores, over each one's run): "
            + ", ".join(f"{name} {cores:.2f}" for name, cores in cpu.items()) + verdict)


def run_in_cluster(platform: Platform, tenants: list[Tenant], options: LoadOptions,
                   say: Callable[[str], None] = print) -> LoadResult:
    """The workflows shape with Locust's master and `options.workers` workers in the kind cluster."""
    run_id = run_id_now()
    out_dir = Path(options.out) if options.out else platform.state_dir / "load" / run_id
    out_dir.mkdir(parents=True, exist_ok=True)
    records = out_dir  # the master's folder lands where a local run writes its own (draw_pictures reads it there)
    lines: list[str] = []

    def report(line: str) -> None:
        lines.append(line)
        say(line)

    result = LoadResult(out_dir=out_dir)
    report(f"load run {run_id} in the cluster: Locust's master and {options.workers} worker pods, {options.users} users "
           f"(simulated workflows) over {len(tenants)} tenants' gateways at their in-cluster URLs, "
           f"{options.duration}s; reports in {out_dir}")
    if options.runs_capacity:
        report("(the capacity shape and wrk's ceiling measure one gateway from this machine: run them without "
               "--workers)")
    targets = tenant_targets(platform, tenants)  # port-forwards: the sweep, nothing lost, the cleanup
    try:
        swept = sweep_leftovers(targets)
        if swept:
            report(f"deleted {swept} groups of interrupted earlier load runs")
        tools = prerequisites.require(TOOLS)
        for tag in kind_image.build_and_load(tools):  # the pods run this checkout's load/
            report(f"image {tag} loaded into the kind node")
        load_run = LoadRun(workers=options.workers, users=options.users, spawn_rate=options.spawn_rate,
                           run_seconds=options.duration, run_id=run_id)
        release = LoadRelease(tools)
        with release.installed(load_run, out_dir / "values.yaml"):
            exit_code = release.wait_finished(load_run.finish_timeout, say=say)
            copied = release.copy_results(records)
        report(f"the master finished (Locust's exit code {exit_code}); {len(copied)} files copied to {records}; "
               "the release is removed")
        if exit_code != 0:
            raise LoadRunError(f"Locust's master exited with {exit_code}: see {records} and the master's log above")
        report("")
        check_workflows(platform, targets, run_id, records, result, report,
                        cpu_line=worker_line(shipping.worker_cpu(records)))
    except (LoadRunError, LocustStatsError, CheckError, PrometheusError, PlatformError, SimplepipeError, OSError,
            ValueError) as exc:
        result.errors.append(str(exc))
        report(f"ERROR: {exc}")
    finally:
        deleted = delete_run_groups(targets, run_id)
        report(f"deleted this run's {deleted} groups from the gateways")
    html_report.finish(result, options, lines, report)
    return result
