"""The cluster as Helm renders it, checked as a whole (harness/kind/checks.py, rbac.py, reachability.py):
each check holds on the platform and fails on a broken variant of it."""
from __future__ import annotations

import pytest

from harness.kind import checks, crd_schemas, network_flows, rbac, reachability, rendered
from harness.kind.constants import RENDERED_DIR, SCHEMAS_DIR
from harness.tenants import load_tenants
from tests.support.rendered_variants import named, tampered

TENANTS = load_tenants()
ALICE, BOB = TENANTS[:2]


# -- the render itself -----------------------------------------------------------------------------------------
def test_every_release_is_rendered_and_written(cluster):
    releases = {r.key for r in rendered.load_releases()}
    assert {o.release for o in cluster.objects} == releases
    assert (RENDERED_DIR / "summary.txt").is_file() and (RENDERED_DIR / "crds.yaml").is_file()
    # The CRDs of the operator and Argo's full CRDs (applied by make up from the same chart).
    kinds = {c.obj["spec"]["names"]["kind"] for c in cluster.crds}
    assert {"ServiceMonitor", "PrometheusRule", "AlertmanagerConfig", "Workflow", "WorkflowTemplate"} <= kinds


def test_a_rerun_renders_the_same_objects_as_the_first_install(cluster):
    # Capabilities: each release sees the CRDs of the releases it needs; a rerun sees every CRD. Same objects.
    assert cluster.capability_differences == []


def test_releases_render_with_the_node_version_and_the_crds_they_need(cluster):
    assert rendered.kube_version() == "v1.36.1"
    releases = rendered.load_releases()
    gateway = next(r for r in releases if r.name == f"pushgateway-{ALICE.name}")
    needed = {r.name for r in rendered.needed(gateway, releases)}
    assert {"kube-prometheus-stack", f"tenant-{ALICE.name}"} <= needed
    assert "policy/v1/PodDisruptionBudget" in rendered.builtin_api_versions("1.36")


def test_argo_installs_no_crd_download_job(cluster):
    jobs = [o for o in cluster.of_kind("Job") if o.release == "argo/argo-workflows"]
    assert jobs == [], [o.ref for o in jobs]
    assert not any("raw.githubusercontent.com" in str(o.obj) for o in cluster.objects)


def test_kube_prometheus_stack_uses_no_ingress_nginx_image(cluster):
    assert not any("ingress-nginx" in image for image in checks.images(cluster))


# -- schemas -----------------------------------------------------------------------------------------------------
def test_every_object_validates_against_its_schema_or_its_crd(cluster):
    assert checks.schema_problems(cluster) == []


def test_a_custom_resource_field_its_crd_does_not_know_fails(cluster):
    broken = tampered(cluster, named("ServiceMonitor", f"pushgateway-{ALICE.name}",
                                      lambda o: o["spec"]["endpoints"][0].update(honorLabel=True)))
    [problem] = [p for p in checks.schema_problems(broken) if "honorLabel" in p]
    assert f"ServiceMonitor monitoring/pushgateway-{ALICE.name}" in problem and "spec.endpoints.0" in problem


