"""Settings of the local backend, read from platform/local/platform.yaml, and the ports it listens on."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from harness import config_files
from harness.local.errors import SettingsError
from harness.net import free_ports
from harness.paths import REPO_ROOT
from harness.ports import DERIVED_PORTS, ephemeral_problem, ephemeral_range, shared_port_problems
from harness.tenants import Tenant
from simplepipe.errors import UsageError
from simplepipe.gc import parse_duration

SETTINGS_FILE = REPO_ROOT / "platform" / "local" / "platform.yaml"

# Port name -> its key in platform.yaml, so that errors name the setting to change.
S3_PORTS = ("s3_port", "s3_grpc_port", "master_port", "master_grpc_port", "volume_port", "volume_grpc_port",
            "filer_port", "filer_grpc_port")


@dataclass(frozen=True)
class Release:
    """An official release archive to download when no binary is installed."""

    name: str
    version: str
    url: str
    checksums: str = ""
    sha256: str = ""


@dataclass(frozen=True)
class S3Settings:
    access_key: str
    secret_key: str
    bucket: str
    region: str


@dataclass(frozen=True)
class SupervisorSettings:
    """Backoff of the supervisor's restarts, in seconds."""

    backoff_initial: float = 1.0
    backoff_max: float = 30.0
    backoff_reset: float = 60.0


