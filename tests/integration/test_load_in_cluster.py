"""The load generator's pods (load/in_cluster.py) run here as processes against a real Pushgateway: a master and
two workers over Locust's own protocol, each with its own folder as pods have, the password only in a file (the
Secret's mount). The workers ship their ledgers and timelines to the master; the master's folder alone holds every
group, nothing is lost, and it keeps the folder until the harness says it has collected it."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from pushgateway_server import PASSWORD, USERNAME

from harness.paths import REPO_ROOT
from harness.processes import ChildProcess, stop_all
from harness.waiting import wait_until
from load.in_cluster import COLLECTED_FILE, DONE_FILE, PLAN_FILE
from load.ledger import read_ledgers
from load.locust_process import master_port
from load.nothing_lost import check_pushgateways
from load.plan import LOAD_JOB, TenantTarget, grouping_key
from load.report import read_locust_stats
from load.shipping import worker_cpu
from load import payloads
from simplepipe.pushgateway import Pushgateway

RUN = "it-in-cluster"


def test_master_and_workers_in_their_own_folders_push_and_the_master_holds_every_record(auth_pushgateway, tmp_path):
    secret = tmp_path / "credentials" / "alice"
    secret.parent.mkdir()
    secret.write_text(PASSWORD)
    targets = tmp_path / "targets.json"
    targets.write_text(json.dumps([{"name": "alice", "url": auth_pushgateway.url, "username": USERNAME,
                                    "password_file": str(secret)}]))
    port = master_port()
    common = ["--targets", str(targets), "--run-id", RUN, "--master-port", str(port)]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    master_out = tmp_path / "master"
    processes = []

    def start(name: str, args: list[str]) -> ChildProcess:
        log = open(tmp_path / f"{name}.log", "wb")
        process = ChildProcess(name, subprocess.Popen([sys.executable, "-m", "load.in_cluster", *args], cwd=REPO_ROOT,
                                                      env=env, stdout=log, stderr=subprocess.STDOUT), stop_grace=10)
        log.close()
        processes.append(process)
        return process

    try:
        master = start("master", ["master", *common, "--out", str(master_out), "--workers", "2", "--users", "4",
                                  "--spawn-rate", "4", "--run-time", "6", "--hold", "120"])
        for index in (1, 2):
            start(f"worker-{index}", ["worker", *common, "--out", str(tmp_path / f"worker-{index}"),
                                      "--master-host", "127.0.0.1"])
        wait_until(lambda: (master_out / DONE_FILE).exists(), timeout=180, what="the master's done.json", poll=0.5,
                   give_up=lambda: None if master.running() else f"the master exited: {(tmp_path / 'master.log').read_text()[-2000:]}")
        assert json.loads((master_out / DONE_FILE).read_text())["exit_code"] == 0
        assert master.running()  # holding its folder for the harness

        groups = read_ledgers(master_out)
        assert {path.name for path in master_out.glob("pushed-worker-*.json")} == {"pushed-worker-1.json",
                                                                                   "pushed-worker-2.json"}
        assert sorted({g.workflow.split("-w")[1][0] for g in groups}) == ["0", "1"]  # users of both workers
        assert len(groups) == 4 and all(g.pushes > 0 and g.sequence > 0 for g in groups)
        target = {"alice": TenantTarget("alice", auth_pushgateway.url, USERNAME, PASSWORD)}
        assert check_pushgateways(groups, target, RUN) == []
        stats = read_locust_stats(master_out / "locust-stats.json", payloads.KINDS)
        assert stats.total.pushes >= sum(g.sequence for g in groups) and stats.total.failures == 0
        assert set(worker_cpu(master_out)) == {"worker 1", "worker 2"}
        assert {p.name for p in master_out.glob("timeline-worker-*.json")} == {"timeline-worker-1.json",
                                                                                 "timeline-worker-2.json"}
        assert PASSWORD not in (master_out / PLAN_FILE).read_text()

        (master_out / COLLECTED_FILE).touch()
        assert master.popen.wait(timeout=30) == 0
    finally:
        stop_all(processes)
        gateway = Pushgateway(auth_pushgateway.url, username=USERNAME, password=PASSWORD, retries=0, identity=None)
        for group in read_ledgers(master_out) if master_out.exists() else []:
            gateway.delete(LOAD_JOB, grouping_key(RUN, group.workflow))
