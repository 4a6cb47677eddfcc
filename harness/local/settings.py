"""Settings of the local backend, read from platform/local/platform.yaml, and the ports it listens on."""
from __future__ import annotations

import socket
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import yaml

from harness.local.errors import SettingsError
from harness.tenants import REPO_ROOT, Tenant

SETTINGS_FILE = REPO_ROOT / "platform" / "local" / "platform.yaml"
HOST = "127.0.0.1"

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


def load_settings(path: Path = SETTINGS_FILE) -> LocalSettings:
    try:
        data = yaml.safe_load(Path(path).read_text()) or {}
        prometheus, s3 = data["prometheus"], data["s3"]
        return LocalSettings(
            prometheus_port=int(prometheus["port"]),
            scrape_interval=str(prometheus["scrape_interval"]),
            evaluation_interval=str(prometheus.get("evaluation_interval", prometheus["scrape_interval"])),
            rule_files=str(prometheus.get("rule_files") or ""),
            alertmanager_port=int(data["alertmanager"]["port"]),
            alert_receiver_port=int(data["alertmanager"]["receiver_port"]),
            s3_ports={key: int(s3[key]) for key in S3_PORTS},
            s3=S3Settings(access_key=str(s3["access_key"]), secret_key=str(s3["secret_key"]),
                          bucket=str(s3["bucket"]), region=str(s3.get("region", "us-east-1"))),
            ready_timeout=float(data.get("ready_timeout_seconds", 60)),
            releases={name: Release(name=name, version=str(r["version"]), url=str(r["url"]),
                                    checksums=str(r.get("checksums", "")), sha256=str(r.get("sha256", "")))
                      for name, r in (data.get("releases") or {}).items()},
        )
    except (OSError, yaml.YAMLError) as exc:
        raise SettingsError(f"{path}: cannot read the local platform's settings: {exc}") from exc
    except (KeyError, TypeError, ValueError) as exc:
        raise SettingsError(f"{path}: missing or invalid setting {exc}") from exc


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
        with ExitStack() as stack:
            def one() -> int:
                sock = stack.enter_context(socket.socket())
                sock.bind((HOST, 0))
                return sock.getsockname()[1]
            return cls(one(), {t.name: one() for t in tenants}, {key: one() for key in S3_PORTS}, one(), one())

    def to_dict(self) -> dict:
        return {"prometheus": self.prometheus, "pushgateways": dict(self.pushgateways), "s3": dict(self.s3),
                "alertmanager": self.alertmanager, "alert_receiver": self.alert_receiver}

    @classmethod
    def from_dict(cls, data: dict) -> "Ports":
        return cls(int(data["prometheus"]), {k: int(v) for k, v in data["pushgateways"].items()},
                   {k: int(v) for k, v in data["s3"].items()}, int(data.get("alertmanager", 0)),
                   int(data.get("alert_receiver", 0)))


def free_port() -> int:
    """One ephemeral port the kernel hands out now (Ports.free holds a whole platform's at once)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True
