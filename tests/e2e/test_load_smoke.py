"""Smoke run of `make load`: both shapes, a few seconds each, against a real platform, nothing lost.

Given the e2e session's platform (the running one with SIMPLEPIPE_E2E_REQUIRE_RUNNING=1, else a
LocalPlatform on free ports; kind when a cluster is reachable), when the load has run, then every
push was counted, none failed, every group's last push is in its tenant's gateway and in
Prometheus, the reports are written, the final line is the one tooling parses, and the load left
no group behind.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from load.nothing_lost import gateway_groups
from load.plan import LOAD_JOB
from load.options import LoadOptions
from load.run import run_load
from load.targets import tenant_targets

pytestmark = [pytest.mark.timeout(240)]

FINAL_LINE = re.compile(
    r"^push throughput: (\d+\.\d)/s \(ratio (\d+\.\d\d) of wrk ceiling (\d+\.\d)/s\), failures (\d+), lost (\d+)$"
)
CAPACITY_LINE = re.compile(r"^capacity within p99 (\d+) ms: (\d+\.\d)/s$")


def test_load_smoke(platform, tmp_path: Path):
    # Given the platform's tenants and a short load plan,
    tenants = platform.tenants
    lines: list[str] = []
    options = LoadOptions(
        users=2 * len(tenants), spawn_rate=10, duration=5, out=tmp_path / "load",
        capacity_concurrency=[2], capacity_step_seconds=3, capacity_max_probes=1,
        ceiling_seconds=1, growth_sizes=[1, 100], growth_probes=5, freshness_pushes=3, alert_probes=1,
    )

    # when the load has run,
    result = run_load(platform, tenants, options, say=lines.append)
    report = "\n".join(lines)

    # then every push was counted and none failed or was lost,

    assert not result.errors, report
    assert result.failures == 0, report
    assert result.lost == 0, report
    assert {kind for kind, stats in result.stats.by_kind.items() if stats.pushes} == {"small", "medium", "large"}, report
    assert set(result.stats.by_tenant) == {t.name for t in tenants}, report
    assert sum(g.pushes for g in result.groups) == result.stats.total.pushes, "Locust missed pushes"
    assert result.ceiling.requests_per_second > 0
    for tenant in tenants:  # one throughput step of 2 users, then one probe of the bisection, CPU measured
        capacity = result.capacities[tenant.name]
        assert [step.rate for step in capacity.throughput_steps] == [2], report
        assert capacity.throughput > 0 and not capacity.throughput_steps[0].failures, report
        assert len(capacity.steps) == 1 and capacity.steps[0].rate == capacity.throughput, report
        assert all(step.pushes > 0 and step.verdict for step in capacity.steps), report
        assert f"{tenant.name}: " in report and "generator (1 Locust process) used" in report
    # freshness: each acknowledged push seen in PromQL, the failing job's alert delivered, within the settle wait
    assert len(result.freshness.push_seconds) == 3 and len(result.freshness.alert_seconds) == 1, report
    assert all(0 < s < platform.settle_seconds for s in result.freshness.push_seconds), report
    assert [p.groups for p in result.growth.points] == [1, 100]

    # the report ends with the two lines tooling parses and its files are written,
    final, capacity_line = FINAL_LINE.match(lines[-2]), CAPACITY_LINE.match(lines[-1])
    assert final and capacity_line, f"the last two lines are not the parsed ones: {lines[-2:]!r}"
    assert (int(final.group(4)), int(final.group(5))) == (0, 0)
    assert float(final.group(1)) == round(result.capacities[tenants[0].name].throughput, 1)
    assert float(capacity_line.group(2)) == round(result.capacities[tenants[0].name].sustained, 1)
    for name in ("locust_stats.csv", "locust_stats_history.csv", "locust.html", "locust-stats.json", "report.html",
                 "workflows.png", "growth.png", *(f"capacity-{t.name}.png" for t in tenants)):
        assert (tmp_path / "load" / name).is_file(), f"{name} missing in {tmp_path / 'load'}"

    # and the load left no group behind.
    for target in tenant_targets(platform, tenants).values():
        left = [g["labels"] for g in gateway_groups(target) if g["labels"].get("job") == LOAD_JOB]
        assert not left, f"the load left groups in {target.name}'s gateway: {left}"
