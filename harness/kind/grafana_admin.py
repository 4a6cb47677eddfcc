"""Grafana's administrator login on kind: a password generated per cluster into Secret monitoring/grafana-admin
(before the charts install: the Grafana chart reads it through grafana.admin.existingSecret), never a value in
git. `make status PLATFORM=kind` says where it is, never what it is."""
from __future__ import annotations

import base64
import secrets

from harness.kind.constants import (GRAFANA_ADMIN_PASSWORD_KEY, GRAFANA_ADMIN_SECRET, GRAFANA_ADMIN_USER_KEY,
                                    MONITORING_NAMESPACE)

USER = "admin"
WHERE = (f"Secret {MONITORING_NAMESPACE}/{GRAFANA_ADMIN_SECRET} (`kubectl -n {MONITORING_NAMESPACE} get secret "
         f"{GRAFANA_ADMIN_SECRET} -o jsonpath='{{.data.{GRAFANA_ADMIN_PASSWORD_KEY}}}' | base64 -d`)")


def secret(password: str) -> dict:
    return {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": GRAFANA_ADMIN_SECRET, "namespace": MONITORING_NAMESPACE,
                         "labels": {"app.kubernetes.io/part-of": "simplepipe"}},
            "stringData": {GRAFANA_ADMIN_USER_KEY: USER, GRAFANA_ADMIN_PASSWORD_KEY: password}}


def ensure(api_client) -> bool:
    """The namespace and the Secret, unless they exist (a running Grafana keeps its password); True when a new
    password was generated."""
    from kubernetes import client  # reason: the kind backend's client, imported when a cluster is used
    from kubernetes.client.exceptions import ApiException  # reason: as above

    core = client.CoreV1Api(api_client)
    try:
        core.create_namespace({"metadata": {"name": MONITORING_NAMESPACE}})
    except ApiException as exc:
        if exc.status != 409:
            raise
    try:
        core.create_namespaced_secret(MONITORING_NAMESPACE, secret(secrets.token_urlsafe(24)))
    except ApiException as exc:
        if exc.status != 409:  # 409: there already, kept
            raise
        return False
    return True


def login(api_client) -> tuple[str, str]:
    """(user, password) from the Secret."""
    from kubernetes import client  # reason: the kind backend's client, imported when a cluster is used

    data = client.CoreV1Api(api_client).read_namespaced_secret(GRAFANA_ADMIN_SECRET, MONITORING_NAMESPACE).data or {}
    return (base64.b64decode(data[GRAFANA_ADMIN_USER_KEY]).decode(),
            base64.b64decode(data[GRAFANA_ADMIN_PASSWORD_KEY]).decode())
