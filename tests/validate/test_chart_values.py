"""What our values put verbatim into the charts' objects is schema-valid.

helm cannot run here, so the charts are not rendered; but these values are copied
as-is into objects (the Pushgateway chart's ServiceMonitor and NetworkPolicy, Argo's
workflow defaults), and those objects are rebuilt here the way the pinned charts'
templates build them, then validated.
"""
from __future__ import annotations

import pytest
import yaml

from harness.kind import constants, pins
from harness.tenants import load_tenants
from tests.support import manifests


def _helmfile_release(rendering, name: str) -> dict:
    helmfile = yaml.safe_load(rendering.files[constants.HELMFILE])
    return next(r for r in helmfile["releases"] if r["name"] == name)


def _merged_values(release: dict) -> dict:
    merged: dict = {}

    def merge(into: dict, new: dict) -> None:
        for key, value in new.items():
            if isinstance(value, dict) and isinstance(into.get(key), dict):
                merge(into[key], value)
            else:
                into[key] = value

    for entry in release["values"]:
        merge(merged, yaml.safe_load((constants.PLATFORM_DIR / entry).read_text()) if isinstance(entry, str) else entry)
    return merged


@pytest.mark.parametrize("tenant", load_tenants(), ids=lambda t: t.name)
def test_pushgateway_service_monitor_from_our_values_is_valid(rendering, tenant):
    values = _merged_values(_helmfile_release(rendering, f"pushgateway-{tenant.name}"))
    monitor = values["serviceMonitor"]
    fullname = values["fullnameOverride"]
    secret = f"{fullname}-basic-auth"
    obj = {  # as charts/prometheus-pushgateway/templates/servicemonitor.yaml builds it
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {"name": fullname, "namespace": monitor["namespace"]},
        "spec": {
            "endpoints": [{
                "port": "http",
                "interval": monitor["interval"],
                "basicAuth": {"password": {"name": secret, "key": "password"},
                              "username": {"name": secret, "key": "user"}},
                "path": "/metrics",
                "honorLabels": monitor["honorLabels"],
                "metricRelabelings": monitor["metricRelabelings"],
                "relabelings": monitor["relabelings"],
            }],
            "namespaceSelector": {"matchNames": [tenant.namespace]},
            "selector": {"matchLabels": {"app.kubernetes.io/name": "prometheus-pushgateway",
                                         "app.kubernetes.io/instance": f"pushgateway-{tenant.name}"}},
        },
    }
    assert manifests.validate_object(obj, f"pushgateway-{tenant.name} values") == []


@pytest.mark.parametrize("tenant", load_tenants(), ids=lambda t: t.name)
def test_pushgateway_network_policy_from_our_values_is_valid(rendering, tenant):
    values = _merged_values(_helmfile_release(rendering, f"pushgateway-{tenant.name}"))
    obj = {  # as charts/prometheus-pushgateway/templates/networkpolicy.yaml builds it
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "ingress-allow-customselector-prometheus-pushgateway", "namespace": tenant.namespace},
        "spec": {
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus-pushgateway"}},
            "ingress": [{"ports": [{"port": 9091}], "from": values["networkPolicy"]["customSelectors"]}],
        },
    }
    assert manifests.validate_object(obj, f"pushgateway-{tenant.name} values") == []


def test_argo_workflow_defaults_are_a_valid_workflow_spec():
    values = yaml.safe_load((constants.PLATFORM_DIR / "values" / "argo-workflows.yaml").read_text())
    defaults = values["controller"]["workflowDefaults"]
    obj = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"name": "defaults"},
           "spec": defaults["spec"]}
    assert manifests.validate_object(obj, "argo-workflows values") == []


def test_argo_has_no_default_artifact_repository_with_shared_keys():
    # Chart 1.0.18 writes the controller's artifactRepository only when artifactRepository.s3/gcs/azure
    # (or customArtifactRepository) is set; each tenant namespace has its own (test_tenant_artifacts.py).
    values = yaml.safe_load((constants.PLATFORM_DIR / "values" / "argo-workflows.yaml").read_text())
    assert "artifactRepository" not in values and "customArtifactRepository" not in values
    assert "artifactRepositoryRef" not in values  # would create ConfigMaps in `argo` itself


