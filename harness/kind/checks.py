"""Checks of the rendered cluster as a whole (harness/kind/rendered.py): what a cluster would receive.

Each check takes the RenderedCluster and returns one line per problem ([] when it holds), naming the release,
the object and the field; tests/validate runs them and shows each one failing on a broken variant.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from jsonschema.exceptions import best_match

from harness.kind import crd_schemas, manifests, quantities
from harness.kind.constants import (GRAFANA_ADMIN_SECRET, MONITORING_NAMESPACE, PLATFORM_DIR, SCHEMAS_DIR,
                                    TENANT_LABEL, TENANT_RELEASES_NAMESPACE)
from harness.kind.rendered import Release, RenderedCluster, RenderedObject
from harness.tenants import Tenant
from simplepipe.gc import parse_duration

WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod")
IMAGE_EXCEPTIONS_FILE = PLATFORM_DIR / "image-exceptions.yaml"


# -- pods and labels -----------------------------------------------------------------------------------------
def pod_template(obj: dict) -> dict | None:
    """The pod template (metadata + spec) of a workload, None for anything else."""
    kind, spec = obj.get("kind"), obj.get("spec") or {}
    if kind == "Pod":
        return {"metadata": obj.get("metadata") or {}, "spec": spec}
    if kind == "CronJob":
        return ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template")
    if kind in WORKLOADS:
        return spec.get("template")
    return None


@dataclass(frozen=True)
class Pod:
    """A pod the cluster would run: its workload, namespace and labels."""

    owner: RenderedObject
    namespace: str
    labels: dict
    spec: dict

    @property
    def ref(self) -> str:
        return self.owner.ref


def pods(cluster: RenderedCluster) -> list[Pod]:
    """The pods of the rendered workloads (pod templates, with their specs)."""
    found = []
    for o in cluster.objects:
        template = pod_template(o.obj)
        if template is not None:
            found.append(Pod(o, o.namespace or "", (template.get("metadata") or {}).get("labels") or {},
                             template.get("spec") or {}))
    return found


@dataclass(frozen=True)
class RuntimeObject:
    """A pod or Service the cluster has that no chart renders, and who makes it."""

    kind: str
    namespace: str
    name: str
    labels: dict
    by: str


def runtime_objects(cluster: RenderedCluster) -> list[RuntimeObject]:
    """Kubernetes' own (kind's node), the operator's StatefulSet pods and kubelet Service, Argo's step pods."""
    found = [RuntimeObject("Service", "default", "kubernetes", {"component": "apiserver", "provider": "kubernetes"},
                           "Kubernetes"),
             RuntimeObject("Pod", "kube-system", "coredns", {"k8s-app": "kube-dns"}, "kind (CoreDNS)")]
    for o in cluster.objects:
        args = [a for c in (pod_template(o.obj) or {}).get("spec", {}).get("containers", []) for a in c.get("args", [])]
        for arg in args:
            if str(arg).startswith("--kubelet-service="):
                namespace, name = str(arg).split("=", 1)[1].split("/")
                found.append(RuntimeObject("Service", namespace, name,
                                           {"app.kubernetes.io/name": "kubelet", "k8s-app": "kubelet"},
                                           f"prometheus-operator ({o.release})"))
    for kind, label in (("Prometheus", "prometheus"), ("Alertmanager", "alertmanager")):
        for o in cluster.of_kind(kind):
            extra = ((o.obj.get("spec") or {}).get("podMetadata") or {}).get("labels") or {}
            found.append(RuntimeObject("Pod", o.namespace or "", f"{label}-{o.name}", {
                **extra, "app.kubernetes.io/name": label, "app.kubernetes.io/instance": o.name,
                "app.kubernetes.io/managed-by": "prometheus-operator", label: o.name,
                **({"operator.prometheus.io/name": o.name} if kind == "Prometheus" else {})},
                f"prometheus-operator, from {o.ref}"))
    for namespace, labels in namespace_labels(cluster).items():
        if TENANT_LABEL in labels:
            found.append(RuntimeObject("Pod", namespace, "<workflow step>",
                                       {"workflows.argoproj.io/workflow": "<workflow>"}, "Argo's workflow controller"))
    return found


def selects(selector: dict | None, labels: dict) -> bool:
    """A LabelSelector (matchLabels, matchExpressions) against labels; None selects nothing, {} everything."""
    if selector is None:
        return False
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values") or []
        if not {"In": key in labels and labels[key] in values, "NotIn": labels.get(key) not in values,
                "Exists": key in labels, "DoesNotExist": key not in labels}[operator]:
            return False
    return True


def namespace_labels(cluster: RenderedCluster) -> dict[str, dict]:
    """Labels of every namespace the cluster would have: the Namespace objects rendered, and the ones helmfile
    creates (createNamespace) for releases, which carry only the automatic kubernetes.io/metadata.name."""
    names = {o.namespace for o in cluster.objects if o.namespace} | {o.name for o in cluster.of_kind("Namespace")}
    labels = {name: {"kubernetes.io/metadata.name": name} for name in names}
    for o in cluster.of_kind("Namespace"):
        labels[o.name] = {**((o.obj.get("metadata") or {}).get("labels") or {}), "kubernetes.io/metadata.name": o.name}
    return labels


def namespace_selected(selector: dict | None, namespace: str, own: str, labels: dict[str, dict]) -> bool:
    """The operator's NamespaceSelector ({matchNames, any}) or a LabelSelector over namespaces; None: its own."""
    if selector is None:
        return namespace == own
    if "matchNames" in selector or "any" in selector:
        return bool(selector.get("any")) or namespace in (selector.get("matchNames") or [])
    return selects(selector, labels.get(namespace, {}))


