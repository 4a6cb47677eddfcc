"""The few verbs a scenario needs from a platform, whatever the backend."""
from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import Any

from harness.tenants import Tenant


@dataclass
class StepResult:
    """One executed step (a pod on kind, a local process on the local backend)."""

    name: str
    template: str
    phase: str  # Succeeded | Failed | Error | Skipped | Omitted
    exit_code: int | None
    log: str = ""


@dataclass
class WorkflowRun:
    """A submitted workflow; `phase` is Running until it has finished."""

    name: str
    tenant: str
    phase: str = "Pending"  # Pending | Running | Succeeded | Failed | Error
    message: str = ""
    steps: list[StepResult] = field(default_factory=list)
    handle: Any = None  # backend-specific

    @property
    def finished(self) -> bool:
        return self.phase in ("Succeeded", "Failed", "Error")


class Platform(abc.ABC):
    """A running platform: tenants' Pushgateways, Prometheus, S3 and a workflow engine."""

    name: str

    @abc.abstractmethod
    def up(self) -> None:
        """Bring everything up (idempotent) and wait until it is ready."""

    @abc.abstractmethod
    def down(self) -> None:
        """Stop everything `up` started, and only that."""

    @abc.abstractmethod
    def is_up(self) -> bool:
        """Whether the platform is reachable now."""

    @abc.abstractmethod
    def submit(self, tenant: Tenant, manifest: dict) -> WorkflowRun:
        """Submit an Argo Workflow manifest into the tenant's namespace; returns at once."""

    @abc.abstractmethod
    def wait(self, run: WorkflowRun, timeout: float) -> WorkflowRun:
        """Wait until the workflow has finished; raises TimeoutError naming it."""

    @abc.abstractmethod
    def refresh(self, run: WorkflowRun) -> WorkflowRun:
        """Update the run's phase and steps without waiting."""

    @property
    @abc.abstractmethod
    def prometheus_url(self) -> str:
        """Base URL of Prometheus' HTTP API, reachable from this machine."""

    @abc.abstractmethod
    def pushgateway_url(self, tenant: Tenant) -> str:
        """Base URL of the tenant's Pushgateway, reachable from this machine."""

    def tenant_env(self, tenant: Tenant) -> dict[str, str]:
        """Environment a tenant's own code needs to push (Simplepipe's variables, PROMETHEUS_URL), and to reach
        its own artifacts (artifact_env)."""
        return {
            "SIMPLEPIPE_PUSHGATEWAY_URL": self.pushgateway_url(tenant),
            "SIMPLEPIPE_PUSHGATEWAY_USERNAME": tenant.username,
            "SIMPLEPIPE_PUSHGATEWAY_PASSWORD": tenant.password,
            "PROMETHEUS_URL": self.prometheus_url,
            **self.artifact_env(tenant),
        }

    def artifact_env(self, tenant: Tenant) -> dict[str, str]:
        """The tenant's own S3 settings (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL,
        SIMPLEPIPE_ARTIFACT_BUCKET); empty where the backend has none to give."""
        return {}
