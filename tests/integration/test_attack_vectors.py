"""Each monitoring-plane vector of the attack matrix catches the door it is about when that door is open.

The local platform's own servers, from its own server table and generated files, are started here with the
protections of issue 20 taken out of their command lines (no --web.config.file for Prometheus and
Alertmanager, no --token-file for the alert receiver, weed without -disableHttp and its security.toml) and
the Pushgateways' admin and lifecycle APIs switched on. Every vector must then report ALLOWED, with the
evidence: a matrix that says "blocked" only because its attack cannot succeed would fail here.
"""
from __future__ import annotations

import contextlib

import pytest

from harness.local import LocalPlatform, seaweedfs, state
from harness.local.configs import write_configs
from harness.local.servers import server_table
from harness.local.settings import Ports
from harness.processes import SupervisedProcess, stop_all
from harness.tenants import tenant_by_name
from tests.support import monitoring_attacks

pytestmark = [pytest.mark.timeout(300)]

OPENED_PUSHGATEWAY = ("--web.enable-admin-api", "--web.enable-lifecycle")


def opened(name: str, argv: list[str]) -> list[str]:
    """The server's command line with its doors left open."""
    dropped = ("--web.config.file=", "--token-file=", "-config_dir=", "-disableHttp")
    argv = [arg for arg in argv if not arg.startswith(dropped) or name.startswith("pushgateway-")]
    return argv + list(OPENED_PUSHGATEWAY) if name.startswith("pushgateway-") else argv


@pytest.fixture(scope="module")
def open_platform(tmp_path_factory):
    """A LocalPlatform object over the open servers (its URLs, credentials and files are the same as ever)."""
    platform = LocalPlatform(state_dir=tmp_path_factory.mktemp("open-platform"), ports="free")
    ports = Ports.free(platform.tenants)
    write_configs(platform.layout, platform.tenants, platform.settings, ports, rule_files="")
    state.write_state(platform.layout, ports, platform.settings, None)
    processes: list[SupervisedProcess] = []
    try:
        for server in server_table(platform.layout, ports, platform.settings, platform.tenants, say=print):
            process = SupervisedProcess(server.name, opened(server.name, server.argv),
                                        platform.layout.logs(f"{server.name}.log"), stop_grace=server.stop_grace)
            processes.append(process)
            process.start()
            process.wait_ready(server.probe, platform.settings.ready_timeout, server.waiting_for)
        yield platform
    finally:
        with contextlib.suppress(Exception):
            stop_all(processes, print)
        for socket_file in seaweedfs.stale_sockets(ports.s3):
            socket_file.unlink(missing_ok=True)


@pytest.fixture
def pair():
    return tenant_by_name("alice"), tenant_by_name("bob")


def test_the_servers_really_are_open(open_platform):
    """The control: the administrator's login is not what lets the vectors through."""
    assert monitoring_attacks.request("GET", f"{open_platform.prometheus_url}/-/ready").status == 200


# Destructive last: quitting Prometheus and deleting a bucket's volumes.
@pytest.mark.parametrize("vector, evidence", [
    (monitoring_attacks.forge_alert, "Alertmanager holds 1 forged alert"),
    (monitoring_attacks.silence_alerts, "POST /api/v2/silences: 200 x5"),
    (monitoring_attacks.read_or_delete_silences, "still expired"),
    (monitoring_attacks.post_to_alert_receiver, "200 x10"),
    (monitoring_attacks.query_other_series, "200 x"),
    (monitoring_attacks.pushgateway_administration, "its group kept: False"),
    (monitoring_attacks.seaweedfs_internals, "OPEN ["),
    (monitoring_attacks.monitoring_administration, "Prometheus still ready: False"),
], ids=lambda v: getattr(v, "__name__", None))
def test_each_vector_reports_the_open_door(open_platform, pair, vector, evidence):
    attacker, victim = pair
    attempt = vector(open_platform, attacker, victim)
    assert not attempt.blocked, attempt.detail
    assert evidence in attempt.detail, attempt.detail
