"""Tenants: read from platform/tenants.yaml, the one list both backends use."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
TENANTS_FILE = REPO_ROOT / "platform" / "tenants.yaml"

# A tenant name is a Kubernetes namespace name and a Prometheus label value.
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
# The administrator's alert receiver has this name beside the tenants' (harness/local/alertmanager.py).
RESERVED_NAMES = frozenset({"administrator"})


class TenantsFileError(ValueError):
    """platform/tenants.yaml is not what the platform can be built from."""


@dataclass(frozen=True)
class Tenant:
    name: str
    namespace: str
    username: str
    password: str
    local_port: int
    # The tenant's own S3 identity: reaches only artifact_bucket (derived demo values unless tenants.yaml has s3:).
    s3_access_key: str = ""
    s3_secret_key: str = ""

    def __post_init__(self) -> None:
        if not self.s3_access_key or not self.s3_secret_key:
            access_key, secret_key = demo_s3_credentials(self.name)
            object.__setattr__(self, "s3_access_key", self.s3_access_key or access_key)
            object.__setattr__(self, "s3_secret_key", self.s3_secret_key or secret_key)

    @property
    def scrape_job(self) -> str:
        """Name of the Prometheus scrape job of this tenant's Pushgateway."""
        return f"pushgateway-{self.name}"

    @property
    def artifact_bucket(self) -> str:
        """The tenant's own S3 bucket: its namespace's Argo artifact repository."""
        return f"{ARTIFACT_BUCKET_PREFIX}{self.name}"


ARTIFACT_BUCKET_PREFIX = "argo-artifacts-"


def demo_s3_credentials(name: str) -> tuple[str, str]:
    """Deterministic demo S3 keys of a tenant without an `s3:` block: as public as the demo passwords."""
    return f"{name}-artifacts", f"{name}-s3-demo-secret"


def load_tenants(path: Path = TENANTS_FILE) -> list[Tenant]:
    try:
        data = yaml.safe_load(Path(path).read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise TenantsFileError(f"{path}: cannot read tenants: {exc}") from exc
    entries = (data or {}).get("tenants")
    if not isinstance(entries, list) or not entries:
        raise TenantsFileError(f"{path}: 'tenants' must be a non-empty list")
    tenants: list[Tenant] = []
    for index, entry in enumerate(entries):
        where = f"{path}: tenants[{index}]"
        try:
            gateway = entry["pushgateway"]
            s3 = entry.get("s3") or {}
            if not isinstance(s3, dict):
                raise TenantsFileError(f"{where}.s3: must be a mapping with access_key and secret_key")
            tenant = Tenant(
                name=str(entry["name"]),
                namespace=str(entry.get("namespace", entry["name"])),
                username=str(gateway["username"]),
                password=str(gateway["password"]),
                local_port=int(gateway["local_port"]),
                s3_access_key=str(s3.get("access_key", "")),
                s3_secret_key=str(s3.get("secret_key", "")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise TenantsFileError(f"{where}: missing or invalid field {exc}") from exc
        for field, value in (("name", tenant.name), ("namespace", tenant.namespace)):
            if not _DNS_LABEL.match(value):
                raise TenantsFileError(f"{where}.{field}: {value!r} is not a DNS label (lowercase letters, digits, '-')")
        if tenant.name in RESERVED_NAMES:
            raise TenantsFileError(f"{where}.name: {tenant.name!r} is reserved for the platform's administrator")
        tenants.append(tenant)
    for field in ("name", "namespace", "local_port", "s3_access_key"):
        values = [getattr(t, field) for t in tenants]
        duplicates = sorted({str(v) for v in values if values.count(v) > 1})
        if duplicates:
            raise TenantsFileError(f"{path}: tenants share {field}: {', '.join(duplicates)}")
    return tenants


def tenant_by_name(name: str, tenants: list[Tenant] | None = None) -> Tenant:
    tenants = load_tenants() if tenants is None else tenants
    for tenant in tenants:
        if tenant.name == name:
            return tenant
    known = ", ".join(t.name for t in tenants)
    raise TenantsFileError(f"unknown tenant {name!r}; platform/tenants.yaml has: {known}")