# -- schemas -----------------------------------------------------------------------------------------------
def schema_problems(cluster: RenderedCluster, kubernetes_version: str = manifests.KUBERNETES_VERSION) -> list[str]:
    """Every object against its schema: built-in kinds for the node's Kubernetes, custom resources against the
    CRD that the rendered charts install (unknown fields rejected); a custom resource no CRD serves is a problem."""
    validators = crd_schemas.validators([c.obj for c in cluster.crds])
    problems = []
    for o in cluster.objects:
        key = (str(o.obj.get("apiVersion")), o.kind)
        if key in validators:
            errors = sorted(validators[key].iter_errors(o.obj), key=lambda e: list(e.absolute_path))
            for error in errors:
                leaf = _deepest(error)
                problems.append(f"{o.release}: {o.ref}: {'.'.join(map(str, leaf.absolute_path)) or '(object)'}: "
                                f"{leaf.message[:300]}")
        elif not _built_in_group(key[0]):
            problems.append(f"{o.release}: {o.ref}: no CRD of the rendered charts serves {key[0]} {key[1]}")
        else:
            problems += [f"{o.release}: {p}" for p in manifests.validate_object(o.obj, o.template)]
    return problems


def _built_in_group(api_version: str) -> bool:
    """Kubernetes' own API groups: the core group, unqualified ones (apps, batch, ...) and *.k8s.io."""
    group = api_version.rpartition("/")[0]
    return "." not in group or group.endswith(".k8s.io")


def _deepest(error):
    while error.context:
        error = best_match(error.context)
    return error


def committed_schema_drift(cluster: RenderedCluster, schemas_dir: Path = SCHEMAS_DIR) -> list[str]:
    """A committed schema (platform/schemas/, what CI checks without the chart cache) that is not what the
    rendered charts' CRD gives (platform/schemas/build.py makes both with crd_schemas.from_crd)."""
    sources = yaml.safe_load((schemas_dir / "sources.yaml").read_text())
    crds = {(api, c.obj["spec"]["names"]["kind"]): c.obj for c in cluster.crds
            for api, _ in crd_schemas.served_versions(c.obj)}
    problems = []
    for schema_file, source in sources.items():
        if source.get("project") != "prometheus-operator/prometheus-operator":
            continue  # Argo's come from its schema.json; scenarios are checked against Argo's CRD as well
        api_version, kind = source["kind"].split()
        crd = crds.get((api_version, kind))
        if crd is None:
            problems.append(f"platform/schemas/{schema_file}: no rendered CRD serves {api_version} {kind}")
        elif json.loads((schemas_dir / schema_file).read_text()) != crd_schemas.from_crd(crd, api_version):
            problems.append(f"platform/schemas/{schema_file}: differs from the CRD the charts install "
                            f"({source['version']} recorded); rebuild it with platform/schemas/build.py")
    return problems


