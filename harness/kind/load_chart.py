"""The in-cluster load generator: platform/k8s/load/chart, rendered from platform/tenants.yaml like the other charts,
installed only by `make load PLATFORM=kind LOAD_ARGS="--workers N"` (the `simplepipe-load` release of the helmfile,
`condition: clusterLoad.enabled`) and removed after the run (harness/kind/load_release.py).

In the namespace `simplepipe-load`: Locust's master (a Job: it runs once, in headless mode, `--expect-workers N`, and
keeps its results for the harness to copy), the Service its workers connect to, the workers (a Deployment of N
replicas) pushing to every tenant's Pushgateway at its in-cluster URL, the targets (a ConfigMap: URL and user
per tenant) and the passwords (a Secret, mounted as one file per tenant; never in the ConfigMap), and
NetworkPolicies: nothing reaches the load's pods but the workers the master. Each tenant's gateway admits the
workers (WORKER_PEER, in the gateway's networkPolicy.customSelectors) and nothing else new. The flows are data in
harness/kind/network_flows.py (load_required, load_forbidden).

The run's parameters (workers, users, spawn rate, run time, run id) are the chart's values (values.yaml, documented
in place, checked by values.schema.json): the only templated fields. `objects(tenants, values)` gives the manifests
as Helm renders them for those values (tests/validate holds the two equal).
"""
from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable

import yaml

from harness.image import LOAD
from harness.kind.constants import GENERATED, LOAD_CHART, LOAD_NAMESPACE
from harness.tenants import Tenant
from harness.yaml_text import dump

MASTER, WORKER, MASTER_PORT = "locust-master", "locust-worker", 5557
TARGETS, CREDENTIALS = "load-targets", "load-credentials"
TARGETS_MOUNT, CREDENTIALS_MOUNT, DATA_MOUNT = "/etc/simplepipe-load/targets", "/etc/simplepipe-load/credentials", "/data"
TARGETS_KEY = "targets.json"
# The master's results (statistics, HTML report, every worker's ledger and timeline) until the harness copies them.
DATA_SIZE_LIMIT = "256Mi"
# Locust is one process on one core: a worker cannot use more, the master (which pushes nothing) far less.
RESOURCES = {
    MASTER: {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}},
    WORKER: {"requests": {"cpu": "500m", "memory": "128Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}},
}
# Beyond the run and the master's hold: its wait for the workers, their stop and Locust's reports.
DEADLINE_MARGIN_SECONDS = 900
LABELS = {"app.kubernetes.io/name": "locust", "app.kubernetes.io/part-of": "simplepipe"}
MASTER_LABELS = {**LABELS, "app.kubernetes.io/component": "master"}
WORKER_LABELS = {**LABELS, "app.kubernetes.io/component": "worker"}
# The peer each tenant's Pushgateway admits besides its own pods and Prometheus: the load's workers only.
WORKER_PEER = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": LOAD_NAMESPACE}},
               "podSelector": {"matchLabels": WORKER_LABELS}}

# values.yaml: what `make load` sets per run (harness/kind/load_release.py), defaults for a render.
VALUES_TEXT = """\
# Values of the in-cluster load (`make load PLATFORM=kind LOAD_ARGS="--workers N"` sets them per run, through
# `helmfile sync --values`; harness/kind/load_release.py). The defaults are what `make validate` renders.

# Locust worker pods (replicas of the locust-worker Deployment); the master waits for this many before it starts.
workers: 2
# Simulated workflows (Locust users), spread over the workers and, evenly, over the tenants.
users: 20
# Users started per second.
spawnRate: 10
# Seconds of load, from the moment every user is started.
runTime: 60
# The run's id: every group the load pushes carries it as its load_run label (a DNS label, at most 63 characters).
runId: chart-default
# Seconds the master keeps its results after the run for the harness to copy (then its Job ends).
holdSeconds: 3600
"""
VALUES_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "simplepipe-load values",
    "type": "object",
    "required": ["workers", "users", "spawnRate", "runTime", "runId", "holdSeconds"],
    "additionalProperties": False,
    "properties": {
        "workers": {"type": "integer", "minimum": 1, "maximum": 100},
        "users": {"type": "integer", "minimum": 1},
        "spawnRate": {"type": "number", "exclusiveMinimum": 0},
        "runTime": {"type": "integer", "minimum": 1, "maximum": 86400},
        "runId": {"type": "string", "pattern": "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"},
        "holdSeconds": {"type": "integer", "minimum": 0, "maximum": 86400},
    },
}


