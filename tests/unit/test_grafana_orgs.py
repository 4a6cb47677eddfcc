"""The Grafana organisations the kind backend provisions: the plan, computed without a Grafana, and the
errors when Grafana is not there. The real run is kind-only (KindPlatform.up)."""
from __future__ import annotations

import pytest

from harness.kind import grafana_orgs, reads
from harness.net import free_port
from harness.tenants import Tenant, load_tenants
from tests.support.tenants import one_more_tenant


def three_tenants() -> list[Tenant]:
    tenants = load_tenants()
    return tenants + [one_more_tenant(tenants)]


def test_one_organisation_per_tenant_whose_only_data_source_is_its_own_proxy():
    tenants = three_tenants()
    organisations = grafana_orgs.plan(tenants)
    assert [o.tenant for o in organisations] == [t.name for t in tenants]
    assert len({o.name for o in organisations}) == len(tenants)
    for organisation, tenant in zip(organisations, tenants):
        assert organisation.datasource["url"] == reads.read_proxy_url(tenant)
        assert organisation.datasource["type"] == "prometheus" and organisation.datasource["isDefault"] is True
        others = [reads.read_proxy_url(t) for t in tenants if t is not tenant]
        assert organisation.datasource["url"] not in others


def test_the_plan_copies_the_rendered_dashboards(tmp_path):
    (tmp_path / "b.json").write_text("{}")
    (tmp_path / "a.json").write_text("{}")
    (tmp_path / "notes.txt").write_text("")
    [organisation] = grafana_orgs.plan(load_tenants()[:1], dashboards_dir=tmp_path)
    assert organisation.dashboards == ("a.json", "b.json")


def test_the_plan_never_touches_the_administrators_organisation():
    names = {o.name for o in grafana_orgs.plan(three_tenants())}
    assert "Main Org." not in names  # Grafana's org 1, which keeps the full data source


def test_grafana_not_answering_is_one_line_naming_the_organisation_and_step():
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(grafana_orgs.GrafanaProvisioningError) as caught:
        grafana_orgs.provision(grafana_orgs.plan(load_tenants()[:1]), url, ("admin", "pw-never-shown"))
    message = str(caught.value)
    assert message.startswith("organisation tenant-alice: find or create the organisation:")
    assert "\n" not in message and "pw-never-shown" not in message


@pytest.mark.parametrize("url", ["127.0.0.1:3000", "ftp://grafana", "http://"])
def test_a_grafana_url_that_is_not_http_is_refused(url):
    with pytest.raises(grafana_orgs.GrafanaProvisioningError, match="want http"):
        grafana_orgs.provision(grafana_orgs.plan(load_tenants()[:1]), url, ("admin", "x"))
