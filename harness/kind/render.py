"""What the kind backend derives from platform/tenants.yaml, written as files.

Per tenant: platform/k8s/tenants/<tenant>/kustomization.yaml (an overlay of the
namespace-agnostic base platform/k8s/tenant, with the tenant's AlertmanagerConfig) and its
rendered output, plus the tenant's prom-label-proxy in `monitoring` (harness/kind/reads.py), as a
static Helm chart (platform/k8s/tenants/<tenant>/chart), which the helmfile installs. And
platform/helmfile.yaml: platform/helmfile.base.yaml plus two releases per tenant.

The generated files are committed: they are what users deploy and what
tests/validate checks; `python -m harness.kind.render --check` fails when they are
stale, `python -m harness.kind.render` rewrites them.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from harness.errors import PlatformError
from harness.image import image_tag
from harness.kind import alerts, artifacts, load_chart, monitoring, prerequisites, reads, tenant_resources
from harness.kind.constants import (ALERTMANAGER_CONFIG, ARGO_NETWORK, ARGO_NETWORK_CHART, DASHBOARDS_CHART,
                                    DASHBOARDS_KUSTOMIZATION, GC_CRONJOB, GENERATED, HELMFILE, HELMFILE_BASE,
                                    MONITORING_NAMESPACE, PLATFORM_DIR, PUSHGATEWAY_PORT, TENANT_BASE, TENANT_LABEL,
                                    TENANT_RELEASES_NAMESPACE, TENANT_SERVICE_ACCOUNT, TENANTS_DIR, TENANTS_FILE_NAME)
from harness.stamping import metric_relabel_configs, operator_relabelings, owner_labels
from harness.tenants import Tenant, load_tenants
from harness.yaml_text import dump
from simplepipe.settings import PASSWORD, URL, USERNAME


class RenderError(PlatformError, RuntimeError):
    """The kind manifests could not be rendered."""


def pushgateway_service(tenant: Tenant) -> str:
    """Name of the tenant's Pushgateway Service (the release's fullnameOverride)."""
    return tenant.pushgateway_name


def pushgateway_cluster_url(tenant: Tenant) -> str:
    """The tenant's Pushgateway as workflow steps inside the cluster reach it."""
    return f"http://{pushgateway_service(tenant)}.{tenant.namespace}.svc.cluster.local:{PUSHGATEWAY_PORT}"


def kustomize(directory: Path) -> str:
    """`kubectl kustomize DIR`; raises RenderError with kustomize's own message."""
    result = subprocess.run(
        [prerequisites.kubectl_binary(), "kustomize", str(directory)], capture_output=True, text=True, timeout=120
    )
    if result.returncode != 0:
        raise RenderError(f"kubectl kustomize {directory} failed: {result.stderr.strip()}")
    return result.stdout




def gc_cronjob(tenant: Tenant) -> dict:
    """The tenant's group expiry: `simplepipe gc` on the Simplepipe image, on the schedule in tenants.yaml."""
    assert tenant.gc is not None
    env = [
        {"name": URL, "valueFrom": {"configMapKeyRef": {"name": "simplepipe-config", "key": "pushgateway-url"}}},
        {"name": USERNAME, "valueFrom": {"secretKeyRef": {"name": "simplepipe-credentials", "key": "username"}}},
        {"name": PASSWORD, "valueFrom": {"secretKeyRef": {"name": "simplepipe-credentials", "key": "password"}}},
    ]
    container = {
        "name": "gc",
        "image": image_tag(),
        "command": ["simplepipe", "gc", "--older-than", tenant.gc.older_than],
        "env": env,
        "resources": tenant_resources.of(tenant_resources.GC),
        "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                            "capabilities": {"drop": ["ALL"]}},
    }
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": GC_CRONJOB},
        "spec": {
            "schedule": tenant.gc.cron,
            # A slow pass is not run twice at once; one that is still running makes the next wait.
            "concurrencyPolicy": "Forbid",
            "successfulJobsHistoryLimit": 1,
            "failedJobsHistoryLimit": 3,
            "jobTemplate": {"spec": {
                "backoffLimit": 1,
                "activeDeadlineSeconds": 600,
                "template": {"spec": {
                    "restartPolicy": "Never",
                    "automountServiceAccountToken": False,
                    "securityContext": {"runAsNonRoot": True, "runAsUser": 10001},
                    "containers": [container],
                }},
            }},
        },
    }