# -- selectors ---------------------------------------------------------------------------------------------
def selector_problems(cluster: RenderedCluster) -> list[str]:
    """Services, NetworkPolicies, ServiceMonitors and PodMonitors that select nothing in the rendered set;
    Prometheus resources that miss a ServiceMonitor, PodMonitor or PrometheusRule; Alertmanagers that miss an
    AlertmanagerConfig."""
    ns_labels, runtime = namespace_labels(cluster), runtime_objects(cluster)
    all_pods = [(p.namespace, p.labels) for p in pods(cluster)] + [(r.namespace, r.labels) for r in runtime
                                                                   if r.kind == "Pod"]
    services = cluster.of_kind("Service")
    service_labels = [(s.namespace, (s.obj["metadata"].get("labels") or {})) for s in services] + \
        [(r.namespace, r.labels) for r in runtime if r.kind == "Service"]
    problems = []
    for service in services:
        selector = (service.obj.get("spec") or {}).get("selector")
        if selector and not any(ns == service.namespace and selects({"matchLabels": selector}, labels)
                                for ns, labels in all_pods):
            problems.append(f"{service.release}: {service.ref}: selector {selector} selects no pod")
    for policy in cluster.of_kind("NetworkPolicy"):
        selector = (policy.obj.get("spec") or {}).get("podSelector")
        if not any(ns == policy.namespace and selects(selector, labels) for ns, labels in all_pods):
            problems.append(f"{policy.release}: {policy.ref}: podSelector {selector} selects no pod")
    for kind, targets in (("ServiceMonitor", service_labels), ("PodMonitor", all_pods)):
        for monitor in cluster.of_kind(kind):
            spec = monitor.obj.get("spec") or {}
            if not any(namespace_selected(spec.get("namespaceSelector"), ns, monitor.namespace, ns_labels)
                       and selects(spec.get("selector"), labels) for ns, labels in targets):
                problems.append(f"{monitor.release}: {monitor.ref}: selects no {'Service' if kind == 'ServiceMonitor' else 'pod'}")
    for prometheus in cluster.of_kind("Prometheus"):
        spec = prometheus.obj.get("spec") or {}
        for kind, selector, ns_selector in (("ServiceMonitor", "serviceMonitorSelector", "serviceMonitorNamespaceSelector"),
                                            ("PodMonitor", "podMonitorSelector", "podMonitorNamespaceSelector"),
                                            ("PrometheusRule", "ruleSelector", "ruleNamespaceSelector")):
            for target in cluster.of_kind(kind):
                if not (_operator_selects(spec.get(selector), target)
                        and _operator_namespace(spec.get(ns_selector), target, prometheus, ns_labels)):
                    problems.append(f"{prometheus.release}: {prometheus.ref}: {selector}/{ns_selector} miss "
                                    f"{target.ref} ({target.release})")
    for alertmanager in cluster.of_kind("Alertmanager"):
        spec = alertmanager.obj.get("spec") or {}
        for target in cluster.of_kind("AlertmanagerConfig"):
            if not (_operator_selects(spec.get("alertmanagerConfigSelector"), target)
                    and _operator_namespace(spec.get("alertmanagerConfigNamespaceSelector"), target, alertmanager,
                                            ns_labels)):
                problems.append(f"{alertmanager.release}: {alertmanager.ref}: alertmanagerConfig selectors miss "
                                f"{target.ref} ({target.release})")
    return problems


