"""The pinned upstream charts: a lock file in git, the charts themselves in an ignored cache.

platform/charts.yaml records, per chart and per subchart, its version and appVersion, where its source
lives (a public git repository, a release tag, a path in it), its licence and a content digest. The charts
are not in git (they are upstream code): `python -m harness.kind.charts` assembles each chart, with its
subcharts under charts/<name>/ as Helm expects, into .cache/charts/<name>-<version>/, from local git
mirrors (`git archive <tag> <path>`) or from GitHub's archive of the tag, and verifies every digest against
the lock. helmfile installs from those directories and `make validate` renders them: one verified copy.

The digest of a chart tree: sha256 over the lines `<sha256 of the file>  <relative path>` of every file,
sorted by path (byte order), each line ending in a newline; the same as

    cd DIR && find . -type f -printf '%P\\n' | LC_ALL=C sort | xargs -d '\\n' sha256sum | sha256sum
"""
from __future__ import annotations

import argparse
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import yaml

from harness.errors import PlatformError
from harness.kind.constants import CHART_CACHE, CHARTS_FILE
from harness.paths import REPO_ROOT

# Where `fetch`-style mirrors keep a repository: <root>/<owner>+<name>/repo (a bare git directory).
MIRRORS_ENV = "SIMPLEPIPE_CHART_MIRRORS"
GITHUB_ARCHIVE = "https://github.com/{repository}/archive/refs/tags/{tag}.tar.gz"
DOWNLOAD_TIMEOUT = 120
# An archive larger than this is refused rather than read (the largest source, seaweedfs, is ~60 MB).
MAX_ARCHIVE_BYTES = 512 * 1024 * 1024


class ChartLockError(PlatformError, ValueError):
    """The lock file, a source or the cache is not what it must be; the message names chart and field."""


@dataclass(frozen=True)
class Source:
    """Where a chart's files come from: `path` of `repository` (owner/name on GitHub) at `tag`."""

    repository: str
    tag: str
    path: str
    licence: str
    licence_path: str


@dataclass(frozen=True)
class LockedChart:
    """One chart of the lock: a release's chart, or a subchart of one (then `parent` names it)."""

    name: str
    version: str
    app_version: str
    source: Source
    digest: str
    dependencies: tuple["LockedChart", ...] = field(default=())

    @property
    def directory_name(self) -> str:
        return f"{self.name}-{self.version}"

    def cache_dir(self, cache: Path = CHART_CACHE) -> Path:
        return cache / self.directory_name


