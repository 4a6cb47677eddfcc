"""What the runner is given: where steps run and what they reach."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from harness.tenants import Tenant

# A tenant's ConfigMaps and Secrets, as the kind backend creates them in the tenant's namespace:
# {"configmaps": {"simplepipe-config": {"pushgateway-url": ...}, "artifact-repositories": {...}},
#  "secrets": {"simplepipe-credentials": {"username": ..., "password": ...}},
#  "annotations": {"artifact-repositories": {"workflows.argoproj.io/default-artifact-repository": ...}}}
TenantSettings = Callable[[Tenant], dict]


@dataclass
class RunnerContext:
    """Where steps run and what they reach: the controller's default S3 artifact repository (for a namespace
    without its own `artifact-repositories` ConfigMap), a work dir, the tenants' settings."""

    s3_endpoint: str
    access_key: str
    secret_key: str
    bucket: str
    region: str
    work_root: Path
    tenant_settings: TenantSettings
    default_step_timeout: float = 600.0  # a step without activeDeadlineSeconds
