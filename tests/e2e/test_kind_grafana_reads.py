"""kind: a tenant's Grafana organisation sees only the tenant's series (through its prom-label-proxy)."""
from __future__ import annotations

import pytest
import requests

from harness.tenants import load_tenants

# kind only: the local backend does not isolate reads (docs/tenancy.md), so it is not even started here.
pytestmark = [pytest.mark.parametrize("platform", ["kind"], indirect=True)]


@pytest.mark.parametrize("reader", load_tenants(), ids=lambda t: t.name)
def test_a_tenants_data_source_returns_only_its_own_series(platform, reader):
    from harness.kind import cluster, grafana_orgs

    grafana, login = cluster.service_urls()["grafana"], platform.grafana_login()
    org = requests.get(f"{grafana}/api/orgs/name/tenant-{reader.name}", auth=login, timeout=10)
    assert org.status_code == 200, f"organisation tenant-{reader.name}: {org.status_code} {org.text[:200]}"
    others = "|".join(t.name for t in load_tenants() if t.name != reader.name)
    for query in ("up", f'{{tenant=~"{others}"}}', '{__name__=~"push_time_seconds|up"}'):
        answer = requests.get(f"{grafana}/api/datasources/proxy/uid/{grafana_orgs.DATASOURCE_UID}/api/v1/query",
                              params={"query": query}, auth=login, timeout=10,
                              headers={"X-Grafana-Org-Id": str(org.json()["id"])})
        assert answer.status_code == 200, f"{query}: {answer.status_code} {answer.text[:200]}"
        tenants = {series["metric"].get("tenant") for series in answer.json()["data"]["result"]}
        assert tenants <= {reader.name}, f"{reader.name}'s data source answered {query} with tenants {tenants}"
