"""One Grafana organisation per tenant, from platform/tenants.yaml, through Grafana's HTTP API.

Grafana's provisioning files cannot create organisations, so this program does it (grafana-client):
for each tenant, organisation `tenant-<name>` with one Prometheus data source, the tenant's
prom-label-proxy (harness/kind/reads.py), and Simplepipe's dashboards. Run again, it updates what it
finds. The administrator's organisation (Grafana's main org, id 1) is left alone: it keeps the
chart's data source, which sees every tenant.

    python -m harness.kind.grafana_orgs [--url http://127.0.0.1:30080]
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from harness.errors import PlatformError
from harness.kind import cluster, grafana_admin
from harness.kind.reads import read_proxy_url
from harness.paths import REPO_ROOT
from harness.tenants import Tenant, load_tenants

ADMINISTRATOR_ORG_ID = 1
DATASOURCE_UID = "simplepipe-prometheus"
DASHBOARDS_DIR = REPO_ROOT / "dashboards" / "rendered"
TIMEOUT = 10.0


class GrafanaProvisioningError(PlatformError, RuntimeError):
    """Grafana refused or did not answer; the message names the organisation and the step."""


@dataclass(frozen=True)
class TenantOrganisation:
    """What a tenant's Grafana organisation must hold."""

    tenant: str
    name: str
    datasource: dict
    dashboards: tuple[str, ...] = field(default=())  # file names under dashboards/rendered


def organisation_name(tenant: Tenant) -> str:
    return f"tenant-{tenant.name}"


def plan(tenants: list[Tenant], dashboards_dir: Path = DASHBOARDS_DIR) -> list[TenantOrganisation]:
    """The organisations, data sources and dashboards for these tenants; no Grafana needed."""
    dashboards = tuple(sorted(p.name for p in dashboards_dir.glob("*.json")))
    return [
        TenantOrganisation(
            tenant=tenant.name,
            name=organisation_name(tenant),
            datasource={"uid": DATASOURCE_UID, "name": "Prometheus", "type": "prometheus", "access": "proxy",
                        "url": read_proxy_url(tenant), "isDefault": True, "jsonData": {"httpMethod": "POST"}},
            dashboards=dashboards,
        )
        for tenant in tenants
    ]


def _api(url: str, credentials: tuple[str, str], org_id: int | None = None):
    from grafana_client import GrafanaApi

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise GrafanaProvisioningError(f"Grafana URL {url!r}: want http(s)://host[:port]")
    return GrafanaApi(auth=credentials, host=parts.hostname, port=parts.port, protocol=parts.scheme,
                      url_path_prefix=parts.path.strip("/"), timeout=TIMEOUT, organization_id=org_id)


def _status(exc: Exception) -> int | None:
    return getattr(exc, "status_code", None)


def _ensure_org(api, name: str) -> int:
    from grafana_client.client import GrafanaException

    try:
        return int(api.organization.find_organization(name)["id"])
    except GrafanaException as exc:
        if _status(exc) != 404:
            raise
    return int(api.organization.create_organization({"name": name})["orgId"])


def _ensure_datasource(api, datasource: dict) -> str:
    from grafana_client.client import GrafanaException

    try:
        api.datasource.get_datasource_by_uid(datasource["uid"])
    except GrafanaException as exc:
        if _status(exc) != 404:
            raise
        api.datasource.create_datasource(datasource)
        return "created"
    api.datasource.update_datasource_by_uid(datasource["uid"], datasource)
    return "updated"


def provision(organisations: list[TenantOrganisation], url: str, credentials: tuple[str, str],
              dashboards_dir: Path = DASHBOARDS_DIR) -> list[str]:
    """Create or update every organisation of the plan; one line per organisation of what was done."""
    from grafana_client.client import GrafanaException

    lines = []
    admin = _api(url, credentials)
    for organisation in organisations:
        step = "find or create the organisation"
        try:
            org_id = _ensure_org(admin, organisation.name)
            if org_id == ADMINISTRATOR_ORG_ID:
                raise GrafanaProvisioningError(f"organisation {organisation.name}: is Grafana's main organisation, "
                                               "which the administrator keeps")
            scoped = _api(url, credentials, org_id)
            step = "create or update its data source"
            done = _ensure_datasource(scoped, organisation.datasource)
            step = "copy the dashboards"
            for name in organisation.dashboards:
                dashboard = json.loads((dashboards_dir / name).read_text())
                dashboard.pop("id", None)
                scoped.dashboard.update_dashboard({"dashboard": dashboard, "overwrite": True})
        except GrafanaException as exc:
            raise GrafanaProvisioningError(f"organisation {organisation.name}: {step}: Grafana answered "
                                           f"{_status(exc)}: {str(exc)[:200]}") from None
        except OSError as exc:  # connection refused, timeout
            raise GrafanaProvisioningError(f"organisation {organisation.name}: {step}: {url}: {exc}") from None
        lines.append(f"organisation {organisation.name} (id {org_id}): data source {done} "
                     f"({organisation.datasource['url']}), {len(organisation.dashboards)} dashboards")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.kind.grafana_orgs", description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="Grafana's URL (default: the kind cluster's published Grafana)")
    args = parser.parse_args(argv)
    try:
        url = args.url or cluster.service_urls()["grafana"]
        for line in provision(plan(load_tenants()), url, grafana_admin.login(cluster.api_client())):
            print(line)
        return 0
    except PlatformError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
