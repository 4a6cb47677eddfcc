"""What the workflows shape's Locust run left (its statistics and every process's ledger), reported, and nothing
lost: each group's last acknowledged push in its gateway and, one scrape later, in Prometheus. The same for a run
on this machine (load/run.py) and one in the cluster (load/cluster_run.py)."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from harness.platform import Platform
from load import payloads
from load.ledger import read_ledgers
from load.locust_process import LoadRunError
from load.nothing_lost import check_prometheus, check_pushgateways
from load.plan import TenantTarget
from load.report import read_locust_stats
from load.result import LoadResult


def check_workflows(platform: Platform, targets: dict[str, TenantTarget], run_id: str, records: Path,
                    result: LoadResult, report: Callable[[str], None], cpu_line: str) -> None:
    """What the workflows' Locust run left in `records` (statistics, every process's ledger), reported, then
    nothing lost: each group's last acknowledged push in its gateway and, one scrape later, in Prometheus."""
    result.stats = read_locust_stats(records / "locust-stats.json", payloads.KINDS)
    result.groups = read_ledgers(records)
    if not result.stats.total.pushes or not result.groups:
        raise LoadRunError(f"Locust pushed nothing: see the Locust log in {records}")
    report(f"Locust: {result.stats.total.pushes} pushes in {result.stats.seconds:.1f}s "
           f"(latency: the Simplepipe client's push call, in ms)")
    report(result.stats.table())
    report(cpu_line)

    report("")
    report(f"nothing lost: {len(result.groups)} groups, last recorded push of each, "
           f"in the tenants' Pushgateways and one scrape later in Prometheus")
    result.losses = check_pushgateways(result.groups, targets, run_id)
    prometheus = platform.prometheus(timeout=10.0)
    result.losses += check_prometheus(result.groups, prometheus.query, run_id, timeout=platform.settle_seconds)
    for loss in result.losses:
        report(f"  LOST {loss}")
    report(f"  {result.lost} of {len(result.groups)} groups lost")
