"""state.json: what `up` records of a running local platform (ports, URLs, the supervisor it started), so
that a later command (`make status`, `make down`, the e2e tests) finds the same platform."""
from __future__ import annotations

import json
import time

from harness.local.credentials import ADMINISTRATOR
from harness.local.layout import Endpoints, Layout
from harness.local.settings import LocalSettings, Ports
from harness.processes import SupervisedProcess


def read_state(layout: Layout) -> dict:
    """The recorded state, {} when there is none (or it is unreadable)."""
    try:
        return json.loads(layout.state_file.read_text())
    except (OSError, ValueError):
        return {}


def recorded_ports(layout: Layout) -> Ports | None:
    ports = read_state(layout).get("ports")
    return Ports.from_dict(ports) if ports else None


def write_state(layout: Layout, ports: Ports, settings: LocalSettings, supervisor: SupervisedProcess | None) -> None:
    """Atomically: a reader never sees half a file."""
    urls = Endpoints(ports)
    state = {
        "platform": "local",
        "updated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "ports": ports.to_dict(),
        "urls": {
            "prometheus": urls.prometheus,
            "pushgateways": {name: urls.pushgateway(name) for name in ports.pushgateways},
            "s3": urls.s3,
            "alertmanager": urls.alertmanager,
            "alert_receiver": urls.alert_receiver,
        },
        # Where, never what: Prometheus' and Alertmanager's login is the administrator's.
        "administrator_credentials": f"{layout.administrator_password} (user {ADMINISTRATOR})",
        "s3": {"bucket": settings.s3.bucket, "region": settings.s3.region,
               "credentials": "platform/local/platform.yaml (s3.access_key, s3.secret_key)"},
        "tenant_credentials": "platform/tenants.yaml",
        "supervisor": supervisor.record().to_dict() if supervisor is not None and supervisor.pid else None,
        "supervisor_status": layout.status_file.name,
    }
    tmp = layout.state_file.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2) + "\n")
    tmp.replace(layout.state_file)


def forget_state(layout: Layout) -> None:
    layout.state_file.unlink(missing_ok=True)
    layout.status_file.unlink(missing_ok=True)
