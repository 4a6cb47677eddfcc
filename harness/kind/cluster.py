"""The kind cluster: its config (platform/kind.yaml), where its services are published,
and the create / sync / delete steps `make up|down PLATFORM=kind` run."""
from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import yaml

from harness.errors import PlatformError
from harness.kind import charts, pins
from harness.kind.constants import (ARGO_FULL_CRDS, ARGO_RELEASE, CLUSTER_NAME, HELMFILE, KIND_CONFIG, KUBE_CONTEXT,
                                    PLATFORM_DIR, VALUES_DIR)
from harness.net import http_ok
from simplepipe.gc import parse_duration


def kubeconfig() -> str:
    """The kubeconfig kind writes to (the first of $KUBECONFIG's files, as kind does), read now."""
    return (os.environ.get("KUBECONFIG") or "").split(os.pathsep)[0] or os.path.expanduser("~/.kube/config")


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
    stack, argo, s3 = _values("kube-prometheus-stack"), _values("argo-workflows"), _values("seaweedfs")
    return {
        "grafana": int(stack["grafana"]["service"]["nodePort"]),
        "prometheus": int(stack["prometheus"]["service"]["nodePort"]),
        "argo-server": int(argo["server"]["serviceNodePort"]),
        "s3": int(s3["allInOne"]["service"]["nodePorts"]["s3"]),
    }


def service_urls() -> dict[str, str]:
    """URL on this machine of every published service."""
    config = KindConfig.load()
    return {name: f"http://127.0.0.1:{config.host_port(port)}" for name, port in node_ports().items()}


def pushgateway_scrape_interval() -> float:
    """Seconds between scrapes of a tenant's Pushgateway: its ServiceMonitor's interval (values/pushgateway.yaml)."""
    return parse_duration(str(_values("pushgateway")["serviceMonitor"]["interval"]))


def api_client():
    """A Kubernetes API client for the kind cluster's context."""
    from kubernetes import config  # reason: the kind backend's client, imported when a cluster is used

    return config.new_client_from_config(config_file=kubeconfig(), context=KUBE_CONTEXT)


