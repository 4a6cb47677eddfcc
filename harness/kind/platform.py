"""KindPlatform: the scenario verbs on the kind cluster, through the Kubernetes API.

Workflows are Argo `Workflow` objects created in the tenant's namespace through the Argo server, with the
tenant's own token (client auth mode: what the tenant's Role allows, nothing more); Prometheus is
reached through its NodePort (published on 127.0.0.1 by platform/kind.yaml); a
tenant's Pushgateway, which is ClusterIP only, through `kubectl port-forward`.
"""
from __future__ import annotations

import atexit
import copy
import os
import subprocess
import time
from pathlib import Path
from typing import Any, Iterator

from harness.alert_receiver import ADMINISTRATOR, parse_deliveries
from harness.errors import PlatformError, UnavailableError, WorkflowNotFoundError
from harness.kind import alerts, cluster, grafana_admin, grafana_orgs, image, prerequisites, render
from harness.kind.argo_server import ArgoServer, workflow_run
from harness.kind.constants import KUBE_CONTEXT, MONITORING_NAMESPACE, PUSHGATEWAY_PORT, TENANT_SERVICE_ACCOUNT
from harness.net import HOST, free_port, http_ok, port_accepts
from harness.paths import REPO_ROOT
from harness.platform import Platform, in_tenants_namespace
from harness.processes import ChildProcess, stop_all
from harness.tenants import Tenant, load_tenants
from harness.runner.identity import pod_name
from harness.waiting import NotYet, WaitTimeout, wait_until
from harness.workflow_view import display_name
from harness.workflows import WorkflowRun

PLATFORM_NAMESPACES = (MONITORING_NAMESPACE, "argo", "seaweedfs")
STATE_DIR = REPO_ROOT / ".state" / "kind"


