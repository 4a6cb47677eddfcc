"""LocalPlatform: Prometheus, one Pushgateway per tenant, SeaweedFS' S3, Alertmanager and its webhook
receiver as local processes, with workflows run by the local workflow runner (harness.runner).

Everything lives in one state folder (.state/local for `make up`, a temp folder in tests):
  config/   generated prometheus.yml, alertmanager.yml, each tenant's web config and password file, S3 identities
  data/     Prometheus' TSDB, the Pushgateways' persistence files, SeaweedFS' volumes, Alertmanager's state
  logs/     one log per server
  alerts/   the notifications each tenant's (and the administrator's) receiver got, one JSON line each
  runs/     the workflow runner's step folders
  state.json  ports, URLs and the record of the supervisor `up` started (what `down` stops)
  supervisor.json  what the supervisor (harness.local.supervisor) reports of each server: pid, state, restarts

`up` starts the supervisor, which starts and watches the servers of `_servers()` (THE list of what
runs) and restarts a crashed one; `down` stops the supervisor, which stops them.
"""
from __future__ import annotations

import dataclasses
import functools
import json
import logging
import os
import shutil
import signal
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import yaml

from harness import alert_receiver, image
from harness.errors import ProcessExitedError
from harness.local import alertmanager, binaries, expiry, prometheus, pushgateway, seaweedfs
from harness.local.errors import LocalPlatformError, NotRunningError, PortInUseError
from harness.local.settings import LocalSettings, Ports, duration_seconds, load_settings
from harness.local.supervised import SPEC_FILE, STATUS_FILE, PeriodicJob, read_status
from harness.net import HOST, http_ok, port_is_free, session
from harness.paths import REPO_ROOT
from harness.platform import Platform
from harness.processes import ProcessRecord, SupervisedProcess, stop_all
from harness.prometheus_api import PrometheusClient
from harness.runner import RunnerContext, WorkflowRunner
from harness.runner.artifacts import DEFAULT_REPOSITORY_ANNOTATION, REPOSITORIES_CONFIGMAP
from harness.tenants import Tenant, load_tenants
from harness.waiting import NotYet, WaitTimeout, wait_until
from harness.workflows import WorkflowRun

DEFAULT_STATE_DIR = REPO_ROOT / ".state" / "local"
_log = logging.getLogger("simplepipe.local")

# The names a tenant's workflows find their settings under, as the kind backend creates them.
CONFIGMAP = "simplepipe-config"
SECRET = "simplepipe-credentials"
ARTIFACTS_SECRET = "argo-artifacts-s3"
ARTIFACT_REPOSITORY_KEY = "default-v1"
# The supervisor stops every server before it exits: it gets their longest grace and this much more.
SUPERVISOR_EXTRA_GRACE = 10.0