@contextmanager
def deadline(seconds: float, what: str) -> Iterator[None]:
    """Raise ClusterError if the block runs longer than `seconds`.

    pytest-kind runs kind without a timeout; the alarm interrupts subprocess.run, which
    then kills its child. Only the main thread gets signals: elsewhere there is no limit.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise ClusterError(f"{what}: no result after {seconds:.0f} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run(command: list[str], what: str, *, timeout: float = 1800, capture: bool = False,
        env: dict[str, str] | None = None) -> str:
    """Run a tool; its output streams to the terminal (the progress) unless captured."""
    print(f"==> {what}: {' '.join(command)}", flush=True)
    try:
        result = subprocess.run(command, text=True, timeout=timeout, capture_output=capture, check=False,
                                env=None if env is None else {**os.environ, **env})
    except subprocess.TimeoutExpired as exc:
        raise ClusterError(f"{what}: no result after {timeout:.0f} s") from exc
    if result.returncode != 0:
        detail = (result.stderr or "").strip() if capture else "see the output above"
        raise ClusterError(f"{what} failed (exit {result.returncode}): {detail}")
    return result.stdout or ""


class KindCluster:
    """The kind cluster named in platform/kind.yaml, through pytest-kind's KindCluster.

    pytest-kind creates (or reuses) and deletes the cluster, loads images and runs
    kubectl. Kept here: whether the cluster exists (for the progress lines), timeouts,
    and the helmfile sync. Its port_forward is not used (KindPlatform keeps its own):
    it starts `retries` forwards one after another without stopping at the first that
    works, and kills them without waiting for them.
    """

    CREATE_TIMEOUT = 600
    LOAD_TIMEOUT = 600
    DELETE_TIMEOUT = 300

    def __init__(self, tools: dict[str, str]):
        from pytest_kind import KindCluster as PytestKindCluster

        self.tools = tools
        self.config = KindConfig.load()
        config_file = Path(kubeconfig())
        # kind writes its context there; pytest-kind touches the file first.
        config_file.parent.mkdir(parents=True, exist_ok=True)
        # pytest-kind keeps its scratch files in ./.pytest-kind/<name> (git-ignored).
        self._kind = PytestKindCluster(self.config.name, kubeconfig=config_file,
                                       kind_path=Path(tools["kind"]),
                                       kubectl_path=Path(tools.get("kubectl") or "kubectl"))

    def exists(self) -> bool:
        result = subprocess.run([self.tools["kind"], "get", "clusters"], capture_output=True, text=True, timeout=60)
        return self.config.name in result.stdout.split()

    def _step(self, what: str, seconds: float, action) -> None:
        print(f"==> {what}", flush=True)
        started = time.monotonic()
        try:
            with deadline(seconds, what):
                action()
        except subprocess.CalledProcessError as exc:
            raise ClusterError(f"{what} failed (exit {exc.returncode}); see the output above") from exc
        except OSError as exc:
            raise ClusterError(f"{what} failed: {exc}") from exc
        print(f"    done in {time.monotonic() - started:.0f} s", flush=True)

    def create(self) -> None:
        if self.exists():
            print(f"==> kind cluster {self.config.name} exists, reusing it", flush=True)
            return
        self._step(f"create the kind cluster {self.config.name} from {KIND_CONFIG} (node {pins.node_image()})",
                   self.CREATE_TIMEOUT, lambda: self._kind.create(config_file=KIND_CONFIG))

    def delete(self) -> None:
        if not self.exists():
            print(f"==> no kind cluster {self.config.name}: nothing to delete", flush=True)
            return
        self._step(f"delete the kind cluster {self.config.name}", self.DELETE_TIMEOUT, self._kind.delete)

    def load_image(self, image: str) -> None:
        self._step(f"load {image} into the kind node", self.LOAD_TIMEOUT,
                   lambda: self._kind.load_docker_image(image))

    def kubectl(self, *args: str, timeout: float = 60) -> str:
        """kubectl against this cluster's context; ClusterError with kubectl's own words."""
        try:
            return self._kind.kubectl("--context", KUBE_CONTEXT, *args, timeout=timeout, stderr=subprocess.PIPE)
        except subprocess.CalledProcessError as exc:
            raise ClusterError(f"kubectl {' '.join(args)}: {(exc.stderr or '').strip()}") from exc
        except subprocess.TimeoutExpired as exc:
            raise ClusterError(f"kubectl {' '.join(args)}: no answer after {timeout:.0f} s") from exc

    def pods_not_running(self) -> str:
        """`kubectl get pods -A` without the Running and Completed ones, or why it could not be read."""
        try:
            lines = self.kubectl("get", "pods", "-A", "-o", "wide").splitlines()
        except ClusterError as exc:
            return f"(pods not listed: {exc})"
        # Columns of `get pods -A`: NAMESPACE NAME READY STATUS ...
        keep = [line for line in lines[1:] if line.split()[3:4] not in (["Running"], ["Completed"])]
        return "\n".join(lines[:1] + keep) if keep else "(every pod is Running or Completed)"

    def apply_argo_crds(self, timeout: float = 300) -> None:
        """Argo's full CRDs from the verified chart, server-side (too large for client-side apply): what the
        chart's own hook Job would download from GitHub inside the cluster (values/argo-workflows.yaml)."""
        crds = charts.load_lock()[ARGO_RELEASE].cache_dir() / ARGO_FULL_CRDS
        if not sorted(crds.glob("*.yaml")):
            raise ClusterError(f"no Argo CRDs in {crds}; run `python -m harness.kind.charts`")
        run([self.tools.get("kubectl") or "kubectl", "--context", KUBE_CONTEXT, "apply", "--server-side",
             "--force-conflicts", "-f", str(crds)], f"apply Argo's CRDs from {crds.relative_to(crds.parents[3])}",
            timeout=timeout)

    def sync(self, timeout: float = 1800) -> None:
        """helmfile sync: every release in `needs:` order, each waited for (helmDefaults.wait); Argo's CRDs first."""
        self.apply_argo_crds()
        run([self.tools["helmfile"], "--file", str(PLATFORM_DIR / HELMFILE), "--kube-context", KUBE_CONTEXT,
             "sync"], "install the charts (helmfile sync; the first run pulls every image)", timeout=timeout)


def ensure_charts(say=print) -> None:
    """The verified chart cache helmfile installs from: checked, and filled from GitHub where it is not."""
    lock = charts.load_lock()
    if not charts.verify_cache(lock):
        say("==> chart cache verified against platform/charts.yaml")
        return
    say("==> assemble the pinned charts into .cache/charts (GitHub archives of their tags) and verify them")
    problems = charts.fill(lock, charts.default_mirrors(), download=True, say=say)
    if problems:
        raise ClusterError("the pinned charts could not be assembled: " + "; ".join(problems))


def kind_cluster_reachable(timeout: float = 5.0) -> tuple[bool, str]:
    """(True, "") when the kind platform answers: API server, Argo's CRD and Prometheus."""
    try:
        from kubernetes import client, config  # the client only where a cluster is asked about

        contexts, _ = config.list_kube_config_contexts(config_file=kubeconfig())
    except Exception as exc:  # no kubeconfig at all, or an unreadable one
        return False, f"no kubeconfig ({type(exc).__name__}); start the platform with `make up PLATFORM=kind`"
    if KUBE_CONTEXT not in {c["name"] for c in contexts}:
        return False, f"no kubeconfig context {KUBE_CONTEXT}; start it with `make up PLATFORM=kind`"
    try:
        api = config.new_client_from_config(config_file=kubeconfig(), context=KUBE_CONTEXT)
        client.ApiextensionsV1Api(api).read_custom_resource_definition(
            "workflows.argoproj.io", _request_timeout=timeout)
    except Exception as exc:
        reason = getattr(exc, "reason", None) or type(exc).__name__
        return False, f"kind cluster {CLUSTER_NAME} not reachable or without Argo ({reason})"
    prometheus = service_urls()["prometheus"]
    if not http_ok(f"{prometheus}/-/ready", timeout=timeout):
        return False, f"Prometheus of the kind platform does not answer at {prometheus}"
    return True, ""
