"""What every Simplepipe dashboard shares: tags, time range, variables, links to the others."""
from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as dashboard_builders
from grafana_foundation_sdk.models.dashboard import DashboardLinkType

from dashboards.panels import datasource_variable, tenant_variable

TAG = "simplepipe"
# The tenant filter of every panel query; `$tenant` is a regex ("All" = `.*`).
TENANT = 'tenant=~"$tenant"'


def simplepipe_dashboard(uid: str, title: str, description: str) -> dashboard_builders.Dashboard:
    return (
        dashboard_builders.Dashboard(title)
        .uid(uid)
        .description(description)
        .tags([TAG])
        .time("now-1h", "now")
        .refresh("30s")
        .timezone("browser")
        .readonly()
        .with_variable(datasource_variable())
        .with_variable(tenant_variable())
        .link(
            dashboard_builders.DashboardLink("Simplepipe")
            .type(DashboardLinkType.DASHBOARDS)
            .tags([TAG])
            .as_dropdown(True)
            .include_vars(True)
            .keep_time(True)
        )
    )
