"""SeaweedFS' S3 identities, one model for both backends: the administrator may do everything, each tenant
only its own bucket (SeaweedFS' "<Action>:<bucket>" form). The local backend writes them to `-s3.config`;
the kind backend puts the same document into the Secret the seaweedfs chart mounts (`seaweedfs_s3_config`).
`identity_problems` is the check that no tenant's keys reach more than its bucket."""
from __future__ import annotations

from harness.tenants import Tenant

# What a tenant may do with its bucket: Argo's executor reads, writes, lists and tags (artifact GC deletes
# with Write).
TENANT_ACTIONS = ("Read", "Write", "List", "Tagging")
ADMINISTRATOR_ACTIONS = ("Admin", "Read", "List", "Tagging", "Write")
ADMINISTRATOR = "simplepipe"


def tenant_identity(tenant: Tenant) -> dict:
    return {"name": f"tenant-{tenant.name}",
            "credentials": [{"accessKey": tenant.s3_access_key, "secretKey": tenant.s3_secret_key}],
            "actions": [f"{action}:{tenant.artifact_bucket}" for action in TENANT_ACTIONS]}


def identities(access_key: str, secret_key: str, tenants: list[Tenant]) -> dict:
    """The whole configuration: the administrator's identity (these keys), then one per tenant."""
    return {"identities": [{"name": ADMINISTRATOR,
                            "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
                            "actions": list(ADMINISTRATOR_ACTIONS)}]
            + [tenant_identity(tenant) for tenant in tenants]}


def identity_problems(config: dict, tenants: list[Tenant]) -> list[str]:
    """Why this configuration lets a tenant's keys do more than TENANT_ACTIONS on its own bucket ([] if not)."""
    problems = []
    by_key = {c.get("accessKey"): identity for identity in config.get("identities") or []
              for c in identity.get("credentials") or []}
    for tenant in tenants:
        identity = by_key.get(tenant.s3_access_key)
        if identity is None:
            problems.append(f"tenant {tenant.name}: no identity holds its access key")
            continue
        allowed = {f"{action}:{tenant.artifact_bucket}" for action in TENANT_ACTIONS}
        for action in identity.get("actions") or []:
            if action not in allowed:
                problems.append(f"tenant {tenant.name}: identity {identity.get('name')!r} may {action!r}, "
                                f"beyond its own bucket {tenant.artifact_bucket}")
    return problems
