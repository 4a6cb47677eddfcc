"""Every Kubernetes object we own validates against its schema."""
from __future__ import annotations

from pathlib import Path

import pytest

from harness.kind import constants, crd_schemas, manifests, render
from harness.kind.manifests import validate_text
from harness.paths import REPO_ROOT
from harness.tenants import load_tenants
from tests.support.helm_text import helm_unescape

SCENARIOS = sorted((REPO_ROOT / "scenarios").glob("*/workflow.yaml"))
SCENARIO_TEMPLATES = sorted((REPO_ROOT / "scenarios").glob("*/workflowtemplates/*.yaml"))


def _objects(text: str) -> list[dict]:
    return manifests.load_documents(text)


def _chart_manifests(rendering, chart_dir: str) -> str:
    return helm_unescape(rendering.files[f"{chart_dir}/templates/manifests.yaml"])


@pytest.mark.parametrize("tenant", [t.name for t in load_tenants()])
def test_tenant_manifests_validate(rendering, tenant):
    text = _chart_manifests(rendering, f"k8s/tenants/{tenant}/chart")
    assert _objects(text), "the tenant chart is empty"
    assert validate_text(text, f"tenant {tenant}") == []


def test_tenant_base_kustomization_renders_and_validates():
    text = render.kustomize(constants.PLATFORM_DIR / constants.TENANT_BASE)
    kinds = sorted(obj["kind"] for obj in _objects(text))
    assert kinds == ["NetworkPolicy", "Role", "Role", "RoleBinding", "ServiceAccount", "ServiceAccount"]
    assert validate_text(text, "platform/k8s/tenant") == []


def test_dashboards_manifests_validate(rendering):
    text = _chart_manifests(rendering, constants.DASHBOARDS_CHART.as_posix())
    objects = _objects(text)
    assert {obj["kind"] for obj in objects} >= {"ConfigMap", "PrometheusRule"}
    assert validate_text(text, "dashboards/kubernetes") == []


def test_administrators_alert_receiver_validates(rendering):
    from harness.kind import alerts

    text = _chart_manifests(rendering, alerts.ADMINISTRATOR_CHART.as_posix())
    assert sorted(obj["kind"] for obj in _objects(text)) == ["ConfigMap", "Deployment", "NetworkPolicy", "Service"]
    assert validate_text(text, "the administrator's alert receiver") == []


def test_dashboards_chart_passes_helm_templating_unchanged(rendering):
    escaped = rendering.files[f"{constants.DASHBOARDS_CHART.as_posix()}/templates/manifests.yaml"]
    raw = render.kustomize(constants.DASHBOARDS_KUSTOMIZATION)
    assert "{{" in raw, "expected the alert annotations' {{ $labels }} templates"
    assert helm_unescape(escaped).endswith(raw)


def test_there_are_scenarios_to_validate():
    assert SCENARIOS, "no scenarios/*/workflow.yaml found"


@pytest.mark.parametrize("workflow", SCENARIOS, ids=[p.parent.name for p in SCENARIOS])
def test_scenario_is_a_valid_argo_workflow(workflow: Path):
    objects = _objects(workflow.read_text())
    assert [obj["kind"] for obj in objects] == ["Workflow"]
    assert manifests.validate_file(workflow) == []


@pytest.mark.parametrize("template", SCENARIO_TEMPLATES, ids=[f"{p.parent.parent.name}/{p.name}" for p in SCENARIO_TEMPLATES])
def test_scenario_workflow_template_is_a_valid_argo_workflow_template(template: Path):
    objects = _objects(template.read_text())
    assert [obj["kind"] for obj in objects] == ["WorkflowTemplate"]
    assert manifests.validate_file(template) == []
    objects[0]["spec"]["templates"][0]["stepz"] = []
    assert [p.field for p in manifests.validate_object(objects[0], str(template))] == ["spec.templates.0"]


@pytest.mark.parametrize("template", SCENARIO_TEMPLATES, ids=[f"{p.parent.parent.name}/{p.name}" for p in SCENARIO_TEMPLATES])
def test_scenario_workflow_template_is_valid_under_argos_own_crd(cluster, template: Path):
    validators = crd_schemas.validators([c.obj for c in cluster.crds if c.obj["spec"]["group"] == "argoproj.io"])
    validator = validators[("argoproj.io/v1alpha1", "WorkflowTemplate")]
    [obj] = _objects(template.read_text())
    assert [e.message for e in validator.iter_errors(obj)] == []
    obj["spec"]["templates"][0]["contaner"] = {}
    assert list(validator.iter_errors(obj))