def _operator_selects(selector: dict | None, target: RenderedObject) -> bool:
    # The operator: a nil selector selects nothing, an empty one everything.
    return selects(selector, (target.obj.get("metadata") or {}).get("labels") or {})


def _operator_namespace(selector: dict | None, target: RenderedObject, owner: RenderedObject,
                        labels: dict[str, dict]) -> bool:
    # The operator: a nil namespace selector means the resource's own namespace only.
    if selector is None:
        return target.namespace == owner.namespace
    return selects(selector, labels.get(target.namespace or "", {}))


# -- references --------------------------------------------------------------------------------------------
def runtime_created(cluster: RenderedCluster) -> dict[tuple[str, str, str], str]:
    """Objects pods or custom resources may name that no chart renders, and who creates them at run time."""
    created = {}
    for prometheus in cluster.of_kind("Prometheus"):
        created[("Secret", prometheus.namespace, f"prometheus-{prometheus.name}")] = "prometheus-operator"
        created[("Secret", prometheus.namespace, f"prometheus-{prometheus.name}-web-config")] = "prometheus-operator"
    for alertmanager in cluster.of_kind("Alertmanager"):
        created[("Secret", alertmanager.namespace, f"alertmanager-{alertmanager.name}-generated")] = "prometheus-operator"
    for pod in pods(cluster):
        for claim in (pod.owner.obj.get("spec") or {}).get("volumeClaimTemplates") or []:
            created[("PersistentVolumeClaim", pod.namespace, claim["metadata"]["name"])] = \
                f"the StatefulSet {pod.owner.name}"
    for job in cluster.of_kind("Job"):
        containers = (pod_template(job.obj) or {}).get("spec", {}).get("containers", [])
        for arg in [a for c in containers for a in c.get("args", [])]:
            if str(arg).startswith("--secret-name="):
                created[("Secret", job.namespace, str(arg).split("=", 1)[1])] = f"the hook Job {job.name} ({job.release})"
    # Generated per cluster before helmfile sync, so that no password is a constant in values (harness/kind/grafana_admin.py).
    created[("Secret", MONITORING_NAMESPACE, GRAFANA_ADMIN_SECRET)] = "make up PLATFORM=kind (harness/kind/grafana_admin.py)"
    for namespace in namespace_labels(cluster):
        created[("ServiceAccount", namespace, "default")] = "Kubernetes (every namespace)"
        created[("ConfigMap", namespace, "kube-root-ca.crt")] = "Kubernetes (every namespace)"
    return created


def _pod_references(pod: Pod) -> list[tuple[str, str, str, bool]]:
    """(kind, name, where, optional) of every object the pod spec names."""
    spec, found = pod.spec, []
    found.append(("ServiceAccount", spec.get("serviceAccountName") or "default", "serviceAccountName", False))
    for volume in spec.get("volumes") or []:
        if "secret" in volume:
            found.append(("Secret", volume["secret"].get("secretName"), f"volume {volume['name']}",
                          bool(volume["secret"].get("optional"))))
        if "configMap" in volume:
            found.append(("ConfigMap", volume["configMap"].get("name"), f"volume {volume['name']}",
                          bool(volume["configMap"].get("optional"))))
        if "persistentVolumeClaim" in volume:
            found.append(("PersistentVolumeClaim", volume["persistentVolumeClaim"]["claimName"],
                          f"volume {volume['name']}", False))
        for source in (volume.get("projected") or {}).get("sources") or []:
            for kind, key in (("Secret", "secret"), ("ConfigMap", "configMap")):
                if key in source:
                    found.append((kind, source[key].get("name"), f"volume {volume['name']}",
                                  bool(source[key].get("optional"))))
    for secret in spec.get("imagePullSecrets") or []:
        found.append(("Secret", secret.get("name"), "imagePullSecrets", False))
    for container in [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]:
        for env in container.get("env") or []:
            source = env.get("valueFrom") or {}
            for kind, key in (("Secret", "secretKeyRef"), ("ConfigMap", "configMapKeyRef")):
                if key in source:
                    found.append((kind, source[key].get("name"), f"container {container['name']} env {env['name']}",
                                  bool(source[key].get("optional"))))
        for env_from in container.get("envFrom") or []:
            for kind, key in (("Secret", "secretRef"), ("ConfigMap", "configMapRef")):
                if key in env_from:
                    found.append((kind, env_from[key].get("name"), f"container {container['name']} envFrom",
                                  bool(env_from[key].get("optional"))))
    return found


