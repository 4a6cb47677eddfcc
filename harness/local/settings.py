"""Settings of the local backend, read from platform/local/platform.yaml, and the ports it listens on."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

from harness.local.errors import SettingsError
from harness.net import free_ports
from harness.tenants import REPO_ROOT, Tenant

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


_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h)$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def duration_seconds(text: str) -> float:
    """'500ms', '5s', '1m', '2h' -> seconds; ValueError naming the text otherwise."""
    match = _DURATION.match(str(text).strip())
    if not match:
        raise ValueError(f"{text!r} is not a duration like 500ms, 5s, 1m or 2h")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def load_settings(path: Path = SETTINGS_FILE) -> LocalSettings:
    try:
        data = yaml.safe_load(Path(path).read_text()) or {}
        prometheus, s3 = data["prometheus"], data["s3"]
        gateway, supervisor = data.get("pushgateway") or {}, data.get("supervisor") or {}
        persistence_interval = str(gateway.get("persistence_interval", "5s"))
        for where, value in (("pushgateway.persistence_interval", persistence_interval),
                             *((f"supervisor.{k}", v) for k, v in supervisor.items())):
            if where.startswith("supervisor.") and where[len("supervisor."):] not in SupervisorSettings.__annotations__:
                raise SettingsError(f"{path}: {where}: unknown setting (known: "
                                    f"{', '.join(SupervisorSettings.__annotations__)})")
            try:
                duration_seconds(value)
            except ValueError as exc:
                raise SettingsError(f"{path}: {where}: {exc}") from None
        return LocalSettings(
            prometheus_port=int(prometheus["port"]),
            scrape_interval=str(prometheus["scrape_interval"]),
            evaluation_interval=str(prometheus.get("evaluation_interval", prometheus["scrape_interval"])),
            rule_files=str(prometheus.get("rule_files") or ""),
            s3_ports={key: int(s3[key]) for key in S3_PORTS},
            s3=S3Settings(access_key=str(s3["access_key"]), secret_key=str(s3["secret_key"]),
                          bucket=str(s3["bucket"]), region=str(s3.get("region", "us-east-1"))),
            ready_timeout=float(data.get("ready_timeout_seconds", 60)),
            releases={name: Release(name=name, version=str(r["version"]), url=str(r["url"]),
                                    checksums=str(r.get("checksums", "")), sha256=str(r.get("sha256", "")))
                      for name, r in (data.get("releases") or {}).items()},
            persistence_interval=persistence_interval,
            supervisor=SupervisorSettings(**{key: duration_seconds(supervisor[key]) for key in
                                             ("backoff_initial", "backoff_max", "backoff_reset") if key in supervisor}),
        )
    except (OSError, yaml.YAMLError) as exc:
        raise SettingsError(f"{path}: cannot read the local platform's settings: {exc}") from exc
    except (KeyError, TypeError, ValueError) as exc:
        raise SettingsError(f"{path}: missing or invalid setting {exc}") from exc


@dataclass(frozen=True)
class Ports:
    """Every port of one local platform: Prometheus, one Pushgateway per tenant, SeaweedFS' servers."""

    prometheus: int
    pushgateways: dict[str, int]  # tenant name -> port
    s3: dict[str, int]  # S3_PORTS key -> port

    @classmethod
    def configured(cls, settings: LocalSettings, tenants: list[Tenant]) -> "Ports":
        return cls(settings.prometheus_port, {t.name: t.local_port for t in tenants}, dict(settings.s3_ports))

    @classmethod
    def free(cls, tenants: list[Tenant]) -> "Ports":
        """Ephemeral ports the kernel hands out now; all held open together so none is handed out twice."""
        ports = iter(free_ports(1 + len(tenants) + len(S3_PORTS)))
        return cls(next(ports), {t.name: next(ports) for t in tenants}, {key: next(ports) for key in S3_PORTS})

    def to_dict(self) -> dict:
        return {"prometheus": self.prometheus, "pushgateways": dict(self.pushgateways), "s3": dict(self.s3)}

    @classmethod
    def from_dict(cls, data: dict) -> "Ports":
        return cls(int(data["prometheus"]), {k: int(v) for k, v in data["pushgateways"].items()},
                   {k: int(v) for k, v in data["s3"].items()})
