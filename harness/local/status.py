"""What `make status` and `make up` print about a local platform: each server's state, and where things are."""
from __future__ import annotations

from harness.local.credentials import ADMINISTRATOR
from harness.local.layout import Endpoints, Layout
from harness.local.settings import LocalSettings
from harness.tenants import Tenant


def server_lines(layout: Layout, state: dict, supervisor_running: bool, status: dict,
                 targets: list[dict] | Exception | None) -> list[str]:
    """The supervisor, each server (state, pid, restarts, last exit), each periodic job and, when Prometheus
    answers, each scrape target: from state.json, supervisor.json and Prometheus' targets (or why not)."""
    if not state.get("supervisor"):
        return [f"local platform: not running (no supervisor recorded in {layout.state_file})"]
    lines = [f"local platform: state {layout.state_file}",
             f"  {'supervisor':<22} {'running' if supervisor_running else 'NOT RUNNING':<9} "
             f"pid {state['supervisor']['pid']:<7} {status.get('state', '?')}"
             + (f": {status['error'].splitlines()[0]}" if status.get("error") else "")]
    for name, server in status.get("servers", {}).items():
        last = f"{server['last_exit']} at {server['last_exit_time']}" if server.get("last_exit") else "-"
        lines.append(f"  {name:<22} {server.get('state', '?'):<9} pid {str(server.get('pid') or '-'):<7} "
                     f"restarts {server.get('restarts', 0):<3} last exit: {last}")
    for name, job in status.get("jobs", {}).items():
        error = f", last error: {job['last_error']}" if job.get("last_error") else ""
        lines.append(f"  job {name:<18} every {job['interval']:g} s, {job['runs']} runs, "
                     f"last {job.get('last_run') or '-'}{error}")
    if isinstance(targets, Exception):
        lines.append(f"  prometheus API: {targets}")
    for target in targets if isinstance(targets, list) else []:
        error = f" ({target['lastError']})" if target.get("lastError") else ""
        lines.append(f"  target {target['labels'].get('job'):<15} {target['health']}{error}")
    return lines


def where_lines(layout: Layout, urls: Endpoints, settings: LocalSettings, tenants: list[Tenant]) -> list[str]:
    """Where each server is and whose it is; where credentials are kept, never what they are."""
    s3 = settings.s3
    login = f"administrator only: user {ADMINISTRATOR}, password in {layout.administrator_password}"
    lines = [f"  Prometheus   {urls.prometheus}  {login}"]
    for tenant in tenants:
        lines.append(f"  Pushgateway  {urls.pushgateway(tenant.name)}  tenant {tenant.name} "
                     f"(user {tenant.username}, password in platform/tenants.yaml)")
    lines.append(f"  S3           {urls.s3}  bucket {s3.bucket}, region {s3.region} "
                 "(administrator's access/secret key in platform/local/platform.yaml)")
    for tenant in tenants:
        lines.append(f"  S3           bucket {tenant.artifact_bucket}  tenant {tenant.name} only "
                     f"(`make env TENANT={tenant.name}`)")
    lines.append(f"  Alertmanager {urls.alertmanager}  {login}")
    lines.append(f"  Alert receiver {urls.alert_receiver}  Alertmanager only (its token in {layout.receiver_token}); "
                 f"writes {layout.alerts}/<receiver>.jsonl")
    lines.append(f"  State, logs  {layout.root}")
    return lines
