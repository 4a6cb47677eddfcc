"""The cluster as helmfile would install it, rendered offline by Helm's own engine.

platform/helmfile.yaml read as helmfile reads it: every release in `needs:` order, its chart (ours under
platform/k8s, the upstream ones from the verified cache), its namespace, its values files and inline values
merged in order as Helm merges `-f` files, then its `set:` entries. Capabilities as on the cluster: the node
image's Kubernetes version, the built-in API versions, and the CRDs that the releases a release needs (and
the harness, for Argo's CRDs) installed before it. The same render with every CRD present (a second `make up`)
is compared with it: objects that differ are listed with the reason.

    python -m harness.kind.rendered      # writes .state/kind/rendered/ and prints a summary
"""
from __future__ import annotations

import argparse
import copy
import json
import shutil
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from harness.errors import PlatformError
from harness.kind import charts, helm_engine, pins
from harness.kind.constants import (ARGO_FULL_CRDS, ARGO_RELEASE, HELMFILE, PLATFORM_DIR,
                                    RENDERED_DIR)
from harness.paths import REPO_ROOT
from harness.yaml_text import dump

HOOK_ANNOTATION = "helm.sh/hook"
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml: the CRDs are megabytes
# Kinds the API server keeps outside namespaces (the built-in ones our charts use; CRDs say their own scope).
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PersistentVolume",
                  "StorageClass", "PriorityClass", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration",
                  "APIService", "IngressClass", "CSIDriver", "RuntimeClass", "ValidatingAdmissionPolicy",
                  "ValidatingAdmissionPolicyBinding"}


class RenderFailed(PlatformError, RuntimeError):
    """A release could not be rendered; the message names the release and Helm's own words."""


@dataclass(frozen=True)
class Release:
    """One release of the helmfile, as helmfile would install it."""

    name: str
    namespace: str
    chart: Path
    values: tuple[Any, ...] = ()      # Paths of values files and inline mappings, in order
    sets: tuple[tuple[str, Any], ...] = ()
    needs: tuple[str, ...] = ()
    # helmfile's `condition:` (an environment value): a release `helmfile sync` leaves alone unless it is set;
    # rendered and checked like every other.
    condition: str | None = None

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True)
class RenderedObject:
    release: str
    template: str
    obj: dict
    hook: str | None = None

    @property
    def kind(self) -> str:
        return str(self.obj.get("kind"))

    @property
    def name(self) -> str:
        return str((self.obj.get("metadata") or {}).get("name"))

    @property
    def namespace(self) -> str | None:
        return (self.obj.get("metadata") or {}).get("namespace")

    @property
    def ref(self) -> str:
        return f"{self.kind} {self.namespace + '/' if self.namespace else ''}{self.name}"


@dataclass
class RenderedCluster:
    objects: list[RenderedObject]
    crds: list[RenderedObject]
    # Objects that differ between this (first install) render and one where every CRD already exists.
    capability_differences: list[str] = field(default_factory=list)

    def of_kind(self, *kinds: str) -> list[RenderedObject]:
        return [o for o in self.objects if o.kind in kinds]

    def find(self, kind: str, namespace: str | None, name: str) -> RenderedObject | None:
        for o in self.objects:
            if o.kind == kind and o.name == name and o.namespace == namespace:
                return o
        return None


# -- the helmfile ------------------------------------------------------------------------------------------
def load_releases(helmfile: Path = PLATFORM_DIR / HELMFILE) -> list[Release]:
    """The helmfile's releases in an order that honours every `needs:` (file order otherwise)."""
    data = yaml.safe_load(helmfile.read_text())
    base = helmfile.parent
    releases = []
    for entry in data.get("releases") or []:
        values = tuple(base / v if isinstance(v, str) else v for v in entry.get("values") or [])
        sets = tuple((s["name"], s["value"]) for s in entry.get("set") or [])
        releases.append(Release(name=entry["name"], namespace=entry["namespace"],
                                chart=(base / entry["chart"]).resolve(), values=values, sets=sets,
                                needs=tuple(entry.get("needs") or []), condition=entry.get("condition")))
    return install_order(releases)


def install_order(releases: list[Release]) -> list[Release]:
    by_key = {r.key: r for r in releases}
    ordered: list[Release] = []
    visiting: set[str] = set()

    def visit(release: Release) -> None:
        if release in ordered:
            return
        if release.key in visiting:
            raise RenderFailed(f"release {release.key}: `needs:` form a cycle")
        visiting.add(release.key)
        for need in release.needs:
            if need not in by_key:
                raise RenderFailed(f"release {release.key} needs {need}, which is not a release")
            visit(by_key[need])
        ordered.append(release)

    for release in releases:
        visit(release)
    return ordered


