"""The local platform's supervisor, on throwaway platforms (free ports, temp folders): it restarts a
SIGKILLed server after a backoff that doubles and reports it; `down` after a crash loop leaves
nothing behind; a server that cannot start fails `up` with its log, and Ctrl-C during `up` leaves
nothing running.
"""
from __future__ import annotations

import dataclasses
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.errors import ProcessExitedError
from harness.local import LocalPlatform
from harness.local.settings import SupervisorSettings, load_settings
from harness.local.supervised import read_status
from harness.net import HOST, http_ok
from harness.paths import REPO_ROOT
from harness.waiting import NotYet, wait_until
from tests.support.throwaway import throwaway_platform

pytestmark = [pytest.mark.timeout(180)]

BACKOFF = SupervisorSettings(backoff_initial=1.0, backoff_max=4.0, backoff_reset=60.0)


def settings(**changes):
    return dataclasses.replace(load_settings(), supervisor=BACKOFF, **changes)


def processes_of(state_dir: Path) -> list[str]:
    """Every process whose command line names the state folder: the supervisor and all its servers."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if str(state_dir) in argv and state not in ("Z", "X"):
            found.append(f"{entry.name}: {argv[:120]}")
    return found


def server(platform: LocalPlatform, name: str) -> dict:
    return platform.supervisor_status()["servers"][name]


def restarted(platform: LocalPlatform, name: str, old_pid: int, restarts: int) -> dict:
    """Wait until the supervisor reports `name` ready again under a new pid after `restarts` restarts."""
    def check() -> dict:
        now = server(platform, name)
        if now["state"] != "ready" or now["pid"] == old_pid or now["restarts"] != restarts:
            raise NotYet(f"{now['state']}, pid {now['pid']}, restarts {now['restarts']}")
        return now

    return wait_until(check, timeout=30, poll=0.05, what=f"{name} restarted ({restarts})")


def test_supervisor_restarts_a_killed_server_with_backoff_and_reports_it(tmp_path):
    with throwaway_platform(tmp_path / "platform", settings=settings()) as platform:
        bob = platform.tenant("bob")
        gateway = bob.pushgateway_name
        waits = []
        for restarts in (1, 2):
            pid = platform.pushgateway_pid(bob)
            killed = time.monotonic()
            os.kill(pid, signal.SIGKILL)
            wait_until(lambda: server(platform, gateway)["state"] == "backoff", timeout=5, poll=0.05,
                       what=f"{gateway} in backoff")
            now = restarted(platform, gateway, pid, restarts)
            waits.append(time.monotonic() - killed)
            assert now["last_exit"] == "killed by SIGKILL"
        assert waits[0] >= BACKOFF.backoff_initial, waits
        assert waits[1] >= 2 * BACKOFF.backoff_initial, f"the backoff did not double: {waits}"
        assert http_ok(f"{platform.pushgateway_url(bob)}/-/ready", (bob.username, bob.password))
        assert platform.is_up()

        status = "\n".join(platform.status_lines())
        line = next(line for line in status.splitlines() if line.strip().startswith(gateway))
        assert "ready" in line and "restarts 2" in line and "killed by SIGKILL" in line, status
        others = [line for line in status.splitlines() if line.strip().startswith(("seaweedfs", "prometheus"))]
        assert others and all("restarts 0" in line for line in others), status


def test_down_after_a_crash_loop_leaves_nothing(tmp_path):
    state_dir = tmp_path / "platform"
    with throwaway_platform(state_dir, settings=settings()) as platform:
        alice = platform.tenant("alice")
        port = int(platform.pushgateway_url(alice).rsplit(":", 1)[1])
        with socket.socket() as squatter:
            os.kill(platform.pushgateway_pid(alice), signal.SIGKILL)
            # Its port taken: every restart exits at once, and the supervisor backs off again and again.
            wait_until(lambda: _bind(squatter, port), timeout=5, poll=0.01, what=f"port {port} free to take")
            wait_until(lambda: server(platform, alice.pushgateway_name)["restarts"] >= 3, timeout=30,
                       what="a crash loop of three restarts")
            crashed = server(platform, alice.pushgateway_name)
            assert re.fullmatch(r"exited with status \d+ before it was ready", crashed["last_exit"]), crashed
            assert "last lines of" in crashed["error"], crashed
            assert not platform.is_up()

            platform.down()

            assert processes_of(state_dir) == []
            assert not platform.state_file.exists()
            assert "FAILED" not in (state_dir / "logs" / "supervisor.log").read_text()


def _bind(sock: socket.socket, port: int) -> bool:
    """Take the port (listening, so that the gateway's own SO_REUSEADDR bind fails too)."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, port))
        sock.listen(1)
    except OSError:
        return False
    return True


def test_a_server_that_cannot_start_fails_up_with_its_log_and_leaves_nothing(tmp_path):
    state_dir = tmp_path / "platform"
    platform = LocalPlatform(state_dir=state_dir, ports="free", settings=settings(persistence_interval="never"))
    try:
        with pytest.raises(ProcessExitedError, match=r"pushgateway-\w+ exited with status \d+ while waiting for") as error:
            platform.up()
        assert "last lines of" in str(error.value) and "never" in str(error.value)
        assert processes_of(state_dir) == []
        assert not platform.state_file.exists()
    finally:
        platform.down()


def test_ctrl_c_during_up_leaves_nothing(tmp_path):
    state_dir = tmp_path / "platform"
    up = subprocess.Popen([sys.executable, "-c", "from harness.local import LocalPlatform; "
                           f"LocalPlatform(state_dir={str(state_dir)!r}, ports='free').up()"],
                          cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        # Interrupted once the servers run but before S3 is ready (it takes seconds): mid-way through `up`.
        wait_until(lambda: any(s["state"] == "starting" for s in read_status(state_dir).get("servers", {}).values()),
                   timeout=30, poll=0.05, what="the supervisor to start the servers")
        up.send_signal(signal.SIGINT)
        _, stderr = up.communicate(timeout=60)
    finally:
        if up.poll() is None:
            up.kill()
            up.wait()
    assert up.returncode != 0
    assert b"KeyboardInterrupt" in stderr
    assert processes_of(state_dir) == []
    assert not (state_dir / "state.json").exists()


def test_down_stops_the_servers_of_a_killed_supervisor(tmp_path):
    state_dir = tmp_path / "platform"
    with throwaway_platform(state_dir, settings=settings()) as platform:
        supervisor = platform.supervisor_status()["pid"]
        os.kill(supervisor, signal.SIGKILL)
        wait_until(lambda: not platform.is_up(), timeout=10, what="the platform to read as not up")
        assert "NOT RUNNING" in "\n".join(platform.status_lines())
        # Its servers outlive it: SeaweedFS, Prometheus, Alertmanager, the alert receiver, one gateway per tenant.
        assert len(processes_of(state_dir)) == 4 + len(platform.tenants)

        platform.down()

        assert processes_of(state_dir) == []


def test_up_again_with_a_new_tenant_starts_its_gateway_under_the_running_supervisor(tmp_path):
    state_dir = tmp_path / "platform"
    everyone = LocalPlatform(state_dir=state_dir, ports="free").tenants
    with throwaway_platform(state_dir, tenants=everyone[:1]) as platform:
        supervisor = platform.supervisor_status()["pid"]
        first = server(platform, everyone[0].pushgateway_name)["pid"]

        grown = LocalPlatform(state_dir=state_dir, ports="free", tenants=everyone)
        grown.up()  # the supervisor gets SIGHUP and starts the new gateway; Prometheus reloads its config

        status = grown.supervisor_status()
        assert status["pid"] == supervisor
        assert status["servers"][everyone[0].pushgateway_name]["pid"] == first
        added = everyone[1]
        assert status["servers"][added.pushgateway_name]["state"] == "ready"
        assert http_ok(f"{grown.pushgateway_url(added)}/-/ready", (added.username, added.password))
        assert grown.is_up()