def test_tenant_settings_have_the_names_workflows_reference(rendering):
    for tenant in load_tenants():
        objects = _objects(_chart_manifests(rendering, f"k8s/tenants/{tenant.name}/chart"))
        by_name = {(o["kind"], o["metadata"]["name"]): o for o in objects}
        config = by_name[("ConfigMap", "simplepipe-config")]
        assert config["metadata"]["namespace"] == tenant.namespace
        assert config["data"]["pushgateway-url"] == render.pushgateway_cluster_url(tenant)
        credentials = by_name[("Secret", "simplepipe-credentials")]
        assert set(credentials["data"]) == {"username", "password"}
        assert ("Secret", "argo-artifacts-s3") in by_name
        assert ("ServiceAccount", "simplepipe-workflow") in by_name


def test_tenants_may_not_edit_monitoring_resources(rendering):
    tenant = load_tenants()[0]
    objects = _objects(_chart_manifests(rendering, f"k8s/tenants/{tenant.name}/chart"))
    roles = [o for o in objects if o["kind"] in ("Role", "ClusterRole")]
    assert roles
    for role in roles:
        for rule in role["rules"]:
            assert "monitoring.coreos.com" not in rule["apiGroups"], role["metadata"]["name"]
            assert "*" not in rule["apiGroups"] and "*" not in rule["resources"], role["metadata"]["name"]
    # The ServiceMonitors (and their scrape credentials) are outside the tenant namespaces.
    assert constants.MONITORING_NAMESPACE not in {t.namespace for t in load_tenants()}


def test_executor_role_grants_what_argo_emissary_needs(rendering):
    tenant = load_tenants()[0]
    objects = _objects(_chart_manifests(rendering, f"k8s/tenants/{tenant.name}/chart"))
    role = next(o for o in objects if o["kind"] == "Role" and o["metadata"]["name"] == "simplepipe-workflow-executor")
    grants = {(g, r, v) for rule in role["rules"] for g in rule["apiGroups"] for r in rule["resources"]
              for v in rule["verbs"]}
    # Exactly Argo v4.0.6's docs/workflow-rbac.md minimum: no pod patch (the v3.3 executor's outputs), nothing else.
    assert grants == {("argoproj.io", "workflowtaskresults", "create"), ("argoproj.io", "workflowtaskresults", "patch")}
    assert not any(r.startswith("pods") for _, r, _ in grants)
    binding = next(o for o in objects if o["kind"] == "RoleBinding"
                   and o["metadata"]["name"] == "simplepipe-workflow-executor")
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "simplepipe-workflow",
                                    "namespace": tenant.namespace}]


@pytest.mark.parametrize("tenant", [t for t in load_tenants() if t.gc], ids=lambda t: t.name)
def test_tenant_chart_expires_groups_on_the_schedule_of_tenants_yaml(rendering, tenant):
    objects = _objects(_chart_manifests(rendering, f"k8s/tenants/{tenant.name}/chart"))
    cronjob = next(obj for obj in objects if obj["kind"] == "CronJob" and obj["metadata"]["name"] == constants.GC_CRONJOB)
    assert cronjob["metadata"]["namespace"] == tenant.namespace
    assert cronjob["spec"]["schedule"] == tenant.gc.cron
    container = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["simplepipe", "gc", "--older-than", tenant.gc.older_than]
    from harness.image import image_tag
    assert container["image"] == image_tag()
    # The same ConfigMap and Secret the tenant's workflow steps read: its own gateway, its own credentials.
    refs = {e["name"]: e["valueFrom"] for e in container["env"]}
    assert refs["SIMPLEPIPE_PUSHGATEWAY_URL"]["configMapKeyRef"]["name"] == "simplepipe-config"
    assert refs["SIMPLEPIPE_PUSHGATEWAY_PASSWORD"]["secretKeyRef"]["name"] == "simplepipe-credentials"
