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


class TenantsFileError(ValueError):
    """platform/tenants.yaml is not what the platform can be built from."""


@dataclass(frozen=True)
class GcSchedule:
    """Expiry of a tenant's Pushgateway groups: `simplepipe gc --older-than <older_than>`, every <every>."""

    older_than: str  # a duration, e.g. 24h
    every: str       # a duration that a cron schedule can express: minutes dividing 60, hours dividing 24, 1d

    @property
    def cron(self) -> str:
        """The CronJob schedule for `every` (validated by `gc_schedule`)."""
        return _cron(self.every)


@dataclass(frozen=True)
class Tenant:
    name: str
    namespace: str
    username: str
    password: str
    local_port: int
    gc: GcSchedule | None = None  # None: the tenant's groups are never expired

    @property
    def scrape_job(self) -> str:
        """Name of the Prometheus scrape job of this tenant's Pushgateway."""
        return f"pushgateway-{self.name}"


def load_tenants(path: Path = TENANTS_FILE) -> list[Tenant]:
    try:
        data = yaml.safe_load(Path(path).read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise TenantsFileError(f"{path}: cannot read tenants: {exc}") from exc
    entries = (data or {}).get("tenants")
    if not isinstance(entries, list) or not entries:
        raise TenantsFileError(f"{path}: 'tenants' must be a non-empty list")
    default_gc = gc_schedule((data or {}).get("gc"), f"{path}: gc", None)
    tenants: list[Tenant] = []
    for index, entry in enumerate(entries):
        where = f"{path}: tenants[{index}]"
        gc = gc_schedule(entry.get("gc", "default") if isinstance(entry, dict) else None, f"{where}.gc", default_gc)
        try:
            gateway = entry["pushgateway"]
            tenant = Tenant(
                name=str(entry["name"]),
                namespace=str(entry.get("namespace", entry["name"])),
                username=str(gateway["username"]),
                password=str(gateway["password"]),
                local_port=int(gateway["local_port"]),
                gc=gc,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise TenantsFileError(f"{where}: missing or invalid field {exc}") from exc
        for field, value in (("name", tenant.name), ("namespace", tenant.namespace)):
            if not _DNS_LABEL.match(value):
                raise TenantsFileError(f"{where}.{field}: {value!r} is not a DNS label (lowercase letters, digits, '-')")
        tenants.append(tenant)
    for field in ("name", "namespace", "local_port"):
        values = [getattr(t, field) for t in tenants]
        duplicates = sorted({str(v) for v in values if values.count(v) > 1})
        if duplicates:
            raise TenantsFileError(f"{path}: tenants share {field}: {', '.join(duplicates)}")
    return tenants


def gc_schedule(value, where: str, default: GcSchedule | None) -> GcSchedule | None:
    """A `gc:` entry of tenants.yaml: {older_than, every}, `off` (no expiry) or absent (the default)."""
    from simplepipe.errors import UsageError
    from simplepipe.gc import parse_duration

    if value == "default" or value is None:
        return default
    if value is False or value == "off":
        return None
    if not isinstance(value, dict) or set(value) != {"older_than", "every"}:
        raise TenantsFileError(f"{where}: expected {{older_than: 24h, every: 10m}} or off, got {value!r}")
    schedule = GcSchedule(older_than=str(value["older_than"]), every=str(value["every"]))
    for field in ("older_than", "every"):
        try:
            parse_duration(getattr(schedule, field))
        except UsageError as exc:
            raise TenantsFileError(f"{where}.{field}: {exc}") from exc
    try:
        _cron(schedule.every)
    except ValueError as exc:
        raise TenantsFileError(f"{where}.every: {exc}") from exc
    return schedule


def _cron(every: str) -> str:
    from simplepipe.gc import parse_duration

    seconds = int(parse_duration(every))
    minutes, hours = seconds // 60, seconds // 3600
    if seconds % 60 == 0 and 0 < minutes < 60 and 60 % minutes == 0:
        return f"*/{minutes} * * * *" if minutes > 1 else "* * * * *"
    if seconds % 3600 == 0 and 0 < hours < 24 and 24 % hours == 0:
        return f"0 */{hours} * * *" if hours > 1 else "0 * * * *"
    if seconds == 86400:
        return "0 0 * * *"
    raise ValueError(f"{every!r} is not a cron-expressible interval: whole minutes dividing 60, "
                     "whole hours dividing 24, or 1d")


def tenant_by_name(name: str, tenants: list[Tenant] | None = None) -> Tenant:
    tenants = load_tenants() if tenants is None else tenants
    for tenant in tenants:
        if tenant.name == name:
            return tenant
    known = ", ".join(t.name for t in tenants)
    raise TenantsFileError(f"unknown tenant {name!r}; platform/tenants.yaml has: {known}")
