"""The in-cluster load (platform/k8s/load/chart): Helm renders it, for any run's values, to exactly what
harness/kind/load_chart.py says; its arguments are what load/in_cluster.py accepts; passwords only in its Secret;
installed by the helmfile only under its condition; and its network flows hold on the rendered cluster (workers
reach their master and every gateway, nothing else reaches the load or is reached by it), each shown failing on a
broken variant."""
from __future__ import annotations

import base64
import json

import pytest
import yaml

from harness.image import LOAD
from harness.kind import helm_engine, load_chart, network_flows, reachability, render, rendered
from harness.kind.constants import HELMFILE, LOAD_CHART, LOAD_CONDITION, LOAD_NAMESPACE, LOAD_RELEASE, PLATFORM_DIR
from harness.tenants import load_tenants
from load import in_cluster
from load.plan import TenantTarget
from tests.support.rendered_variants import named, tampered

TENANTS = load_tenants()
CHART = PLATFORM_DIR / LOAD_CHART
RUN = {"workers": 5, "users": 50, "spawnRate": 2.5, "runTime": 300, "runId": "run-1", "holdSeconds": 60}


def _helm(values: dict) -> list[dict]:
    out = helm_engine.render(CHART, values, name=LOAD_RELEASE, namespace=LOAD_NAMESPACE,
                             kube_version=rendered.kube_version(), api_versions=[])
    return [doc for text in out.values() for doc in yaml.safe_load_all(text) if doc]


@pytest.mark.parametrize("values", [{}, RUN], ids=["defaults", "a-run"])
def test_helm_renders_the_run_values_to_what_load_chart_says(values):
    expected = load_chart.objects(TENANTS, render.pushgateway_cluster_url,
                                  load_chart.Concrete({**load_chart.default_values(), **values}))
    assert _helm(values) == expected
    workers = next(o for o in expected if o["kind"] == "Deployment")
    assert workers["spec"]["replicas"] == {**load_chart.default_values(), **values}["workers"]


@pytest.mark.parametrize("bad, field", [({"workers": 0}, "workers"), ({"runId": "Run_1"}, "runId"),
                                        ({"runTime": "60s"}, "runTime"), ({"spare": 1}, "spare")])
def test_values_the_schema_refuses_fail_the_render(bad, field):
    with pytest.raises(helm_engine.RenderError) as refused:
        _helm({**RUN, **bad})
    assert field in str(refused.value)


def test_the_pods_arguments_are_what_the_entry_point_accepts():
    objects = load_chart.objects(TENANTS, render.pushgateway_cluster_url, load_chart.Concrete(RUN))
    pods = {o["metadata"]["name"]: o["spec"]["template"]["spec"] for o in objects if o["kind"] in ("Job", "Deployment")}
    master = in_cluster.parse_args(pods[load_chart.MASTER]["containers"][0]["args"])
    worker = in_cluster.parse_args(pods[load_chart.WORKER]["containers"][0]["args"])
    assert (master.role, master.workers, master.users, master.spawn_rate, master.run_time, master.run_id) == \
        ("master", 5, 50, 2.5, 300, "run-1")
    assert (worker.role, worker.master_host, worker.run_id) == ("worker", load_chart.MASTER, "run-1")
    assert master.master_port == worker.master_port == load_chart.MASTER_PORT
    for spec in pods.values():
        [container] = spec["containers"]
        assert container["image"] == LOAD.tag and container["imagePullPolicy"] == "IfNotPresent"
    assert pods[load_chart.MASTER]["restartPolicy"] == "Never"


def test_passwords_are_only_in_the_secret_and_the_targets_name_their_files():
    objects = load_chart.objects(TENANTS, render.pushgateway_cluster_url, load_chart.Concrete(RUN))
    [secret] = [o for o in objects if o["kind"] == "Secret"]
    assert {k: base64.b64decode(v).decode() for k, v in secret["data"].items()} == {t.name: t.password for t in TENANTS}
    text = yaml.safe_dump([o for o in objects if o["kind"] != "Secret"])
    assert not [t.name for t in TENANTS if t.password in text]
    [targets] = [o for o in objects if o["kind"] == "ConfigMap"]
    entries = [TenantTarget(**entry) for entry in json.loads(targets["data"][load_chart.TARGETS_KEY])]
    assert [(e.name, e.url, e.username, e.password) for e in entries] == \
        [(t.name, render.pushgateway_cluster_url(t), t.username, "") for t in TENANTS]
    assert [e.password_file for e in entries] == [f"{load_chart.CREDENTIALS_MOUNT}/{key}" for key in secret["data"]]


def test_the_helmfile_installs_the_load_only_under_its_condition(rendering):
    helmfile = yaml.safe_load(rendering.files[HELMFILE])
    assert helmfile["values"] == [{LOAD_CONDITION.split(".")[0]: {"enabled": False}}]
    [release] = [r for r in helmfile["releases"] if r["name"] == LOAD_RELEASE]
    assert release["condition"] == LOAD_CONDITION and release["namespace"] == LOAD_NAMESPACE
    assert not [r["name"] for r in helmfile["releases"] if f"{LOAD_NAMESPACE}/{LOAD_RELEASE}" in (r.get("needs") or [])]
    assert [r.condition for r in rendered.load_releases() if r.name == LOAD_RELEASE] == [LOAD_CONDITION]


def test_the_load_reaches_every_gateway_and_nothing_else_reaches_the_load(cluster):
    verdicts = reachability.evaluate(cluster, network_flows.load_required(TENANTS) + network_flows.load_forbidden(TENANTS))
    assert reachability.problems(verdicts) == []


def test_a_gateway_that_forgets_the_load_or_an_open_load_namespace_breaks_the_flows(cluster):
    alice, bob = TENANTS[:2]

    def without_load_peer(policy):
        for rule in policy["spec"]["ingress"]:
            rule["from"] = [peer for peer in rule["from"] if peer != load_chart.WORKER_PEER]
    closed = tampered(cluster, named("NetworkPolicy", "ingress-allow-customselector-prometheus-pushgateway",
                                     without_load_peer))
    wrong = reachability.problems(reachability.evaluate(closed, network_flows.load_required(TENANTS)))
    assert any(f"simplepipe-load/locust-worker -> {alice.namespace}/pushgateway-{alice.name}:9091 is denied" in p
               for p in wrong), wrong
    open_all = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                "metadata": {"name": "allow-all", "namespace": LOAD_NAMESPACE},
                "spec": {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{}]}}
    wrong = reachability.problems(reachability.evaluate(tampered(cluster, add=[open_all]),
                                                        network_flows.load_forbidden(TENANTS)))
    assert any(f"{bob.namespace}/<workflow step> -> simplepipe-load/locust-master:5557 is allowed" in p for p in wrong)
