"""kind reads per tenant: one prom-label-proxy per tenant in `monitoring`, enforcing exactly its tenant."""
from __future__ import annotations

import copy

import pytest

from harness.kind import constants, reads
from harness.tenants import Tenant, load_tenants
from tests.support import manifests

TENANTS = load_tenants()


def enforced_tenants(objects: list[dict], tenant: Tenant) -> list[str]:
    """What the tenant's rendered prom-label-proxy enforces: its -label-value list, [] when it enforces none.

    Anything that would let the caller choose the tenant (-query-param, -header-name, -regex-match) or a
    label other than `tenant` counts as enforcing nothing.
    """
    name = reads.read_proxy_name(tenant)
    found = [o for o in objects if o.get("kind") == "Deployment" and o["metadata"].get("name") == name]
    if len(found) != 1:
        return []
    containers = found[0]["spec"]["template"]["spec"]["containers"]
    args = [arg for container in containers for arg in container.get("args", [])]
    if "-label=tenant" not in args or any(arg.startswith(("-query-param", "-header-name", "-regex-match"))
                                          for arg in args):
        return []
    return [arg.split("=", 1)[1] for arg in args if arg.startswith("-label-value=")]


def read_proxy_problems(objects: list[dict], tenant: Tenant) -> list[str]:
    """One line per way the tenant's proxy fails to enforce exactly tenant="<its name>"."""
    enforced = enforced_tenants(objects, tenant)
    if enforced != [tenant.name]:
        return [f"tenant {tenant.name}: Deployment {constants.MONITORING_NAMESPACE}/{reads.read_proxy_name(tenant)} "
                f"enforces tenant={enforced or 'nothing'}, want exactly [{tenant.name!r}]"]
    return []


def _objects(rendering, tenant) -> list[dict]:
    return manifests.load_documents(rendering.files[f"k8s/tenants/{tenant.name}/chart/templates/manifests.yaml"])


def _proxy(objects: list[dict], kind: str, tenant) -> dict:
    [obj] = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == reads.read_proxy_name(tenant)]
    return obj


def _args(deployment: dict) -> list[str]:
    return deployment["spec"]["template"]["spec"]["containers"][0]["args"]


@pytest.mark.parametrize("tenant", TENANTS, ids=lambda t: t.name)
def test_each_tenant_has_a_proxy_in_monitoring_that_validates(rendering, tenant):
    objects = _objects(rendering, tenant)
    proxy = [o for o in objects if o["metadata"]["name"] == reads.read_proxy_name(tenant)]
    assert sorted(o["kind"] for o in proxy) == ["Deployment", "NetworkPolicy", "Service"]
    for obj in proxy:
        assert obj["metadata"]["namespace"] == constants.MONITORING_NAMESPACE
        assert manifests.validate_object(obj, f"tenant {tenant.name}") == []


@pytest.mark.parametrize("tenant", TENANTS, ids=lambda t: t.name)
def test_a_tenants_proxy_enforces_exactly_its_own_tenant(rendering, tenant):
    objects = _objects(rendering, tenant)
    assert enforced_tenants(objects, tenant) == [tenant.name]
    assert read_proxy_problems(objects, tenant) == []
    args = _args(_proxy(objects, "Deployment", tenant))
    assert f"-upstream={reads.PROMETHEUS_CLUSTER_URL}" in args
    # Nothing the caller sends may pick the tenant.
    assert not any(a.startswith(("-query-param", "-header-name", "-regex-match")) for a in args)


def test_a_rendering_where_alices_proxy_enforces_bob_fails_the_check(rendering):
    alice, bob = TENANTS[:2]
    objects = copy.deepcopy(_objects(rendering, alice))
    args = _args(_proxy(objects, "Deployment", alice))
    args[args.index(f"-label-value={alice.name}")] = f"-label-value={bob.name}"
    [problem] = read_proxy_problems(objects, alice)
    assert f"tenant {alice.name}:" in problem and repr(bob.name) in problem


@pytest.mark.parametrize("change", [
    lambda args: args.append("-label-value=bob"),                            # the union of two tenants
    lambda args: args.__setitem__(slice(None), [a for a in args if not a.startswith("-label-value")]
                                  + ["-header-name=X-Tenant"]),              # the caller chooses
    lambda args: args.__setitem__(0, "-label=namespace"),                    # another label
    lambda args: args.append("-regex-match"),                                # alice as a regex: alice.*
], ids=["two-values", "header", "other-label", "regex"])
def test_a_proxy_that_does_not_pin_the_tenant_fails_the_check(rendering, change):
    alice = TENANTS[0]
    objects = copy.deepcopy(_objects(rendering, alice))
    change(_args(_proxy(objects, "Deployment", alice)))
    assert read_proxy_problems(objects, alice)


def test_a_missing_proxy_fails_the_check(rendering):
    alice = TENANTS[0]
    objects = [o for o in _objects(rendering, alice) if o["kind"] != "Deployment"]
    assert read_proxy_problems(objects, alice)


@pytest.mark.parametrize("tenant", TENANTS, ids=lambda t: t.name)
def test_the_service_reaches_the_proxy_and_only_grafana_may_call_it(rendering, tenant):
    objects = _objects(rendering, tenant)
    deployment, service = _proxy(objects, "Deployment", tenant), _proxy(objects, "Service", tenant)
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= pod_labels.items()
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert [p["name"] for p in container["ports"]] == [service["spec"]["ports"][0]["targetPort"]]
    assert f"-insecure-listen-address=0.0.0.0:{container['ports'][0]['containerPort']}" in container["args"]
    assert reads.read_proxy_url(tenant) == \
        f"http://{service['metadata']['name']}.{constants.MONITORING_NAMESPACE}.svc:{service['spec']['ports'][0]['port']}"
    policy = _proxy(objects, "NetworkPolicy", tenant)
    assert policy["spec"]["podSelector"]["matchLabels"].items() <= pod_labels.items()
    assert policy["spec"]["ingress"][0]["from"] == [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "grafana"}}}]


def test_the_proxy_image_is_the_prometheus_community_one_pinned_by_version():
    repository, _, tag = reads.PROM_LABEL_PROXY_IMAGE.partition(":")
    assert repository == "quay.io/prometheuscommunity/prom-label-proxy"
    assert tag.startswith("v") and tag.count(".") == 2 and tag != "latest"