def _resource_references(o: RenderedObject) -> list[tuple[str, str, str]]:
    """(kind, name, where) of the Secrets and ConfigMaps custom resources and Argo's repositories name."""
    found = []
    if o.kind == "ServiceMonitor":
        for index, endpoint in enumerate((o.obj.get("spec") or {}).get("endpoints") or []):
            for field in ("username", "password"):
                ref = (endpoint.get("basicAuth") or {}).get(field)
                if ref:
                    found.append(("Secret", ref["name"], f"spec.endpoints.{index}.basicAuth.{field}"))
    if o.kind in ("Prometheus", "Alertmanager"):
        spec = o.obj.get("spec") or {}
        found += [("Secret", name, "spec.secrets") for name in spec.get("secrets") or []]
        found += [("ConfigMap", name, "spec.configMaps") for name in spec.get("configMaps") or []]
        if (spec.get("configSecret")):
            found.append(("Secret", spec["configSecret"], "spec.configSecret"))
    if o.kind == "ConfigMap" and ((o.obj.get("metadata") or {}).get("annotations") or {}).get(
            "workflows.argoproj.io/default-artifact-repository"):
        for key, text in (o.obj.get("data") or {}).items():
            s3 = (yaml.safe_load(text) or {}).get("s3") or {}
            for field in ("accessKeySecret", "secretKeySecret"):
                if s3.get(field):
                    found.append(("Secret", s3[field]["name"], f"data.{key}.s3.{field}"))
    return found


def reference_problems(cluster: RenderedCluster) -> list[str]:
    """Secrets, ConfigMaps, ServiceAccounts and claims a pod or a custom resource names that neither a chart
    renders nor anyone creates at run time (runtime_created says who)."""
    rendered = {(o.kind, o.namespace, o.name) for o in cluster.objects}
    created = runtime_created(cluster)
    problems = []
    for pod in pods(cluster):
        for kind, name, where, optional in _pod_references(pod):
            if not optional and (kind, pod.namespace, name) not in rendered | set(created):
                problems.append(f"{pod.owner.release}: {pod.ref}: {where} names {kind} {pod.namespace}/{name}, "
                                "which nothing renders or creates")
    for o in cluster.objects:
        for kind, name, where in _resource_references(o):
            if (kind, o.namespace, name) not in rendered | set(created):
                problems.append(f"{o.release}: {o.ref}: {where} names {kind} {o.namespace}/{name}, "
                                "which nothing renders or creates")
    return problems


# -- images ------------------------------------------------------------------------------------------------
def images(cluster: RenderedCluster) -> dict[str, list[str]]:
    """image -> the workloads (release: object) that run it."""
    found: dict[str, list[str]] = {}
    for pod in pods(cluster):
        for container in [*(pod.spec.get("initContainers") or []), *(pod.spec.get("containers") or [])]:
            found.setdefault(container["image"], []).append(f"{pod.owner.release}: {pod.ref}")
        for container in pod.spec.get("containers") or []:
            args = [*(container.get("args") or []), *(container.get("command") or [])]
            for flag, value in zip(args, args[1:]):  # Argo's controller names the image of every step's executor
                if flag == "--executor-image":
                    found.setdefault(value, []).append(f"{pod.owner.release}: {pod.ref} (--executor-image)")
    for o in cluster.of_kind("Prometheus", "Alertmanager"):
        image = (o.obj.get("spec") or {}).get("image")
        if image:
            found.setdefault(image, []).append(f"{o.release}: {o.ref}")
    return found