def alert_webhook_url(tenant: Tenant) -> str:
    """tenants.yaml `alerts.webhook_url`, else the platform's receiver in the tenant's namespace
    (harness/kind/alerts.py)."""
    return tenant.alert_webhook_url or alerts.receiver_url(tenant.namespace, tenant.name)


def alertmanager_config(tenant: Tenant) -> dict:
    """The tenant's alert route: everything of its namespace to its webhook.

    No matcher here on purpose: the operator (matcher strategy OnNamespace, set in
    values/kube-prometheus-stack.yaml) adds `namespace="<this namespace>"` to the route, so this
    object can never route another tenant's alerts, whatever it says.
    """
    return {
        "apiVersion": "monitoring.coreos.com/v1alpha1",
        "kind": "AlertmanagerConfig",
        "metadata": {"name": ALERTMANAGER_CONFIG},
        "spec": {
            "route": {"receiver": "tenant", "groupBy": ["alertname", "tenant", "job"],
                      "groupWait": "10s", "groupInterval": "1m", "repeatInterval": "12h"},
            "receivers": [{"name": "tenant",
                           "webhookConfigs": [{"url": alert_webhook_url(tenant), "sendResolved": True}]}],
        },
    }


def tenant_overlay(tenant: Tenant) -> dict[str, str]:
    """Files of platform/k8s/tenants/<tenant>/ (relative name -> text)."""
    kustomization = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "namespace": tenant.namespace,
        "resources": ["../../tenant", "namespace.yaml", "tenant-rolebinding.yaml", "artifact-repositories.yaml"],
        "labels": [{"pairs": {TENANT_LABEL: tenant.name}, "includeSelectors": False}],
        # Exact names: workflows reference them (configMapKeyRef / secretKeyRef).
        "generatorOptions": {"disableNameSuffixHash": True},
        "configMapGenerator": [
            {"name": "simplepipe-config", "literals": [f"pushgateway-url={pushgateway_cluster_url(tenant)}"]}
        ],
        "secretGenerator": [
            {
                "name": "simplepipe-credentials",
                "literals": [f"username={tenant.username}", f"password={tenant.password}"],
            },
            # The tenant's own S3 keys, named by its artifact-repositories ConfigMap (never the administrator's).
            {"name": artifacts.SECRET, "literals": artifacts.secret_literals(tenant)},
        ],
    }
    namespace = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": tenant.namespace,
            # Workflow steps need nothing privileged; baseline rejects what they never need.
            "labels": {"pod-security.kubernetes.io/enforce": "baseline"},
        },
    }
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "simplepipe-tenant"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "simplepipe-tenant"},
        "subjects": [
            {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": f"simplepipe:tenant:{tenant.name}"},
            # Its token is what a tenant shows the Argo server (client auth mode).
            {"kind": "ServiceAccount", "name": TENANT_SERVICE_ACCOUNT, "namespace": tenant.namespace},
        ],
    }
    files = {
        "kustomization.yaml": GENERATED + dump(kustomization),
        "namespace.yaml": GENERATED + dump(namespace),
        "tenant-rolebinding.yaml": GENERATED + dump(binding),
        "artifact-repositories.yaml": GENERATED + dump(artifacts.artifact_repositories(tenant)),
    }
    kustomization["resources"].append("alertmanager-config.yaml")
    files["alertmanager-config.yaml"] = GENERATED + dump(alertmanager_config(tenant))
    files["kustomization.yaml"] = GENERATED + dump(kustomization)
    if tenant.gc is not None:
        kustomization["resources"].append("gc-cronjob.yaml")
        files["kustomization.yaml"] = GENERATED + dump(kustomization)
        files["gc-cronjob.yaml"] = GENERATED + dump(gc_cronjob(tenant))
    return files


def tenant_chart(tenant: Tenant, manifests: str) -> dict[str, str]:
    """A static Helm chart holding the overlay's rendered manifests, for the helmfile."""
    if "{{" in manifests:
        raise RenderError(f"tenant {tenant.name}: rendered manifests contain '{{{{', which Helm would template")
    chart = {
        "apiVersion": "v2",
        "name": f"tenant-{tenant.name}",
        "description": f"Namespace, RBAC and Simplepipe settings of tenant {tenant.name}",
        "type": "application",
        "version": "0.1.0",
    }
    return {
        "chart/Chart.yaml": GENERATED + dump(chart),
        "chart/templates/manifests.yaml": GENERATED + manifests,
    }


def helm_escape(text: str) -> str:
    """Make text pass through Helm's template engine unchanged ({{ $labels.x }} in rules)."""
    return text.replace("{{", '{{ "{{" }}')


