"""What the kind backend pins, and the checks that nothing is left floating.

- Charts: every repository chart of the helmfile has an exact version (no range, no
  `~`/`^`), equal to the one platform/charts.yaml records with the chart's appVersion.
- Node image: every node of platform/kind.yaml names a kindest/node image by tag AND
  digest; its tag is the Kubernetes version `make validate` checks built-in objects for.
"""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from harness.errors import PlatformError
from harness.kind.constants import CHARTS_FILE, KIND_CONFIG

EXACT_VERSION = re.compile(r"^\d+\.\d+\.\d+$")
NODE_IMAGE = re.compile(r"^kindest/node:v(?P<version>\d+\.\d+\.\d+)@sha256:[0-9a-f]{64}$")


class UnpinnedError(PlatformError, ValueError):
    """Something the kind backend must pin is not pinned; the message says what and where."""


def is_local_chart(chart: str) -> bool:
    return chart.startswith(("./", "../"))


def unpinned_charts(helmfile: dict) -> list[str]:
    """One line per repository chart of a parsed helmfile whose version is not exact."""
    problems = []
    for release in helmfile.get("releases") or []:
        chart = str(release.get("chart", ""))
        if is_local_chart(chart):
            continue
        version = str(release.get("version", "")).strip()
        if not EXACT_VERSION.match(version):
            shown = f"version {version!r}" if version else "no version"
            problems.append(f"release {release.get('name')}: chart {chart} has {shown}; pin an exact x.y.z")
    return problems


def recorded_charts(path: Path = CHARTS_FILE) -> dict[str, dict]:
    """platform/charts.yaml: chart -> {version, appVersion}."""
    return yaml.safe_load(path.read_text())


def unrecorded_charts(helmfile: dict, charts: dict[str, dict]) -> list[str]:
    """Repository charts whose helmfile version differs from (or is missing in) charts.yaml."""
    problems = []
    for release in helmfile.get("releases") or []:
        chart = str(release.get("chart", ""))
        if is_local_chart(chart):
            continue
        recorded = charts.get(chart)
        if recorded is None:
            problems.append(f"release {release.get('name')}: {chart} is not in {CHARTS_FILE.name}")
        elif str(recorded["version"]) != str(release.get("version")):
            problems.append(f"release {release.get('name')}: {chart} {release.get('version')} in the helmfile, "
                            f"{recorded['version']} in {CHARTS_FILE.name}")
    return problems


def node_image_problems(kind_config: dict) -> list[str]:
    """One line per node of a parsed kind config without a digest-pinned kindest/node image."""
    problems = []
    nodes = kind_config.get("nodes") or []
    if not nodes:
        problems.append("no nodes: kind would use its own default node image")
    for index, node in enumerate(nodes):
        image = node.get("image")
        if not image:
            problems.append(f"nodes.{index}: no image (the Kubernetes version would follow the installed kind)")
        elif not NODE_IMAGE.match(str(image)):
            problems.append(f"nodes.{index}.image {image!r}: want kindest/node:vX.Y.Z@sha256:<digest>")
    images = {str(node.get("image")) for node in nodes}
    if len(images) > 1:
        problems.append(f"nodes run different images: {sorted(images)}")
    return problems


def node_image(path: Path = KIND_CONFIG) -> str:
    """The pinned node image of platform/kind.yaml; UnpinnedError naming the problem if unpinned."""
    config = yaml.safe_load(path.read_text())
    problems = node_image_problems(config)
    if problems:
        raise UnpinnedError(f"{path}: " + "; ".join(problems))
    return str(config["nodes"][0]["image"])


def kubernetes_version(path: Path = KIND_CONFIG) -> str:
    """The Kubernetes minor version (e.g. "1.36") of the pinned node image."""
    major, minor, _ = NODE_IMAGE.match(node_image(path))["version"].split(".")
    return f"{major}.{minor}"
