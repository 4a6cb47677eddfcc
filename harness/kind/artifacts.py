"""Per-tenant artifacts on the kind backend: SeaweedFS buckets and identities, and Argo's repository.

From platform/tenants.yaml: the seaweedfs chart's buckets (platform/values/seaweedfs-tenants.yaml), the
Secret with every S3 identity (the `s3-identities` release, in the seaweedfs namespace: the administrator's
and one per tenant limited to its bucket, harness/s3_identities.py) and, per tenant namespace, Argo's
`artifact-repositories` ConfigMap naming the tenant's bucket and its own S3 keys' Secret.
"""
from __future__ import annotations

import json
import re

import yaml

from harness import s3_identities
from harness.kind.constants import GENERATED, S3_IDENTITIES_CHART, VALUES_DIR
from harness.tenants import Tenant
from harness.yaml_text import dump

SEAWEEDFS_VALUES = VALUES_DIR / "seaweedfs.yaml"
# Generated values of the seaweedfs release, listed after seaweedfs.yaml in helmfile.base.yaml.
SEAWEEDFS_TENANT_VALUES = "values/seaweedfs-tenants.yaml"
S3_NAMESPACE = "seaweedfs"
# The seaweedfs chart mounts this Secret's key as `-s3.config` (values/seaweedfs.yaml existingConfigSecret).
IDENTITIES_SECRET_KEY = "seaweedfs_s3_config"
S3_PORT = 8333
# The administrator's demo keys (every bucket); no tenant namespace holds them.
ADMINISTRATOR_KEYS = ("simplepipe", "simplepipe-demo-secret")

# Argo's names (the same the local runner resolves, harness/runner/artifacts.py).
REPOSITORIES_CONFIGMAP = "artifact-repositories"
DEFAULT_REPOSITORY_ANNOTATION = "workflows.argoproj.io/default-artifact-repository"
REPOSITORY_KEY = "default-v1"
SECRET = "argo-artifacts-s3"

# The chart's bucket hook passes a bucket name to `weed shell` unquoted; keys go into a JSON Secret.
ACCESS_KEY_MIN, SECRET_KEY_MIN = 3, 8
PLAIN_KEY = re.compile(r"[A-Za-z0-9._+-]+")


def key_problems(tenant: Tenant) -> list[str]:
    """Why the tenant's S3 keys would be refused or mangled ([] when fine); never shows a key."""
    problems = []
    for field, value, minimum in (("access_key", tenant.s3_access_key, ACCESS_KEY_MIN),
                                  ("secret_key", tenant.s3_secret_key, SECRET_KEY_MIN)):
        if len(value) < minimum:
            problems.append(f"tenant {tenant.name}: s3.{field} is shorter than {minimum} characters")
        elif not PLAIN_KEY.fullmatch(value):
            problems.append(f"tenant {tenant.name}: s3.{field} may hold only letters, digits and . _ + -")
    return problems


def s3_values() -> dict:
    return yaml.safe_load(SEAWEEDFS_VALUES.read_text())


def s3_endpoint() -> str:
    """SeaweedFS' S3 Service as pods reach it: host:port (Argo's s3.endpoint has no scheme)."""
    return f"{s3_values()['fullnameOverride']}-all-in-one.{S3_NAMESPACE}.svc.cluster.local:{S3_PORT}"


def seaweedfs_tenant_values(tenants: list[Tenant]) -> dict:
    """The seaweedfs chart values creating each tenant's bucket (its post-install hook Job, `weed shell`)."""
    return {"allInOne": {"s3": {"createBuckets": [{"name": t.artifact_bucket} for t in tenants]}}}


def identities_secret(tenants: list[Tenant]) -> dict:
    config = s3_identities.identities(*ADMINISTRATOR_KEYS, tenants)
    return {"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": s3_values()["allInOne"]["s3"]["existingConfigSecret"], "namespace": S3_NAMESPACE},
            "type": "Opaque", "stringData": {IDENTITIES_SECRET_KEY: json.dumps(config, indent=2) + "\n"}}


def identities_chart(tenants: list[Tenant]) -> dict[str, str]:
    """platform/k8s/s3/chart: the identities Secret, for the `s3-identities` release (before seaweedfs)."""
    chart = {"apiVersion": "v2", "name": "s3-identities", "type": "application", "version": "0.1.0",
             "description": "SeaweedFS S3 identities: the administrator's, and one per tenant limited to its bucket"}
    return {(S3_IDENTITIES_CHART / "Chart.yaml").as_posix(): GENERATED + dump(chart),
            (S3_IDENTITIES_CHART / "templates" / "manifests.yaml").as_posix():
                GENERATED + dump(identities_secret(tenants))}


def artifact_repositories(tenant: Tenant) -> dict:
    """Argo's per-namespace artifact repository: the tenant's bucket, keys from its own Secret."""
    repository = {"archiveLogs": False, "s3": {
        "endpoint": s3_endpoint(),
        "bucket": tenant.artifact_bucket,
        # SeaweedFS on kind serves plain HTTP.
        "insecure": True,
        "accessKeySecret": {"name": SECRET, "key": "accesskey"},
        "secretKeySecret": {"name": SECRET, "key": "secretkey"},
    }}
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": REPOSITORIES_CONFIGMAP, "annotations": {DEFAULT_REPOSITORY_ANNOTATION: REPOSITORY_KEY}},
        "data": {REPOSITORY_KEY: yaml.safe_dump(repository, sort_keys=False)},
    }


def secret_literals(tenant: Tenant) -> list[str]:
    """The tenant's own S3 keys, for the `argo-artifacts-s3` Secret of its namespace."""
    return [f"accesskey={tenant.s3_access_key}", f"secretkey={tenant.s3_secret_key}"]
