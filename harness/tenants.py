"""Tenants: read from platform/tenants.yaml, the one list both backends use."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from harness import config_files, ports
from harness.paths import REPO_ROOT
from simplepipe.errors import UsageError
from simplepipe.gc import parse_duration

TENANTS_FILE = REPO_ROOT / "platform" / "tenants.yaml"

# The administrator's alert receiver has this name beside the tenants' (harness/local/alertmanager.py).
RESERVED_NAMES = frozenset({"administrator"})


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
    local_port: int  # the local backend's Pushgateway port (kind: `make env`'s port-forward), configured or derived
    # The tenant's own S3 identity: reaches only artifact_bucket (derived demo values unless tenants.yaml has s3:).
    s3_access_key: str = ""
    s3_secret_key: str = ""
    gc: GcSchedule | None = None  # None: the tenant's groups are never expired
    # kind: the tenant's own alert webhook (tenants.yaml `alerts.webhook_url`); "" = its in-namespace default.
    alert_webhook_url: str = ""
    # Where local_port comes from, for messages: "platform/tenants.yaml: tenants[1].pushgateway.local_port",
    # or the entry it was derived for; "" for a tenant made in code.
    local_port_from: str = ""

    def __post_init__(self) -> None:
        if not self.s3_access_key or not self.s3_secret_key:
            access_key, secret_key = demo_s3_credentials(self.name)
            object.__setattr__(self, "s3_access_key", self.s3_access_key or access_key)
            object.__setattr__(self, "s3_secret_key", self.s3_secret_key or secret_key)

    @classmethod
    def from_dict(cls, data: dict) -> "Tenant":
        """A tenant from `dataclasses.asdict` of one (the supervisor's spec file)."""
        gc = data.get("gc")
        return cls(**{**data, "gc": GcSchedule(**gc) if gc else None})

    @property
    def pushgateway_name(self) -> str:
        """The tenant's Pushgateway's one name: local process, kind Service and Helm release."""
        return f"pushgateway-{self.name}"

    @property
    def scrape_job(self) -> str:
        """Name of the Prometheus scrape job of this tenant's Pushgateway (named after it)."""
        return self.pushgateway_name

    @property
    def artifact_bucket(self) -> str:
        """The tenant's own S3 bucket: its namespace's Argo artifact repository."""
        return f"{ARTIFACT_BUCKET_PREFIX}{self.name}"


ARTIFACT_BUCKET_PREFIX = "argo-artifacts-"


def demo_s3_credentials(name: str) -> tuple[str, str]:
    """Deterministic demo S3 keys of a tenant without an `s3:` block: as public as the demo passwords."""
    return f"{name}-artifacts", f"{name}-s3-demo-secret"


def load_tenants(path: Path = TENANTS_FILE) -> list[Tenant]:
    data = config_files.load(path, config_files.TENANTS_SCHEMA, TenantsFileError)
    shown = config_files.shown(path)
    default_gc = gc_schedule(data.get("gc"), f"{shown}: gc", None)
    local_ports = _local_ports(data["tenants"], shown)
    tenants = []
    for index, e in enumerate(data["tenants"]):
        gc = gc_schedule(e.get("gc", "default"), f"{shown}: tenants[{index}].gc", default_gc)
        tenants.append(Tenant(name=e["name"], namespace=e.get("namespace", e["name"]),
                              username=e["pushgateway"]["username"], password=e["pushgateway"]["password"],
                              local_port=local_ports[index][0], local_port_from=local_ports[index][1],
                              s3_access_key=(e.get("s3") or {}).get("access_key", ""),
                              s3_secret_key=(e.get("s3") or {}).get("secret_key", ""), gc=gc,
                              alert_webhook_url=(e.get("alerts") or {}).get("webhook_url", "")))
    # What a schema cannot say: each tenant needs its own name, namespace and S3 key (ports: _local_ports),
    # and no tenant may take the administrator's name.
    for index, tenant in enumerate(tenants):
        if tenant.name in RESERVED_NAMES:
            raise TenantsFileError(f"{shown}: tenants[{index}].name: {tenant.name!r} is reserved "
                                   "for the platform's administrator")
    for field in ("name", "namespace", "s3_access_key"):
        values = [getattr(t, field) for t in tenants]
        duplicates = sorted({str(v) for v in values if values.count(v) > 1})
        if duplicates:
            raise TenantsFileError(f"{shown}: tenants share {field}: {', '.join(duplicates)}")
    return tenants


def _local_ports(entries: list[dict], shown: str) -> list[tuple[int, str]]:
    """Each entry's (local port, where it comes from). A configured port must lie outside the kernel's
    ephemeral range and be the only one of its value; an entry without one gets a port derived from its
    name (harness.ports.derived_port), in file order, apart from every configured one."""
    ephemeral = ports.ephemeral_range()
    configured = [(f"{shown}: tenants[{index}].pushgateway.local_port", e["pushgateway"]["local_port"])
                  for index, e in enumerate(entries) if "local_port" in e["pushgateway"]]
    hint = ", or leave local_port out to get one derived from the tenant's name"
    problems = [problem for where, port in configured if (problem := ports.ephemeral_problem(where, port, ephemeral,
                                                                                               hint))]
    problems += ports.shared_port_problems(configured)
    if problems:
        raise TenantsFileError(problems[0] + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
    taken = {port for _, port in configured}
    resolved = []
    for index, e in enumerate(entries):
        if "local_port" in e["pushgateway"]:
            resolved.append((e["pushgateway"]["local_port"], f"{shown}: tenants[{index}].pushgateway.local_port"))
            continue
        port = ports.derived_port(e["name"], taken, ephemeral)
        if port is None:
            raise TenantsFileError(f"{shown}: tenants[{index}].pushgateway: no local_port, and no port of "
                                   f"{ports.DERIVED_PORTS.start}-{ports.DERIVED_PORTS.stop - 1} is left to derive one "
                                   "from (all taken or ephemeral): configure local_port")
        taken.add(port)
        resolved.append((port, f"{shown}: tenants[{index}].pushgateway.local_port (left out; derived from the name)"))
    return resolved


def gc_schedule(value, where: str, default: GcSchedule | None) -> GcSchedule | None:
    """A `gc:` entry of tenants.yaml: {older_than, every}, `off` (no expiry) or absent (the default)."""
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


def generated_tenants(count: int, gc: GcSchedule | None = None) -> list[Tenant]:
    """`count` tenants that clash with nothing, as an administrator would add them: s0001, s0002, ... with
    their own users, passwords and S3 keys (the tenants shape of `make load`, `python -m harness.kind.scale`)."""
    return [Tenant(name=f"s{i:04d}", namespace=f"s{i:04d}", username=f"s{i:04d}",
                   password=f"s{i:04d}-{secrets.token_hex(4)}", local_port=0, gc=gc) for i in range(1, count + 1)]


def default_gc(path: Path = TENANTS_FILE) -> GcSchedule | None:
    """tenants.yaml's `gc:`: the expiry a tenant without a `gc:` of its own gets."""
    data = config_files.load(path, config_files.TENANTS_SCHEMA, TenantsFileError)
    return gc_schedule(data.get("gc"), f"{config_files.shown(path)}: gc", None)


def tenant_by_name(name: str, tenants: list[Tenant] | None = None) -> Tenant:
    tenants = load_tenants() if tenants is None else tenants
    for tenant in tenants:
        if tenant.name == name:
            return tenant
    known = ", ".join(t.name for t in tenants)
    raise TenantsFileError(f"unknown tenant {name!r}; platform/tenants.yaml has: {known}")
