"""The tenants shape on real throwaway platforms (the one-tenant baseline and one small size): every figure is
measured, more tenants cost more, and nothing is left running."""
from __future__ import annotations

import subprocess

import pytest

from load.tenant_scale import run_tenant_scale

pytestmark = [pytest.mark.timeout(300)]


def test_every_figure_is_measured_and_nothing_is_left_running(tmp_path):
    lines: list[str] = []
    scale = run_tenant_scale([4], tmp_path, lines.append)
    assert [p.tenants for p in scale.points] == [4] and scale.baseline.tenants == 1
    for point in [scale.baseline, *scale.points]:
        assert point.up_seconds > 0 and point.down_seconds > 0
        assert point.memory_mb["gateways"] > 0 and point.memory_mb["prometheus"] > 0
        assert 0 < point.visible_seconds < 15 * point.scrape_interval
        assert 0 < point.scrape_max_seconds < point.scrape_interval
    [four] = scale.points
    assert four.memory_mb["gateways"] > scale.baseline.memory_mb["gateways"]
    assert four.config_bytes > scale.baseline.config_bytes and scale.per_tenant_mb(four) > 0
    assert len(scale.verdicts()) == 3 and "tenants" in scale.table()
    left = subprocess.run(["pgrep", "-af", "simplepipe-tenants-"], capture_output=True, text=True).stdout
    assert not left.strip(), f"processes left running:\n{left}"
