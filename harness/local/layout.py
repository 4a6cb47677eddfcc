"""Where one local platform keeps everything, below its state folder (.state/local for `make up`, a temp
folder in tests), and the URLs of its servers on this machine.

  config/   generated prometheus.yml, alertmanager.yml, each tenant's web config and password file, S3
            identities, the receivers' names, the supervisor's spec, and the platform's own credentials
            (harness.local.credentials: administrator/, alert-receiver/, seaweedfs/), all owner-only
  data/     Prometheus' TSDB, the Pushgateways' persistence files, SeaweedFS' volumes, Alertmanager's state
  logs/     one log per server, and the supervisor's
  alerts/   the notifications each receiver got, one JSON line each (harness.alert_receiver)
  runs/     the workflow runner's step folders
  workflows/ a record of each submitted workflow: status, step logs, its process (harness.local.workflow_records)
  workflowtemplates/ each namespace's applied WorkflowTemplates (harness.local.workflow_templates)
  state.json       ports, URLs and the record of the supervisor `up` started (what `down` stops)
  supervisor.json  what the supervisor reports of each server: pid, state, restarts
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness.local.settings import Ports
from harness.local.supervised import SPEC_FILE, STATUS_FILE
from harness.net import HOST


@dataclass(frozen=True)
class Layout:
    root: Path

    def path(self, *parts: str) -> Path:
        return self.root.joinpath(*parts)

    def config(self, *parts: str) -> Path:
        return self.path("config", *parts)

    def data(self, *parts: str) -> Path:
        return self.path("data", *parts)

    def logs(self, *parts: str) -> Path:
        return self.path("logs", *parts)

    @property
    def state_file(self) -> Path:
        return self.path("state.json")

    @property
    def status_file(self) -> Path:
        return self.path(STATUS_FILE)

    @property
    def spec_file(self) -> Path:
        return self.config(SPEC_FILE)

    @property
    def alerts(self) -> Path:
        return self.path("alerts")

    @property
    def runs(self) -> Path:
        return self.path("runs")

    @property
    def workflows(self) -> Path:
        return self.path("workflows")

    @property
    def workflow_templates(self) -> Path:
        return self.path("workflowtemplates")

    # The platform's own credentials (harness.local.credentials).
    @property
    def administrator_password(self) -> Path:
        return self.config("administrator", "password")

    @property
    def administrator_web_config(self) -> Path:
        return self.config("administrator", "web-config.yml")

    @property
    def receiver_token(self) -> Path:
        return self.config("alert-receiver", "token")

    @property
    def seaweedfs_config(self) -> Path:
        """weed's -config_dir: its security.toml and the certificates it names."""
        return self.config("seaweedfs")

    # Per tenant.
    def web_config(self, tenant: str) -> Path:
        return self.config(tenant, "web-config.yml")

    def password_file(self, tenant: str) -> Path:
        return self.config(tenant, "password")


@dataclass(frozen=True)
class Endpoints:
    """The servers' URLs on this machine, from the ports they listen on."""

    ports: Ports

    @property
    def prometheus(self) -> str:
        return f"http://{HOST}:{self.ports.prometheus}"

    def pushgateway(self, tenant: str) -> str:
        return f"http://{HOST}:{self.ports.pushgateways[tenant]}"

    @property
    def s3(self) -> str:
        return f"http://{HOST}:{self.ports.s3['s3_port']}"

    @property
    def alertmanager(self) -> str:
        return f"http://{HOST}:{self.ports.alertmanager}"

    @property
    def alert_receiver(self) -> str:
        return f"http://{HOST}:{self.ports.alert_receiver}"
