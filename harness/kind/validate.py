"""`python -m harness.kind.validate`: the whole kind platform as a cluster would receive it, rendered by Helm's
engine from the verified chart cache and checked as a whole, with the tables people read.

Writes the rendered cluster (harness.kind.rendered) and beside it `checks.txt` (every check and its
problems), `reachability.txt` (each flow the e2e needs or the tenancy model forbids, and what the rendered
NetworkPolicies decide), `rbac.txt` (what every ServiceAccount, user and group may do, where). Exit 1 when
a check found a problem, 2 when the charts are not in the cache (`make charts`). The kind CI job runs it
and uploads the folder; tests/validate holds each check to a failing variant."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from harness.kind import charts, checks, network_flows, rbac, reachability, rendered
from harness.kind.constants import RENDERED_DIR
from harness.tenants import Tenant, load_tenants


def check_table(cluster: rendered.RenderedCluster, tenants: list[Tenant]) -> dict[str, Callable[[], list[str]]]:
    """Every whole-cluster check by name: each returns its problems ([] when it holds)."""
    return {
        "objects against Kubernetes' schema and the CRDs the charts install": lambda: checks.schema_problems(cluster),
        "committed CRD schemas equal the charts' CRDs": lambda: checks.committed_schema_drift(cluster),
        "selectors select what exists": lambda: checks.selector_problems(cluster),
        "referenced Secrets, ConfigMaps, ServiceAccounts exist or are created at run time":
            lambda: checks.reference_problems(cluster),
        "images pinned by digest or excepted with a reason": lambda: checks.image_problems(cluster),
        "finished pods collected before the chart's pod alerts fire": lambda: checks.pod_gc_problems(cluster),
        "every container of the tenant charts and ours has requests and limits":
            lambda: checks.resource_problems(cluster, checks.sized_releases(tenants, rendered.load_releases())),
        "tenant ServiceAccounts limited to their namespace": lambda: rbac.tenant_problems(cluster, tenants),
        "values keys the pinned charts know": lambda: [problem for release in rendered.load_releases()
                                                       for problem in checks.values_key_problems(
                                                           release.chart, rendered.release_values(release),
                                                           release.key)],
        "rerun renders the same objects (capabilities)": lambda: list(cluster.capability_differences),
    }


def run(out: Path, tenants: list[Tenant], say: Callable[[str], None]) -> int:
    missing = charts.verify_cache()
    if missing:
        say(f"error: {missing[0]} (run `make charts`)")
        return 2
    cluster = rendered.render_cluster()
    rendered.write(cluster, out)
    lines, failed = [], 0
    for name, check in check_table(cluster, tenants).items():
        problems = check()
        failed += bool(problems)
        lines.append(f"{'ok  ' if not problems else 'FAIL'} {name}" + (f": {len(problems)} problems" if problems else ""))
        lines += [f"       {problem}" for problem in problems]
    verdicts = reachability.evaluate(cluster, network_flows.expected(tenants))
    flows = reachability.problems(verdicts)
    failed += bool(flows)
    lines.append(f"{'ok  ' if not flows else 'FAIL'} network flows as the tenancy model says (reachability.txt)")
    lines += [f"       {problem}" for problem in flows]
    (out / "checks.txt").write_text("\n".join(lines) + "\n")
    (out / "reachability.txt").write_text(reachability.table(verdicts) + "\n")
    (out / "rbac.txt").write_text(rbac.table(cluster) + "\n")
    for line in rendered.summary_lines(cluster) + [""] + lines:
        say(line)
    total = len(check_table(cluster, tenants)) + 1
    say(f"{failed} of {total} checks failed; the rendered cluster and its tables are in {out}")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.kind.validate", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RENDERED_DIR, help="where to write (default %(default)s)")
    args = parser.parse_args(argv)
    try:
        return run(args.out, load_tenants(), lambda line: print(line, flush=True))
    except (rendered.RenderFailed, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