class Template:
    """The run's parameters as Helm template expressions (the chart's manifests)."""

    @staticmethod
    def number(name: str) -> str:
        return f"@@number:.Values.{name}@@"

    @staticmethod
    def text(name: str) -> str:
        return f"@@text:.Values.{name}@@"

    @staticmethod
    def deadline() -> str:
        return f"@@number:add .Values.runTime .Values.holdSeconds {DEADLINE_MARGIN_SECONDS}@@"


class Concrete:
    """The run's parameters as Helm renders them for `values` (the test's expectation, the harness's summary)."""

    def __init__(self, values: dict):
        self.values = values

    def number(self, name: str) -> int:
        return int(self.values[name])

    def text(self, name: str) -> str:
        value = self.values[name]
        return f"{value:g}" if isinstance(value, float) else str(value)

    def deadline(self) -> int:
        return int(self.values["runTime"]) + int(self.values["holdSeconds"]) + DEADLINE_MARGIN_SECONDS


def default_values() -> dict:
    return yaml.safe_load(VALUES_TEXT)


def target_entries(tenants: list[Tenant], cluster_url: Callable[[Tenant], str]) -> list[dict]:
    """The targets file (load.plan.TenantTarget fields): each tenant's gateway in the cluster, its user, the file
    of its password (the Secret's key, mounted)."""
    return [{"name": t.name, "url": cluster_url(t), "username": t.username,
             "password_file": f"{CREDENTIALS_MOUNT}/{t.name}"} for t in tenants]


def _pod_spec(role: str, args: list, volumes: list[dict], restart: str) -> dict:
    container = {
        "name": "locust",
        "image": LOAD.tag,
        "imagePullPolicy": "IfNotPresent",  # loaded into the node by `make load`, never pulled
        "args": args,
        "env": [{"name": "PYTHONDONTWRITEBYTECODE", "value": "1"}],
        "resources": RESOURCES[role],
        "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "readOnlyRootFilesystem": True,
                            "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
                            "seccompProfile": {"type": "RuntimeDefault"}},
        "volumeMounts": [{"name": "targets", "mountPath": TARGETS_MOUNT, "readOnly": True},
                         {"name": "credentials", "mountPath": CREDENTIALS_MOUNT, "readOnly": True},
                         {"name": "data", "mountPath": DATA_MOUNT}, {"name": "tmp", "mountPath": "/tmp"}],
    }
    if role == MASTER:
        container["ports"] = [{"name": "locust", "containerPort": MASTER_PORT}]
    return {"restartPolicy": restart, "automountServiceAccountToken": False, "enableServiceLinks": False,
            "containers": [container], "volumes": volumes}


