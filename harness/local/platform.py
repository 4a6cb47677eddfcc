"""LocalPlatform: Prometheus, one Pushgateway per tenant, SeaweedFS' S3, Alertmanager and its webhook
receiver as local processes, with workflows run by the local workflow runner (harness.runner).

`up` starts the supervisor (harness.local.supervisor), which starts and watches the servers of
harness.local.servers.server_table (THE list of what runs) and restarts a crashed one; `down` stops the
supervisor, which stops them. This module holds that lifecycle; where files are is harness.local.layout,
what is generated harness.local.configs, the record of a running platform harness.local.state, the text of
`make status` harness.local.status, and what a tenant's namespace holds harness.local.namespaces.
"""
from __future__ import annotations

import copy
import dataclasses
import functools
import logging
import os
import shutil
import signal
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from harness import alert_receiver, image
from harness.errors import ManifestRefusedError, ProcessExitedError
from harness.local import alertmanager, credentials, expiry, seaweedfs, state, status, workflow_records
from harness.local.configs import ConfigChanges, write_configs
from harness.local.errors import LocalPlatformError, NotRunningError, PortInUseError
from harness.local.layout import Endpoints, Layout
from harness.local.namespaces import tenant_namespace
from harness.local.servers import STOP_GRACE, ServerSpec, server_table
from harness.local.settings import LocalSettings, Ports, duration_seconds, load_settings
from harness.local.supervised import PeriodicJob, SupervisorSpec, read_status
from harness.local.workflow_logs import follow_step_logs
from harness.local.workflow_records import WorkflowRecords
from harness.local.workflow_templates import WorkflowTemplateRecords
from harness.net import HOST, port_is_free, session
from harness.paths import REPO_ROOT
from harness.platform import Platform, in_tenants_namespace
from harness.processes import ProcessRecord, SupervisedProcess, stop_all
from harness.prometheus_api import PrometheusClient
from harness.runner import ManifestError, RunnerContext, WorkflowRunner
from harness.runner import validate as validate_workflow
from harness.runner import validate_workflow_template
from harness.runner.identity import generated_name
from harness.tenants import Tenant, load_tenants
from harness.waiting import NotYet, WaitTimeout, wait_until
from harness.workflows import WorkflowRun

DEFAULT_STATE_DIR = REPO_ROOT / ".state" / "local"
_log = logging.getLogger("simplepipe.local")

# The supervisor stops every server before it exits: it gets their longest grace and this much more.
SUPERVISOR_EXTRA_GRACE = 10.0