def _chart_version(rendering, chart: str) -> tuple[int, ...]:
    helmfile = yaml.safe_load(rendering.files[constants.HELMFILE])
    versions = {str(r["version"]) for r in helmfile["releases"] if r["chart"] == chart}
    assert len(versions) == 1, f"{chart}: one pinned version expected, got {versions}"
    return tuple(int(part) for part in versions.pop().split("."))


@pytest.mark.parametrize("tenant", load_tenants(), ids=lambda t: t.name)
def test_pushgateway_scrape_gets_the_gateways_own_basic_auth(rendering, tenant):
    # prometheus-pushgateway >= 3.1.0 (PR #5489) writes Secret <fullname>-basic-auth
    # (user/password) into serviceMonitor.namespace from the FIRST basicAuthUsers entry
    # and references it in the ServiceMonitor; older charts scrape without credentials
    # (401). The chart bcrypts the password itself, so it must be the plain one.
    assert _chart_version(rendering, "prometheus-community/prometheus-pushgateway") >= (3, 1, 0)
    values = _merged_values(_helmfile_release(rendering, f"pushgateway-{tenant.name}"))
    assert values["serviceMonitor"]["enabled"] is True
    assert not values["serviceMonitor"].get("basicAuth"), "would replace the chart's generated scrape Secret"
    users = values["webConfiguration"]["basicAuthUsers"]
    assert users == {tenant.username: tenant.password}, "exactly one user: probes and scrape use the first"
    assert not tenant.password.startswith(("$2a$", "$2b$", "$2y$")), "plain password expected, the chart hashes it"


def test_argo_workflows_relies_on_tenant_rbac_not_the_charts():
    values = yaml.safe_load((constants.PLATFORM_DIR / "values" / "argo-workflows.yaml").read_text())
    # Cluster-wide controller; the chart's per-namespace workflow SA/RBAC (the only use of
    # controller.workflowNamespaces in chart 1.0.18) is off: platform/k8s/tenant has them.
    assert values["singleNamespace"] is False
    assert values["workflow"]["serviceAccount"]["create"] is False
    assert values["workflow"]["rbac"]["create"] is False
    assert "workflowNamespaces" not in values["controller"]
    assert values["controller"]["workflowDefaults"]["spec"]["serviceAccountName"] == "simplepipe-workflow"
    # Chart 1.0.18 turns each server.authModes entry into --auth-mode; an --auth-mode in
    # extraArgs as well would give the server two conflicting lists.
    assert not any("--auth-mode" in arg for arg in values["server"].get("extraArgs", []))
    assert not values["server"].get("authMode"), "deprecated single mode, also rendered by the chart"
    # Also the steps' main containers' default: the locally loaded Simplepipe image must not be pulled.
    assert values["images"]["pullPolicy"] == "IfNotPresent"


def test_minio_node_port_services_reach_the_container_ports():
    # minio chart: with type NodePort and a nodePort, the Service template omits
    # targetPort, which then defaults to `port`; the container listens on
    # minioAPIPort/minioConsolePort (chart defaults "9000"/"9001", not overridden here).
    values = yaml.safe_load((constants.PLATFORM_DIR / "values" / "minio.yaml").read_text())
    assert str(values["service"]["port"]) == str(values.get("minioAPIPort", "9000"))
    assert str(values["consoleService"]["port"]) == str(values.get("minioConsolePort", "9001"))
    assert values["mode"] == "standalone"
    assert values["users"] == []  # no default `console` user with a well-known password


def test_minio_images_are_the_charts_own_tags_pinned_by_digest():
    values = yaml.safe_load((constants.PLATFORM_DIR / "values" / "minio.yaml").read_text())
    app_version = pins.recorded_charts()["minio/minio"]["appVersion"]
    for key in ("image", "mcImage"):
        tag, _, digest = str(values[key]["tag"]).partition("@sha256:")
        assert tag.startswith("RELEASE.") and len(digest) == 64, f"{key}: want <tag>@sha256:<digest>"
    assert values["image"]["tag"].startswith(app_version + "@")