@dataclass
class ServerSpec:
    """One server the supervisor runs: how, on which ports, and what it means for it to be ready."""

    name: str
    argv: list[str]
    ports: dict[str, int]  # setting name -> port, for the "port in use" error
    probe: Callable[[], bool]
    waiting_for: str
    stop_grace: float = 10.0


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
        self.port_mode = ports
        self._tenants = tenants if tenants is not None else load_tenants()
        self.settings = settings or load_settings()
        self.rule_files = self.settings.rule_files if rule_files is None else rule_files
        self._say_to = say or _log.info
        self._ports: Ports | None = None
        self._supervisor: SupervisedProcess | None = None  # the one this object started: our child, reaped by us
        self._runner = None
        self._handles: list = []

    def say(self, line: str) -> None:
        """Progress for the user; a closed stdout must never keep `down` from stopping the servers."""
        try:
            self._say_to(line)
        except (OSError, ValueError):
            pass

    @property
    def _s3_stop_grace(self) -> float:
        return seaweedfs.STOP_GRACE_SECONDS if self.port_mode == "configured" else \
            seaweedfs.THROWAWAY_STOP_GRACE_SECONDS

    # -- where things are ------------------------------------------------------------------------
    @property
    def tenants(self) -> list[Tenant]:
        return self._tenants

    @property
    def state_dir(self) -> Path:
        return self._state_dir

    @property
    def state_file(self) -> Path:
        return self.state_dir / "state.json"

    def _path(self, *parts: str) -> Path:
        return self.state_dir.joinpath(*parts)

    @property
    def ports(self) -> Ports:
        """The running platform's ports (state.json), else those `up` would use."""
        state = self._read_state()
        if state.get("ports"):
            return Ports.from_dict(state["ports"])
        if self._ports is not None:
            return self._ports
        if self.port_mode == "free":
            raise NotRunningError(f"local platform in {self.state_dir} has no ports yet: call up() first")
        return Ports.configured(self.settings, self.tenants)

    @property
    def prometheus_url(self) -> str:
        return f"http://{HOST}:{self.ports.prometheus}"

    @property
    def scrape_interval(self) -> float:
        return duration_seconds(self.settings.scrape_interval)

    def pushgateway_url(self, tenant: Tenant) -> str:
        return f"http://{HOST}:{self.ports.pushgateways[tenant.name]}"

    @property
    def s3_endpoint(self) -> str:
        return f"http://{HOST}:{self.ports.s3['s3_port']}"

    @property
    def alertmanager_url(self) -> str:
        return f"http://{HOST}:{self.ports.alertmanager}"

    def tenant_settings(self, tenant: Tenant) -> dict:
        """The tenant's ConfigMap and Secret data, as its workflows would read them in its namespace:
        Simplepipe's settings, and Argo's per-namespace artifact repository with the tenant's own S3 keys."""
        repository = {"s3": {
            "endpoint": self.s3_endpoint.removeprefix("http://"), "insecure": True,
            "bucket": tenant.artifact_bucket, "region": self.settings.s3.region,
            "accessKeySecret": {"name": ARTIFACTS_SECRET, "key": "accesskey"},
            "secretKeySecret": {"name": ARTIFACTS_SECRET, "key": "secretkey"},
        }}
        return {
            "configmaps": {CONFIGMAP: {"pushgateway-url": self.pushgateway_url(tenant)},
                           REPOSITORIES_CONFIGMAP: {ARTIFACT_REPOSITORY_KEY: yaml.safe_dump(repository)}},
            "secrets": {SECRET: {"username": tenant.username, "password": tenant.password},
                        ARTIFACTS_SECRET: {"accesskey": tenant.s3_access_key, "secretkey": tenant.s3_secret_key}},
            "annotations": {REPOSITORIES_CONFIGMAP: {DEFAULT_REPOSITORY_ANNOTATION: ARTIFACT_REPOSITORY_KEY}},
        }

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
        state = self._read_state()
        if supervisor is not None and state.get("ports"):
            self._ports = Ports.from_dict(state["ports"])
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
            self._forget_state()
        prometheus_config_changed = self._write_configs()
        servers = self._servers()
        running = read_status(self.state_dir).get("servers", {}) if supervisor is not None else {}
        for server in servers:  # all before starting any: fail without side effects
            if server.name not in running:
                self._check_ports_free(server)
        self._write_spec()
        self._write_state(supervisor)
        started = supervisor is None
        try:
            if started:
                supervisor = self._start_supervisor()
            else:
                for server in servers:
                    if server.name in running:
                        self.say(f"  {server.name}: already running (pid {running[server.name].get('pid')}, "
                                 f"{running[server.name].get('state')})")
                if any(server.name not in running for server in servers):
                    os.kill(supervisor.pid, signal.SIGHUP)  # the supervisor starts what it does not run yet
            self._wait_supervised(supervisor, [server.name for server in servers])
            if prometheus_config_changed and not started:
                self.say("  prometheus: configuration changed, reloading")
                self._post(f"{self.prometheus_url}/-/reload")
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
                self._forget_state()
            raise

    def _start_supervisor(self) -> SupervisedProcess:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])))
        supervisor = SupervisedProcess(
            "supervisor", [sys.executable, "-m", "harness.local.supervisor", "--state-dir", str(self.state_dir)],
            self._path("logs", "supervisor.log"), stop_grace=self._supervisor_grace, env=env, cwd=REPO_ROOT)
        self._path(STATUS_FILE).unlink(missing_ok=True)
        supervisor.start()
        self._supervisor = supervisor
        self._write_state(supervisor)
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
            status = read_status(self.state_dir)
            failed = [s["error"] for n, s in status.get("servers", {}).items() if n in names and s.get("state") ==
                      "failed" and s.get("error")]
            if status.get("state") == "failed" or failed:
                return status.get("error") or failed[0]
            if not supervisor.alive():
                return f"the supervisor exited; last lines of {supervisor.log}:\n{supervisor.log_tail()}"
            return None

        try:
            wait_until(every_server_ready, timeout=self.settings.ready_timeout + 15, poll=0.2, say=self.say,
                       what=f"the supervisor to report every server ready ({self._path(STATUS_FILE)})",
                       give_up=give_up)
        except WaitTimeout as exc:
            reason = give_up()
            raise ProcessExitedError(reason) if reason else LocalPlatformError(str(exc)) from None

    @property
    def _supervisor_grace(self) -> float:
        return max(10.0, self._s3_stop_grace) + SUPERVISOR_EXTRA_GRACE

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
        state_dir = Path(state_dir)
        spec = json.loads((state_dir / "config" / SPEC_FILE).read_text())
        platform = cls(state_dir, ports=spec["port_mode"], tenants=[Tenant.from_dict(t) for t in spec["tenants"]],
                       settings=LocalSettings.from_dict(spec["settings"]), rule_files=spec["rule_files"], say=say)
        platform._ports = Ports.from_dict(platform._read_state()["ports"])
        return platform

    def _write_spec(self) -> None:
        """What the supervisor runs; it holds the tenants' passwords, so only we may read it."""
        path = self._path("config", SPEC_FILE)
        tmp = path.with_suffix(".tmp")
        tmp.touch(mode=0o600)
        tmp.write_text(json.dumps({
            "port_mode": self.port_mode, "rule_files": self.rule_files, "settings": self.settings.to_dict(),
            "tenants": [asdict(t) for t in self.tenants],  # every field, also ones added later
        }, indent=2) + "\n")
        tmp.chmod(0o600)
        tmp.replace(path)

    def _servers(self) -> list[ServerSpec]:
        ports, settings = self._ports, self.settings
        find = lambda name: binaries.find_binary(name, settings.releases, say=self.say)  # noqa: E731
        servers = [ServerSpec(
            "seaweedfs",
            seaweedfs.weed_argv(find("weed"), self._path("data", "seaweedfs"), self._path("logs", "seaweedfs"),
                                self._path("config", "s3-identities.json"), ports.s3,
                                buckets=1 + len(self.tenants)),
            {f"s3.{key} in platform/local/platform.yaml": port for key, port in ports.s3.items()},
            lambda: seaweedfs.ensure_buckets(self.s3_endpoint, settings.s3,
                                             [settings.s3.bucket] + [t.artifact_bucket for t in self.tenants]),
            f"S3 at {self.s3_endpoint} to accept the access key and have bucket {settings.s3.bucket!r} "
            "and each tenant's",
            stop_grace=self._s3_stop_grace,
        )]
        for tenant in self.tenants:
            port = ports.pushgateways[tenant.name]
            url = f"http://{HOST}:{port}/-/ready"
            servers.append(ServerSpec(
                tenant.pushgateway_name,
                pushgateway.pushgateway_argv(find("pushgateway"), self._path("config", tenant.name, "web-config.yml"),
                                             self._path("data", f"{tenant.pushgateway_name}.db"), port,
                                             persistence_interval=settings.persistence_interval),
                {f"pushgateway.local_port of tenant {tenant.name} in platform/tenants.yaml": port},
                lambda url=url, tenant=tenant: http_ok(url, (tenant.username, tenant.password)),
                f"{url} to answer 200 with {tenant.name}'s credentials",
            ))
        receiver_url = f"http://{HOST}:{ports.alert_receiver}/-/ready"
        servers.append(ServerSpec(
            "alert-receiver",
            alert_receiver.receiver_argv(self.state_dir, HOST, ports.alert_receiver,
                                         self._path("config", "alert-receivers")),
            {"alertmanager.receiver_port in platform/local/platform.yaml": ports.alert_receiver},
            lambda: http_ok(receiver_url),
            f"{receiver_url} to answer 200",
        ))
        servers.append(ServerSpec(
            "alertmanager",
            alertmanager.alertmanager_argv(find("alertmanager"), self._path("config", "alertmanager.yml"),
                                           self._path("data", "alertmanager"), ports.alertmanager),
            {"alertmanager.port in platform/local/platform.yaml": ports.alertmanager},
            lambda: http_ok(f"{self.alertmanager_url}/-/ready"),
            f"{self.alertmanager_url}/-/ready to answer 200",
        ))
        servers.append(ServerSpec(
            "prometheus",
            prometheus.prometheus_argv(find("prometheus"), self._path("config", "prometheus.yml"),
                                       self._path("data", "prometheus"), ports.prometheus),
            {"prometheus.port in platform/local/platform.yaml": ports.prometheus},
            lambda: http_ok(f"{self.prometheus_url}/-/ready"),
            f"{self.prometheus_url}/-/ready to answer 200",
        ))
        return servers

    def _write_configs(self) -> bool:
        """All generated files; True when prometheus.yml changed."""
        password_files = {}
        for tenant in self.tenants:
            pushgateway.write_web_config(self._path("config", tenant.name, "web-config.yml"), tenant)
            password_file = self._path("config", tenant.name, "password")
            password_file.write_text(tenant.password)
            password_file.chmod(0o600)
            password_files[tenant.name] = password_file
        if seaweedfs.write_identities(self._path("config", "s3-identities.json"), self.settings.s3, self.tenants) \
                and self._supervised_running("seaweedfs"):
            self.say("  seaweedfs: tenants' S3 identities changed; weed reads them only at start: "
                     "`make down && make up` to give a new tenant its S3 keys and bucket")
        alert_receiver.write_receivers(self._path("config", "alert-receivers"),
                                       alert_receiver.receiver_names([t.name for t in self.tenants]))
        routes = alertmanager.alertmanager_config(self.tenants, self._ports.alert_receiver)
        if alertmanager.write_config(self._path("config", "alertmanager.yml"), routes) and \
                self._supervised_running("alertmanager"):
            self.say("  alertmanager: routes changed, reloading")
            self._post(f"{self.alertmanager_url}/-/reload")
        config = prometheus.prometheus_config(
            self.tenants, self._ports.pushgateways, password_files, scrape_interval=self.settings.scrape_interval,
            evaluation_interval=self.settings.evaluation_interval, rule_files=self.rule_files,
            alertmanager_port=self._ports.alertmanager)
        return prometheus.write_config(self._path("config", "prometheus.yml"), config)

    def _check_ports_free(self, server: ServerSpec) -> None:
        for setting, port in server.ports.items():
            if not port_is_free(port):
                where = "" if self.port_mode == "free" else f" (setting {setting})"
                raise PortInUseError(f"{server.name}: port {HOST}:{port}{where} is taken by a process this platform "
                                     "did not start; stop that process or change the port")

    def _targets_up(self) -> bool:
        targets = PrometheusClient(self.prometheus_url, timeout=2).targets()
        health = {t["labels"].get("job"): t["health"] for t in targets}
        return all(health.get(t.scrape_job) == "up" for t in self.tenants)

    # -- down, status ----------------------------------------------------------------------------
    def down(self) -> None:
        for handle in self._handles:
            try:
                handle.cancel()
            except Exception as exc:  # noqa: BLE001 - stopping the servers matters more
                self.say(f"  cancelling workflow {getattr(handle, 'name', '?')} failed: {exc}")
        self._handles.clear()
        supervisor = self._adopt_supervisor()
        if supervisor is not None:
            self.say(f"  stopping the supervisor (pid {supervisor.pid}), which stops every server")
            stop_all([supervisor], self.say)
        elif self._read_state().get("supervisor"):
            self.say("  the supervisor has exited or is no longer the process `up` started")
        self._stop_leftover_servers("the supervisor stopped")
        ports = self._read_state().get("ports") or (self._ports.to_dict() if self._ports else None)
        if ports:
            for socket_file in seaweedfs.stale_sockets(ports["s3"]):
                socket_file.unlink(missing_ok=True)
        self._forget_state()

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
        return http_ok(f"{self.prometheus_url}/-/ready")

    def status_lines(self) -> list[str]:
        state = self._read_state()
        supervisor = self._adopt_supervisor()
        if not state.get("supervisor"):
            return [f"local platform: not running (no supervisor recorded in {self.state_file})"]
        status = self.supervisor_status()
        lines = [f"local platform: state {self.state_file}",
                 f"  {'supervisor':<22} {'running' if supervisor else 'NOT RUNNING':<9} "
                 f"pid {state['supervisor']['pid']:<7} {status.get('state', '?')}"
                 + (f": {status['error'].splitlines()[0]}" if status.get("error") else "")]
        for name, server in status.get("servers", {}).items():
            last = f"{server['last_exit']} at {server['last_exit_time']}" if server.get("last_exit") else "-"
            lines.append(f"  {name:<22} {server.get('state', '?'):<9} pid {str(server.get('pid') or '-'):<7} "
                         f"restarts {server.get('restarts', 0):<3} last exit: {last}")
        for name, job in status.get("jobs", {}).items():
            error = f", last error: {job['last_error']}" if job.get("last_error") else ""
            lines.append(f"  job {name:<18} every {job['interval']:g} s, {job['runs']} runs, "
                         f"last {job.get('last_run') or '-'}{error}")
        if supervisor is not None and status.get("servers", {}).get("prometheus", {}).get("state") == "ready":
            try:
                for target in PrometheusClient(self.prometheus_url, timeout=2).targets():
                    error = f" ({target['lastError']})" if target.get("lastError") else ""
                    lines.append(f"  target {target['labels'].get('job'):<15} {target['health']}{error}")
            except Exception as exc:  # noqa: BLE001 - status reports, it does not fail
                lines.append(f"  prometheus API: {exc}")
        return lines + self.alert_lines() + self.where_lines()

    def where_lines(self) -> list[str]:
        s3 = self.settings.s3
        lines = [f"  Prometheus   {self.prometheus_url}"]
        for tenant in self.tenants:
            lines.append(f"  Pushgateway  {self.pushgateway_url(tenant)}  tenant {tenant.name} "
                         f"(user {tenant.username}, password in platform/tenants.yaml)")
        lines.append(f"  S3           {self.s3_endpoint}  bucket {s3.bucket}, region {s3.region} "
                     "(administrator's access/secret key in platform/local/platform.yaml)")
        for tenant in self.tenants:
            lines.append(f"  S3           bucket {tenant.artifact_bucket}  tenant {tenant.name} only "
                         f"(`make env TENANT={tenant.name}`)")
        lines.append(f"  Alertmanager {self.alertmanager_url}  receivers write {self._path('alerts')}/<tenant>.jsonl")
        lines.append(f"  State, logs  {self.state_dir}")
        return lines

    # -- workflows (harness.runner) ---------------------------------------------------------------
    def runner(self):
        if self._runner is None:
            s3 = self.settings.s3
            self._runner = WorkflowRunner(RunnerContext(
                s3_endpoint=self.s3_endpoint, access_key=s3.access_key, secret_key=s3.secret_key, bucket=s3.bucket,
                region=s3.region, work_root=self._path("runs"), tenant_settings=self.tenant_settings))
        return self._runner

    def submit(self, tenant: Tenant, manifest: dict) -> WorkflowRun:
        handle = self.runner().start(manifest, tenant)
        self._handles.append(handle)
        return handle.poll()

    def wait(self, run: WorkflowRun, timeout: float) -> WorkflowRun:
        return run.handle.wait(timeout)

    def refresh(self, run: WorkflowRun) -> WorkflowRun:
        return run.handle.poll()

    # -- state.json --------------------------------------------------------------------------------
    def _read_state(self) -> dict:
        try:
            return json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            return {}

    def _forget_state(self) -> None:
        self.state_file.unlink(missing_ok=True)
        self._path(STATUS_FILE).unlink(missing_ok=True)

    def _adopt_supervisor(self) -> SupervisedProcess | None:
        """The recorded supervisor if it still runs and is still ours."""
        record = self._read_state().get("supervisor")
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
                grace = self._s3_stop_grace if name == "seaweedfs" else 10.0
                process = SupervisedProcess.adopt(ProcessRecord.from_dict(server["record"]), stop_grace=grace)
                if process is not None:
                    adopted.append(process)
        return adopted

    def _write_state(self, supervisor: SupervisedProcess | None) -> None:
        ports = self._ports
        state = {
            "platform": "local",
            "updated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "ports": ports.to_dict(),
            "urls": {
                "prometheus": f"http://{HOST}:{ports.prometheus}",
                "pushgateways": {name: f"http://{HOST}:{port}" for name, port in ports.pushgateways.items()},
                "s3": f"http://{HOST}:{ports.s3['s3_port']}",
                "alertmanager": f"http://{HOST}:{ports.alertmanager}",
            },
            "s3": {"bucket": self.settings.s3.bucket, "region": self.settings.s3.region,
                   "credentials": "platform/local/platform.yaml (s3.access_key, s3.secret_key)"},
            "tenant_credentials": "platform/tenants.yaml",
            "supervisor": supervisor.record().to_dict() if supervisor is not None and supervisor.pid else None,
            "supervisor_status": STATUS_FILE,
        }
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=2) + "\n")
        tmp.replace(self.state_file)

    def _post(self, url: str) -> None:
        session().post(url, timeout=10).raise_for_status()

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

