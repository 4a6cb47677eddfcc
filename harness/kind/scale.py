"""`python -m harness.kind.scale`: the kind platform at N generated tenants, on paper and rendered.

N tenants (s0001, s0002, ..., as an administrator would add them, with tenants.yaml's gc default) are rendered as
`python -m harness.kind.render` would (timed; the generated files' bytes, per tenant the growth over one tenant),
then the whole cluster as `make validate` renders it with Helm's engine from the verified charts (timed; objects
and requests per release). Printed: what each tenant adds (objects, requests and limits, its gc run), the
platform's base and kind's own pods, and how many tenants a node of --node-cpu and --node-memory holds by the
scheduler's arithmetic. Nothing under platform/ is touched: the render goes to a scratch copy.

    python -m harness.kind.scale --tenants 50 [--node-cpu 4 --node-memory 8Gi]

Exit 1 when the render fails or the tenants' footprints differ (names clash, a tenant renders more than another);
2 when the chart cache is missing (`make charts`).
"""
from __future__ import annotations

import argparse
import math
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import PlatformError
from harness.kind import charts, footprint, quantities, render, rendered
from harness.kind.constants import CHART_CACHE, HELMFILE, PLATFORM_DIR, TENANT_RELEASES_NAMESPACE, TENANTS_DIR
from harness.kind.footprint import Amount, Footprint
from harness.tenants import Tenant, default_gc, generated_tenants
from harness.yaml_text import dump

# The smallest node docs/kind.md asks Docker for.
DEFAULT_NODE_CPU, DEFAULT_NODE_MEMORY = "4", "8Gi"


class ScaleError(PlatformError, RuntimeError):
    """The tenants could not be rendered, or they do not all cost the same."""


def tenant_releases(tenant: Tenant) -> tuple[str, str]:
    """The two releases each tenant adds: its namespace chart and its Pushgateway."""
    return f"{TENANT_RELEASES_NAMESPACE}/tenant-{tenant.name}", f"{tenant.namespace}/{tenant.pushgateway_name}"


def scratch_platform(rendering: render.Rendering, into: Path) -> Path:
    """A copy of platform/ holding `rendering` instead of the committed tenants, its chart paths (`../.cache`)
    pointing at the verified cache: what rendered.load_releases reads."""
    platform = into / PLATFORM_DIR.name
    shutil.copytree(PLATFORM_DIR, platform, ignore=shutil.ignore_patterns(TENANTS_DIR.name))
    rendering.write(platform)
    os.symlink(CHART_CACHE.parent, into / CHART_CACHE.parent.name)
    return platform


@dataclass
class TenantScale:
    """The figures of one run at `tenants` generated tenants."""

    tenants: int
    render_seconds: float = 0.0
    files: int = 0
    file_bytes: int = 0
    bytes_per_tenant: float = 0.0         # growth of the generated files over a one-tenant render, per tenant
    cluster_seconds: float = 0.0
    objects: int = 0
    releases: int = 0
    per_tenant: dict[str, Footprint] = field(default_factory=dict)     # tenant -> its two releases
    per_tenant_bytes: dict[str, int] = field(default_factory=dict)     # tenant -> YAML of its rendered objects
    base: Footprint = field(default_factory=Footprint)                # every release no tenant adds
    optional: dict[str, Footprint] = field(default_factory=dict)      # releases under a condition (make load's)
    clashes: list[str] = field(default_factory=list)                  # objects rendered twice under one name
    kinds: dict[str, int] = field(default_factory=dict)               # the first tenant's objects by kind

    @property
    def tenant(self) -> Footprint:
        """One tenant's footprint (they are all the same: see problems)."""
        return next(iter(self.per_tenant.values()))

    def problems(self) -> list[str]:
        """Tenants that do not cost exactly what the first costs, and names rendered twice."""
        first_name, first = next(iter(self.per_tenant.items()))
        found = [f"tenant {name}: {f.objects} objects, {f.steady.text()} requested; {first_name}: {first.objects}, "
                 f"{first.steady.text()}" for name, f in self.per_tenant.items()
                 if (f.objects, f.steady, f.transient, f.limits) != (first.objects, first.steady, first.transient,
                                                                      first.limits)]
        return found + [f"{clash} is rendered more than once" for clash in self.clashes]