def test_a_built_in_field_typo_and_a_custom_resource_without_crd_fail(cluster):
    broken = tampered(cluster, named("NetworkPolicy", "tenant-ingress",
                                      lambda o: o["spec"].__setitem__("policyType", o["spec"].pop("policyTypes"))),
                      add=[{"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "g", "namespace": "x"}}])
    problems = checks.schema_problems(broken)
    assert any("tenant-ingress" in p and "policyType" in p for p in problems)
    assert any("no CRD of the rendered charts serves example.com/v1 Gadget" in p for p in problems)


def test_the_committed_schemas_are_the_crds_the_charts_install(cluster):
    assert checks.committed_schema_drift(cluster) == []


def test_a_committed_schema_that_drifted_from_the_crd_fails(cluster, tmp_path):
    for path in SCHEMAS_DIR.glob("*.json"):
        (tmp_path / path.name).write_text(path.read_text())
    (tmp_path / "sources.yaml").write_text((SCHEMAS_DIR / "sources.yaml").read_text())
    schema = (tmp_path / "servicemonitor.json")
    schema.write_text(schema.read_text().replace('"honorLabels"', '"honorLabelz"', 1))
    [problem] = checks.committed_schema_drift(cluster, tmp_path)
    assert problem.startswith("platform/schemas/servicemonitor.json: differs from the CRD")


@pytest.mark.parametrize("scenario", sorted(p.parent.name for p in (SCHEMAS_DIR.parent.parent / "scenarios")
                                            .glob("*/workflow.yaml")))
def test_each_scenario_is_valid_under_argos_own_crd(cluster, scenario):
    import yaml
    validators = crd_schemas.validators([c.obj for c in cluster.crds if c.obj["spec"]["group"] == "argoproj.io"])
    workflow = yaml.safe_load((SCHEMAS_DIR.parent.parent / "scenarios" / scenario / "workflow.yaml").read_text())
    assert [e.message for e in validators[("argoproj.io/v1alpha1", "Workflow")].iter_errors(workflow)] == []
    workflow["spec"]["templates"][0]["contaner"] = {}
    assert list(validators[("argoproj.io/v1alpha1", "Workflow")].iter_errors(workflow))


# -- selectors ---------------------------------------------------------------------------------------------------
def test_every_selector_selects_what_it_is_for(cluster):
    assert checks.selector_problems(cluster) == []


def test_a_service_or_policy_selecting_nothing_fails(cluster):
    broken = tampered(cluster, lambda o: (
        o["spec"].update(selector={"app.kubernetes.io/name": "nothing"})
        if o.get("kind") == "Service" and o["metadata"]["name"] == f"pushgateway-{ALICE.name}" else None,
        o["spec"].update(podSelector={"matchLabels": {"app": "nothing"}})
        if o.get("kind") == "NetworkPolicy" and o["metadata"]["name"] == f"prom-label-proxy-{BOB.name}" else None))
    problems = checks.selector_problems(broken)
    assert any(f"Service {ALICE.namespace}/pushgateway-{ALICE.name}: selector" in p for p in problems)
    assert any(f"NetworkPolicy monitoring/prom-label-proxy-{BOB.name}: podSelector" in p for p in problems)
    relabelled = tampered(cluster, named("Service", f"pushgateway-{ALICE.name}",
                                          lambda o: o["metadata"].update(labels={"app": "renamed"})))
    assert any(f"ServiceMonitor monitoring/pushgateway-{ALICE.name}: selects no Service" in p
               for p in checks.selector_problems(relabelled))


def test_a_prometheus_or_alertmanager_that_misses_ours_fails(cluster):
    narrow = {"matchLabels": {"app": "kube-prometheus-stack"}}  # the chart's own objects only
    broken = tampered(cluster, lambda o: (
        o["spec"].update(serviceMonitorSelector=narrow, ruleSelector=narrow) if o.get("kind") == "Prometheus" else None,
        o["spec"].update(alertmanagerConfigNamespaceSelector={"matchLabels": {"nobody": "x"}})
        if o.get("kind") == "Alertmanager" else None))
    problems = checks.selector_problems(broken)
    assert any(f"miss ServiceMonitor monitoring/pushgateway-{BOB.name}" in p for p in problems)
    assert any("miss PrometheusRule monitoring/simplepipe (monitoring/simplepipe-dashboards)" in p for p in problems)
    assert any(f"miss AlertmanagerConfig {ALICE.namespace}/simplepipe-alerts" in p for p in problems)


# -- references --------------------------------------------------------------------------------------------------
def test_every_referenced_secret_configmap_account_and_claim_exists(cluster):
    assert checks.reference_problems(cluster) == []
    created = checks.runtime_created(cluster)
    assert created[("Secret", "monitoring", "kube-prometheus-stack-admission")].startswith("the hook Job")


def test_a_missing_artifact_secret_or_scrape_secret_fails(cluster):
    broken = tampered(cluster, drop=lambda o: o.kind == "Secret" and o.name in (
        "argo-artifacts-s3", f"pushgateway-{ALICE.name}-basic-auth", "seaweedfs-s3-identities"))
    problems = checks.reference_problems(broken)
    assert any(f"ConfigMap {BOB.namespace}/artifact-repositories: data.default-v1.s3.accessKeySecret names Secret"
               in p for p in problems)
    assert any(f"ServiceMonitor monitoring/pushgateway-{ALICE.name}: spec.endpoints.0.basicAuth" in p for p in problems)
    assert any("seaweedfs-all-in-one" in p and "seaweedfs-s3-identities" in p for p in problems)


# -- images ------------------------------------------------------------------------------------------------------
def test_every_image_is_pinned_by_digest_or_excepted_with_a_reason(cluster):
    assert checks.image_problems(cluster) == []
    assert all(reason.strip() for reason in checks.load_image_exceptions().values())


def test_an_unpinned_image_without_exception_and_a_stale_exception_fail(cluster):
    exceptions = dict(checks.load_image_exceptions())
    exceptions.pop("quay.io/prometheus/pushgateway:v1.11.1")
    exceptions["quay.io/example/gone:v1"] = "no longer used"
    problems = checks.image_problems(cluster, exceptions)
    assert any(p.startswith("quay.io/prometheus/pushgateway:v1.11.1: not pinned by digest") for p in problems)
    assert any("quay.io/example/gone:v1 is used by no rendered workload" in p for p in problems)
    pinned = tampered(cluster, lambda o: [c.update(image=c["image"].split(":")[0] + ":v1.11.1@sha256:" + "a" * 64)
                                          for c in (checks.pod_template(o) or {}).get("spec", {}).get("containers", [])
                                          if "pushgateway:" in c["image"]])
    assert not any("pushgateway:v1.11.1: not pinned" in p for p in checks.image_problems(pinned, exceptions))


# -- RBAC --------------------------------------------------------------------------------------------------------
def test_tenant_identities_are_limited_to_their_namespace(cluster):
    (RENDERED_DIR / "rbac.txt").write_text(rbac.table(cluster) + "\n")
    assert rbac.tenant_problems(cluster, TENANTS) == []


def test_a_cluster_wide_or_broad_grant_to_a_tenant_fails(cluster):
    binding = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
               "metadata": {"name": "oops"}, "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                                           "name": "argo-workflows-view"},
               "subjects": [{"kind": "ServiceAccount", "name": "simplepipe-tenant", "namespace": BOB.namespace}]}
    broad = tampered(cluster, named("Role", "simplepipe-tenant", lambda o: o["rules"][-1].pop("resourceNames")),
                     add=[binding])
    problems = rbac.tenant_problems(broad, TENANTS)
    assert any(f"ServiceAccount {BOB.namespace}/simplepipe-tenant via ClusterRoleBinding oops: granted in cluster" in p
               for p in problems)
    assert any("every Secret of the namespace" in p for p in problems)


@pytest.mark.parametrize("tenant", TENANTS, ids=lambda t: t.name)
def test_a_tenant_may_read_its_artifact_secret_for_the_argo_ui(cluster, tenant):
    # Argo server, client auth mode: it reads the repository's Secret with the caller's token.
    for subject in (f"Group simplepipe:tenant:{tenant.name}", f"ServiceAccount {tenant.namespace}/simplepipe-tenant"):
        assert rbac.may(cluster, subject, tenant.namespace, "get", "secrets", "argo-artifacts-s3")
        assert not rbac.may(cluster, subject, BOB.namespace if tenant != BOB else ALICE.namespace, "get", "secrets",
                            "argo-artifacts-s3")
    without = tampered(cluster, named("Role", "simplepipe-tenant",
                                       lambda o: o["rules"][-1].update(resourceNames=["simplepipe-credentials"])))
    assert not rbac.may(without, f"Group simplepipe:tenant:{tenant.name}", tenant.namespace, "get", "secrets",
                        "argo-artifacts-s3")


# -- reachability ------------------------------------------------------------------------------------------------
def test_the_e2e_flows_are_allowed_and_the_forbidden_ones_denied(cluster):
    verdicts = reachability.evaluate(cluster, network_flows.expected(TENANTS))
    (RENDERED_DIR / "reachability.txt").write_text(reachability.table(verdicts) + "\n")
    assert reachability.problems(verdicts) == []


def test_an_allow_all_policy_in_a_tenant_namespace_opens_the_forbidden_flows(cluster):
    allow_all = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                 "metadata": {"name": "allow-all", "namespace": ALICE.namespace},
                 "spec": {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{}]}}
    verdicts = reachability.evaluate(tampered(cluster, add=[allow_all]), network_flows.forbidden(TENANTS))
    wrong = reachability.problems(verdicts)
    assert any(f"{BOB.namespace}/<workflow step> -> {ALICE.namespace}/pushgateway-{ALICE.name}:9091 is allowed"
               in p for p in wrong)


