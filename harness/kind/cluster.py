"""The kind cluster: its config (platform/kind.yaml), where its services are published,
and the create / sync / delete steps `make up|down PLATFORM=kind` run."""
from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from harness.errors import PlatformError
from harness.kind.render import HELMFILE, PLATFORM_DIR

KIND_CONFIG = PLATFORM_DIR / "kind.yaml"
VALUES_DIR = PLATFORM_DIR / "values"
CLUSTER_NAME = "simplepipe"
KUBE_CONTEXT = f"kind-{CLUSTER_NAME}"


def kubeconfig() -> str:
    """The kubeconfig kind writes to, read now (the kubernetes client reads it at import)."""
    return os.environ.get("KUBECONFIG") or os.path.expanduser("~/.kube/config")


class ClusterError(PlatformError, RuntimeError):
    """A step of bringing the kind platform up or down failed; the message says which."""


@dataclass(frozen=True)
class KindConfig:
    name: str
    port_mappings: list[dict]

    @classmethod
    def load(cls, path: Path = KIND_CONFIG) -> "KindConfig":
        data = yaml.safe_load(path.read_text())
        mappings = [m for node in data.get("nodes", []) for m in node.get("extraPortMappings", [])]
        return cls(name=data["name"], port_mappings=mappings)

    def host_port(self, node_port: int) -> int:
        for mapping in self.port_mappings:
            if mapping["containerPort"] == node_port:
                return int(mapping["hostPort"])
        raise ClusterError(f"NodePort {node_port} is not mapped in {KIND_CONFIG}")


def _values(name: str) -> dict:
    return yaml.safe_load((VALUES_DIR / f"{name}.yaml").read_text())


def node_ports() -> dict[str, int]:
    """The NodePort of each published service, read from the values files that set them."""
    stack, argo, minio = _values("kube-prometheus-stack"), _values("argo-workflows"), _values("minio")
    return {
        "grafana": int(stack["grafana"]["service"]["nodePort"]),
        "prometheus": int(stack["prometheus"]["service"]["nodePort"]),
        "argo-server": int(argo["server"]["serviceNodePort"]),
        "minio": int(minio["service"]["nodePort"]),
        "minio-console": int(minio["consoleService"]["nodePort"]),
    }


def service_urls() -> dict[str, str]:
    """URL on this machine of every published service."""
    config = KindConfig.load()
    return {name: f"http://127.0.0.1:{config.host_port(port)}" for name, port in node_ports().items()}


def credentials() -> dict[str, tuple[str, str]]:
    """Demo logins of the published UIs, from the values files."""
    stack, minio = _values("kube-prometheus-stack"), _values("minio")
    return {
        "grafana": (stack["grafana"]["adminUser"], stack["grafana"]["adminPassword"]),
        "minio-console": (minio["rootUser"], minio["rootPassword"]),
    }


def run(command: list[str], what: str, *, timeout: float = 1800, capture: bool = False) -> str:
    """Run a tool; its output streams to the terminal (the progress) unless captured."""
    print(f"==> {what}: {' '.join(command)}", flush=True)
    try:
        result = subprocess.run(command, text=True, timeout=timeout,
                                capture_output=capture, check=False)
    except subprocess.TimeoutExpired as exc:
        raise ClusterError(f"{what}: no result after {timeout:.0f} s") from exc
    if result.returncode != 0:
        detail = (result.stderr or "").strip() if capture else "see the output above"
        raise ClusterError(f"{what} failed (exit {result.returncode}): {detail}")
    return result.stdout or ""


class KindCluster:
    """The kind cluster named in platform/kind.yaml."""

    def __init__(self, tools: dict[str, str]):
        self.tools = tools
        self.config = KindConfig.load()

    def exists(self) -> bool:
        result = subprocess.run([self.tools["kind"], "get", "clusters"], capture_output=True, text=True, timeout=60)
        return self.config.name in result.stdout.split()

    def create(self) -> None:
        if self.exists():
            print(f"==> kind cluster {self.config.name} exists, reusing it", flush=True)
            return
        run([self.tools["kind"], "create", "cluster", "--config", str(KIND_CONFIG), "--wait", "180s"],
            "create the kind cluster")

    def delete(self) -> None:
        if not self.exists():
            print(f"==> no kind cluster {self.config.name}: nothing to delete", flush=True)
            return
        run([self.tools["kind"], "delete", "cluster", "--name", self.config.name], "delete the kind cluster")

    def sync(self) -> None:
        """helmfile sync: every release in `needs:` order, each waited for (helmDefaults.wait)."""
        run([self.tools["helmfile"], "--file", str(PLATFORM_DIR / HELMFILE), "--kube-context", KUBE_CONTEXT,
             "sync"], "install the charts")

    def load_image(self, image: str) -> None:
        run([self.tools["kind"], "load", "docker-image", image, "--name", self.config.name],
            f"load {image} into the kind node")