def objects(tenants: list[Tenant], cluster_url: Callable[[Tenant], str], values: Template | Concrete) -> list[dict]:
    """Every object of the chart, in the load's namespace."""
    def metadata(name: str, labels: dict) -> dict:
        return {"name": name, "namespace": LOAD_NAMESPACE, "labels": labels}

    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": metadata(CREDENTIALS, LABELS), "type": "Opaque",
              "data": {t.name: base64.b64encode(t.password.encode()).decode() for t in tenants}}
    targets = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata(TARGETS, LABELS),
               "data": {TARGETS_KEY: json.dumps(target_entries(tenants, cluster_url), indent=2) + "\n"}}
    volumes = [{"name": "targets", "configMap": {"name": TARGETS}},
               {"name": "credentials", "secret": {"secretName": CREDENTIALS}},
               {"name": "data", "emptyDir": {"sizeLimit": DATA_SIZE_LIMIT}},
               {"name": "tmp", "emptyDir": {"sizeLimit": "16Mi"}}]
    common = ["--targets", f"{TARGETS_MOUNT}/{TARGETS_KEY}", "--run-id", values.text("runId"), "--out", DATA_MOUNT,
              "--master-port", str(MASTER_PORT)]
    master_args = ["master", *common, "--workers", values.text("workers"), "--users", values.text("users"),
                   "--spawn-rate", values.text("spawnRate"), "--run-time", values.text("runTime"),
                   "--hold", values.text("holdSeconds")]
    master = {"apiVersion": "batch/v1", "kind": "Job", "metadata": metadata(MASTER, MASTER_LABELS),
              # One run: a failed master is the run's verdict, never run again behind the harness's back.
              "spec": {"backoffLimit": 0, "activeDeadlineSeconds": values.deadline(),
                       "template": {"metadata": {"labels": MASTER_LABELS},
                                    "spec": _pod_spec(MASTER, master_args, volumes, "Never")}}}
    service = {"apiVersion": "v1", "kind": "Service", "metadata": metadata(MASTER, MASTER_LABELS),
               "spec": {"selector": MASTER_LABELS,
                        "ports": [{"name": "locust", "port": MASTER_PORT, "targetPort": "locust"}]}}
    worker_args = ["worker", *common, "--master-host", MASTER]
    workers = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": metadata(WORKER, WORKER_LABELS),
               "spec": {"replicas": values.number("workers"), "selector": {"matchLabels": WORKER_LABELS},
                        "template": {"metadata": {"labels": WORKER_LABELS},
                                     "spec": _pod_spec(WORKER, worker_args, volumes, "Always")}}}
    # Nothing reaches the load's pods (they serve no one)...
    closed = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": metadata("load-ingress", LABELS),
              "spec": {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": []}}
    # ... but the workers their master, on its port.
    to_master = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                 "metadata": metadata(MASTER, MASTER_LABELS),
                 "spec": {"podSelector": {"matchLabels": MASTER_LABELS}, "policyTypes": ["Ingress"],
                          "ingress": [{"from": [{"podSelector": {"matchLabels": WORKER_LABELS}}],
                                       "ports": [{"protocol": "TCP", "port": MASTER_PORT}]}]}}
    return [secret, targets, service, master, workers, closed, to_master]


_MARKER = re.compile(r"'@@(number|text):([^@']+)@@'")


def templated(text: str) -> str:
    """Markers of Template as Helm expressions: numbers bare, texts quoted."""
    result = _MARKER.sub(lambda m: "{{ " + m[2] + (" }}" if m[1] == "number" else " | toString | quote }}"), text)
    if "@@" in result:
        raise ValueError(f"a value marker was not replaced: {result[result.index('@@') - 40:result.index('@@') + 40]}")
    return result


def chart(tenants: list[Tenant], cluster_url: Callable[[Tenant], str]) -> dict[str, str]:
    """platform/k8s/load/chart: Chart.yaml, values.yaml, values.schema.json and the templated manifests."""
    header = GENERATED.replace("platform/tenants.yaml", "platform/tenants.yaml and harness/kind/load_chart.py")
    metadata = {"apiVersion": "v2", "name": "simplepipe-load", "type": "application", "version": "0.1.0",
                "description": "Locust's master and workers pushing to every tenant's Pushgateway (make load, kind)"}
    manifests = dump(*objects(tenants, cluster_url, Template()), width=120)
    if "{{" in manifests:
        raise ValueError("the load chart's manifests hold '{{' before templating: Helm would read it")
    return {(LOAD_CHART / "Chart.yaml").as_posix(): header + dump(metadata),
            (LOAD_CHART / "values.yaml").as_posix(): header + VALUES_TEXT,
            (LOAD_CHART / "values.schema.json").as_posix(): json.dumps(VALUES_SCHEMA, indent=2) + "\n",
            (LOAD_CHART / "templates" / "manifests.yaml").as_posix(): header + templated(manifests)}