@dataclass(frozen=True)
class LocalSettings:
    prometheus_port: int
    scrape_interval: str
    evaluation_interval: str
    rule_files: str  # a glob relative to the repository, or ""
    alertmanager_port: int
    alert_receiver_port: int
    s3_ports: dict[str, int]
    s3: S3Settings
    ready_timeout: float
    releases: dict[str, Release]
    persistence_interval: str = "5s"  # a Prometheus duration, as the Pushgateway's flag takes it
    supervisor: SupervisorSettings = SupervisorSettings()
    source: str = "platform/local/platform.yaml"  # the file, as errors name it

    def port_settings(self) -> list[tuple[str, int]]:
        """Every port this file configures, as (file: path, port), in the file's order."""
        return [(f"{self.source}: {key}", port) for key, port in (
            ("prometheus.port", self.prometheus_port), ("alertmanager.port", self.alertmanager_port),
            ("alertmanager.receiver_port", self.alert_receiver_port),
            *((f"s3.{key}", port) for key, port in self.s3_ports.items()))]

    def to_dict(self) -> dict:
        """Plain data, for the supervisor process to run the same platform (LocalSettings.from_dict)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "LocalSettings":
        return cls(**{**data, "s3": S3Settings(**data["s3"]), "supervisor": SupervisorSettings(**data["supervisor"]),
                      "releases": {name: Release(**r) for name, r in data["releases"].items()}})

    @property
    def persistence_window(self) -> float:
        """Seconds of acknowledged pushes a crashed Pushgateway may lose."""
        return duration_seconds(self.persistence_interval)


def duration_seconds(text: str) -> float:
    """Seconds of a Prometheus duration such as 500ms, 5s or 1m; ValueError naming the text otherwise."""
    try:
        return parse_duration(str(text))
    except UsageError:
        raise ValueError(f"{text!r} is not a duration like 500ms, 5s, 1m or 2h") from None


def load_settings(path: Path = SETTINGS_FILE) -> LocalSettings:
    data = config_files.load(path, config_files.LOCAL_PLATFORM_SCHEMA, SettingsError)
    prometheus, s3 = data["prometheus"], data["s3"]
    gateway, supervisor = data.get("pushgateway") or {}, data.get("supervisor") or {}
    settings = LocalSettings(
        prometheus_port=prometheus["port"],
        scrape_interval=prometheus["scrape_interval"],
        evaluation_interval=prometheus.get("evaluation_interval", prometheus["scrape_interval"]),
        rule_files=prometheus.get("rule_files") or "",
        alertmanager_port=data["alertmanager"]["port"],
        alert_receiver_port=data["alertmanager"]["receiver_port"],
        s3_ports={key: s3[key] for key in S3_PORTS},
        s3=S3Settings(access_key=s3["access_key"], secret_key=s3["secret_key"], bucket=s3["bucket"],
                      region=s3.get("region", "us-east-1")),
        ready_timeout=float(data.get("ready_timeout_seconds", 60)),
        releases={name: Release(name=name, version=str(r["version"]), url=r["url"], checksums=r.get("checksums", ""),
                                sha256=r.get("sha256", ""))
                  for name, r in (data.get("releases") or {}).items()},
        persistence_interval=gateway.get("persistence_interval", "5s"),
        supervisor=SupervisorSettings(**{key: duration_seconds(value) for key, value in supervisor.items()}),
        source=config_files.shown(path),
    )
    _check_ports(settings)
    return settings


def _check_ports(settings: LocalSettings) -> None:
    """platform.yaml's ports: outside the kernel's ephemeral range, each its own, and outside the range
    tenants without a configured port get theirs from (so that theirs never equals one of these)."""
    ephemeral = ephemeral_range()
    problems = [problem for where, port in settings.port_settings()
                if (problem := ephemeral_problem(where, port, ephemeral))]
    problems += [f"{where} {port} is inside {DERIVED_PORTS.start}-{DERIVED_PORTS.stop - 1}, where tenants without "
                 "pushgateway.local_port get theirs (harness/ports.py): choose another port"
                 for where, port in settings.port_settings() if port in DERIVED_PORTS]
    problems += shared_port_problems(settings.port_settings())
    if problems:
        raise SettingsError(problems[0] + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))


def check_tenant_ports(settings: LocalSettings, tenants: list[Tenant]) -> None:
    """No tenant's local port is one of platform.yaml's (tenants.yaml alone cannot tell); the error names both."""
    configured = {port: where for where, port in settings.port_settings()}
    for tenant in tenants:
        if tenant.local_port in configured:
            where = tenant.local_port_from or f"pushgateway.local_port of tenant {tenant.name}"
            raise SettingsError(f"{where} {tenant.local_port} is also {configured[tenant.local_port]}: "
                                "each setting needs a port of its own")


@dataclass(frozen=True)
class Ports:
    """Every port of one local platform: Prometheus, one Pushgateway per tenant, SeaweedFS' servers,
    Alertmanager and the alert receiver (0: a state.json written before they existed)."""

    prometheus: int
    pushgateways: dict[str, int]  # tenant name -> port
    s3: dict[str, int]  # S3_PORTS key -> port
    alertmanager: int = 0
    alert_receiver: int = 0

    @classmethod
    def configured(cls, settings: LocalSettings, tenants: list[Tenant]) -> "Ports":
        """platform.yaml's and tenants.yaml's ports; SettingsError when a tenant's is one of platform.yaml's."""
        check_tenant_ports(settings, tenants)
        return cls(settings.prometheus_port, {t.name: t.local_port for t in tenants}, dict(settings.s3_ports),
                   settings.alertmanager_port, settings.alert_receiver_port)

    @classmethod
    def free(cls, tenants: list[Tenant]) -> "Ports":
        """Ephemeral ports the kernel hands out now; all held open together so none is handed out twice."""
        ports = iter(free_ports(3 + len(tenants) + len(S3_PORTS)))
        return cls(next(ports), {t.name: next(ports) for t in tenants}, {key: next(ports) for key in S3_PORTS},
                   next(ports), next(ports))

    def to_dict(self) -> dict:
        return {"prometheus": self.prometheus, "pushgateways": dict(self.pushgateways), "s3": dict(self.s3),
                "alertmanager": self.alertmanager, "alert_receiver": self.alert_receiver}

    @classmethod
    def from_dict(cls, data: dict) -> "Ports":
        return cls(int(data["prometheus"]), {k: int(v) for k, v in data["pushgateways"].items()},
                   {k: int(v) for k, v in data["s3"].items()}, int(data.get("alertmanager", 0)),
                   int(data.get("alert_receiver", 0)))