class KindPlatform(Platform):
    """The platform on the kind cluster of platform/kind.yaml (context kind-simplepipe)."""

    name = "kind"

    def __init__(self, context: str = KUBE_CONTEXT, poll_interval: float = 2.0,
                 tenants: list[Tenant] | None = None, state_dir: Path | None = None):
        self.context = context
        self.poll_interval = poll_interval
        self._tenants = tenants
        self._state_dir = Path(state_dir) if state_dir is not None else STATE_DIR
        self._api_client: Any = None
        self._forwards: dict[str, tuple[ChildProcess, int]] = {}
        self._argo: dict[str, tuple[ArgoServer, float]] = {}  # per tenant: with its token, when it was minted
        atexit.register(self.close)

    @property
    def tenants(self) -> list[Tenant]:
        if self._tenants is None:
            self._tenants = load_tenants()
        return self._tenants

    @property
    def state_dir(self) -> Path:
        return self._state_dir

    # -- Kubernetes API -------------------------------------------------------------
    @property
    def api_client(self):
        if self._api_client is None:
            from kubernetes import config

            self._api_client = config.new_client_from_config(config_file=cluster.kubeconfig(), context=self.context)
        return self._api_client

    # -- lifecycle -------------------------------------------------------------------
    READY_TIMEOUT = 900

    def up(self) -> None:
        """From nothing to ready: tools, generated files, cluster, image, charts, readiness."""
        print("==> check the tools (docker, kind, kubectl, helm, helmfile) and their versions", flush=True)
        tools = prerequisites.require()
        written = render.write()
        print(f"==> rendered {len(written)} tenant-derived files from platform/tenants.yaml "
              "(helmfile.yaml, k8s/tenants/, k8s/dashboards/)", flush=True)
        cluster.ensure_charts(say=lambda line: print(line, flush=True))
        kind = cluster.KindCluster(tools)
        kind.create()
        if grafana_admin.ensure(self.api_client):  # before the charts: Grafana reads it at install
            print(f"==> Grafana: administrator password generated into {grafana_admin.WHERE}", flush=True)
        image.build_and_load(tools, kind)
        try:
            kind.sync()
            self.wait_ready(timeout=self.READY_TIMEOUT)
            self.provision_grafana()
        except cluster.ClusterError:
            # What the pods say is usually the answer (ImagePullBackOff, Pending, CrashLoopBackOff).
            print(kind.pods_not_running(), flush=True)
            raise

    def provision_grafana(self) -> None:
        """One Grafana organisation per tenant, its data source behind the tenant's prom-label-proxy."""
        print("==> Grafana: one organisation per tenant (harness/kind/grafana_orgs.py)", flush=True)
        for line in grafana_orgs.provision(grafana_orgs.plan(self.tenants), cluster.service_urls()["grafana"],
                                           self.grafana_login()):
            print(f"    {line}", flush=True)

    def grafana_login(self) -> tuple[str, str]:
        """Grafana's administrator (user, password): generated per cluster (harness.kind.grafana_admin)."""
        return grafana_admin.login(self.api_client)

    def down(self) -> None:
        self.close()
        cluster.KindCluster(prerequisites.require(("kind",))).delete()

    def is_up(self) -> bool:
        return cluster.kind_cluster_reachable()[0]

    def _not_ready(self) -> list[str]:
        """What is not ready yet: workloads of the platform and tenant namespaces, then the UIs."""
        from kubernetes import client

        apps = client.AppsV1Api(self.api_client)
        namespaces = (*PLATFORM_NAMESPACES, *(t.namespace for t in self.tenants))
        waiting = []
        for namespace in namespaces:
            for kind, items in (("deployment", apps.list_namespaced_deployment(namespace, _request_timeout=10).items),
                                ("statefulset", apps.list_namespaced_stateful_set(namespace, _request_timeout=10).items)):
                waiting += [f"{namespace}/{kind}/{item.metadata.name}" for item in items
                            if (item.status.ready_replicas or 0) < (item.spec.replicas or 0)]
        urls = cluster.service_urls()
        checks = {"prometheus": f"{urls['prometheus']}/-/ready", "grafana": f"{urls['grafana']}/api/health"}
        waiting += [f"{name} ({url})" for name, url in checks.items() if not http_ok(url, timeout=3.0)]
        return waiting

    def wait_ready(self, timeout: float) -> None:
        """Wait until every platform workload is ready and Prometheus and Grafana answer, printing what is
        still waited for; raises ClusterError naming what is still not ready."""
        print(f"==> wait until the platform is ready (at most {timeout:.0f} s)", flush=True)

        def ready() -> bool:
            waiting = self._not_ready()  # an exception (the API server restarting) is "not yet", and shown
            if waiting:
                raise NotYet(f"{len(waiting)}: {', '.join(waiting[:6])}{' ...' if len(waiting) > 6 else ''}")
            return True

        try:
            wait_until(ready, timeout=timeout, what="the platform's workloads", poll=self.poll_interval * 2,
                       say=lambda line: print(line, flush=True))
        except WaitTimeout as exc:
            raise cluster.ClusterError(f"{exc}; see `kubectl --context {self.context} get pods -A`") from None
        print("==> platform ready", flush=True)

    def close(self) -> None:
        """Stop the port-forwards this platform started."""
        stop_all([process for process, _ in self._forwards.values()])
        self._forwards.clear()

    def status_lines(self) -> list[str]:
        ok, reason = cluster.kind_cluster_reachable()
        return [f"kind platform: {'up' if ok else 'down'}{'' if ok else f' ({reason})'}"] + \
            (self.where_lines() + self.alert_lines() if ok else [])

    def where_lines(self) -> list[str]:
        urls = cluster.service_urls()
        logins = {"grafana": (grafana_admin.USER, f"in {grafana_admin.WHERE}")}  # where, never what
        lines = [f"kind platform (context {self.context}):"]
        for name, url in urls.items():
            login = logins.get(name)
            lines.append(f"  {name:<14} {url}" + (f"   login {login[0]} / {login[1]}" if login else ""))
        for tenant in self.tenants:
            lines.append(f"  tenant {tenant.name:<7} namespace {tenant.namespace}, Pushgateway user "
                         f"{tenant.username} (`make env PLATFORM=kind TENANT={tenant.name}`)")
        return lines

    def image(self) -> list[str]:
        return [f"built and loaded {tag}" for tag in image.build_and_load()]

    def env_pushgateway_url(self, tenant: Tenant) -> str:
        # The gateway is ClusterIP only: `env_notes` says how to forward it to the tenant's local port.
        return f"http://{HOST}:{tenant.local_port}"

    def artifact_env(self, tenant: Tenant) -> dict[str, str]:
        # SeaweedFS' S3 NodePort on this machine, with the tenant's own identity (its bucket only).
        # SeaweedFS accepts any region; AWS tools need one.
        return {"AWS_ACCESS_KEY_ID": tenant.s3_access_key, "AWS_SECRET_ACCESS_KEY": tenant.s3_secret_key,
                "AWS_ENDPOINT_URL": cluster.service_urls()["s3"], "AWS_DEFAULT_REGION": "us-east-1",
                "SIMPLEPIPE_ARTIFACT_BUCKET": tenant.artifact_bucket}

    def env_notes(self, tenant: Tenant) -> list[str]:
        return [f"{tenant.name}'s Pushgateway is reachable from this machine through a port-forward:",
                f"  kubectl --context {self.context} -n {tenant.namespace} port-forward "
                f"svc/{render.pushgateway_service(tenant)} {tenant.local_port}:{PUSHGATEWAY_PORT}"]

    def tenant_token(self, tenant: Tenant, seconds: int = 600) -> str:
        """A short-lived token of the tenant's own ServiceAccount (simplepipe-tenant): what a tenant's people
        use against the Argo server in client auth mode."""
        result = subprocess.run([prerequisites.find("kubectl") or "kubectl", "--context", self.context, "-n",
                                 tenant.namespace, "create", "token", TENANT_SERVICE_ACCOUNT,
                                 f"--duration={seconds}s"], capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise cluster.ClusterError(f"kubectl create token {TENANT_SERVICE_ACCOUNT} in {tenant.namespace}: "
                                       f"{result.stderr.strip()}")
        return result.stdout.strip()

    # -- alerts ----------------------------------------------------------------------
    def alert_deliveries(self, receiver: str, last: int | None = None) -> list[dict]:
        """What the platform's receiver pod for `receiver` recorded (harness/kind/alerts.py), via kubectl exec."""
        if receiver == ADMINISTRATOR:
            namespace = MONITORING_NAMESPACE
        else:
            tenant = self.tenant(receiver)
            if tenant.alert_webhook_url:
                raise UnavailableError(f"tenant {tenant.name}'s alerts go to its own webhook "
                                       f"{tenant.alert_webhook_url} (tenants.yaml): no platform receiver to read")
            namespace = tenant.namespace
        path = alerts.deliveries_path(receiver)
        command = [prerequisites.find("kubectl") or "kubectl", "--context", self.context, "-n", namespace, "exec",
                   f"deploy/{alerts.NAME}", "-c", alerts.NAME, "--", "cat", path]
        what = f"{path} of {namespace}/deploy/{alerts.NAME}"
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=60)
        except subprocess.TimeoutExpired:
            raise cluster.ClusterError(f"reading {what}: kubectl exec did not answer within 60 s") from None
        if result.returncode != 0:
            if "No such file" in result.stderr:
                return []  # the receiver has not been notified yet
            raise cluster.ClusterError(f"reading {what}: {result.stderr.strip() or f'exit {result.returncode}'}")
        return parse_deliveries(result.stdout, last)

    # -- workflows: through the Argo server with the tenant's own token (harness.kind.argo_server) -------
    # A minted token lives this long; it is renewed well before (an e2e session outlasts one).
    TOKEN_SECONDS = 3600

    def argo_server(self, tenant: Tenant) -> ArgoServer:
        """The Argo server as `tenant`: $ARGO_TOKEN when set (a tenant's own token, as the argo CLI reads it),
        else a token of the tenant's ServiceAccount minted with the administrator's kubeconfig (renewed)."""
        server, minted = self._argo.get(tenant.name, (None, 0.0))
        if server is None or (not os.environ.get("ARGO_TOKEN") and time.monotonic() - minted > self.TOKEN_SECONDS / 2):
            token = os.environ.get("ARGO_TOKEN") or self.tenant_token(tenant, seconds=self.TOKEN_SECONDS)
            server, minted = ArgoServer(cluster.service_urls()["argo-server"], token), time.monotonic()
            self._argo[tenant.name] = (server, minted)
        return server

    def submit(self, tenant: Tenant, manifest: dict) -> WorkflowRun:
        body = copy.deepcopy(manifest)
        body.setdefault("metadata", {})["namespace"] = tenant.namespace
        created = self.argo_server(tenant).create(tenant.namespace, body)
        run = workflow_run(created, tenant.name)
        print(f"    submitted workflow {tenant.namespace}/{run.name}", flush=True)
        return run

    def apply_workflow_template(self, tenant: Tenant, manifest: dict) -> str:
        applied = self.argo_server(tenant).apply_template(tenant.namespace, in_tenants_namespace(tenant, manifest))
        name = str((applied.get("metadata") or {}).get("name", ""))
        print(f"    applied WorkflowTemplate {tenant.namespace}/{name}", flush=True)
        return name

    def workflow_templates(self, tenant: Tenant) -> list[str]:
        return sorted(str((t.get("metadata") or {}).get("name", "")) for t in
                      self.argo_server(tenant).list_templates(tenant.namespace))

    def refresh(self, run: WorkflowRun) -> WorkflowRun:
        tenant = self.tenant(run.tenant)
        return workflow_run(self.argo_server(tenant).get(tenant.namespace, run.name), tenant.name)

    def wait(self, run: WorkflowRun, timeout: float) -> WorkflowRun:
        phases: list[str] = []
        last = [run]

        def finished() -> bool:
            last[0] = self.refresh(run)
            if not phases or phases[-1] != last[0].phase:
                print(f"    workflow {last[0].namespace}/{run.name}: {last[0].phase}", flush=True)
                phases.append(last[0].phase)
            if not last[0].finished:
                raise NotYet(f"phase {last[0].phase}")
            return True

        wait_until(finished, timeout=timeout, what=f"workflow {run.tenant}/{run.name} to finish",
                   poll=self.poll_interval)
        finished_run = last[0]
        logs: dict[str, list[str]] = {}
        try:
            for pod, line in self.step_logs(self.tenant(run.tenant), run.name):
                logs.setdefault(pod, []).append(line)
        except PlatformError as exc:  # the logs are a diagnostic; a missing one must not fail the run
            logs = {"": [f"<no logs: {exc}>"]}
        for step in finished_run.steps:
            step.log = "\n".join(logs.get(pod_name(run.name, step.name, step.template), logs.get("", [])))
        return finished_run

    def workflows(self, tenant: Tenant) -> list[WorkflowRun]:
        return [workflow_run(w, tenant.name) for w in self.argo_server(tenant).list(tenant.namespace)]

    def workflow(self, tenant: Tenant, name: str) -> WorkflowRun:
        return workflow_run(self.argo_server(tenant).get(tenant.namespace, name), tenant.name)

    def delete_workflow(self, tenant: Tenant, name: str) -> None:
        self.argo_server(tenant).delete(tenant.namespace, name)

    def step_logs(self, tenant: Tenant, name: str, step: str | None = None,
                  follow: bool = False) -> Iterator[tuple[str, str]]:
        pod = None
        if step is not None:  # Argo's log API takes a pod's name: find the step's
            run = self.workflow(tenant, name)
            pod = next((pod_name(name, s.name, s.template) for s in run.steps
                        if step in (s.name, display_name(s.name), pod_name(name, s.name, s.template))), None)
            if pod is None:
                raise WorkflowNotFoundError(f"workflow {name} has no step {step!r} (its steps: "
                                            f"{', '.join(display_name(s.name) for s in run.steps) or 'none yet'})")
        return self.argo_server(tenant).logs(tenant.namespace, name, pod, follow)

    # -- endpoints -------------------------------------------------------------------
    @property
    def prometheus_url(self) -> str:
        return cluster.service_urls()["prometheus"]

    @property
    def scrape_interval(self) -> float:
        return cluster.pushgateway_scrape_interval()

    def pushgateway_url(self, tenant: Tenant) -> str:
        forward = self._forwards.get(tenant.name)
        if forward is None or not forward[0].running():
            forward = self._port_forward(tenant)
            self._forwards[tenant.name] = forward
        return f"http://{HOST}:{forward[1]}"

    def _port_forward(self, tenant: Tenant) -> tuple[ChildProcess, int]:
        port = free_port()
        command = [prerequisites.find("kubectl") or "kubectl", "--context", self.context, "-n", tenant.namespace,
                   "port-forward", f"svc/{render.pushgateway_service(tenant)}", f"{port}:{PUSHGATEWAY_PORT}"]
        process = ChildProcess(f"port-forward to {tenant.name}'s Pushgateway",
                               subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))

        def gone() -> str | None:
            return None if process.running() else f"kubectl exited: {process.popen.stderr.read().strip()}"

        try:
            wait_until(lambda: port_accepts(port), timeout=30, what=f"{process.name} to listen on {HOST}:{port}",
                       poll=0.3, give_up=gone)
        except WaitTimeout as exc:
            process.stop()
            raise cluster.ClusterError(str(exc)) from None
        return process, port