def test_a_policy_that_forgets_prometheus_breaks_the_scrape(cluster):
    def only_own_pods(obj):
        if obj.get("kind") == "NetworkPolicy" and obj["metadata"].get("namespace") == ALICE.namespace:
            for rule in obj["spec"].get("ingress") or []:
                rule["from"] = [{"podSelector": {}}]
    wrong = reachability.problems(reachability.evaluate(tampered(cluster, only_own_pods),
                                                        network_flows.required(TENANTS)))
    assert any(f"-> {ALICE.namespace}/pushgateway-{ALICE.name}:9091 is denied, must be allowed" in p for p in wrong)


def test_node_traffic_is_exempt_and_unknown_pods_are_reported(cluster):
    flows = [reachability.Flow("node", f"{ALICE.namespace}/pushgateway-{ALICE.name}", 9091, True, "kubelet probe"),
             reachability.Flow(f"{BOB.namespace}/nothing", f"{ALICE.namespace}/pushgateway-{ALICE.name}", 9091, False,
                               "a pod that does not exist")]
    first, second = reachability.evaluate(cluster, flows)
    assert first.holds and "node traffic" in first.reason
    assert not second.holds and "no pod bob/nothing" in second.reason


# -- pods left behind (KubePodNotReady) ---------------------------------------------------------------------------
def test_finished_step_pods_are_gone_before_the_charts_pod_alerts_fire(cluster):
    assert checks.pod_gc_problems(cluster) == []
    # kube-prometheus-stack 88.5.3's KubePodNotReady: no tenant label, so its alerts are judged by namespace
    # (tests/support/alert_ownership.py); Pending/Unknown/not-ready pods only (67.8.0 also counted Failed ones).
    [rule] = [r for o in cluster.of_kind("PrometheusRule") for g in o.obj["spec"]["groups"] for r in g["rules"]
              if r.get("alert") == "KubePodNotReady"]
    assert "tenant" not in (rule.get("labels") or {}) and 'phase=~"Pending|Unknown"' in rule["expr"]