def needed(release: Release, releases: list[Release]) -> list[Release]:
    """Every release installed before `release` because it (transitively) needs it."""
    by_key = {r.key: r for r in releases}
    found: dict[str, Release] = {}
    pending = list(release.needs)
    while pending:
        key = pending.pop()
        if key not in found:
            found[key] = by_key[key]
            pending.extend(by_key[key].needs)
    return list(found.values())


def merge(into: dict, new: dict) -> dict:
    """Helm's merge of `-f` files: maps merged key by key, anything else (lists too) replaced."""
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            merge(into[key], value)
        else:
            into[key] = value
    return into


def release_values(release: Release) -> dict:
    merged: dict = {}
    for entry in release.values:
        merge(merged, yaml.safe_load(Path(entry).read_text()) or {} if isinstance(entry, Path) else copy.deepcopy(entry))
    for name, value in release.sets:
        merge(merged, helm_engine.parse_set(f"{name}={value}"))
    return merged


# -- capabilities ------------------------------------------------------------------------------------------
@lru_cache(maxsize=None)
def builtin_api_versions(minor: str) -> tuple[str, ...]:
    """group/version and group/version/Kind of the node's generally available built-in kinds, as discovery
    announces them (Helm's own default set names versions only, not kinds)."""
    import kubernetes_validate  # reason: test tooling, imported only where the built-in schemas are read

    schema_dir = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
    candidates = sorted(d for d in schema_dir.iterdir() if d.name.endswith("-local-strict")
                        and d.name[1:].rsplit(".", 1)[0] <= minor)
    definitions = json.loads((candidates[-1] / "_definitions.json").read_text())["$defs"]
    found = set()
    for definition in definitions.values():
        for gvk in definition.get("x-kubernetes-group-version-kind", []):
            version, kind = gvk["version"], gvk["kind"]
            if not version.lstrip("v").isdigit() or kind.endswith("List") or kind in ("WatchEvent", "DeleteOptions",
                                                                                       "Status", "APIVersions"):
                continue
            group_version = f"{gvk['group']}/{version}" if gvk["group"] else version
            found |= {group_version, f"{group_version}/{kind}"}
    return tuple(sorted(found))


def crd_api_versions(crds: list[dict]) -> list[str]:
    """What a cluster announces once these CRDs exist: group/version and group/version/Kind of each served version."""
    found = []
    for crd in crds:
        spec = crd.get("spec") or {}
        for version in spec.get("versions") or []:
            if version.get("served", True):
                group_version = f"{spec['group']}/{version['name']}"
                found += [group_version, f"{group_version}/{spec['names']['kind']}"]
    return found


def kube_version() -> str:
    """The node image's full Kubernetes version (v1.36.1), what `.Capabilities.KubeVersion` says on the cluster."""
    return "v" + pins.NODE_IMAGE.match(pins.node_image())["version"]


# -- rendering ---------------------------------------------------------------------------------------------
class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml: the CRDs are megabytes
    """YAML 1.1's `=` (the "value" tag) is a plain string to Kubernetes' YAML reader; PyYAML refuses it."""


_Loader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))


def _documents(text: str, where: str) -> list[dict]:
    try:
        return [d for d in yaml.load_all(text, Loader=_Loader) if isinstance(d, dict) and d]
    except yaml.YAMLError as exc:
        raise RenderFailed(f"{where}: the rendered text is not YAML ({exc.__class__.__name__}: "
                           f"{str(exc).splitlines()[0]})") from None


def release_crds(release: Release) -> list[RenderedObject]:
    """CRDs the release installs before its templates: its charts' crds/ folders, and for Argo the full CRDs the
    harness applies from the same verified chart (harness/kind/cluster.py)."""
    found = [RenderedObject(release.key, name, doc) for name, text in helm_engine.crds(release.chart)
             for doc in _documents(text, f"{release.key}: {name}")]
    if release.name == ARGO_RELEASE:
        for path in sorted((release.chart / ARGO_FULL_CRDS).glob("*.yaml")):
            found += [RenderedObject(release.key, path.relative_to(release.chart).as_posix(), doc)
                      for doc in _documents(path.read_text(), str(path))]
    return found


def render_release(release: Release, api_versions: list[str], kube: str) -> list[RenderedObject]:
    values = release_values(release)
    try:
        rendered = helm_engine.render(release.chart, values, name=release.name, namespace=release.namespace,
                                      kube_version=kube, api_versions=api_versions)
    except helm_engine.RenderError as exc:
        raise RenderFailed(f"release {release.key} ({release.chart}): {str(exc).strip()}") from None
    objects = []
    for template, text in sorted(rendered.items()):
        if template.endswith("NOTES.txt"):
            continue
        for doc in _documents(text, f"{release.key}: {template}"):
            metadata = doc.setdefault("metadata", {}) if isinstance(doc.get("metadata"), dict) or "metadata" not in doc \
                else doc["metadata"]
            if doc.get("kind") not in CLUSTER_SCOPED and isinstance(metadata, dict):
                metadata.setdefault("namespace", release.namespace)
            hook = ((metadata or {}).get("annotations") or {}).get(HOOK_ANNOTATION) if isinstance(metadata, dict) else None
            if hook == "test":
                continue  # `helm test` objects: helmfile sync never installs them
            objects.append(RenderedObject(release.key, template, doc, hook))
    return objects


