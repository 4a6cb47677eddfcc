"""`make load PLATFORM=kind LOAD_ARGS="--workers 2"` on a running kind platform: Locust's master and two worker pods
push to every tenant's gateway from inside the cluster; the statistics and every worker's records come back, no
push failed, nothing is lost, each worker's CPU is reported, and the release is gone afterwards.

Runs where a kind cluster is up (the kind CI job's `make e2e PLATFORM=kind`); skipped with the reason elsewhere."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from harness.kind import prerequisites
from harness.kind.constants import KUBE_CONTEXT, LOAD_NAMESPACE
from load.cluster_run import run_in_cluster
from load.options import LoadOptions

# kind only: locally --workers starts Locust's workers on this machine (load/locust_process.py), so no local
# platform is started here.
pytestmark = [pytest.mark.timeout(1200), pytest.mark.parametrize("platform", ["kind"], indirect=True)]


def test_the_load_runs_in_the_cluster_with_locusts_workers(platform, tmp_path: Path):
    tenants = platform.tenants
    lines: list[str] = []
    options = LoadOptions(users=4 * len(tenants), spawn_rate=10, duration=20, workers=2, out=tmp_path / "load",
                          shape="workflows")

    result = run_in_cluster(platform, tenants, options, say=lines.append)
    report = "\n".join(lines)

    assert not result.errors, report
    assert result.failures == 0 and result.lost == 0, report
    assert set(result.stats.by_tenant) == {t.name for t in tenants}, report
    assert {g.workflow.split("-w")[1][0] for g in result.groups} == {"0", "1"}, "both workers pushed"
    assert "CPU of the workers (cores, over each one's run): worker 1 " in report and "worker 2 " in report
    for name in ("locust-stats.json", "locust.html", "pushed-worker-1.json", "timeline-worker-2.json", "report.html"):
        assert (tmp_path / "load" / name).is_file(), name
    jobs = subprocess.run([prerequisites.find("kubectl") or "kubectl", "--context", KUBE_CONTEXT, "-n", LOAD_NAMESPACE, "get", "jobs,deployments",
                           "-o", "name"], capture_output=True, text=True, timeout=60)
    assert jobs.stdout.strip() == "", f"the load's release was left behind: {jobs.stdout}"
