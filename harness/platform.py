"""The few verbs a scenario needs from a platform, whatever the backend."""
from __future__ import annotations

import abc
from pathlib import Path
from typing import Iterator

from harness import alert_receiver
from harness.errors import ManifestRefusedError, PlatformError
from harness.prometheus_api import PrometheusClient
from harness.tenants import Tenant, tenant_by_name
from harness.workflows import WorkflowRun
from simplepipe import settings


# A wait for a pushed value to reach PromQL allows this many scrape intervals (one is the normal case).
SCRAPES_TO_SETTLE = 15


def in_tenants_namespace(tenant: Tenant, manifest: dict) -> dict:
    """A copy of an Argo object with the tenant's namespace; ManifestRefusedError when it names another one."""
    metadata = manifest.get("metadata") if isinstance(manifest, dict) else None
    if not isinstance(metadata, dict):
        raise ManifestRefusedError("metadata: must be a mapping")
    if metadata.get("namespace") not in (None, tenant.namespace):
        raise ManifestRefusedError(f"metadata.namespace: is {metadata['namespace']!r} but tenant {tenant.name!r} "
                                   f"has namespace {tenant.namespace!r}; leave it out")
    return {**manifest, "metadata": {**metadata, "namespace": tenant.namespace}}


class Platform(abc.ABC):
    """A platform of one backend: its tenants, their Pushgateways, Prometheus, S3 and a workflow engine.

    Every caller (the harness CLI, e2e tests, load, dashboards) goes through these verbs and never
    needs to know which backend it has; `create(name)` gives the backend's platform."""

    name: str

    # -- what it is --------------------------------------------------------------------------
    @property
    @abc.abstractmethod
    def tenants(self) -> list[Tenant]:
        """The tenants this platform serves (platform/tenants.yaml unless given)."""

    def tenant(self, name: str) -> Tenant:
        """The tenant called `name`; TenantsFileError naming the known ones otherwise."""
        return tenant_by_name(name, self.tenants)

    @property
    @abc.abstractmethod
    def state_dir(self) -> Path:
        """The folder where this platform and the tools run against it keep state and reports."""

    # -- lifecycle -----------------------------------------------------------------------------
    @abc.abstractmethod
    def up(self) -> None:
        """Bring everything up (idempotent) and wait until it is ready, showing progress."""

    @abc.abstractmethod
    def down(self) -> None:
        """Stop everything `up` started, and only that."""

    @abc.abstractmethod
    def is_up(self) -> bool:
        """Whether the platform is reachable now."""

    @abc.abstractmethod
    def status_lines(self) -> list[str]:
        """What runs and where, for `make status`."""

    @abc.abstractmethod
    def where_lines(self) -> list[str]:
        """Where each service is reachable from this machine, for `make up` and `make status`."""

    def image(self) -> list[str]:
        """Build (and where the backend needs it, load) the Simplepipe image; what was done, as lines."""
        return []

    def close(self) -> None:
        """Release what this object holds open (connections, port-forwards); the platform keeps running."""

    # -- workflows -----------------------------------------------------------------------------
    @abc.abstractmethod
    def submit(self, tenant: Tenant, manifest: dict) -> WorkflowRun:
        """Submit an Argo Workflow manifest into the tenant's namespace; returns at once."""

    @abc.abstractmethod
    def wait(self, run: WorkflowRun, timeout: float) -> WorkflowRun:
        """Wait until the workflow has finished; raises TimeoutError naming it."""

    @abc.abstractmethod
    def refresh(self, run: WorkflowRun) -> WorkflowRun:
        """Update the run's phase and steps without waiting."""

    @abc.abstractmethod
    def apply_workflow_template(self, tenant: Tenant, manifest: dict) -> str:
        """Create or replace an Argo WorkflowTemplate in the tenant's namespace (`argo template create`, `kubectl
        apply -n`), for the templateRefs of the workflows submitted after it; returns its name.
        ManifestRefusedError naming the field for what the backend refuses."""

    @abc.abstractmethod
    def workflow_templates(self, tenant: Tenant) -> list[str]:
        """The names of the WorkflowTemplates in the tenant's namespace (`argo template list`), sorted."""

    # -- a tenant's own workflows: Argo's verbs, in the tenant's namespace only ---------------------------
    @abc.abstractmethod
    def workflows(self, tenant: Tenant) -> list[WorkflowRun]:
        """The tenant's workflows (`argo list`), without their logs."""

    @abc.abstractmethod
    def workflow(self, tenant: Tenant, name: str) -> WorkflowRun:
        """Workflow `name` of the tenant (`argo get`; locally with its step logs, `step_logs` reads them on any
        backend); WorkflowNotFoundError when the tenant's namespace has none of that name (another tenant's
        workflow included)."""

    @abc.abstractmethod
    def delete_workflow(self, tenant: Tenant, name: str) -> None:
        """Stop the tenant's workflow `name` and remove it (`argo delete`); WorkflowNotFoundError as `workflow`."""

    @abc.abstractmethod
    def step_logs(self, tenant: Tenant, name: str, step: str | None = None,
                  follow: bool = False) -> Iterator[tuple[str, str]]:
        """(pod, line) of the workflow's step logs (`argo logs`): pod by pod, or with `follow` as they are written
        until the workflow has finished. `step`: only that step (its name, node name or pod name)."""

    # -- time ----------------------------------------------------------------------------------
    @property
    @abc.abstractmethod
    def scrape_interval(self) -> float:
        """Seconds between two scrapes of a tenant's Pushgateway (the platform's configuration)."""

    def alert_delays(self) -> dict[str, str]:
        """The settings between a push and its alert's notification (scrape and evaluation intervals,
        Alertmanager's group_wait), as `make load` reports them beside the freshness it measured."""
        return {"scrape interval": f"{self.scrape_interval:g}s"}

    @property
    def settle_seconds(self) -> float:
        """How long a pushed value may take to show in PromQL before a wait gives up: one scrape normally,
        SCRAPES_TO_SETTLE of them on a loaded machine."""
        return SCRAPES_TO_SETTLE * self.scrape_interval

    # -- endpoints -----------------------------------------------------------------------------
    @property
    @abc.abstractmethod
    def prometheus_url(self) -> str:
        """Base URL of Prometheus' HTTP API, reachable from this machine."""

    def prometheus(self, timeout: float = 10.0) -> PrometheusClient:
        """The administrator's client of this platform's Prometheus, with the credentials it asks for where the
        backend has them: how the harness, dashboards, load and tests read Prometheus. No tenant gets these."""
        return PrometheusClient(self.prometheus_url, timeout=timeout)

    @abc.abstractmethod
    def pushgateway_url(self, tenant: Tenant) -> str:
        """Base URL of the tenant's Pushgateway, reachable from this machine while this object lives."""

    def pushgateway_pid(self, tenant: Tenant) -> int | None:
        """The process id of the tenant's Pushgateway where it runs on this machine (local), else None."""
        return None

    def tenant_env(self, tenant: Tenant) -> dict[str, str]:
        """Environment a tenant's own code needs from a shell (`make env TENANT=x`): Simplepipe's variables and
        its own artifacts' S3 settings (artifact_env). Nothing of the administrator's: not Prometheus, whose API
        is the administrator's (a tenant reads through its own read path, where the backend has one)."""
        return {
            settings.URL: self.env_pushgateway_url(tenant),
            settings.USERNAME: tenant.username,
            settings.PASSWORD: tenant.password,
            **self.artifact_env(tenant),
        }

    def artifact_env(self, tenant: Tenant) -> dict[str, str]:
        """The tenant's own S3 settings (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL,
        SIMPLEPIPE_ARTIFACT_BUCKET); empty where the backend has none to give."""
        return {}

    def env_pushgateway_url(self, tenant: Tenant) -> str:
        """The gateway URL `make env` exports: one that outlives this command."""
        return self.pushgateway_url(tenant)

    def env_notes(self, tenant: Tenant) -> list[str]:
        """What a user must do for `tenant_env` to work (e.g. a port-forward), as comment lines."""
        return []

    # -- alerts ----------------------------------------------------------------------------------
    @abc.abstractmethod
    def alert_deliveries(self, receiver: str, last: int | None = None) -> list[dict]:
        """Notifications the platform's alert receiver `receiver` (a tenant's name, or "administrator") got,
        oldest first (`last`: only the newest so many), as harness.alert_receiver records them."""

    def alert_lines(self, last: int = 3) -> list[str]:
        """The newest notifications of every receiver: who was told what (`make status`)."""
        lines = []
        for receiver in alert_receiver.receiver_names([t.name for t in self.tenants]):
            try:
                deliveries = self.alert_deliveries(receiver, last)
            except PlatformError as exc:
                lines.append(f"  alerts to {receiver}: {exc}")
                continue
            lines.append(f"  alerts to {receiver}: {'none yet' if not deliveries else ''}".rstrip())
            for delivery in deliveries:
                alerts = ", ".join(f"{a['labels'].get('alertname')}{{tenant={a['labels'].get('tenant')}, "
                                   f"job={a['labels'].get('job')}}}" for a in delivery.get("alerts", []))
                lines.append(f"    {delivery.get('received')} {delivery.get('status')}: {alerts}")
        return lines