def _need(entry: dict, key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ChartLockError(f"{where}: field {key!r} is missing or not a non-empty string")
    return value


def _chart(entry: object, where: str) -> LockedChart:
    if not isinstance(entry, dict):
        raise ChartLockError(f"{where}: not a mapping")
    source = entry.get("source")
    if not isinstance(source, dict):
        raise ChartLockError(f"{where}: field 'source' is missing or not a mapping")
    digest = _need(entry, "digest", where)
    if not (digest.startswith("sha256:") and len(digest) == 71):
        raise ChartLockError(f"{where}: field 'digest' {digest!r} is not sha256:<64 hex digits>")
    path = _need(source, "path", f"{where}.source")
    if PurePosixPath(path).is_absolute() or ".." in PurePosixPath(path).parts:
        raise ChartLockError(f"{where}.source: field 'path' {path!r} must be relative, without '..'")
    dependencies = entry.get("dependencies") or []
    if not isinstance(dependencies, list):
        raise ChartLockError(f"{where}: field 'dependencies' is not a list")
    name = _need(entry, "name", where)
    return LockedChart(
        name=name, version=_need(entry, "version", where), app_version=str(entry.get("appVersion") or ""),
        source=Source(repository=_need(source, "repository", f"{where}.source"),
                      tag=_need(source, "tag", f"{where}.source"), path=path,
                      licence=_need(source, "licence", f"{where}.source"),
                      licence_path=_need(source, "licencePath", f"{where}.source")),
        digest=digest,
        dependencies=tuple(_chart(dep, f"{where}.dependencies.{index} ({dep.get('name') if isinstance(dep, dict) else '?'})")
                           for index, dep in enumerate(dependencies)),
    )


def load_lock(path: Path = CHARTS_FILE) -> dict[str, LockedChart]:
    """The lock: chart name -> LockedChart; ChartLockError naming file, chart and field when malformed."""
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ChartLockError(f"{path}: cannot be read as YAML ({type(exc).__name__})") from None
    charts = (data or {}).get("charts") if isinstance(data, dict) else None
    if not isinstance(charts, list) or not charts:
        raise ChartLockError(f"{path}: no 'charts' list")
    locked = {}
    for index, entry in enumerate(charts):
        name = entry.get("name") if isinstance(entry, dict) else None
        chart = _chart(entry, f"{path.name}: charts.{index} ({name or '?'})")
        if chart.name in locked:
            raise ChartLockError(f"{path.name}: chart {chart.name} is locked twice")
        locked[chart.name] = chart
    return locked


# -- the digest ---------------------------------------------------------------------------------------------
def tree_digest(directory: Path) -> str:
    """sha256 of a chart tree (the module's docstring says how; symbolic links are refused)."""
    lines = []
    for path in sorted(_files(directory), key=lambda p: p.relative_to(directory).as_posix().encode()):
        relative = path.relative_to(directory).as_posix()
        lines.append(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {relative}\n")
    return "sha256:" + hashlib.sha256("".join(lines).encode()).hexdigest()


def _files(directory: Path) -> list[Path]:
    found = []
    for root, dirs, files in os.walk(directory):
        for name in dirs + files:
            path = Path(root) / name
            if path.is_symlink():
                raise ChartLockError(f"{path}: a symbolic link in a chart tree (not allowed: the digest reads bytes)")
        found += [Path(root) / name for name in files]
    return found


# -- where sources come from --------------------------------------------------------------------------------
class Mirrors:
    """Local git mirrors: <root>/<owner>+<name>/repo, read with `git archive <tag> <path>`."""

    def __init__(self, root: Path):
        self.root = root

    def git_dir(self, repository: str) -> Path:
        return self.root / repository.replace("/", "+") / "repo"

    def has(self, repository: str) -> bool:
        return self.git_dir(repository).is_dir()

    def extract(self, source: Source, paths: list[str], into: Path) -> None:
        git_dir = self.git_dir(source.repository)
        command = ["git", "--git-dir", str(git_dir), "archive", "--format=tar", source.tag, "--", *paths]
        result = subprocess.run(command, capture_output=True, timeout=300)
        if result.returncode != 0:
            raise ChartLockError(f"{source.repository}: git archive {source.tag} {' '.join(paths)} failed: "
                                 f"{result.stderr.decode(errors='replace').strip().splitlines()[-1:]}")
        _untar(io.BytesIO(result.stdout), into, strip="")


class GitHubArchives:
    """GitHub's archive of a tag (what `git archive` of that tag gives), downloaded once per repository and tag."""

    def __init__(self, scratch: Path, url_template: str = GITHUB_ARCHIVE):
        self.scratch = scratch
        self.url_template = url_template

    def extract(self, source: Source, paths: list[str], into: Path) -> None:
        name = source.repository.split("/")[1]
        unpacked = self.scratch / f"{name}-{source.tag}"
        if not unpacked.is_dir():
            url = self.url_template.format(repository=source.repository, tag=source.tag)
            print(f"    download {url}", flush=True)
            try:
                with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response:
                    data = response.read(MAX_ARCHIVE_BYTES + 1)
            except OSError as exc:
                raise ChartLockError(f"{source.repository} {source.tag}: download of {url} failed: {exc}") from None
            if len(data) > MAX_ARCHIVE_BYTES:
                raise ChartLockError(f"{url}: larger than {MAX_ARCHIVE_BYTES} bytes, refused")
            _untar(io.BytesIO(data), unpacked, strip="*", mode="r:gz")
        for path in paths:
            origin = unpacked / path
            if not origin.exists():
                raise ChartLockError(f"{source.repository} {source.tag}: no {path} in the archive")
            target = into / path
            target.parent.mkdir(parents=True, exist_ok=True)
            if origin.is_dir():
                shutil.copytree(origin, target, symlinks=True)
            else:
                shutil.copy2(origin, target)


def _untar(stream: io.BytesIO, into: Path, strip: str, mode: str = "r:") -> None:
    """Unpack a tar stream; `strip="*"` drops the archive's top folder (GitHub's <name>-<tag>/)."""
    with tarfile.open(fileobj=stream, mode=mode) as archive:
        for member in archive.getmembers():
            parts = PurePosixPath(member.name).parts
            if strip == "*":
                parts = parts[1:]
            if not parts or member.isdir() or member.name == "pax_global_header":
                continue
            if PurePosixPath(*parts).is_absolute() or ".." in parts:
                raise ChartLockError(f"archive member {member.name!r} points outside the archive")
            if member.issym() or member.islnk():
                raise ChartLockError(f"archive member {member.name!r} is a link (not allowed in a chart)")
            if not member.isfile():
                continue
            target = into.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.extractfile(member) as data:  # type: ignore[union-attr]
                target.write_bytes(data.read())


# -- assembling and verifying -------------------------------------------------------------------------------
def _place(chart: LockedChart, reader, scratch: Path, target: Path) -> None:
    """The chart's own files (from its source) and its licence at `target`, its own digest checked."""
    source = chart.source
    staging = Path(tempfile.mkdtemp(dir=scratch))
    reader.extract(source, [source.path, source.licence_path], staging)
    tree = staging / source.path
    if not (tree / "Chart.yaml").is_file():
        raise ChartLockError(f"{chart.name} {chart.version}: no Chart.yaml at {source.path} of "
                             f"{source.repository} {source.tag}")
    licence = tree / "LICENSE"
    if not licence.exists():
        shutil.copy2(staging / source.licence_path, licence)
    _check_metadata(chart, tree)
    shutil.copytree(tree, target, symlinks=True, dirs_exist_ok=True)


def _check_metadata(chart: LockedChart, tree: Path) -> None:
    metadata = yaml.safe_load((tree / "Chart.yaml").read_text())
    found = (str(metadata.get("name")), str(metadata.get("version")), str(metadata.get("appVersion") or ""))
    if found != (chart.name, chart.version, chart.app_version):
        raise ChartLockError(f"{chart.name} {chart.version}: Chart.yaml of {chart.source.repository} "
                             f"{chart.source.tag} says name/version/appVersion {'/'.join(found)}, the lock "
                             f"{chart.name}/{chart.version}/{chart.app_version}")


def assemble(chart: LockedChart, reader, cache: Path = CHART_CACHE) -> Path:
    """Write the chart with its subcharts into the cache (replacing what was there) and verify it."""
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache, prefix=".assemble-") as scratch:
        work = Path(scratch) / chart.directory_name
        _place(chart, reader, Path(scratch), work)
        for dependency in chart.dependencies:
            _place(dependency, reader, Path(scratch), work / "charts" / dependency.name)
        problems = verify_tree(chart, work)
        target = chart.cache_dir(cache)
        for stale in (target, unverified_dir(chart, cache)):
            if stale.exists():
                shutil.rmtree(stale)
        if problems:
            # Kept aside, never where helmfile and the checks look: `--digests` reads it when a chart is bumped.
            work.rename(unverified_dir(chart, cache))
            raise ChartLockError("; ".join(problems))
        work.rename(target)
    return target


def unverified_dir(chart: LockedChart, cache: Path = CHART_CACHE) -> Path:
    return cache / f"{chart.directory_name}.unverified"


def digest_mismatch(chart: LockedChart, found: str) -> str:
    return f"{chart.name} {chart.version}: digest {found} differs from the lock's {chart.digest}"


def verify_tree(chart: LockedChart, directory: Path) -> list[str]:
    """One line per digest of the chart or one of its subcharts that differs from the lock."""
    if not directory.is_dir():
        return [f"{chart.name} {chart.version}: not in the chart cache ({directory}); "
                "run `python -m harness.kind.charts`"]
    problems = []
    for dependency in chart.dependencies:
        sub = directory / "charts" / dependency.name
        if not sub.is_dir():
            problems.append(f"{chart.name} {chart.version}: subchart {dependency.name} missing under charts/")
            continue
        found = tree_digest(sub)
        if found != dependency.digest:
            problems.append(digest_mismatch(dependency, found))
    found = tree_digest(directory)
    if found != chart.digest:
        problems.append(digest_mismatch(chart, found))
    return problems


def verify_cache(lock: dict[str, LockedChart] | None = None, cache: Path = CHART_CACHE) -> list[str]:
    """What in the cache differs from the lock ([] when every chart is there and verified)."""
    lock = load_lock() if lock is None else lock
    return [problem for chart in lock.values() for problem in verify_tree(chart, chart.cache_dir(cache))]


def cache_present(lock: dict[str, LockedChart] | None = None, cache: Path = CHART_CACHE) -> bool:
    lock = load_lock() if lock is None else lock
    return all((chart.cache_dir(cache) / "Chart.yaml").is_file() for chart in lock.values())


def default_mirrors() -> Path | None:
    configured = os.environ.get(MIRRORS_ENV)
    return Path(configured) if configured else None


def fill(lock: dict[str, LockedChart], mirrors: Path | None, download: bool, cache: Path = CHART_CACHE,
         say=print) -> list[str]:
    """Assemble every chart not already verified in the cache; the problems that remain, one line each."""
    problems = []
    with tempfile.TemporaryDirectory(prefix="simplepipe-charts-") as scratch:
        archives = GitHubArchives(Path(scratch)) if download else None
        local = Mirrors(mirrors) if mirrors else None
        for chart in lock.values():
            if not verify_tree(chart, chart.cache_dir(cache)):
                say(f"  {chart.directory_name}: verified")
                continue
            repositories = [chart.source.repository, *(d.source.repository for d in chart.dependencies)]
            if local is not None and all(local.has(r) for r in repositories):
                reader = local
            elif archives is not None:
                reader = archives
            else:
                problems.append(f"{chart.name} {chart.version}: no mirror of {', '.join(sorted(set(repositories)))}"
                                f" under {mirrors} and --download not given")
                continue
            say(f"  {chart.directory_name}: assemble from {'mirrors' if reader is local else 'GitHub'}")
            try:
                assemble(chart, reader, cache)
            except ChartLockError as exc:
                problems.append(str(exc))
                continue
            say(f"  {chart.directory_name}: verified ({chart.digest[:19]}...)")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.kind.charts", description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=Path, default=default_mirrors(),
                        help=f"folder of git mirrors <owner>+<name>/repo (default ${MIRRORS_ENV})")
    parser.add_argument("--download", action="store_true", help="download GitHub's archive of each tag")
    parser.add_argument("--check", action="store_true", help="only verify the cache against the lock")
    parser.add_argument("--digests", action="store_true",
                        help="print the digest of every chart tree now in the cache (to update the lock)")
    args = parser.parse_args(argv)
    try:
        lock = load_lock()
        if args.digests:
            for chart in lock.values():
                directory = chart.cache_dir()
                if unverified_dir(chart).is_dir():
                    directory = unverified_dir(chart)
                    print(f"{chart.directory_name}: (unverified copy, {directory.name})")
                print(f"{chart.directory_name}: {tree_digest(directory) if directory.is_dir() else '(absent)'}")
                for dependency in chart.dependencies:
                    sub = directory / "charts" / dependency.name
                    print(f"  {dependency.directory_name}: {tree_digest(sub) if sub.is_dir() else '(absent)'}")
            return 0
        if args.check:
            problems = verify_cache(lock)
        else:
            print(f"==> chart cache {CHART_CACHE.relative_to(REPO_ROOT)} from {CHARTS_FILE.relative_to(REPO_ROOT)}")
            problems = fill(lock, args.mirrors, args.download)
    except ChartLockError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if not problems:
        print(f"every chart of {CHARTS_FILE.name} is in {CHART_CACHE.relative_to(REPO_ROOT)} and verified")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
