"""What each subject may do in the rendered cluster: its bindings' rules, as a table, and the checks that a
tenant's identities (its ServiceAccounts, its group `simplepipe:tenant:<name>`) reach only its namespace."""
from __future__ import annotations

from dataclasses import dataclass

from harness.kind.rendered import RenderedCluster, RenderedObject
from harness.tenants import Tenant

# API groups a tenant must never be granted: the stamping of its series, the network between tenants, RBAC.
FORBIDDEN_GROUPS = {"monitoring.coreos.com", "networking.k8s.io", "rbac.authorization.k8s.io", "*"}


@dataclass(frozen=True)
class Grant:
    subject: str      # "ServiceAccount ns/name", "Group name", "User name"
    scope: str        # a namespace, or "cluster"
    binding: str
    rule: dict

    def line(self) -> str:
        names = f" {self.rule['resourceNames']}" if self.rule.get("resourceNames") else ""
        what = ",".join(self.rule.get("resources") or self.rule.get("nonResourceURLs") or [])
        groups = ",".join(g or "core" for g in self.rule.get("apiGroups") or [])
        return f"{self.subject:<55} {self.scope:<12} {','.join(self.rule.get('verbs') or []):<40} {groups}:{what}{names}"


def _subject(subject: dict, binding: RenderedObject) -> str:
    if subject.get("kind") == "ServiceAccount":
        return f"ServiceAccount {subject.get('namespace') or binding.namespace}/{subject['name']}"
    return f"{subject.get('kind')} {subject.get('name')}"


def grants(cluster: RenderedCluster) -> list[Grant]:
    """Every (subject, scope, rule) the rendered bindings give; a binding to a missing role gives nothing."""
    roles = {(o.kind, o.namespace, o.name): o for o in cluster.of_kind("Role", "ClusterRole")}
    found = []
    for binding in cluster.of_kind("RoleBinding", "ClusterRoleBinding"):
        ref = binding.obj.get("roleRef") or {}
        role = roles.get((ref.get("kind"), binding.namespace if ref.get("kind") == "Role" else None, ref.get("name")))
        scope = "cluster" if binding.kind == "ClusterRoleBinding" else str(binding.namespace)
        for subject in binding.obj.get("subjects") or []:
            for rule in (role.obj.get("rules") or []) if role else []:
                found.append(Grant(_subject(subject, binding), scope, binding.ref, rule))
    return found


def table(cluster: RenderedCluster) -> str:
    rows = sorted(grants(cluster), key=lambda g: (g.subject, g.scope))
    return "\n".join(["subject" + " " * 49 + "scope        verbs" + " " * 36 + "what"] + [g.line() for g in rows])


def tenant_subjects(tenant: Tenant) -> set[str]:
    return {f"Group simplepipe:tenant:{tenant.name}"}


def is_tenants(subject: str, tenant: Tenant) -> bool:
    return subject in tenant_subjects(tenant) or subject.startswith(f"ServiceAccount {tenant.namespace}/")


def tenant_problems(cluster: RenderedCluster, tenants: list[Tenant]) -> list[str]:
    """A tenant identity granted anything outside its namespace, in a forbidden API group, with wildcards, or
    on Secrets without naming them."""
    problems = []
    for grant in grants(cluster):
        for tenant in tenants:
            if not is_tenants(grant.subject, tenant):
                continue
            rule, where = grant.rule, f"{grant.subject} via {grant.binding}"
            if grant.scope != tenant.namespace:
                problems.append(f"{where}: granted in {grant.scope}, outside {tenant.name}'s namespace")
            if FORBIDDEN_GROUPS & set(rule.get("apiGroups") or []):
                problems.append(f"{where}: granted API group(s) {sorted(FORBIDDEN_GROUPS & set(rule['apiGroups']))}")
            if "*" in (rule.get("verbs") or []) or "*" in (rule.get("resources") or []):
                problems.append(f"{where}: a wildcard rule {rule}")
            if "secrets" in (rule.get("resources") or []) and not rule.get("resourceNames"):
                problems.append(f"{where}: every Secret of the namespace, not named ones")
    return problems


def may(cluster: RenderedCluster, subject: str, namespace: str, verb: str, resource: str, name: str = "",
        group: str = "") -> bool:
    """Whether the rendered RBAC lets `subject` `verb` the `resource` (named `name`) in `namespace`."""
    for grant in grants(cluster):
        rule = grant.rule
        if grant.subject != subject or grant.scope not in (namespace, "cluster"):
            continue
        if group in (rule.get("apiGroups") or []) and resource in (rule.get("resources") or []) \
                and verb in (rule.get("verbs") or []) and (not rule.get("resourceNames") or name in rule["resourceNames"]):
            return True
    return False
