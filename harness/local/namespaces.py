"""What a tenant's namespace holds for its workflows on the local backend: the ConfigMaps and Secrets the
kind backend creates in the namespace, under the same names, so that one manifest runs on both."""
from __future__ import annotations

import yaml

from harness.runner.artifacts import DEFAULT_REPOSITORY_ANNOTATION, REPOSITORIES_CONFIGMAP
from harness.tenants import Tenant

CONFIGMAP = "simplepipe-config"
SECRET = "simplepipe-credentials"
ARTIFACTS_SECRET = "argo-artifacts-s3"
ARTIFACT_REPOSITORY_KEY = "default-v1"


def tenant_namespace(tenant: Tenant, pushgateway_url: str, s3_endpoint: str, region: str) -> dict:
    """Simplepipe's settings, and Argo's per-namespace artifact repository with the tenant's own S3 keys
    (the runner's `tenant_settings`)."""
    repository = {"s3": {
        "endpoint": s3_endpoint.removeprefix("http://"), "insecure": True,
        "bucket": tenant.artifact_bucket, "region": region,
        "accessKeySecret": {"name": ARTIFACTS_SECRET, "key": "accesskey"},
        "secretKeySecret": {"name": ARTIFACTS_SECRET, "key": "secretkey"},
    }}
    return {
        "configmaps": {CONFIGMAP: {"pushgateway-url": pushgateway_url},
                       REPOSITORIES_CONFIGMAP: {ARTIFACT_REPOSITORY_KEY: yaml.safe_dump(repository)}},
        "secrets": {SECRET: {"username": tenant.username, "password": tenant.password},
                    ARTIFACTS_SECRET: {"accesskey": tenant.s3_access_key, "secretkey": tenant.s3_secret_key}},
        "annotations": {REPOSITORIES_CONFIGMAP: {DEFAULT_REPOSITORY_ANNOTATION: ARTIFACT_REPOSITORY_KEY}},
    }
