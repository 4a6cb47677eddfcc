"""Per-tenant requests and limits (platform/tenant-resources.yaml): one table, taken by every container of the
tenant charts, and a check (checks.resource_problems, run by `python -m harness.kind.validate`) that holds on the
rendered platform and fails on a container without them."""
from __future__ import annotations

import copy

import pytest
import yaml

from harness.kind import checks, render, rendered, tenant_resources
from harness.kind.constants import HELMFILE, TENANTS_DIR
from harness.kind.tenant_resources import TenantResourcesError
from harness.tenants import default_gc, generated_tenants, load_tenants
from tests.support.rendered_variants import named, tampered

TABLE = tenant_resources.load()
TENANTS = load_tenants()
ALICE, BOB = TENANTS[:2]


def _charts_as_cluster(rendering: render.Rendering) -> rendered.RenderedCluster:
    """The tenant charts' committed manifests as the objects of a cluster, without Helm (no chart cache needed)."""
    objects = []
    for name, text in rendering.files.items():
        if name.startswith(f"{TENANTS_DIR.as_posix()}/") and name.endswith("chart/templates/manifests.yaml"):
            release = f"simplepipe/tenant-{name.split('/')[2]}"
            objects += [rendered.RenderedObject(release, name, doc) for doc in yaml.safe_load_all(text) if doc]
    return rendered.RenderedCluster(objects=objects, crds=[])


def test_every_container_of_generated_tenants_charts_takes_its_size_from_the_table():
    tenants = generated_tenants(3, gc=default_gc())
    rendering = render.render(tenants)
    cluster = _charts_as_cluster(rendering)
    releases = {f"simplepipe/tenant-{t.name}" for t in tenants}
    assert checks.resource_problems(cluster, releases) == []
    by_container = {c["name"]: c["resources"] for p in checks.pods(cluster) for c in p.spec["containers"]}
    assert by_container == {"gc": TABLE["gc"], "prom-label-proxy": TABLE["read-proxy"],
                            "alert-receiver": TABLE["alert-receiver"]}
    gateways = [r for r in yaml.safe_load(rendering.files[HELMFILE])["releases"] if r["name"].startswith("pushgateway-")]
    assert len(gateways) == 3 and all(r["values"][1]["resources"] == TABLE["pushgateway"] for r in gateways)


def test_every_container_of_the_tenant_charts_and_ours_has_requests_and_limits(cluster):
    releases = checks.sized_releases(TENANTS, rendered.load_releases())
    assert {f"{ALICE.namespace}/pushgateway-{ALICE.name}", f"simplepipe/tenant-{BOB.name}",
            "monitoring/alert-receiver"} <= releases
    assert checks.resource_problems(cluster, releases) == []
    sized = [p for p in checks.pods(cluster) if p.owner.release in releases]
    assert {p.owner.name for p in sized} >= {f"pushgateway-{ALICE.name}", f"prom-label-proxy-{BOB.name}",
                                             "alert-receiver", "simplepipe-gc"}


def test_a_container_without_a_limit_or_with_a_request_above_it_fails(cluster):
    releases = checks.sized_releases(TENANTS, rendered.load_releases())
    broken = tampered(cluster, lambda o: (
        named("Deployment", f"prom-label-proxy-{ALICE.name}",
               lambda d: d["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"].pop("cpu"))(o),
        named("Deployment", f"pushgateway-{BOB.name}",
               lambda d: d["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"].update(
                   memory="1Gi"))(o),
        named("CronJob", "simplepipe-gc", lambda d: d["spec"]["jobTemplate"]["spec"]["template"]["spec"][
            "containers"][0].pop("resources"))(o)))
    problems = checks.resource_problems(broken, releases)
    assert any(f"Deployment monitoring/prom-label-proxy-{ALICE.name}: container prom-label-proxy: no limits.cpu"
               in p for p in problems), problems
    assert any(f"Deployment {BOB.namespace}/pushgateway-{BOB.name}: container pushgateway: requests.memory 1Gi is "
               "above limits.memory 128Mi" in p for p in problems), problems
    assert any("CronJob" in p and "no requests.cpu, requests.memory, limits.cpu, limits.memory" in p
               for p in problems), problems


@pytest.mark.parametrize("change, message", [
    (lambda t: t["gc"]["requests"].update(cpu="2"), "gc.requests.cpu 2 is above its limits.cpu 500m"),
    (lambda t: t["read-proxy"]["limits"].pop("cpu"), "read-proxy.limits: 'cpu' is a required property"),
    (lambda t: t["pushgateway"]["limits"].update(memory="128MB"),
     "pushgateway.limits.memory: '128MB' is not a memory quantity such as 64Mi or 1Gi"),
    (lambda t: t.pop("alert-receiver"), "'alert-receiver' is a required property"),
], ids=["request-above-limit", "no-cpu-limit", "bad-quantity", "component-missing"])
def test_a_bad_table_is_refused_naming_file_and_field(tmp_path, change, message):
    table = copy.deepcopy(TABLE)
    change(table)
    path = tmp_path / "tenant-resources.yaml"
    path.write_text(yaml.safe_dump(table))
    with pytest.raises(TenantResourcesError) as refused:
        tenant_resources.load(path)
    assert str(refused.value).startswith(f"{path}: ") and message in str(refused.value)