def dashboards_chart(manifests: str) -> dict[str, str]:
    chart = {
        "apiVersion": "v2",
        "name": "simplepipe-dashboards",
        "description": "Simplepipe's Grafana dashboards (ConfigMaps) and alert rules (PrometheusRule)",
        "type": "application",
        "version": "0.1.0",
    }
    header = GENERATED.replace("platform/tenants.yaml", "dashboards/kubernetes")
    return {
        (DASHBOARDS_CHART / "Chart.yaml").as_posix(): header + dump(chart),
        (DASHBOARDS_CHART / "templates" / "manifests.yaml").as_posix(): header + helm_escape(manifests),
    }


def argo_network_chart(manifests: str) -> dict[str, str]:
    """platform/k8s/argo/chart: the `argo` namespace's NetworkPolicies, for the `argo-network` release."""
    if "{{" in manifests:
        raise RenderError(f"{ARGO_NETWORK}: rendered manifests contain '{{{{', which Helm would template")
    chart = {
        "apiVersion": "v2",
        "name": "argo-network",
        "description": "Ingress into the argo namespace: the Argo server's port only",
        "type": "application",
        "version": "0.1.0",
    }
    header = GENERATED.replace("platform/tenants.yaml", f"platform/{ARGO_NETWORK.as_posix()}")
    return {
        (ARGO_NETWORK_CHART / "Chart.yaml").as_posix(): header + dump(chart),
        (ARGO_NETWORK_CHART / "templates" / "manifests.yaml").as_posix(): header + manifests,
    }


def _pushgateway_values(tenant: Tenant) -> dict:
    prometheus = {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": MONITORING_NAMESPACE}},
        "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}},
    }
    return {
        "fullnameOverride": pushgateway_service(tenant),
        # Plain password, exactly one user: the chart bcrypts it for the gateway and copies
        # it into the ServiceMonitor's scrape Secret (see platform/values/pushgateway.yaml).
        "webConfiguration": {"basicAuthUsers": {tenant.username: tenant.password}},
        "serviceMonitor": {
            # After honor_labels, on every sample: platform-owned names dropped, then no pushed label
            # survives the tenant/namespace stamps (harness/stamping.py, the same rules as locally).
            "metricRelabelings": operator_relabelings(metric_relabel_configs(tenant)),
            # Target labels: `up` and scrape_* carry the owner too (the operator already sets `namespace`
            # from the Service's namespace; `tenant` is stamped here), so rules never parse the job name.
            "relabelings": [{"action": "replace", "targetLabel": "tenant",
                             "replacement": owner_labels(tenant)["tenant"]}],
        },
        # Only the tenant's own pods, Prometheus and the in-cluster load's workers reach the gateway.
        "networkPolicy": {"customSelectors": [{"podSelector": {}}, prometheus, load_chart.WORKER_PEER]},
        # platform/tenant-resources.yaml, the one table of what a tenant's containers may take.
        "resources": tenant_resources.of(tenant_resources.PUSHGATEWAY),
    }


def tenant_releases(tenant: Tenant) -> list[dict]:
    tenant_release = {
        "name": f"tenant-{tenant.name}",
        "namespace": TENANT_RELEASES_NAMESPACE,
        "chart": f"./{(TENANTS_DIR / tenant.name / 'chart').as_posix()}",
        # Its AlertmanagerConfig needs the operator's CRDs.
        "needs": [f"{MONITORING_NAMESPACE}/kube-prometheus-stack"],
    }
    gateway_release = {
        "name": tenant.pushgateway_name,
        "MERGE": "*pushgateway",
        "namespace": tenant.namespace,
        "needs": [f"{MONITORING_NAMESPACE}/kube-prometheus-stack", f"{TENANT_RELEASES_NAMESPACE}/tenant-{tenant.name}"],
        "values": ["values/pushgateway.yaml", _pushgateway_values(tenant)],
    }
    return [tenant_release, gateway_release]


def helmfile(tenants: list[Tenant], base_text: str) -> str:
    releases = [release for tenant in tenants for release in tenant_releases(tenant)]
    generated = yaml.safe_dump(releases, sort_keys=False, width=120)
    # The YAML merge key pulls chart and version from helmfile.base.yaml's template.
    generated = generated.replace("MERGE: '*pushgateway'", "<<: *pushgateway")
    indented = "".join(f"  {line}\n" if line else "\n" for line in generated.splitlines())
    return (
        GENERATED.replace("platform/tenants.yaml", "platform/helmfile.base.yaml and platform/tenants.yaml")
        + base_text.rstrip("\n")
        + "\n\n  # Per tenant (from platform/tenants.yaml): its namespace resources, then its Pushgateway.\n"
        + indented
    )


