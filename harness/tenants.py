"""Tenants: read from platform/tenants.yaml, the one list both backends use."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness import config_files
from harness.config_files import REPO_ROOT

TENANTS_FILE = REPO_ROOT / "platform" / "tenants.yaml"


class TenantsFileError(ValueError):
    """platform/tenants.yaml is not what the platform can be built from."""


@dataclass(frozen=True)
class Tenant:
    name: str
    namespace: str
    username: str
    password: str
    local_port: int

    @property
    def pushgateway_name(self) -> str:
        """The tenant's Pushgateway's one name: local process, kind Service and Helm release."""
        return f"pushgateway-{self.name}"

    @property
    def scrape_job(self) -> str:
        """Name of the Prometheus scrape job of this tenant's Pushgateway (named after it)."""
        return self.pushgateway_name


def load_tenants(path: Path = TENANTS_FILE) -> list[Tenant]:
    entries = config_files.load(path, config_files.TENANTS_SCHEMA, TenantsFileError)["tenants"]
    tenants = [Tenant(name=e["name"], namespace=e.get("namespace", e["name"]), username=e["pushgateway"]["username"],
                      password=e["pushgateway"]["password"], local_port=e["pushgateway"]["local_port"])
               for e in entries]
    # What a schema cannot say: each tenant needs its own namespace, gateway port and name.
    for field in ("name", "namespace", "local_port"):
        values = [getattr(t, field) for t in tenants]
        duplicates = sorted({str(v) for v in values if values.count(v) > 1})
        if duplicates:
            raise TenantsFileError(f"{config_files.shown(path)}: tenants share {field}: {', '.join(duplicates)}")
    return tenants


def tenant_by_name(name: str, tenants: list[Tenant] | None = None) -> Tenant:
    tenants = load_tenants() if tenants is None else tenants
    for tenant in tenants:
        if tenant.name == name:
            return tenant
    known = ", ".join(t.name for t in tenants)
    raise TenantsFileError(f"unknown tenant {name!r}; platform/tenants.yaml has: {known}")