def load_image_exceptions(path: Path = IMAGE_EXCEPTIONS_FILE) -> dict[str, str]:
    data = yaml.safe_load(path.read_text()) or {}
    return {entry["image"]: entry["reason"] for entry in data.get("exceptions") or []}


def image_problems(cluster: RenderedCluster, exceptions: dict[str, str] | None = None) -> list[str]:
    """Images not pinned by digest and not in the exception list (with its reason); exceptions no image needs."""
    exceptions = load_image_exceptions() if exceptions is None else exceptions
    found = images(cluster)
    problems = [f"{image}: not pinned by digest (used by {users[0]}{' and more' if len(users) > 1 else ''}); "
                f"pin it as <image>@sha256:<digest> or add it with a reason to {IMAGE_EXCEPTIONS_FILE.name}"
                for image, users in sorted(found.items()) if "@sha256:" not in image and image not in exceptions]
    problems += [f"{IMAGE_EXCEPTIONS_FILE.name}: {image} is used by no rendered workload (remove the exception)"
                 for image in sorted(set(exceptions) - set(found))]
    return problems


# -- pods left behind --------------------------------------------------------------------------------------
# kube-prometheus-stack's alerts on a pod's phase (kube-state-metrics): they fire into the pod's namespace.
POD_PHASE_ALERTS = ("KubePodNotReady", "KubePodCrashLooping")


def _seconds(duration: str) -> float:
    """A rule's `for` or Argo's delay (`15m`, `5m0s`, `0s`) in seconds."""
    return parse_duration(str(duration), allow_zero=True)


def pod_gc_problems(cluster: RenderedCluster) -> list[str]:
    """Argo's controller must delete finished step pods (workflowDefaults podGC) sooner than the chart's
    pod-phase alerts wait (`for:`), or a tenant's finished pods page into its namespace."""
    controller = [o for o in cluster.of_kind("ConfigMap") if "workflowDefaults" in str((o.obj.get("data") or {}))]
    if len(controller) != 1:
        return ["no single workflow-controller ConfigMap with workflowDefaults in the rendered cluster"]
    config = yaml.safe_load(controller[0].obj["data"]["config"]) or {}
    pod_gc = ((config.get("workflowDefaults") or {}).get("spec") or {}).get("podGC") or {}
    waits = {r["alert"]: _seconds(r.get("for", "0s")) for o in cluster.of_kind("PrometheusRule")
             for g in o.obj["spec"].get("groups") or [] for r in g.get("rules") or []
             if r.get("alert") in POD_PHASE_ALERTS}
    if not waits:
        return [f"no PrometheusRule renders {', '.join(POD_PHASE_ALERTS)} (kube-prometheus-stack's defaults)"]
    where = f"{controller[0].ref}: workflowDefaults.spec.podGC"
    if pod_gc.get("strategy") not in ("OnWorkflowCompletion", "OnPodCompletion"):
        return [f"{where}: strategy {pod_gc.get('strategy')!r} keeps finished (failed) step pods"]
    delay = _seconds(pod_gc.get("deleteDelayDuration", "0s"))
    shortest = min(waits, key=waits.get)
    if delay >= waits[shortest]:
        return [f"{where}.deleteDelayDuration {pod_gc.get('deleteDelayDuration')} is not shorter than {shortest}'s "
                f"`for` ({waits[shortest]:.0f} s)"]
    return []


# -- requests and limits ------------------------------------------------------------------------------------
RESOURCES = ("cpu", "memory")


def sized_releases(tenants: list[Tenant], releases: list[Release]) -> set[str]:
    """The releases whose every container must have requests and limits: each tenant's two (its namespace chart
    and its Pushgateway: what grows per tenant) and our own charts (platform/k8s/**/chart)."""
    own = {r.key for r in releases if (PLATFORM_DIR / "k8s") in r.chart.parents}
    return own | {key for t in tenants for key in (f"{TENANT_RELEASES_NAMESPACE}/tenant-{t.name}",
                                                    f"{t.namespace}/{t.pushgateway_name}")}


