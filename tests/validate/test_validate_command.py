"""`python -m harness.kind.validate`: the rendered cluster with its tables, and a non-zero exit when the cluster
is not what the tenancy model says."""
from __future__ import annotations

import os

import pytest

from harness.kind import charts, validate
from harness.tenants import load_tenants
from tests.support.tenants import one_more_tenant

pytestmark = pytest.mark.skipif(bool(charts.verify_cache()) and not os.environ.get("SIMPLEPIPE_REQUIRE_CHART_CACHE"),
                                reason="the pinned charts are not in .cache/charts (make charts)")


def test_the_platform_passes_and_the_tables_are_written(tmp_path):
    lines: list[str] = []
    assert validate.run(tmp_path, load_tenants(), lines.append) == 0, "\n".join(lines)
    assert lines[-1].startswith("0 of 11 checks failed")
    for name in ("checks.txt", "reachability.txt", "rbac.txt", "summary.txt", "crds.yaml"):
        assert (tmp_path / name).stat().st_size > 0, name
    assert "FAIL" not in (tmp_path / "checks.txt").read_text()


def test_a_tenant_the_cluster_does_not_have_fails_the_checks(tmp_path):
    # tenants.yaml names one more tenant than the rendered platform holds: its flows cannot be as required.
    tenants = load_tenants()
    lines: list[str] = []
    assert validate.run(tmp_path, [*tenants, one_more_tenant(tenants)], lines.append) == 1
    assert any(line.startswith("FAIL network flows") for line in lines), "\n".join(lines)
