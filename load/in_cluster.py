"""The load generator in the cluster: the entry point of the master and worker pods of the load chart
(platform/k8s/load/chart, installed by `make load PLATFORM=kind LOAD_ARGS="--workers N"`).

Each pod writes the load plan into its own folder from the chart's targets file (the tenants' in-cluster gateway
URLs and users, each password in a file of the load's Secret) and the run's id, then runs Locust with
load/locustfile.py in Locust's distributed mode:

    python -m load.in_cluster worker --targets FILE --run-id ID --out /data --master-host locust-master
    python -m load.in_cluster master --targets FILE --run-id ID --out /data --workers N --users U \\
        --spawn-rate R --run-time SECONDS [--hold SECONDS]

A worker becomes `locust --worker` (it pushes; when it stops it ships its ledger and timeline to the master,
load/shipping.py). The master runs `locust --master --headless --expect-workers N` (statistics, HTML report and
the workers' records land in --out), writes `done.json` (Locust's exit code) and then keeps its folder for the
harness to copy until `collected` appears there or --hold seconds pass; it exits with Locust's code.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from load.plan import DEFAULT_PACING, PLAN_ENV, LoadPlan, LoadPlanError, load_targets
from simplepipe.identity import DISABLE as WORKFLOW_IDENTITY

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
MASTER_PORT = 5557
DONE_FILE = "done.json"
COLLECTED_FILE = "collected"
PLAN_FILE = "plan.json"
# Users finish the push they are in when the time is up (as locally, load.locust_process).
STOP_TIMEOUT_SECONDS = 30
# How long the master waits for its workers to connect before it gives up (Locust's own timeout).
EXPECT_WORKERS_SECONDS = 300
# Beyond the run itself: spawning, the workers' stop and Locust's reports.
MARGIN_SECONDS = 120


def write_plan(targets: Path, run_id: str, out: Path) -> Path:
    """The load plan of this pod (passwords are read from their files, never written into the plan)."""
    plan = LoadPlan(run_id=run_id, out_dir=str(out), tenants=load_targets(targets), pacing=dict(DEFAULT_PACING),
                    ship_to_master=True)
    out.mkdir(parents=True, exist_ok=True)
    return plan.save(out / PLAN_FILE)


def worker_command(master_host: str, master_port: int = MASTER_PORT) -> list[str]:
    return [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--worker", "--master-host", master_host,
            "--master-port", str(master_port)]


def master_command(out: Path, workers: int, users: int, spawn_rate: float, run_time: int,
                   master_port: int = MASTER_PORT) -> list[str]:
    return [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--master", "--master-bind-port", str(master_port),
            "--expect-workers", str(workers), "--expect-workers-max-wait", str(EXPECT_WORKERS_SECONDS),
            "--headless", "--only-summary", "--users", str(users), "--spawn-rate", f"{spawn_rate:g}",
            "--run-time", f"{run_time}s", "--stop-timeout", str(STOP_TIMEOUT_SECONDS),
            # failed pushes are this run's verdict (load.run reads them), not Locust's exit code
            "--exit-code-on-error", "0",
            "--csv", str(out / "locust"), "--html", str(out / "locust.html"), "--json-file", str(out / "locust-stats")]


def run_master(args: argparse.Namespace, env: dict[str, str]) -> int:
    command = master_command(args.out, args.workers, args.users, args.spawn_rate, args.run_time, args.master_port)
    limit = EXPECT_WORKERS_SECONDS + args.run_time + STOP_TIMEOUT_SECONDS + MARGIN_SECONDS
    print(f"locust master: {args.workers} workers, {args.users} users, {args.run_time} s (at most {limit} s)",
          flush=True)
    try:
        exit_code = subprocess.run(command, env=env, timeout=limit).returncode
    except subprocess.TimeoutExpired:
        print(f"locust master: no end after {limit} s, stopped", flush=True)
        exit_code = 124
    (args.out / DONE_FILE).write_text(json.dumps({"exit_code": exit_code, "finished_at": time.time()}))
    print(f"locust master: exit {exit_code}; keeping {args.out} for the harness at most {args.hold} s", flush=True)
    deadline = time.monotonic() + args.hold
    while time.monotonic() < deadline and not (args.out / COLLECTED_FILE).exists():
        time.sleep(1)
    return exit_code


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m load.in_cluster", description=__doc__.splitlines()[0])
    parser.add_argument("role", choices=("master", "worker"))
    parser.add_argument("--targets", type=Path, required=True, help="the chart's targets file (JSON)")
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--out", type=Path, required=True, help="this pod's folder for the plan and the results")
    parser.add_argument("--master-host", default="locust-master", help="worker: the master's Service")
    parser.add_argument("--master-port", type=int, default=MASTER_PORT, help="the master's port for its workers")
    parser.add_argument("--workers", type=int, default=1, help="master: workers to wait for")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--spawn-rate", type=float, default=10.0)
    parser.add_argument("--run-time", type=int, default=60, help="seconds of load")
    parser.add_argument("--hold", type=int, default=3600, help="master: seconds to keep the results for the harness")
    args = parser.parse_args(argv)
    for name in ("workers", "users", "run_time"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.spawn_rate <= 0 or args.hold < 0:
        parser.error("--spawn-rate must be above 0 and --hold not negative")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        plan = write_plan(args.targets, args.run_id, args.out)
    except (LoadPlanError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    env = {**os.environ, PLAN_ENV: str(plan), WORKFLOW_IDENTITY: "off"}  # not an Argo step
    if args.role == "worker":
        os.execve(sys.executable, worker_command(args.master_host, args.master_port), env)  # Locust takes this pod's signals
    return run_master(args, env)


if __name__ == "__main__":
    sys.exit(main())
