"""Per-tenant artifacts on the kind backend: MinIO buckets, policies and users, and Argo's repository.

From platform/tenants.yaml: the MinIO chart's `buckets`/`policies`/`users` values (one of each per
tenant, written to platform/values/minio-tenants.yaml) and, per tenant namespace, Argo's
`artifact-repositories` ConfigMap naming the tenant's bucket and its own S3 keys' Secret.
`policy_problems` is the check `make validate` runs on those values (also on tampered ones).
"""
from __future__ import annotations

import re

import yaml

from harness.paths import REPO_ROOT
from harness.tenants import Tenant

MINIO_VALUES = REPO_ROOT / "platform" / "values" / "minio.yaml"
# Generated values of the MinIO release, listed after minio.yaml in helmfile.base.yaml.
MINIO_TENANT_VALUES = "values/minio-tenants.yaml"
MINIO_NAMESPACE = "minio"

# Argo's names (the same the local runner resolves, harness/runner/artifacts.py).
REPOSITORIES_CONFIGMAP = "artifact-repositories"
DEFAULT_REPOSITORY_ANNOTATION = "workflows.argoproj.io/default-artifact-repository"
REPOSITORY_KEY = "default-v1"
SECRET = "argo-artifacts-s3"

# What Argo's executor does with a repository: put/get/delete objects (delete: artifact GC), list keys.
OBJECT_ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject",
                  "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
BUCKET_ACTIONS = ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"]


# MinIO's minimum key lengths (internal/auth/credentials.go); the chart's user Job echoes keys
# unquoted into a shell and `tpl`s the access key, so only plain characters pass.
ACCESS_KEY_MIN, SECRET_KEY_MIN = 3, 8
PLAIN_KEY = re.compile(r"[A-Za-z0-9._+-]+")


def key_problems(tenant: Tenant) -> list[str]:
    """Why MinIO (or the chart's user Job) would refuse or mangle the tenant's S3 keys ([] when fine)."""
    problems = []
    for field, value, minimum in (("access_key", tenant.s3_access_key, ACCESS_KEY_MIN),
                                  ("secret_key", tenant.s3_secret_key, SECRET_KEY_MIN)):
        if len(value) < minimum:
            problems.append(f"tenant {tenant.name}: s3.{field} is shorter than MinIO's minimum of {minimum}")
        elif not PLAIN_KEY.fullmatch(value):
            problems.append(f"tenant {tenant.name}: s3.{field} may hold only letters, digits and . _ + -")
    return problems


def bucket_arns(bucket: str) -> list[str]:
    """The bucket itself (listing) and its objects."""
    return [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]


def policy_name(tenant: Tenant) -> str:
    return f"tenant-{tenant.name}-artifacts"


def minio_endpoint() -> str:
    """MinIO's S3 Service as pods reach it: host:port (Argo's s3.endpoint has no scheme)."""
    values = yaml.safe_load(MINIO_VALUES.read_text())
    return f"{values['fullnameOverride']}.{MINIO_NAMESPACE}.svc.cluster.local:{values['service']['port']}"


def minio_tenant_values(tenants: list[Tenant]) -> dict:
    """The MinIO chart 5.4.0 values creating each tenant's bucket, policy and user (its post-install Job)."""
    return {
        "buckets": [{"name": t.artifact_bucket, "policy": "none", "purge": False} for t in tenants],
        "policies": [{"name": policy_name(t), "statements": [
            {"effect": "Allow", "resources": [bucket_arns(t.artifact_bucket)[1]], "actions": list(OBJECT_ACTIONS)},
            {"effect": "Allow", "resources": [bucket_arns(t.artifact_bucket)[0]], "actions": list(BUCKET_ACTIONS)},
        ]} for t in tenants],
        "users": [{"accessKey": t.s3_access_key, "secretKey": t.s3_secret_key, "policy": policy_name(t)}
                  for t in tenants],
    }


def artifact_repositories(tenant: Tenant) -> dict:
    """Argo's per-namespace artifact repository: the tenant's bucket, keys from its own Secret."""
    repository = {"archiveLogs": False, "s3": {
        "endpoint": minio_endpoint(),
        "bucket": tenant.artifact_bucket,
        # MinIO on kind serves plain HTTP.
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


def policy_problems(values: dict, tenants: list[Tenant]) -> list[str]:
    """Why the MinIO values let a tenant's keys reach more than its own bucket ([] when they do not)."""
    problems: list[str] = []
    policies = {p.get("name"): p for p in values.get("policies") or []}
    users = {u.get("accessKey"): u for u in values.get("users") or []}
    owners = {t.s3_access_key: t for t in tenants}
    for key in sorted(set(users) - set(owners)):
        problems.append(f"users: {key!r} is no tenant's access key")
    for tenant in tenants:
        where = f"tenant {tenant.name}"
        user = users.get(tenant.s3_access_key)
        if user is None:
            problems.append(f"{where}: no MinIO user with its access key")
            continue
        policy = policies.get(user.get("policy"))
        if policy is None:
            # MinIO's built-in policies (readwrite, consoleAdmin, ...) reach every bucket.
            problems.append(f"{where}: user's policy {user.get('policy')!r} is not one of the generated policies")
            continue
        allowed = set(bucket_arns(tenant.artifact_bucket))
        for index, statement in enumerate(policy.get("statements") or []):
            at = f"{where}: policy {policy['name']} statements[{index}]"
            if statement.get("conditions"):
                problems.append(f"{at}: conditions are not expected")
            if statement.get("effect", "Allow") != "Allow":
                continue
            for resource in statement.get("resources") or ["(none: every resource)"]:
                if resource not in allowed:
                    problems.append(f"{at}: resource {resource!r} is not the tenant's bucket {tenant.artifact_bucket}")
            for action in statement.get("actions") or []:
                if not str(action).startswith("s3:") or "*" in str(action):
                    problems.append(f"{at}: action {action!r} is not a single s3 action")
    return problems
