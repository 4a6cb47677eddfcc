"""The tenants shape on real throwaway platforms (two sizes, small): every figure is measured, more tenants
cost more, and nothing is left running."""
from __future__ import annotations

import subprocess

import pytest

from load.tenant_scale import run_tenant_scale

pytestmark = [pytest.mark.timeout(300)]


def test_two_sizes_are_measured_and_nothing_is_left_running(tmp_path):
    lines: list[str] = []
    scale = run_tenant_scale([3, 6], tmp_path, lines.append)
    assert [p.tenants for p in scale.points] == [3, 6] and scale.baseline.tenants == 1
    for point in [scale.baseline, *scale.points]:
        assert point.up_seconds > 0 and point.down_seconds > 0
        assert point.memory_mb["gateways"] > 0 and point.memory_mb["prometheus"] > 0
        assert 0 < point.visible_seconds < 15 * point.scrape_interval
        assert 0 < point.scrape_max_seconds < point.scrape_interval
    small, large = scale.points
    assert large.memory_mb["gateways"] > small.memory_mb["gateways"] > scale.baseline.memory_mb["gateways"]
    assert large.config_bytes > small.config_bytes
    assert len(scale.verdicts()) == 6 and "tenants" in scale.table()
    left = subprocess.run(["pgrep", "-af", "simplepipe-tenants-"], capture_output=True, text=True).stdout
    assert not left.strip(), f"processes left running:\n{left}"
