"""Alert receivers on kind: where Alertmanager's webhooks land (tests/validate/test_kind_alert_receivers.py
checks that every webhook the platform configures reaches a receiver that records it under the right name).

The receiver is harness/alert_receiver.py, the same file the local platform runs, rendered into a ConfigMap
and run by the Simplepipe image (already on the cluster: `make image PLATFORM=kind`), so no other image is
pulled. One runs in `monitoring` for the administrator (the `alert-receiver` release, only Alertmanager may
reach it), and one in each tenant namespace whose tenant names no webhook of its own in tenants.yaml (the
tenant's chart; the namespace's NetworkPolicy admits Alertmanager on its port). Each keeps what it was told
in an emptyDir, read back with `kubectl exec` (KindPlatform.alert_deliveries).
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from harness import alert_receiver
from harness.image import image_tag
from harness.kind import tenant_resources
from harness.kind.constants import (ADMINISTRATOR_RECEIVER_CHART, ALERT_RECEIVER, ALERT_RECEIVER_PORT, GENERATED,
                                    MONITORING_NAMESPACE, TENANT_LABEL)
from harness.tenants import Tenant
from harness.yaml_text import dump

NAME = ALERT_RECEIVER
SCRIPT = Path(alert_receiver.__file__)
SCRIPT_KEY = "alert_receiver.py"
RECEIVERS_KEY = "receivers"
CONFIG_MOUNT = "/opt/simplepipe/alert-receiver"
DATA_MOUNT = "/data"
# The emptyDir's bound: the pod is evicted and restarted empty rather than filling the node.
DATA_SIZE_LIMIT = "64Mi"
ADMINISTRATOR_CHART = ADMINISTRATOR_RECEIVER_CHART


def receiver_url(namespace: str, receiver: str) -> str:
    """The webhook URL of `receiver` on the receiver Service of `namespace`."""
    return f"http://{NAME}.{namespace}.svc:{ALERT_RECEIVER_PORT}/{receiver}"


def deliveries_path(receiver: str) -> str:
    """Where the receiver pod keeps what `receiver` was told (harness.alert_receiver.deliveries_file)."""
    return alert_receiver.deliveries_file(Path(DATA_MOUNT), receiver).as_posix()


def receiver_objects(namespace: str, receivers: list[str], labels: dict[str, str],
                     admitted: list[dict] | None = None) -> list[dict]:
    """ConfigMap (the receiver's code and names), Deployment and Service of a namespace's receiver; with
    `admitted` (NetworkPolicy peers), also a NetworkPolicy letting only those reach it."""
    labels = {"app.kubernetes.io/name": NAME, "app.kubernetes.io/part-of": "simplepipe", **labels}
    metadata = {"name": NAME, "namespace": namespace, "labels": labels}
    data = {SCRIPT_KEY: SCRIPT.read_text(), RECEIVERS_KEY: "".join(f"{name}\n" for name in receivers)}
    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": data}
    # A new script or receiver list rolls the pod (a mounted ConfigMap alone is not re-read by python).
    checksum = hashlib.sha256(dump(config_map).encode()).hexdigest()
    container = {
        "name": NAME,
        "image": image_tag(),
        "imagePullPolicy": "IfNotPresent",
        "command": ["python3", f"{CONFIG_MOUNT}/{SCRIPT_KEY}", "--host=0.0.0.0", f"--port={ALERT_RECEIVER_PORT}",
                    f"--state-dir={DATA_MOUNT}", f"--receivers={CONFIG_MOUNT}/{RECEIVERS_KEY}"],
        "env": [{"name": "PYTHONDONTWRITEBYTECODE", "value": "1"}],
        "ports": [{"name": "http", "containerPort": ALERT_RECEIVER_PORT}],
        "readinessProbe": {"httpGet": {"path": "/-/ready", "port": "http"}},
        "resources": tenant_resources.of(tenant_resources.ALERT_RECEIVER),
        "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "readOnlyRootFilesystem": True,
                            "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
                            "seccompProfile": {"type": "RuntimeDefault"}},
        "volumeMounts": [{"name": "code", "mountPath": CONFIG_MOUNT, "readOnly": True},
                         {"name": "deliveries", "mountPath": DATA_MOUNT}],
    }
    deployment = {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": metadata,
        "spec": {"replicas": 1, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels, "annotations": {"checksum/config": checksum}},
                              "spec": {"automountServiceAccountToken": False, "containers": [container],
                                       "volumes": [{"name": "code", "configMap": {"name": NAME}},
                                                   {"name": "deliveries",
                                                    "emptyDir": {"sizeLimit": DATA_SIZE_LIMIT}}]}}},
    }
    service = {
        "apiVersion": "v1", "kind": "Service", "metadata": metadata,
        "spec": {"selector": labels, "ports": [{"name": "http", "port": ALERT_RECEIVER_PORT, "targetPort": "http"}]},
    }
    objects = [config_map, deployment, service]
    if admitted is not None:
        objects.append({
            "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": metadata,
            "spec": {"podSelector": {"matchLabels": labels}, "policyTypes": ["Ingress"],
                     "ingress": [{"from": admitted, "ports": [{"protocol": "TCP", "port": ALERT_RECEIVER_PORT}]}]},
        })
    return objects


# kube-prometheus-stack's Alertmanager pods (the tenant NetworkPolicy admits the same peer).
ALERTMANAGER_PEER = {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "alertmanager"}}}


def tenant_receiver(tenant: Tenant) -> list[dict]:
    """The receiver in the tenant's namespace, or nothing when tenants.yaml gives the tenant its own webhook."""
    if tenant.alert_webhook_url:
        return []
    return receiver_objects(tenant.namespace, [tenant.name], {TENANT_LABEL: tenant.name})


def administrator_receiver() -> list[dict]:
    """The administrator's receiver in `monitoring`: only Alertmanager may post to it."""
    return receiver_objects(MONITORING_NAMESPACE, [alert_receiver.ADMINISTRATOR], {}, admitted=[ALERTMANAGER_PEER])


def administrator_chart() -> dict[str, str]:
    """platform/k8s/alert-receiver/chart: the administrator's receiver, for the `alert-receiver` release."""
    chart = {"apiVersion": "v2", "name": NAME, "type": "application", "version": "0.1.0",
             "description": "The administrator's alert receiver: every tenant's alerts end here"}
    manifests = dump(*administrator_receiver())
    header = GENERATED.replace("platform/tenants.yaml", "harness/kind/alerts.py")
    return {(ADMINISTRATOR_CHART / "Chart.yaml").as_posix(): header + dump(chart),
            (ADMINISTRATOR_CHART / "templates" / "manifests.yaml").as_posix(): header + manifests}
