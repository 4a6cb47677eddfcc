"""The tenants shape's arithmetic: memory per added tenant against the baseline, and verdicts that name the
component that misses a target."""
from __future__ import annotations

from load.tenant_scale import ScalePoint, TenantScale, generated_tenants


def _point(tenants, gateways, prometheus, up=5.0, down=2.0, visible=1.5):
    return ScalePoint(tenants=tenants, up_seconds=up, down_seconds=down, visible_seconds=visible, scrape_interval=2.0,
                      memory_mb={"gateways": gateways, "prometheus": prometheus, "seaweedfs": 120.0})


def test_memory_per_added_tenant_is_the_growth_over_the_one_tenant_baseline():
    scale = TenantScale(baseline=_point(1, 5.0, 35.0), points=[_point(11, 45.0, 45.0)])
    assert scale.per_tenant_mb(scale.points[0]) == (45 + 45 - 5 - 35) / 10
    assert scale.per_tenant_mb(scale.points[0], "gateways") == 4.0


def test_a_missed_target_names_the_component_with_the_largest_share():
    heavy = _point(201, 1600.0, 300.0, up=25.0, down=6.0, visible=4.5)
    lines = [line.strip() for line in TenantScale(baseline=_point(1, 8.0, 35.0), points=[heavy]).verdicts()]
    assert "201 tenants: MISSED: up in 25.0 s (target < 20 s at 200 tenants)" in lines
    assert "201 tenants: MISSED: down in 6.0 s (target < 5 s)" in lines
    per_tenant = f"{(1600 + 300 + 120 - 8 - 35 - 120) / 200:.2f}"
    assert any(f"MISSED: {per_tenant} MB per added tenant" in line and "largest share: gateways 7.96 MB" in line
               for line in lines), lines
    assert any("MISSED: every push visible 4.50 s" in line and "= 4 s" in line for line in lines)
    fine = TenantScale(baseline=_point(1, 8.0, 35.0), points=[_point(10, 40.0, 38.0)]).verdicts()
    assert fine and all(": met: " in line for line in fine)


def test_generated_tenants_clash_in_nothing():
    tenants = generated_tenants(30)
    for field in ("name", "namespace", "username", "password", "s3_access_key", "artifact_bucket"):
        assert len({getattr(t, field) for t in tenants}) == 30, field
