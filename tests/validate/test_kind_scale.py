"""The kind platform at N generated tenants (python -m harness.kind.scale): each tenant adds the same objects and
requests whatever N is, no two objects share a name, and the base does not grow with N. Times are printed by the
command and written in docs/kind.md, not asserted here."""
from __future__ import annotations

import os
from collections import Counter

import pytest

from harness.kind import charts, render, scale
from harness.kind.constants import TENANTS_DIR
from harness.kind.footprint import Amount, Footprint
from harness.tenants import default_gc, generated_tenants
from tests.support.rendered_variants import tampered

needs_cache = pytest.mark.skipif(bool(charts.verify_cache()) and not os.environ.get("SIMPLEPIPE_REQUIRE_CHART_CACHE"),
                                 reason="the pinned charts are not in .cache/charts (make charts)")


def test_each_generated_tenant_renders_the_same_files_under_its_own_names():
    tenants = generated_tenants(4, gc=default_gc())
    files = render.render(tenants).files
    per_tenant = {t.name: sorted(name.split("/", 3)[3] for name in files
                                 if name.startswith(f"{TENANTS_DIR.as_posix()}/{t.name}/")) for t in tenants}
    assert len({tuple(names) for names in per_tenant.values()}) == 1 and per_tenant["s0001"]
    # Another tenant's name never appears in a tenant's files.
    for tenant in tenants:
        text = "".join(text for name, text in files.items() if name.startswith(f"{TENANTS_DIR.as_posix()}/{tenant.name}/"))
        assert not [other.name for other in tenants if other != tenant and other.name in text]


@pytest.fixture(scope="module")
def measured() -> dict[int, scale.TenantScale]:
    if charts.verify_cache():
        pytest.skip("the pinned charts are not in .cache/charts (make charts)")
    return {n: scale.measure(n, say=lambda line: None) for n in (1, 4)}


@needs_cache
def test_every_tenant_costs_the_same_whatever_their_number(measured):
    one, four = measured[1], measured[4]
    assert one.problems() == [] and four.problems() == []
    assert len(four.per_tenant) == 4
    assert (four.tenant.objects, four.tenant.steady, four.tenant.limits, four.tenant.transient) == \
        (one.tenant.objects, one.tenant.steady, one.tenant.limits, one.tenant.transient)
    assert four.kinds == one.kinds and four.kinds["Deployment"] == 3 and four.kinds["Namespace"] == 1
    # The base does not grow with the tenants: every object is the base's or one tenant's.
    assert (four.base.objects, four.base.steady) == (one.base.objects, one.base.steady)
    optional = sum(found.objects for found in four.optional.values())  # the load's release, make load only
    assert optional > 0 and four.objects == four.base.objects + optional + 4 * four.tenant.objects
    assert four.tenant.steady.millicores > 0 and four.tenant.transient.millicores > 0  # the gc CronJob
    assert four.bytes_per_tenant > 0


@needs_cache
def test_no_two_objects_share_a_name_and_a_clash_is_named(measured, cluster):
    assert measured[4].clashes == []
    duplicate = next(o for o in cluster.objects if o.kind == "Deployment" and o.name.startswith("prom-label-proxy-"))
    clashing = tampered(cluster, add=[duplicate.obj])
    assert scale.clashes(clashing) == [f"Deployment monitoring/{duplicate.name}"]


def test_a_tenant_that_costs_more_than_the_others_is_a_problem():
    same = Footprint(objects=28, steady=Amount(25, 72.0))
    measured = scale.TenantScale(tenants=2, per_tenant={"s0001": same, "s0002": Footprint(objects=29,
                                                                                         steady=Amount(25, 72.0))},
                                 clashes=["Secret s0002/x"])
    assert measured.problems() == ["tenant s0002: 29 objects, 25m, 72 MiB requested; s0001: 28, 25m, 72 MiB",
                                   "Secret s0002/x is rendered more than once"]


@needs_cache
def test_the_command_prints_the_figures_per_tenant_and_for_the_base(capsys):
    assert scale.main(["--tenants", "2", "--node-cpu", "4", "--node-memory", "8Gi"]) == 0
    out = capsys.readouterr().out
    for expected in ("kind at 2 generated tenants", "generated files (python -m harness.kind.render):",
                     "rendered cluster (Helm's engine", "per tenant: ", "kind's own pods (kube-system)",
                     "platform base (", "per tenant, while its gc CronJob runs", "a node of 4.00 cores and 8.00 GiB"):
        assert expected in out, expected
    assert Counter(line.startswith("PROBLEM") for line in out.splitlines())[True] == 0


def test_bad_arguments_are_refused_before_anything_is_rendered(capsys):
    with pytest.raises(SystemExit) as exited:
        scale.main(["--tenants", "0"])
    assert exited.value.code == 2 and "--tenants must be between 1 and 2000" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        scale.main(["--node-memory", "8 gigs"])
    assert "is not a Kubernetes quantity" in capsys.readouterr().err