def resource_problems(cluster: RenderedCluster, releases: set[str]) -> list[str]:
    """Containers of `releases` without a CPU and a memory request and limit, or with a request above its limit:
    without them a tenant's count on a node cannot be worked out, nor its worst case bounded."""
    problems = []
    for pod in pods(cluster):
        if pod.owner.release not in releases:
            continue
        for container in [*(pod.spec.get("initContainers") or []), *(pod.spec.get("containers") or [])]:
            where = f"{pod.owner.release}: {pod.ref}: container {container['name']}"
            resources = container.get("resources") or {}
            missing = [f"{part}.{resource}" for part in ("requests", "limits") for resource in RESOURCES
                       if (resources.get(part) or {}).get(resource) in (None, "")]
            if missing:
                problems.append(f"{where}: no {', '.join(missing)} (platform/tenant-resources.yaml)")
                continue
            for resource, convert in (("cpu", quantities.millicores), ("memory", quantities.mebibytes)):
                try:
                    request, limit = (convert(resources[part][resource]) for part in ("requests", "limits"))
                except quantities.QuantityError as exc:
                    problems.append(f"{where}: {resource}: {exc}")
                    continue
                if request > limit:
                    problems.append(f"{where}: requests.{resource} {resources['requests'][resource]} is above "
                                    f"limits.{resource} {resources['limits'][resource]}")
    return problems


# -- values keys -------------------------------------------------------------------------------------------
def _template_text(chart_dir: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in chart_dir.rglob("*")
                     if p.suffix in (".yaml", ".yml", ".tpl", ".txt") and "templates" in p.parts)


def _unknown_keys(values: dict, defaults: object, path: str, templates: str) -> list[str]:
    unknown = []
    for key, value in values.items():
        here = f"{path}.{key}" if path else str(key)
        if isinstance(defaults, dict) and not defaults and path:
            continue  # a free-form map of the chart (annotations, extraEnv, ...): any key goes
        if isinstance(defaults, dict) and key in defaults:
            if isinstance(value, dict) and isinstance(defaults[key], dict):
                unknown += _unknown_keys(value, defaults[key], here, templates)
            continue
        # Not defaulted, but a template reads it (a default the chart only documents in a comment).
        if not re.search(rf"\.Values\.{re.escape(here)}(?![\w-])", templates):
            unknown.append(here)
    return unknown


def _defaults(chart_dir: Path) -> dict:
    path = chart_dir / "values.yaml"
    return (yaml.safe_load(path.read_text()) or {}) if path.is_file() else {}


def values_key_problems(chart_dir: Path, values: dict, release: str) -> list[str]:
    """Keys of our values that the chart neither defaults in its values.yaml (for a subchart's section, the
    subchart's) nor reads in a template: a typo or a key of another chart version, which Helm ignores silently."""
    subcharts = {p.name: p for p in (chart_dir / "charts").iterdir()} if (chart_dir / "charts").is_dir() else {}
    parent_defaults, parent_templates = _defaults(chart_dir), _template_text(chart_dir)
    own = {k: v for k, v in values.items() if k not in subcharts}
    unknown = _unknown_keys(own, parent_defaults, "", parent_templates)
    for name, sub in subcharts.items():
        if isinstance(values.get(name), dict):
            # A subchart's section: its own keys, or the parent's (kube-prometheus-stack reads grafana.* too).
            of_sub = {f"{name}.{key}" for key in _unknown_keys(values[name], _defaults(sub), "", _template_text(sub))}
            unknown += sorted(of_sub & set(_unknown_keys({name: values[name]}, parent_defaults, "", parent_templates)))
    return [f"{release}: values key {key} is neither in {chart_dir.name}'s values.yaml nor read by its templates"
            for key in unknown]