def measure(count: int, say: Callable[[str], None] = print) -> TenantScale:
    """Render `count` generated tenants and the cluster they make; the figures (ScaleError when a render fails)."""
    tenants = generated_tenants(count, gc=default_gc())
    scale = TenantScale(tenants=count)
    say(f"==> render the kind files of {count} generated tenants (python -m harness.kind.render)")
    started = time.perf_counter()
    rendering = render.render(tenants)
    scale.render_seconds = time.perf_counter() - started
    scale.files, scale.file_bytes = len(rendering.files), sum(len(text.encode()) for text in rendering.files.values())
    if count > 1:
        one = render.render(tenants[:1])
        scale.bytes_per_tenant = (scale.file_bytes - sum(len(t.encode()) for t in one.files.values())) / (count - 1)
    say(f"==> render the whole cluster from the verified charts with Helm's engine ({count * 2} tenant releases)")
    with tempfile.TemporaryDirectory(prefix="simplepipe-kind-scale-") as scratch:
        platform = scratch_platform(rendering, Path(scratch))
        started = time.perf_counter()
        releases = rendered.load_releases(platform / HELMFILE)
        cluster = rendered.render_cluster(releases)
        scale.cluster_seconds = time.perf_counter() - started
    optional = {r.key for r in releases if r.condition}
    scale.objects, scale.releases = len(cluster.objects), len({o.release for o in cluster.objects})
    by_release = footprint.by_release(cluster)
    tenant_keys = set()
    for tenant in tenants:
        keys = tenant_releases(tenant)
        tenant_keys.update(keys)
        scale.per_tenant[tenant.name] = Footprint().add(by_release[keys[0]]).add(by_release[keys[1]])
        scale.per_tenant_bytes[tenant.name] = sum(len(dump(o.obj).encode()) for o in cluster.objects
                                                  if o.release in keys)
    for key, found in by_release.items():
        if key in optional:
            scale.optional[key] = found
        elif key not in tenant_keys:
            scale.base = scale.base.add(found)
    scale.clashes = clashes(cluster)
    first = tenant_releases(tenants[0])
    scale.kinds = dict(sorted(Counter(o.kind for o in cluster.objects if o.release in first).items()))
    return scale


def clashes(cluster: rendered.RenderedCluster) -> list[str]:
    """Objects rendered more than once under the same kind, namespace and name (one would overwrite the other)."""
    names = Counter((o.kind, o.namespace or "", o.name) for o in cluster.objects)
    return [f"{kind} {namespace + '/' if namespace else ''}{name}" for (kind, namespace, name), n in sorted(names.items())
            if n > 1]


def tenants_on_a_node(node: Amount, base: Amount, tenant: Amount) -> tuple[int, str]:
    """How many tenants the scheduler places beside `base` on a node of `node`, and which resource ends it."""
    free = Amount(node.millicores - base.millicores, node.mebibytes - base.mebibytes)
    by_cpu = math.floor(free.millicores / tenant.millicores) if tenant.millicores else math.inf
    by_memory = math.floor(free.mebibytes / tenant.mebibytes) if tenant.mebibytes else math.inf
    fits = max(0, min(by_cpu, by_memory))
    return (int(fits), "memory" if by_memory <= by_cpu else "CPU") if fits != math.inf else (0, "nothing")


