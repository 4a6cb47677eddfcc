"""Every configuration file a local platform's servers read, generated from tenants.yaml and platform.yaml.

Written before the servers start and again on every `up` (a tenant added while the platform runs); what
changed is reported so that the platform can reload the server that reads it."""
from __future__ import annotations

from dataclasses import dataclass

from harness import alert_receiver
from harness.local import alertmanager, credentials, prometheus, pushgateway, seaweedfs
from harness.local.layout import Layout
from harness.local.settings import LocalSettings, Ports
from harness.tenants import Tenant


@dataclass(frozen=True)
class ConfigChanges:
    """Which generated files now differ from what the running servers read."""

    prometheus: bool
    alertmanager: bool
    s3_identities: bool


def write_configs(layout: Layout, tenants: list[Tenant], settings: LocalSettings, ports: Ports,
                  rule_files: str) -> ConfigChanges:
    credentials.ensure_credentials(layout)
    password_files = {}
    for tenant in tenants:
        pushgateway.write_web_config(layout.web_config(tenant.name), tenant)
        password_file = layout.password_file(tenant.name)
        password_file.write_text(tenant.password)
        password_file.chmod(0o600)
        password_files[tenant.name] = password_file
    s3_identities = seaweedfs.write_identities(layout.config("s3-identities.json"), settings.s3, tenants)
    alert_receiver.write_receivers(layout.config("alert-receivers"),
                                   alert_receiver.receiver_names([t.name for t in tenants]))
    routes = alertmanager.alertmanager_config(tenants, ports.alert_receiver, token_file=layout.receiver_token)
    alertmanager_changed = alertmanager.write_config(layout.config("alertmanager.yml"), routes)
    config = prometheus.prometheus_config(
        tenants, ports.pushgateways, password_files, scrape_interval=settings.scrape_interval,
        evaluation_interval=settings.evaluation_interval, rule_files=rule_files, alertmanager_port=ports.alertmanager,
        alertmanager_login=(credentials.ADMINISTRATOR, layout.administrator_password))
    prometheus_changed = prometheus.write_config(layout.config("prometheus.yml"), config)
    return ConfigChanges(prometheus=prometheus_changed, alertmanager=alertmanager_changed, s3_identities=s3_identities)