class LocalPlatform(Platform):
    name = "local"

    def __init__(self, state_dir: Path | str | None = None, *, ports: str = "configured",
                 tenants: list[Tenant] | None = None, settings: LocalSettings | None = None,
                 rule_files: str | None = None, say: Callable[[str], None] | None = None):
        """`ports="configured"` uses platform.yaml and tenants.yaml (make up); `"free"` picks free
        ephemeral ports at `up` (tests). `rule_files` overrides platform.yaml's glob ("" for none)."""
        if ports not in ("configured", "free"):
            raise ValueError(f"ports must be 'configured' or 'free', not {ports!r}")
        self._state_dir = Path(state_dir) if state_dir is not None else DEFAULT_STATE_DIR
        self.layout = Layout(self._state_dir)
        self.port_mode = ports
        self._tenants = tenants if tenants is not None else load_tenants()
        self.settings = settings or load_settings()
        self.rule_files = self.settings.rule_files if rule_files is None else rule_files
        self._say_to = say or _log.info
        self._ports: Ports | None = None
        self._supervisor: SupervisedProcess | None = None  # the one this object started: our child, reaped by us
        self._runner = None
        self._started: list[SupervisedProcess] = []  # workflow processes this object started (our children)

    def say(self, line: str) -> None:
        """Progress for the user; a closed stdout must never keep `down` from stopping the servers."""
        try:
            self._say_to(line)
        except (OSError, ValueError):
            pass

    # -- where things are ------------------------------------------------------------------------
    @property
    def tenants(self) -> list[Tenant]:
        return self._tenants

    @property
    def state_dir(self) -> Path:
        return self._state_dir

    @property
    def state_file(self) -> Path:
        return self.layout.state_file

    @property
    def ports(self) -> Ports:
        """The running platform's ports (state.json), else those `up` would use."""
        recorded = state.recorded_ports(self.layout)
        if recorded is not None:
            return recorded
        if self._ports is not None:
            return self._ports
        if self.port_mode == "free":
            raise NotRunningError(f"local platform in {self.state_dir} has no ports yet: call up() first")
        return Ports.configured(self.settings, self.tenants)

    @property
    def urls(self) -> Endpoints:
        return Endpoints(self.ports)

    @property
    def prometheus_url(self) -> str:
        return self.urls.prometheus

    @property
    def scrape_interval(self) -> float:
        return duration_seconds(self.settings.scrape_interval)

    def alert_delays(self) -> dict[str, str]:
        return {"scrape interval": self.settings.scrape_interval,
                "evaluation interval": self.settings.evaluation_interval,
                "group_wait": alertmanager.ROUTE_TIMING["group_wait"]}

    def pushgateway_url(self, tenant: Tenant) -> str:
        return self.urls.pushgateway(tenant.name)

    @property
    def s3_endpoint(self) -> str:
        return self.urls.s3

    @property
    def alertmanager_url(self) -> str:
        return self.urls.alertmanager

    def administrator_login(self) -> tuple[str, str]:
        """(user, password) Prometheus and Alertmanager ask for: generated at the first `up` of this state folder
        (harness.local.credentials); NotRunningError before."""
        return credentials.administrator_login(self.layout)

    def prometheus(self, timeout: float = 10.0) -> PrometheusClient:
        return PrometheusClient(self.prometheus_url, timeout=timeout, auth=self.administrator_login())

    def tenant_settings(self, tenant: Tenant) -> dict:
        """The tenant's ConfigMap and Secret data, as its workflows would read them in its namespace."""
        return tenant_namespace(tenant, self.pushgateway_url(tenant), self.s3_endpoint, self.settings.s3.region)

    def artifact_env(self, tenant: Tenant) -> dict[str, str]:
        """The tenant's own S3 keys, endpoint and bucket, in the variables AWS tools read."""
        return {"AWS_ACCESS_KEY_ID": tenant.s3_access_key, "AWS_SECRET_ACCESS_KEY": tenant.s3_secret_key,
                "AWS_ENDPOINT_URL": self.s3_endpoint, "AWS_DEFAULT_REGION": self.settings.s3.region,
                "SIMPLEPIPE_ARTIFACT_BUCKET": tenant.artifact_bucket}

    def alert_deliveries(self, receiver: str, last: int | None = None) -> list[dict]:
        return alert_receiver.read_deliveries(self.state_dir, receiver, last)

    # -- up --------------------------------------------------------------------------------------
    def up(self) -> None:
        """Start the supervisor (or reuse the running one) and wait until it reports every server ready."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        supervisor = self._adopt_supervisor()
        recorded = state.recorded_ports(self.layout)
        if supervisor is not None and recorded is not None:
            self._ports = recorded
            added = [t for t in self.tenants if t.name not in self._ports.pushgateways]
            if added:  # a tenant added to tenants.yaml while the platform runs: its gateway starts now
                fresh = Ports.free(added) if self.port_mode == "free" else Ports.configured(self.settings, added)
                self._ports.pushgateways.update(fresh.pushgateways)
            if not self._ports.alertmanager:  # recorded by a platform from before Alertmanager was part of it
                fresh = Ports.free([]) if self.port_mode == "free" else Ports.configured(self.settings, [])
                self._ports = dataclasses.replace(self._ports, alertmanager=fresh.alertmanager,
                                                  alert_receiver=fresh.alert_receiver)
        else:
            if supervisor is not None:
                self.say(f"  supervisor (pid {supervisor.pid}) has no ports recorded: stopping it")
                stop_all([supervisor], self.say)
                supervisor = None
            self._stop_leftover_servers("the supervisor is not running")
            self._ports = Ports.free(self.tenants) if self.port_mode == "free" else \
                Ports.configured(self.settings, self.tenants)
            state.forget_state(self.layout)
        changes = self._write_configs()
        servers = self.servers()
        running = read_status(self.state_dir).get("servers", {}) if supervisor is not None else {}
        for server in servers:  # all before starting any: fail without side effects
            if server.name not in running:
                self._check_ports_free(server)
        SupervisorSpec(self.port_mode, self.rule_files, self.settings, self.tenants).write(self.layout.spec_file)
        state.write_state(self.layout, self._ports, self.settings, supervisor)
        started = supervisor is None
        try:
            if started:
                supervisor = self._start_supervisor()
            else:
                for server in servers:
                    if server.name in running:
                        self.say(f"  {server.name}: already running (pid {running[server.name].get('pid')}, "
                                 f"{running[server.name].get('state')})")
                        if (running[server.name].get("record") or {}).get("argv") not in (None, server.argv):
                            # e.g. started before its login or its token was part of it: it runs without them
                            self.say(f"  {server.name}: runs with an older command line than this platform's; "
                                     "`make down && make up` to start it as configured now")
                if any(server.name not in running for server in servers):
                    os.kill(supervisor.pid, signal.SIGHUP)  # the supervisor starts what it does not run yet
            self._wait_supervised(supervisor, [server.name for server in servers])
            if changes.prometheus and not started:
                self.say("  prometheus: configuration changed, reloading")
                self._post(f"{self.prometheus_url}/-/reload")  # the administrator's lifecycle API
            began = time.monotonic()
            wait_until(self._targets_up, timeout=self.settings.ready_timeout, poll=0.2, say=self.say,
                       what=f"Prometheus to scrape every tenant's Pushgateway ({self.prometheus_url}/api/v1/targets "
                            "all up)", give_up=lambda: None if supervisor.alive() else "the supervisor exited")
            self.say(f"  prometheus: scraping {len(self.tenants)} tenant Pushgateways "
                     f"(targets up in {time.monotonic() - began:.1f} s)")
        except BaseException:  # also KeyboardInterrupt: stop what this call started, and only that
            supervisor = supervisor or self._supervisor  # Ctrl-C may come between its start and its return
            if started and supervisor is not None:
                self.say(f"  stopping the supervisor this `up` started (pid {supervisor.pid}) and its servers")
                with _sigint_ignored():  # a second Ctrl-C must not leave half of them running
                    stop_all([supervisor], self.say)
                    self._stop_leftover_servers("the supervisor stopped")
                state.forget_state(self.layout)
            raise

    def _start_supervisor(self) -> SupervisedProcess:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])))
        supervisor = SupervisedProcess(
            "supervisor", [sys.executable, "-m", "harness.local.supervisor", "--state-dir", str(self.state_dir)],
            self.layout.logs("supervisor.log"), stop_grace=self._supervisor_grace, env=env, cwd=REPO_ROOT)
        self.layout.status_file.unlink(missing_ok=True)
        supervisor.start()
        self._supervisor = supervisor
        state.write_state(self.layout, self._ports, self.settings, supervisor)
        self.say(f"  supervisor: started (pid {supervisor.pid}), log {supervisor.log}")
        return supervisor

    def _wait_supervised(self, supervisor: SupervisedProcess, names: list[str]) -> None:
        """Until the supervisor reports every server in `names` ready, showing each as it starts and is ready."""
        shown: dict[str, str] = {}

        def every_server_ready() -> bool:
            servers = read_status(self.state_dir).get("servers", {})
            for name in names:
                server = servers.get(name, {})
                seen = (server.get("state"), server.get("pid"))
                if server.get("state") in ("starting", "ready") and shown.get(name) != seen:
                    shown[name] = seen
                    self.say(f"  {name}: {server['state']} (pid {server.get('pid')})"
                             + (f", log {server.get('log')}" if server["state"] == "starting" else ""))
            waiting = [f"{n} {servers.get(n, {}).get('state', 'not started')}" for n in names
                       if servers.get(n, {}).get("state") != "ready"]
            if waiting:
                raise NotYet(", ".join(waiting))
            return True

        def give_up() -> str | None:
            report = read_status(self.state_dir)
            failed = [s["error"] for n, s in report.get("servers", {}).items() if n in names and s.get("state") ==
                      "failed" and s.get("error")]
            if report.get("state") == "failed" or failed:
                return report.get("error") or failed[0]
            if not supervisor.alive():
                return f"the supervisor exited; last lines of {supervisor.log}:\n{supervisor.log_tail()}"
            return None

        try:
            wait_until(every_server_ready, timeout=self.settings.ready_timeout + 15, poll=0.2, say=self.say,
                       what=f"the supervisor to report every server ready ({self.layout.status_file})",
                       give_up=give_up)
        except WaitTimeout as exc:
            reason = give_up()
            raise ProcessExitedError(reason) if reason else LocalPlatformError(str(exc)) from None

    @property
    def _supervisor_grace(self) -> float:
        return max(STOP_GRACE, seaweedfs.STOP_GRACE_SECONDS) + SUPERVISOR_EXTRA_GRACE

    def periodic_jobs(self) -> list[PeriodicJob]:
        """Work the supervisor runs on a schedule once the platform is ready: (name, interval s, callable).
        Here: each tenant's group expiry (`gc:` in platform/tenants.yaml), as kind's CronJobs do.

        Each job runs in the supervisor's process, in its own thread; an exception is recorded in
        supervisor.json (jobs.<name>.last_error) and shown by `make status`, and the next run still happens."""
        return [PeriodicJob(f"gc-{tenant.name}", interval,
                            functools.partial(expiry.gc_pass, tenant, self.pushgateway_url(tenant)))
                for tenant in self.tenants if (interval := expiry.gc_interval_seconds(tenant)) is not None]

    @classmethod
    def for_supervisor(cls, state_dir: Path, say: Callable[[str], None]) -> "LocalPlatform":
        """The platform `up` wrote down in config/supervisor-spec.json (tenants, settings), with state.json's ports."""
        layout = Layout(Path(state_dir))
        spec = SupervisorSpec.read(layout.spec_file)
        platform = cls(layout.root, ports=spec.port_mode, tenants=spec.tenants, settings=spec.settings,
                       rule_files=spec.rule_files, say=say)
        platform._ports = state.recorded_ports(layout)
        return platform

    def servers(self) -> list[ServerSpec]:
        """What the supervisor runs (harness.local.servers), on the ports of this `up`."""
        return server_table(self.layout, self._ports, self.settings, self.tenants, say=self.say)

    def _write_configs(self) -> ConfigChanges:
        """Every generated file; reloads a running server whose file changed (weed cannot: it says so)."""
        changes = write_configs(self.layout, self.tenants, self.settings, self._ports, self.rule_files)
        if changes.s3_identities and self._supervised_running("seaweedfs"):
            self.say("  seaweedfs: tenants' S3 identities changed; weed reads them only at start: "
                     "`make down && make up` to give a new tenant its S3 keys and bucket")
        if changes.alertmanager and self._supervised_running("alertmanager"):
            self.say("  alertmanager: routes changed, reloading")
            self._post(f"{self.alertmanager_url}/-/reload")
        return changes

    def _check_ports_free(self, server: ServerSpec) -> None:
        for setting, port in server.ports.items():
            if not port_is_free(port):
                where = "" if self.port_mode == "free" else f" (setting {setting})"
                raise PortInUseError(f"{server.name}: port {HOST}:{port}{where} is taken by a process this platform "
                                     "did not start; stop that process or change the port")

    def _targets_up(self) -> bool:
        targets = self.prometheus(timeout=2).targets()
        health = {t["labels"].get("job"): t["health"] for t in targets}
        return all(health.get(t.scrape_job) == "up" for t in self.tenants)

    # -- down, status ----------------------------------------------------------------------------
    def down(self) -> None:
        running = [self._own(process) for process in self.records.running()]
        if running:  # before the servers: a step must not see its gateway or S3 go away first
            self.say(f"  stopping {len(running)} running workflow(s): {', '.join(p.name for p in running)}")
            stop_all(running, self.say)
        self._started.clear()
        supervisor = self._adopt_supervisor()
        if supervisor is not None:
            self.say(f"  stopping the supervisor (pid {supervisor.pid}), which stops every server")
            stop_all([supervisor], self.say)
        elif state.read_state(self.layout).get("supervisor"):
            self.say("  the supervisor has exited or is no longer the process `up` started")
        self._stop_leftover_servers("the supervisor stopped")
        ports = state.recorded_ports(self.layout) or self._ports
        if ports:
            for socket_file in seaweedfs.stale_sockets(ports.s3):
                socket_file.unlink(missing_ok=True)
        seaweedfs.remove_socket_dir(self.layout.data("seaweedfs"))
        state.forget_state(self.layout)

    def _stop_leftover_servers(self, why: str) -> None:
        """The safety net: servers the supervisor recorded that still run (it was killed) and are still ours."""
        leftovers = self._adopt_servers()
        if leftovers:
            self.say(f"  {why}, but {', '.join(f'{p.name} (pid {p.pid})' for p in leftovers)} still run: stopping")
            stop_all(leftovers, self.say)

    def supervisor_status(self) -> dict:
        """What the supervisor last reported (supervisor.json): its state and, per server, pid, state, restarts."""
        return read_status(self.state_dir)

    def is_up(self) -> bool:
        if self._adopt_supervisor() is None:
            return False
        servers = self.supervisor_status().get("servers", {})
        if not servers or any(s.get("state") != "ready" for s in servers.values()):
            return False
        try:
            return self.prometheus(timeout=2).ready()
        except NotRunningError:  # no credentials: never started from this state folder
            return False

    def status_lines(self) -> list[str]:
        supervisor = self._adopt_supervisor()
        supervised = self.supervisor_status()
        targets: list[dict] | Exception | None = None
        if supervisor is not None and supervised.get("servers", {}).get("prometheus", {}).get("state") == "ready":
            try:
                targets = self.prometheus(timeout=2).targets()
            except Exception as exc:  # noqa: BLE001 - status reports, it does not fail
                targets = exc
        recorded = state.read_state(self.layout)
        lines = status.server_lines(self.layout, recorded, supervisor is not None, supervised, targets)
        return lines if not recorded.get("supervisor") else lines + self.alert_lines() + self.where_lines()

    def where_lines(self) -> list[str]:
        return status.where_lines(self.layout, self.urls, self.settings, self.tenants)

    # -- workflows: each in a process of its own (harness.local.workflow_process), read through its record ---------
    def runner(self):
        if self._runner is None:
            s3 = self.settings.s3
            self._runner = WorkflowRunner(RunnerContext(
                s3_endpoint=self.s3_endpoint, access_key=s3.access_key, secret_key=s3.secret_key, bucket=s3.bucket,
                region=s3.region, work_root=self.layout.runs, tenant_settings=self.tenant_settings))
        return self._runner

    @property
    def records(self) -> WorkflowRecords:
        return WorkflowRecords(self.layout.workflows)

    @property
    def template_records(self) -> WorkflowTemplateRecords:
        return WorkflowTemplateRecords(self.layout.workflow_templates)

    def apply_workflow_template(self, tenant: Tenant, manifest: dict) -> str:
        """Check the WorkflowTemplate as the runner will run it and as Argo's server checks it (its templateRefs
        name the namespace's own), then store it for the namespace's workflows, replacing one of its name."""
        body = copy.deepcopy(in_tenants_namespace(tenant, manifest))
        try:
            name = validate_workflow_template(body, self.template_records.manifests(tenant.namespace))
        except ManifestError as exc:
            raise ManifestRefusedError(str(exc)) from None
        self.template_records.apply(tenant.namespace, body)
        return name

    def workflow_templates(self, tenant: Tenant) -> list[str]:
        return self.template_records.names(tenant.namespace)

    def submit(self, tenant: Tenant, manifest: dict) -> WorkflowRun:
        """Check the manifest as the runner will run it (its templateRefs against the namespace's WorkflowTemplates),
        record it under its name and start its process."""
        try:
            workflow = validate_workflow(manifest, self.template_records.manifests(tenant.namespace))
        except ManifestError as exc:
            raise ManifestRefusedError(str(exc)) from None
        if workflow.namespace not in (None, tenant.namespace):
            raise ManifestRefusedError(f"metadata.namespace: is {workflow.namespace!r} but tenant {tenant.name!r} "
                                       f"runs in namespace {tenant.namespace!r}; leave it out")
        body = copy.deepcopy(manifest)
        metadata = body.setdefault("metadata", {})
        metadata.pop("generateName", None)
        metadata["name"], metadata["namespace"] = workflow.name or generated_name(workflow.generate_name), \
            tenant.namespace
        try:
            record = self.records.create(tenant.name, tenant.namespace, body)
        except FileExistsError:
            raise ManifestRefusedError(f"metadata.name: workflow {metadata['name']} already exists in namespace "
                                       f"{tenant.namespace}") from None
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])))
        process = SupervisedProcess(
            f"workflow {tenant.namespace}/{record.name}",
            [sys.executable, "-m", "harness.local.workflow_process", "--state-dir", str(self.state_dir),
             "--namespace", tenant.namespace, "--name", record.name],
            record.process_log, stop_grace=workflow_records.STOP_GRACE_SECONDS, env=env, cwd=REPO_ROOT)
        process.start()
        record.record_process(process)
        self._started.append(process)
        return record.run()

    def _own(self, process: SupervisedProcess | None) -> SupervisedProcess | None:
        """Our own child for a workflow process this object started (the kernel's word on it, and it gets
        reaped), else the adopted one; forgets children that have exited (reaping them)."""
        self._started = [p for p in self._started if p.returncode() is None]
        if process is None:
            return None
        return next((p for p in self._started if p.pid == process.pid), process)

    def refresh(self, run: WorkflowRun) -> WorkflowRun:
        self._own(None)
        return self.records.get(run.namespace or self.tenant(run.tenant).namespace, run.name).run()

    def wait(self, run: WorkflowRun, timeout: float) -> WorkflowRun:
        last: list[WorkflowRun] = [run]

        def finished() -> bool:
            last[0] = self.refresh(run)
            if not last[0].finished:
                raise NotYet(", ".join(f"{s.name}={s.phase}" for s in last[0].steps) or "no step started")
            return True

        try:
            wait_until(finished, timeout=timeout, poll=0.2, errors=(),
                       what=f"workflow {run.name} (tenant {run.tenant}) to finish")
        except WaitTimeout as exc:
            raise TimeoutError(str(exc)) from None
        return last[0]

    def workflows(self, tenant: Tenant) -> list[WorkflowRun]:
        return [record.run(logs=False) for record in self.records.in_namespace(tenant.namespace)]

    def workflow(self, tenant: Tenant, name: str) -> WorkflowRun:
        return self.records.get(tenant.namespace, name).run()

    def delete_workflow(self, tenant: Tenant, name: str) -> None:
        record = self.records.get(tenant.namespace, name)
        record.delete(self._own(record.process()))

    def step_logs(self, tenant: Tenant, name: str, step: str | None = None,
                  follow: bool = False) -> Iterator[tuple[str, str]]:
        record = self.records.get(tenant.namespace, name)
        return follow_step_logs(record, step, follow)

    # -- what runs now ---------------------------------------------------------------------------
    def _adopt_supervisor(self) -> SupervisedProcess | None:
        """The recorded supervisor if it still runs and is still ours."""
        record = state.read_state(self.layout).get("supervisor")
        if not record:
            return None
        if self._supervisor is not None and self._supervisor.pid == record.get("pid"):
            return self._supervisor if self._supervisor.alive() else None
        return SupervisedProcess.adopt(ProcessRecord.from_dict(record), stop_grace=self._supervisor_grace)

    def _adopt_servers(self) -> list[SupervisedProcess]:
        """Servers the supervisor recorded that still run and are still ours."""
        adopted = []
        for name, server in (self.supervisor_status().get("servers") or {}).items():
            if server.get("record"):
                grace = seaweedfs.STOP_GRACE_SECONDS if name == "seaweedfs" else STOP_GRACE
                process = SupervisedProcess.adopt(ProcessRecord.from_dict(server["record"]), stop_grace=grace)
                if process is not None:
                    adopted.append(process)
        return adopted

    def _post(self, url: str) -> None:
        """A lifecycle call (/-/reload) to Prometheus or Alertmanager, as the administrator."""
        session().post(url, timeout=10, auth=self.administrator_login()).raise_for_status()

    def pushgateway_pid(self, tenant: Tenant) -> int | None:
        return self.server_pid(tenant.pushgateway_name)

    def _supervised_running(self, name: str) -> bool:
        """The running supervisor reports server `name` ready (so a changed config must reach it now)."""
        return self._adopt_supervisor() is not None and \
            self.supervisor_status().get("servers", {}).get(name, {}).get("state") == "ready"

    def server_pid(self, name: str) -> int | None:
        """The pid of a running server (seaweedfs, prometheus, pushgateway-<tenant>), as the supervisor reports it."""
        pid = self.supervisor_status().get("servers", {}).get(name, {}).get("pid")
        return int(pid) if pid else None

    def image(self) -> list[str]:
        """The local runner maps the Simplepipe image to the venv's CLI; building it is only a check."""
        docker = shutil.which("docker")
        if docker is None:
            return ["local platform: no image needed (the local workflow runner runs the venv's `simplepipe` "
                    f"for {image.REPOSITORY}:*); install docker to build simplepipe/Dockerfile anyway"]
        return [f"built {image.build(docker)}"]


@contextmanager
def _sigint_ignored():
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)

