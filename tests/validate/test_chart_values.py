"""What our values put verbatim into the charts' objects is schema-valid.

helm cannot run here, so the charts are not rendered; but these values are copied
as-is into objects (the Pushgateway chart's ServiceMonitor and NetworkPolicy, Argo's
workflow defaults), and those objects are rebuilt here the way the pinned charts'
templates build them, then validated.
"""
from __future__ import annotations

import pytest
import yaml

from harness.kind import manifests, render
from harness.tenants import load_tenants


def _helmfile_release(rendering, name: str) -> dict:
    helmfile = yaml.safe_load(rendering.files[render.HELMFILE])
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
        merge(merged, yaml.safe_load((render.PLATFORM_DIR / entry).read_text()) if isinstance(entry, str) else entry)
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
    values = yaml.safe_load((render.PLATFORM_DIR / "values" / "argo-workflows.yaml").read_text())
    defaults = values["controller"]["workflowDefaults"]
    obj = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"name": "defaults"},
           "spec": defaults["spec"]}
    assert manifests.validate_object(obj, "argo-workflows values") == []


def test_argo_artifact_repository_reads_the_secret_every_tenant_has(rendering):
    values = yaml.safe_load((render.PLATFORM_DIR / "values" / "argo-workflows.yaml").read_text())
    s3 = values["artifactRepository"]["s3"]
    minio = yaml.safe_load((render.PLATFORM_DIR / "values" / "minio.yaml").read_text())
    assert s3["bucket"] in [bucket["name"] for bucket in minio["buckets"]]
    assert s3["endpoint"] == f"{minio['fullnameOverride']}.minio.svc.cluster.local:{minio['service']['port']}"
    for tenant in load_tenants():
        objects = manifests.load_documents(
            rendering.files[f"k8s/tenants/{tenant.name}/chart/templates/manifests.yaml"])
        secret = next(o for o in objects if o["kind"] == "Secret" and o["metadata"]["name"] == s3["accessKeySecret"]["name"])
        assert {s3["accessKeySecret"]["key"], s3["secretKeySecret"]["key"]} <= set(secret["data"])
