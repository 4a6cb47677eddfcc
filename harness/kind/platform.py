"""KindPlatform: the scenario verbs on the kind cluster, through the Kubernetes API.

Workflows are Argo `Workflow` objects created in the tenant's namespace; Prometheus is
reached through its NodePort (published on 127.0.0.1 by platform/kind.yaml); a
tenant's Pushgateway, which is ClusterIP only, through `kubectl port-forward`.
"""
from __future__ import annotations

import atexit
import copy
import socket
import subprocess
import time
from typing import Any

from harness.kind import cluster, prerequisites, render
from harness.local.processes import http_ok
from harness.local.settings import HOST, free_port
from harness.platform import Platform, StepResult, WorkflowRun
from harness.promql import PrometheusClient
from harness.tenants import Tenant, load_tenants

ARGO_GROUP, ARGO_VERSION, WORKFLOWS = "argoproj.io", "v1alpha1", "workflows"
FINISHED = ("Succeeded", "Failed", "Error")
PLATFORM_NAMESPACES = ("monitoring", "argo", "minio")


class KindPlatform(Platform):
    """The platform on the kind cluster of platform/kind.yaml (context kind-simplepipe)."""

    name = "kind"

    def __init__(self, context: str = cluster.KUBE_CONTEXT, poll_interval: float = 2.0):
        self.context = context
        self.poll_interval = poll_interval
        self._api_client: Any = None
        self._forwards: dict[str, tuple[subprocess.Popen, int]] = {}
        atexit.register(self.close)

    # -- Kubernetes API -------------------------------------------------------------
    @property
    def api_client(self):
        if self._api_client is None:
            from kubernetes import config

            self._api_client = config.new_client_from_config(config_file=cluster.kubeconfig(), context=self.context)
        return self._api_client

    def _custom(self):
        from kubernetes import client

        return client.CustomObjectsApi(self.api_client)

    def _core(self):
        from kubernetes import client

        return client.CoreV1Api(self.api_client)

    # -- lifecycle -------------------------------------------------------------------
    READY_TIMEOUT = 900
    # A progress line at least this often while waiting, even when nothing changed.
    PROGRESS_EVERY = 30.0

    def up(self) -> None:
        """From nothing to ready: tools, generated files, cluster, image, charts, readiness."""
        from harness.kind import image

        print("==> check the tools (docker, kind, kubectl, helm, helmfile) and their versions", flush=True)
        tools = prerequisites.require()
        written = render.write()
        print(f"==> rendered {len(written)} tenant-derived files from platform/tenants.yaml "
              "(helmfile.yaml, k8s/tenants/, k8s/dashboards/)", flush=True)
        kind = cluster.KindCluster(tools)
        kind.create()
        image.build_and_load(tools, kind)
        try:
            kind.sync()
            self.wait_ready(timeout=self.READY_TIMEOUT)
        except cluster.ClusterError:
            # What the pods say is usually the answer (ImagePullBackOff, Pending, CrashLoopBackOff).
            print(kind.pods_not_running(), flush=True)
            raise

    def down(self) -> None:
        self.close()
        cluster.KindCluster(prerequisites.require(("kind",))).delete()

    def is_up(self) -> bool:
        from harness.kind import kind_cluster_reachable

        return kind_cluster_reachable()[0]

    def _not_ready(self) -> list[str]:
        """What is not ready yet: workloads of the platform and tenant namespaces, then the UIs."""
        from kubernetes import client

        apps = client.AppsV1Api(self.api_client)
        namespaces = (*PLATFORM_NAMESPACES, *(t.namespace for t in load_tenants()))
        waiting = []
        for namespace in namespaces:
            for kind, items in (("deployment", apps.list_namespaced_deployment(namespace, _request_timeout=10).items),
                                ("statefulset", apps.list_namespaced_stateful_set(namespace, _request_timeout=10).items)):
                for item in items:
                    want = item.spec.replicas or 0
                    if (item.status.ready_replicas or 0) < want:
                        waiting.append(f"{namespace}/{kind}/{item.metadata.name}")
        urls = cluster.service_urls()
        checks = {"prometheus": f"{urls['prometheus']}/-/ready", "grafana": f"{urls['grafana']}/api/health"}
        waiting += [f"{name} ({url})" for name, url in checks.items() if not http_ok(url, timeout=3.0)]
        return waiting

    def wait_ready(self, timeout: float) -> None:
        """Wait until every platform workload is ready and Prometheus and Grafana answer.

        Prints what it waits for, with the time spent, whenever that changes and at least
        every PROGRESS_EVERY seconds; raises ClusterError naming what is still not ready.
        """
        print(f"==> wait until the platform is ready (at most {timeout:.0f} s)", flush=True)
        started = time.monotonic()
        last_line, last_print = "", 0.0
        while True:
            try:
                waiting = self._not_ready()
            except Exception as exc:  # the API server restarting: say so and keep waiting
                waiting = [f"the Kubernetes API ({type(exc).__name__})"]
            elapsed = time.monotonic() - started
            if not waiting:
                print(f"==> platform ready after {elapsed:.0f} s", flush=True)
                return
            line = f"{len(waiting)}: {', '.join(waiting[:6])}{' ...' if len(waiting) > 6 else ''}"
            now = time.monotonic()
            if line != last_line or now - last_print >= self.PROGRESS_EVERY:
                print(f"    [{elapsed:4.0f} s] waiting for {line}", flush=True)
                last_line, last_print = line, now
            if elapsed > timeout:
                raise cluster.ClusterError(f"not ready after {timeout:.0f} s: {', '.join(waiting)}; "
                                           f"see `kubectl --context {self.context} get pods -A`")
            time.sleep(self.poll_interval * 2)

    def close(self) -> None:
        """Stop the port-forwards this platform started."""
        for process, _ in self._forwards.values():
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        self._forwards.clear()

    # -- workflows -------------------------------------------------------------------
    def submit(self, tenant: Tenant, manifest: dict) -> WorkflowRun:
        body = copy.deepcopy(manifest)
        body.setdefault("metadata", {})["namespace"] = tenant.namespace
        created = self._custom().create_namespaced_custom_object(
            ARGO_GROUP, ARGO_VERSION, tenant.namespace, WORKFLOWS, body)
        name = created["metadata"]["name"]
        print(f"    submitted workflow {tenant.namespace}/{name}", flush=True)
        return WorkflowRun(name=name, tenant=tenant.name, phase="Pending", handle=tenant.namespace)

    def refresh(self, run: WorkflowRun) -> WorkflowRun:
        workflow = self._custom().get_namespaced_custom_object(
            ARGO_GROUP, ARGO_VERSION, run.handle, WORKFLOWS, run.name)
        status = workflow.get("status") or {}
        run.phase = status.get("phase") or "Pending"
        run.message = status.get("message", "")
        logs = {step.name: step.log for step in run.steps}
        nodes = sorted((status.get("nodes") or {}).items(), key=lambda item: item[1].get("startedAt") or "")
        run.steps = [
            StepResult(
                name=node.get("displayName", node_id),
                template=node.get("templateName", ""),
                phase=node.get("phase", ""),
                exit_code=_exit_code(node),
                log=logs.get(node.get("displayName", node_id), ""),
            )
            for node_id, node in nodes
            if node.get("type") == "Pod"
        ]
        return run

    def wait(self, run: WorkflowRun, timeout: float) -> WorkflowRun:
        deadline = time.monotonic() + timeout
        last_phase = None
        while True:
            self.refresh(run)
            if run.phase != last_phase:
                print(f"    workflow {run.handle}/{run.name}: {run.phase}", flush=True)
                last_phase = run.phase
            if run.phase in FINISHED:
                self._attach_logs(run)
                return run
            if time.monotonic() > deadline:
                raise TimeoutError(f"workflow {run.handle}/{run.name} still {run.phase} after {timeout:.0f} s")
            time.sleep(self.poll_interval)

    def _attach_logs(self, run: WorkflowRun) -> None:
        """Each step's main-container log, matched to its node by Argo's node-id annotation."""
        core = self._core()
        pods = core.list_namespaced_pod(run.handle, label_selector=f"workflows.argoproj.io/workflow={run.name}")
        logs = {}
        for pod in pods.items:
            node_id = (pod.metadata.annotations or {}).get("workflows.argoproj.io/node-id", pod.metadata.name)
            node_name = (pod.metadata.annotations or {}).get("workflows.argoproj.io/node-name", "")
            try:
                text = core.read_namespaced_pod_log(pod.metadata.name, run.handle, container="main")
            except Exception as exc:  # the log is a diagnostic; a missing one must not fail the run
                text = f"<no log: {exc}>"
            logs[node_id] = text
            logs[node_name] = text
        for step in run.steps:
            step.log = logs.get(step.name, "") or next(
                (text for key, text in logs.items() if key.endswith(f".{step.name}")), "")

    # -- endpoints -------------------------------------------------------------------
    @property
    def prometheus_url(self) -> str:
        return cluster.service_urls()["prometheus"]

    def pushgateway_url(self, tenant: Tenant) -> str:
        forward = self._forwards.get(tenant.name)
        if forward is None or forward[0].poll() is not None:
            forward = self._port_forward(tenant)
            self._forwards[tenant.name] = forward
        return f"http://{HOST}:{forward[1]}"

    def _port_forward(self, tenant: Tenant) -> tuple[subprocess.Popen, int]:
        port = free_port()
        command = [prerequisites.find("kubectl") or "kubectl", "--context", self.context, "-n", tenant.namespace,
                   "port-forward", f"svc/{render.pushgateway_service(tenant)}", f"{port}:{render.PUSHGATEWAY_PORT}"]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise cluster.ClusterError(f"port-forward to {tenant.name}'s Pushgateway failed: "
                                           f"{process.stderr.read().strip()}")
            try:
                with socket.create_connection((HOST, port), timeout=1):
                    return process, port
            except OSError:
                time.sleep(0.3)
        process.kill()
        process.wait(timeout=5)
        raise cluster.ClusterError(f"port-forward to {tenant.name}'s Pushgateway: no listener after 30 s")

    def query(self, promql: str) -> list[dict]:
        """An instant PromQL query against the cluster's Prometheus; the `result` list."""
        return PrometheusClient(self.prometheus_url).query(promql)


def _exit_code(node: dict) -> int | None:
    value = (node.get("outputs") or {}).get("exitCode")
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