def report(scale: TenantScale, node: Amount) -> list[str]:
    tenant, base, system = scale.tenant, scale.base, footprint.kind_system()
    per_tenant_bytes = sum(scale.per_tenant_bytes.values()) / scale.tenants
    lines = [
        f"kind at {scale.tenants} generated tenants",
        f"  generated files (python -m harness.kind.render): {scale.render_seconds:.1f} s, {scale.files} files, "
        f"{scale.file_bytes / 1e6:.2f} MB" + (f"; each added tenant {scale.bytes_per_tenant / 1e3:.1f} kB"
                                                 if scale.tenants > 1 else ""),
        f"  rendered cluster (Helm's engine, as make validate): {scale.cluster_seconds:.1f} s, {scale.objects} objects "
        f"from {scale.releases} releases",
        f"  per tenant: {tenant.objects} objects ({per_tenant_bytes / 1e3:.1f} kB of YAML) in 2 releases: "
        + ", ".join(f"{n} {kind}" for kind, n in scale.kinds.items()),
        "",
        f"  {'requests':<44} {'CPU':>10} {'memory':>11}   limits",
        _row("kind's own pods (kube-system)", system, None),
        _row(f"platform base ({scale.releases - 2 * scale.tenants - len(scale.optional)} releases)", base.steady,
             base.limits, len(base.unlimited)),
        _row("per tenant", tenant.steady, tenant.limits),
        _row("per tenant, while its gc CronJob runs", tenant.transient, None, prefix="+"),
        _row(f"{scale.tenants} tenants", tenant.steady * scale.tenants, tenant.limits * scale.tenants),
    ]
    lines += [_row(f"{key} (make load only)", found.steady, found.limits)
              for key, found in scale.optional.items()]
    if base.unrequested:
        lines += ["", f"  base containers without a CPU or memory request ({len(base.unrequested)}; they use the "
                      "node unaccounted):"]
        lines += [f"    {line}" for line in base.unrequested]
    occupied = system + base.steady
    fits, bound = tenants_on_a_node(node, occupied, tenant.steady)
    at_once, bound_at_once = tenants_on_a_node(node, occupied, tenant.steady + tenant.transient)
    lines += ["", f"a node of {quantities.cpu_text(node.millicores)} and {quantities.memory_text(node.mebibytes)} "
                  f"(kind's node is Docker's whole VM): kind and the base request {occupied.text()}; by requests it "
                  f"holds {fits} tenants ({bound} runs out first), {at_once} if every tenant's gc must run at once "
                  f"({bound_at_once}); beyond that gc pods wait (Pending) until others finish"]
    return lines


def _row(what: str, requests: Amount, limits: Amount | None, unlimited: int = 0, prefix: str = "") -> str:
    limit = "" if limits is None else f"{quantities.cpu_text(limits.millicores)}, " \
                                      f"{quantities.memory_text(limits.mebibytes)}"
    if unlimited:
        limit += f" (and {unlimited} containers without a limit)"
    return (f"  {what:<44} {prefix + quantities.cpu_text(requests.millicores):>10} "
            f"{prefix + quantities.memory_text(requests.mebibytes):>11}   {limit}").rstrip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.kind.scale", description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=50, help="generated tenants (default %(default)s)")
    parser.add_argument("--node-cpu", default=DEFAULT_NODE_CPU, help="the node's CPUs (default %(default)s)")
    parser.add_argument("--node-memory", default=DEFAULT_NODE_MEMORY, help="the node's memory (default %(default)s)")
    args = parser.parse_args(argv)
    if not 1 <= args.tenants <= 2000:
        parser.error("--tenants must be between 1 and 2000")
    try:
        node = Amount(quantities.millicores(args.node_cpu), quantities.mebibytes(args.node_memory))
    except quantities.QuantityError as exc:
        parser.error(f"--node-cpu/--node-memory: {exc}")
    missing = charts.verify_cache()
    if missing:
        print(f"error: {missing[0]} (run `make charts`)", file=sys.stderr)
        return 2
    say = lambda line: print(line, flush=True)  # noqa: E731 - progress lines
    try:
        scale = measure(args.tenants, say)
    except (PlatformError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for line in report(scale, node):
        say(line)
    problems = scale.problems()
    for problem in problems:
        say(f"PROBLEM: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
