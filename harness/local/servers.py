"""THE list of what a local platform runs: one ServerSpec per server, in start order, for the supervisor."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from harness import alert_receiver
from harness.local import alertmanager, binaries, credentials, prometheus, pushgateway, seaweedfs
from harness.local.layout import Endpoints, Layout
from harness.local.settings import LocalSettings, Ports
from harness.net import HOST, http_ok
from harness.tenants import Tenant

# A server's stop grace unless it needs its own (SeaweedFS: harness.local.seaweedfs).
STOP_GRACE = 10.0


@dataclass
class ServerSpec:
    """One server the supervisor runs: how, on which ports, and what it means for it to be ready."""

    name: str
    argv: list[str]
    ports: dict[str, int]  # setting name -> port, for the "port in use" error
    probe: Callable[[], bool]
    waiting_for: str
    stop_grace: float = STOP_GRACE


def server_table(layout: Layout, ports: Ports, settings: LocalSettings, tenants: list[Tenant], *,
                 say: Callable[[str], None]) -> list[ServerSpec]:
    """S3 first (the runner's artifacts), the tenants' gateways, the alert receiver, Alertmanager, and
    Prometheus last (it scrapes and alerts into everything before it). The configuration files, the
    platform's credentials among them (harness.local.configs), are written before."""
    urls = Endpoints(ports)
    administrator = credentials.administrator_login(layout)
    find = lambda name: binaries.find_binary(name, settings.releases, say=say)  # noqa: E731
    servers = [ServerSpec(
        "seaweedfs",
        seaweedfs.weed_argv(find("weed"), layout.data("seaweedfs"), layout.logs("seaweedfs"),
                            layout.config("s3-identities.json"), ports.s3, buckets=1 + len(tenants),
                            config_dir=layout.seaweedfs_config),
        {f"s3.{key} in platform/local/platform.yaml": port for key, port in ports.s3.items()},
        lambda: seaweedfs.ensure_buckets(urls.s3, settings.s3,
                                         [settings.s3.bucket] + [t.artifact_bucket for t in tenants]),
        f"S3 at {urls.s3} to accept the access key and have bucket {settings.s3.bucket!r} and each tenant's",
        stop_grace=seaweedfs.STOP_GRACE_SECONDS,
    )]
    for tenant in tenants:
        ready = f"{urls.pushgateway(tenant.name)}/-/ready"
        port_setting = tenant.local_port_from or f"pushgateway.local_port of tenant {tenant.name}"
        servers.append(ServerSpec(
            tenant.pushgateway_name,
            pushgateway.pushgateway_argv(find("pushgateway"), layout.web_config(tenant.name),
                                         layout.data(f"{tenant.pushgateway_name}.db"), ports.pushgateways[tenant.name],
                                         persistence_interval=settings.persistence_interval),
            {port_setting: ports.pushgateways[tenant.name]},
            lambda url=ready, tenant=tenant: http_ok(url, (tenant.username, tenant.password)),
            f"{ready} to answer 200 with {tenant.name}'s credentials",
        ))
    servers.append(ServerSpec(
        "alert-receiver",
        alert_receiver.receiver_argv(layout.root, HOST, ports.alert_receiver, layout.config("alert-receivers"),
                                     layout.receiver_token),
        {"alertmanager.receiver_port in platform/local/platform.yaml": ports.alert_receiver},
        lambda: http_ok(f"{urls.alert_receiver}/-/ready"),
        f"{urls.alert_receiver}/-/ready to answer 200",
    ))
    servers.append(ServerSpec(
        "alertmanager",
        alertmanager.alertmanager_argv(find("alertmanager"), layout.config("alertmanager.yml"),
                                       layout.data("alertmanager"), ports.alertmanager,
                                       web_config=layout.administrator_web_config),
        {"alertmanager.port in platform/local/platform.yaml": ports.alertmanager},
        lambda: http_ok(f"{urls.alertmanager}/-/ready", administrator),
        f"{urls.alertmanager}/-/ready to answer 200 with the administrator's login",
    ))
    servers.append(ServerSpec(
        "prometheus",
        prometheus.prometheus_argv(find("prometheus"), layout.config("prometheus.yml"), layout.data("prometheus"),
                                   ports.prometheus, layout.administrator_web_config),
        {"prometheus.port in platform/local/platform.yaml": ports.prometheus},
        lambda: http_ok(f"{urls.prometheus}/-/ready", administrator),
        f"{urls.prometheus}/-/ready to answer 200 with the administrator's login",
    ))
    return servers
