"""Settings of the local backend, read from platform/local/platform.yaml, and the ports it listens on."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from harness import config_files
from harness.local.errors import SettingsError
from harness.net import free_ports
from harness.paths import REPO_ROOT
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
    return LocalSettings(
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
    )


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
