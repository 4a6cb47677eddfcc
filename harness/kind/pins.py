"""What the kind backend pins, and the checks that nothing is left floating.

- Charts: every release installs either one of our charts (platform/k8s/...) or an upstream chart from the
  verified cache, by its folder .cache/charts/<name>-<version> named in the lock (platform/charts.yaml,
  harness/kind/charts.py); no release names a chart repository (whose contents could change under a version).
- Node image: every node of platform/kind.yaml names a kindest/node image by tag AND
  digest; its tag is the Kubernetes version `make validate` checks built-in objects for.
"""
from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

import yaml

from harness.errors import PlatformError
from harness.kind.charts import LockedChart, load_lock
from harness.kind.constants import CHART_CACHE, KIND_CONFIG, PLATFORM_DIR

NODE_IMAGE = re.compile(r"^kindest/node:v(?P<version>\d+\.\d+\.\d+)@sha256:[0-9a-f]{64}$")
# How the helmfile (in platform/) names a cached chart.
CACHE_PREFIX = PurePosixPath("..") / CHART_CACHE.relative_to(PLATFORM_DIR.parent).as_posix()


class UnpinnedError(PlatformError, ValueError):
    """Something the kind backend must pin is not pinned; the message says what and where."""


def is_local_chart(chart: str) -> bool:
    return chart.startswith(("./", "../"))


def is_cached_chart(chart: str) -> bool:
    return PurePosixPath(chart).parent == CACHE_PREFIX


def chart_problems(helmfile: dict, lock: dict[str, LockedChart] | None = None) -> list[str]:
    """One line per release whose chart is neither ours nor a locked chart of the cache."""
    lock = load_lock() if lock is None else lock
    folders = {chart.directory_name: chart for chart in lock.values()}
    problems = []
    for release in helmfile.get("releases") or []:
        chart, name = str(release.get("chart", "")), release.get("name")
        if "version" in release:
            problems.append(f"release {name}: `version:` has no effect on a chart folder; the lock "
                            f"(platform/charts.yaml) holds the version")
        if not is_local_chart(chart):
            problems.append(f"release {name}: chart {chart!r} comes from a chart repository; install the "
                            f"verified copy {CACHE_PREFIX}/<name>-<version> locked in platform/charts.yaml")
        elif is_cached_chart(chart) and PurePosixPath(chart).name not in folders:
            known = ", ".join(sorted(folders))
            problems.append(f"release {name}: {chart} is no chart of platform/charts.yaml (locked: {known})")
        elif is_cached_chart(chart) and not release.get("skipDeps"):
            problems.append(f"release {name}: {chart} needs `skipDeps: true` (its subcharts are in the cache; "
                            "helmfile would download them again)")
    return problems


def release_chart(helmfile: dict, release_name: str, lock: dict[str, LockedChart] | None = None) -> LockedChart:
    """The locked chart a release installs."""
    lock = load_lock() if lock is None else lock
    folders = {chart.directory_name: chart for chart in lock.values()}
    release = next(r for r in helmfile["releases"] if r["name"] == release_name)
    return folders[PurePosixPath(release["chart"]).name]


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
