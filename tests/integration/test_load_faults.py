"""The short fault run (load/faults.py) on a throwaway platform: a tenant's Pushgateway, Prometheus and
S3 are SIGKILLed while pushes run, the supervisor brings each back, and every check holds: pushes
acknowledged before the kill survive except within the persistence window, pushers fail and retry,
nothing acknowledged after the restart is lost, Prometheus keeps its data, a workflow whose S3 goes
away fails naming S3, and the platform is healthy afterwards."""
from __future__ import annotations

import pytest

from load.faults import SHORT, run_faults
from tests.support.throwaway import throwaway_platform

pytestmark = [pytest.mark.timeout(180)]


def test_short_fault_run_passes_every_check(tmp_path):
    lines: list[str] = []
    with throwaway_platform(tmp_path / "platform") as platform:
        result = run_faults(platform, platform.tenants, SHORT, say=lines.append)
        report = "\n".join(lines)

        assert result.ok, report
        assert {check.name.split(": ")[-1] for check in result.checks} >= {
            "pushes acknowledged before the kill survive its restart", "pushers see failures and retry",
            "nothing acknowledged after the restart is lost", "prometheus data survives its restart",
            "a workflow whose S3 goes away fails naming S3", "the platform is healthy again"}, report
        assert f"persistence window is {platform.settings.persistence_window:g} s" in report
        assert lines[-1] == result.final_line and "checks passed (persistence window 5 s)" in lines[-1]
        restarts = {name: s["restarts"] for name, s in platform.supervisor_status()["servers"].items()}
        assert restarts[platform.tenants[0].pushgateway_name] == restarts["prometheus"] == \
            restarts["seaweedfs"] == 1, restarts
