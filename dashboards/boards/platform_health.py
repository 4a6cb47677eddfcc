"""Pushgateway & platform health: is every tenant's gateway scraped, how fast, how busy, how many series."""
from __future__ import annotations

from dashboards.boards.common import TENANT, simplepipe_dashboard
from dashboards.panels import query, stat_panel, timeseries_panel

UID = "simplepipe-platform-health"
# `up` and scrape_* of a tenant's gateway carry `tenant` as a target label the platform sets (never pushed text).
GATEWAY_TARGETS = f'{TENANT}, tenant!=""'
PUSH_REQUESTS = f'pushgateway_http_requests_total{{handler="push", {TENANT}}}'
TENANT_SERIES = f'{{{TENANT}, tenant!=""}}'


def dashboard():
    return (
        simplepipe_dashboard(UID, "Simplepipe / Pushgateway & platform health",
                             "Scrapes of every tenant's Pushgateway, push traffic and series per tenant.")
        .with_panel(stat_panel(
            "Gateway scrape status",
            "Whether Prometheus' last scrape of each tenant's Pushgateway succeeded (up).",
            [query(f"up{{{GATEWAY_TARGETS}}}", "{{tenant}}", instant=True)],
            unit="none", width=8, steps=((None, "red"), (1, "green")),
            mappings={"0": ("DOWN", "red"), "1": ("UP", "green")},
        ).id(1))
        .with_panel(stat_panel(
            "Series per tenant",
            "Series Prometheus holds with each tenant's label: pushed groups plus the gateway's own metrics.",
            [query(f"count by (tenant) ({TENANT_SERIES})", "{{tenant}}", instant=True)],
            unit="none", width=8,
        ).id(2))
        .with_panel(stat_panel(
            "Pushes in range",
            "PUT and POST requests each tenant's Pushgateway answered in the dashboard's time range.",
            [query(f"round(sum by (tenant) (increase({PUSH_REQUESTS}[$__range])))", "{{tenant}}", instant=True)],
            unit="none", width=8,
        ).id(3))
        .with_panel(timeseries_panel(
            "Gateway up",
            "up of every tenant's Pushgateway scrape job: 1 scraped, 0 unreachable or refused.",
            [query(f"up{{{GATEWAY_TARGETS}}}", "{{tenant}}")],
            unit="none", width=12, minimum=0, maximum=1,
        ).id(4))
        .with_panel(timeseries_panel(
            "Scrape duration",
            "How long Prometheus needs to scrape each gateway; grows with the groups stored in it.",
            [query(f"scrape_duration_seconds{{{GATEWAY_TARGETS}}}", "{{tenant}}")],
            unit="s", width=12, minimum=0,
        ).id(5))
        .with_panel(timeseries_panel(
            "Push rate",
            "Pushes per second to each tenant's gateway, by HTTP status (pushgateway_http_requests_total).",
            [query(f"sum by (tenant, code) (rate({PUSH_REQUESTS}[$__rate_interval]))", "{{tenant}} · {{code}}")],
            unit="reqps", width=12, minimum=0,
        ).id(6))
        .with_panel(timeseries_panel(
            "Series per tenant over time",
            "Series with each tenant's label, and samples per scrape of its gateway.",
            [
                query(f"count by (tenant) ({TENANT_SERIES})", "{{tenant}} series", ref="A"),
                query(f"scrape_samples_scraped{{{GATEWAY_TARGETS}}}", "{{tenant}} samples/scrape", ref="B"),
            ],
            unit="none", width=12, minimum=0,
        ).id(7))
    )