def render_cluster(releases: list[Release] | None = None) -> RenderedCluster:
    """Every release rendered as on a first `helmfile sync`, and compared with a rerun's render."""
    releases = load_releases() if releases is None else releases
    missing = [r.chart for r in releases if not (r.chart / "Chart.yaml").is_file()]
    if missing:
        raise RenderFailed(f"no chart at {missing[0]} (upstream charts: run `python -m harness.kind.charts`)")
    kube = kube_version()
    builtin = list(builtin_api_versions(kube.lstrip("v").rsplit(".", 1)[0]))
    crds = {r.key: release_crds(r) for r in releases}
    every_crd = crd_api_versions([c.obj for found in crds.values() for c in found])
    objects, differences = [], []
    for release in releases:
        before = [c.obj for r in [*needed(release, releases), release] for c in crds[r.key]]
        first = render_release(release, builtin + crd_api_versions(before), kube)
        again = render_release(release, builtin + every_crd, kube)
        differences += _differences(release, first, again)
        objects += first
    return RenderedCluster(objects=objects, crds=[c for found in crds.values() for c in found],
                           capability_differences=differences)


def _comparable(obj: dict) -> dict:
    """The object without what templates fill at random (generated passwords, bcrypt salts of Secrets)."""
    if obj.get("kind") != "Secret":
        return obj
    return {**obj, "data": sorted(obj.get("data") or {}), "stringData": sorted(obj.get("stringData") or {})}


def _differences(release: Release, first: list[RenderedObject], again: list[RenderedObject]) -> list[str]:
    one = {(o.ref, o.template): _comparable(o.obj) for o in first}
    two = {(o.ref, o.template): _comparable(o.obj) for o in again}
    lines = []
    for key in sorted(set(one) | set(two)):
        if one.get(key) != two.get(key):
            state = "only on a rerun" if key not in one else "only on a first install" if key not in two else "differs"
            lines.append(f"{release.key}: {key[0]} ({key[1]}) {state}: the template asks .Capabilities for a CRD "
                         "that another release installs, not one this release needs")
    return lines


def write(cluster: RenderedCluster, out: Path = RENDERED_DIR) -> list[Path]:
    """The rendered cluster as files people (and the CI artifact) read: one per release, the CRDs, a summary."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    by_release: dict[str, list[RenderedObject]] = {}
    for o in cluster.objects:
        by_release.setdefault(o.release, []).append(o)
    written = []
    for index, (release, objects) in enumerate(by_release.items()):
        path = out / f"{index:02d}-{release.replace('/', '_')}.yaml"
        path.write_text("".join(f"# Source: {o.template}\n{dump(o.obj)}---\n" for o in objects))
        written.append(path)
    crds = out / "crds.yaml"
    crds.write_text("".join(f"# Source: {c.release} {c.template}\n{yaml.dump(c.obj, Dumper=_DUMPER, sort_keys=False)}---\n"
                            for c in cluster.crds))
    summary = out / "summary.txt"
    summary.write_text("\n".join(summary_lines(cluster)) + "\n")
    return [*written, crds, summary]


def summary_lines(cluster: RenderedCluster) -> list[str]:
    counts: dict[str, int] = {}
    for o in cluster.objects:
        counts[o.release] = counts.get(o.release, 0) + 1
    lines = [f"{len(cluster.objects)} objects from {len(counts)} releases, {len(cluster.crds)} CRDs "
             f"(Kubernetes {kube_version()}):"]
    lines += [f"  {release:<40} {count:>4}" for release, count in counts.items()]
    lines.append("objects a rerun renders differently (capabilities): "
                 + ("none" if not cluster.capability_differences else ""))
    lines += [f"  {line}" for line in cluster.capability_differences]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.kind.rendered", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RENDERED_DIR)
    args = parser.parse_args(argv)
    problems = charts.verify_cache()
    if problems:
        print(f"error: {problems[0]}", file=sys.stderr)
        return 1
    try:
        cluster = render_cluster()
    except RenderFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    write(cluster, args.out)
    print("\n".join(summary_lines(cluster)))
    print(f"written to {args.out.relative_to(REPO_ROOT) if args.out.is_relative_to(REPO_ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