@pytest.mark.parametrize("pod_gc, expected", [
    ({"strategy": "OnWorkflowCompletion", "deleteDelayDuration": "20m"}, "is not shorter than"),
    ({}, "keeps finished (failed) step pods"),
], ids=["too-late", "none"])
def test_pods_kept_longer_than_the_alert_waits_fail(cluster, pod_gc, expected):
    import yaml

    def change(obj):
        if obj.get("kind") == "ConfigMap" and "workflowDefaults" in str(obj.get("data")):
            config = yaml.safe_load(obj["data"]["config"])
            config["workflowDefaults"]["spec"]["podGC"] = pod_gc
            obj["data"]["config"] = yaml.safe_dump(config)
    [problem] = checks.pod_gc_problems(tampered(cluster, change))
    assert expected in problem


# -- values keys ---------------------------------------------------------------------------------------------------
UPSTREAM = [r for r in rendered.load_releases() if ".cache" in r.chart.parts]


@pytest.mark.parametrize("release", UPSTREAM, ids=lambda r: r.name)
def test_every_values_key_is_one_the_pinned_chart_knows(cluster, release):
    assert checks.values_key_problems(release.chart, rendered.release_values(release), release.key) == []


@pytest.mark.parametrize("release_name, typo", [
    ("kube-prometheus-stack", {"prometheus": {"prometheusSpec": {"retentionn": "1d"}}}),
    ("kube-prometheus-stack", {"grafana": {"adminPasword": "x"}}),
    ("seaweedfs", {"allInOne": {"s3": {"enableAuthh": True}}}),
    ("argo-workflows", {"controller": {"workflowDefault": {}}}),
])
def test_a_values_key_no_template_reads_fails(cluster, release_name, typo):
    release = next(r for r in UPSTREAM if r.name == release_name)
    values = rendered.merge(rendered.release_values(release), typo)
    [problem] = checks.values_key_problems(release.chart, values, release.key)
    assert problem.startswith(f"{release.key}: values key ") and "neither in" in problem