def seaweedfs_tenant_values_file(tenants: list[Tenant]) -> str:
    """platform/values/seaweedfs-tenants.yaml: each tenant's bucket (harness/kind/artifacts.py)."""
    problems = [problem for tenant in tenants for problem in artifacts.key_problems(tenant)]
    if problems:
        raise RenderError(f"{TENANTS_FILE_NAME}: {problems[0]}")
    return GENERATED + dump(artifacts.seaweedfs_tenant_values(tenants))


@dataclass(frozen=True)
class Rendering:
    """The generated files, relative to platform/."""

    files: dict[str, str]

    def write(self, platform_dir: Path) -> None:
        for name, text in self.files.items():
            path = platform_dir / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)


def render(tenants: list[Tenant] | None = None, platform_dir: Path = PLATFORM_DIR) -> Rendering:
    """Render everything tenant-derived from the sources in platform_dir (nothing is written there)."""
    tenants = load_tenants() if tenants is None else tenants
    files: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="simplepipe-kind-") as scratch:
        work = Path(scratch)
        shutil.copytree(platform_dir / TENANT_BASE, work / TENANT_BASE)
        for tenant in tenants:
            overlay = tenant_overlay(tenant)
            overlay_dir = work / TENANTS_DIR / tenant.name
            overlay_dir.mkdir(parents=True)
            for name, text in overlay.items():
                (overlay_dir / name).write_text(text)
            # The read proxy lives in `monitoring`, so it is added after kustomize sets the tenant's namespace;
            # the tenant's alert receiver carries harness/alert_receiver.py, which kustomize cannot reach.
            manifests = kustomize(overlay_dir) + "---\n" + dump(*reads.read_proxy(tenant),
                                                                 *alerts.tenant_receiver(tenant))
            for name, text in {**overlay, **tenant_chart(tenant, manifests)}.items():
                files[(TENANTS_DIR / tenant.name / name).as_posix()] = text
    files.update(dashboards_chart(kustomize(DASHBOARDS_KUSTOMIZATION)))
    files[HELMFILE] = helmfile(tenants, (platform_dir / HELMFILE_BASE).read_text())
    files[artifacts.SEAWEEDFS_TENANT_VALUES] = seaweedfs_tenant_values_file(tenants)
    files.update(artifacts.identities_chart(tenants))
    files.update(argo_network_chart(kustomize(platform_dir / ARGO_NETWORK)))
    files.update(alerts.administrator_chart())
    files.update(monitoring.network_chart())
    files.update(load_chart.chart(tenants, pushgateway_cluster_url))
    return Rendering(files)


def stale_files(platform_dir: Path = PLATFORM_DIR, tenants: list[Tenant] | None = None) -> list[str]:
    """Generated files that differ from a fresh rendering, are missing, or belong to no tenant."""
    rendering = render(tenants, platform_dir)
    stale = [name for name, text in rendering.files.items() if not (platform_dir / name).is_file()
             or (platform_dir / name).read_text() != text]
    tenants_dir = platform_dir / TENANTS_DIR
    if tenants_dir.is_dir():
        for path in sorted(p for p in tenants_dir.rglob("*") if p.is_file()):
            name = path.relative_to(platform_dir).as_posix()
            if name not in rendering.files:
                stale.append(name)
    return stale


def write(platform_dir: Path = PLATFORM_DIR) -> list[str]:
    """Rewrite the generated files; removes those of tenants no longer in tenants.yaml."""
    rendering = render(platform_dir=platform_dir)
    tenants_dir = platform_dir / TENANTS_DIR
    if tenants_dir.is_dir():
        wanted = {Path(name).parts[2] for name in rendering.files if name.startswith(TENANTS_DIR.as_posix())}
        for child in tenants_dir.iterdir():
            if child.is_dir() and child.name not in wanted:
                shutil.rmtree(child)
    rendering.write(platform_dir)
    return sorted(rendering.files)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.kind.render", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the committed files are stale")
    args = parser.parse_args(argv)
    try:
        if args.check:
            stale = stale_files()
            if stale:
                print("stale generated files (run `python -m harness.kind.render`):", *stale, sep="\n  ")
                return 1
            print("generated kind files are up to date")
            return 0
        for name in write():
            print(f"wrote platform/{name}")
        return 0
    except RenderError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
