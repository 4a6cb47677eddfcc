"""The local platform on free ports in a temp folder: Prometheus scrapes every tenant's Pushgateway,
a push shows up labelled with its tenant, tenants cannot write into each other's metrics, and
`down` leaves no process behind.

Pushes here are raw exposition text over HTTP, not through Simplepipe: the client refuses
platform-owned labels itself, and these tests are about what the servers guarantee without it.
"""
from __future__ import annotations

import base64
import dataclasses
import json
import os
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from harness.local import LocalPlatform
from harness.local.seaweedfs import s3_client, stale_sockets
from harness.local.settings import S3Settings
from harness.net import port_is_free
from harness.prometheus_api import PrometheusClient
from harness.tenants import tenant_by_name
from simplepipe.pushgateway import Pushgateway
from tests.support.promql import assert_labels, assert_targets_up, has_value, wait_for
from tests.support.throwaway import throwaway_platform

pytestmark = [pytest.mark.timeout(300)]



@pytest.fixture(scope="module")
def local_platform(tmp_path_factory):
    with throwaway_platform(tmp_path_factory.mktemp("local-platform")) as platform:
        yield platform


@pytest.fixture(scope="module")
def prometheus(local_platform) -> PrometheusClient:
    return local_platform.prometheus()


def push(url: str, job: str, body: str, auth: tuple[str, str] | None, *, grouping: str = "") -> int:
    """PUT raw exposition text to /metrics/job/<job>[/<label>/<value>...]; the HTTP status."""
    request = urllib.request.Request(f"{url}/metrics/job/{job}{grouping}", data=body.encode(), method="PUT",
                                     headers={"Content-Type": "text/plain; version=0.0.4"})
    if auth:
        request.add_header("Authorization", "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def gateway_jobs(url: str, auth: tuple[str, str]) -> set[str]:
    with Pushgateway(url, username=auth[0], password=auth[1], timeout=10, retries=0, identity=None) as gateway:
        return {group["labels"]["job"] for group in gateway.groups()}


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def creds(name: str) -> tuple[str, str]:
    tenant = tenant_by_name(name)
    return tenant.username, tenant.password


def test_prometheus_scrapes_every_tenants_gateway(local_platform, prometheus):
    assert_targets_up(prometheus, [t.scrape_job for t in local_platform.tenants])
    for tenant in local_platform.tenants:
        series = prometheus.series(f'up{{job="{tenant.scrape_job}"}}')
        assert [value for _, value in series] == [1.0]
        assert_labels(series, tenant=tenant.name, namespace=tenant.namespace)


def test_a_push_to_alices_gateway_is_attributed_to_alice(local_platform, prometheus):
    alice = tenant_by_name("alice")
    job, metric = unique("alice_job"), unique("application_run_time_seconds")
    status = push(local_platform.pushgateway_url(alice), job, f"{metric} 4.2\n", creds("alice"))
    assert status == 200

    series = wait_for(prometheus, f'{metric}{{job="{job}"}}', has_value(4.2), local_platform.settle_seconds)
    assert_labels(series, tenant="alice", namespace="alice", job=job)


@pytest.mark.parametrize("pushed_labels", [
    pytest.param('{tenant="alice"}', id="tenant-label"),
    pytest.param('{namespace="alice"}', id="namespace-label"),
    pytest.param('{tenant="alice",namespace="alice"}', id="both-labels"),
])
def test_bob_cannot_push_series_attributed_to_alice(local_platform, prometheus, pushed_labels):
    bob = tenant_by_name("bob")
    job, metric = unique("bob_job"), unique("isolation_probe")
    assert push(local_platform.pushgateway_url(bob), job, f"{metric}{pushed_labels} 1\n", creds("bob")) == 200

    series = wait_for(prometheus, f'{metric}{{job="{job}"}}', has_value(1), local_platform.settle_seconds)
    assert_labels(series, tenant="bob", namespace="bob")
    assert prometheus.series(f'{{__name__="{metric}", tenant="alice"}} or '
                                      f'{{__name__="{metric}", namespace="alice"}}') == []


def test_bob_cannot_claim_alice_through_the_grouping_key(local_platform, prometheus):
    bob = tenant_by_name("bob")
    job, metric = unique("bob_job"), unique("isolation_probe")
    status = push(local_platform.pushgateway_url(bob), job, f"{metric} 1\n", creds("bob"),
                  grouping="/tenant/alice/namespace/alice")
    assert status == 200

    series = wait_for(prometheus, f'{metric}{{job="{job}"}}', has_value(1), local_platform.settle_seconds)
    assert_labels(series, tenant="bob", namespace="bob")


def test_bobs_credentials_are_refused_by_alices_gateway(local_platform):
    alice_url = local_platform.pushgateway_url(tenant_by_name("alice"))
    job = unique("bob_job")
    assert push(alice_url, job, "intruder_metric 1\n", creds("bob")) == 401
    assert job not in gateway_jobs(alice_url, creds("alice"))


@pytest.mark.parametrize("auth", [None, ("alice", "not-the-password")], ids=["no-credentials", "wrong-password"])
def test_no_valid_credentials_no_push(local_platform, auth):
    alice_url = local_platform.pushgateway_url(tenant_by_name("alice"))
    job = unique("anonymous_job")
    assert push(alice_url, job, "anonymous_metric 1\n", auth) == 401
    assert job not in gateway_jobs(alice_url, creds("alice"))


def test_s3_has_argos_bucket_and_each_tenants_and_refuses_other_keys(local_platform):
    s3 = local_platform.settings.s3
    names = {b["Name"] for b in s3_client(local_platform.s3_endpoint, s3).list_buckets()["Buckets"]}
    assert {s3.bucket} | {t.artifact_bucket for t in local_platform.tenants} <= names
    stranger = S3Settings(s3.access_key, "not-the-secret", s3.bucket, s3.region)
    with pytest.raises(Exception, match="SignatureDoesNotMatch|AccessDenied|InvalidAccessKeyId"):
        s3_client(local_platform.s3_endpoint, stranger).list_buckets()


def test_tenant_env_points_at_the_tenants_gateway(local_platform):
    bob = tenant_by_name("bob")
    env = local_platform.tenant_env(bob)
    assert env == {
        "SIMPLEPIPE_PUSHGATEWAY_URL": local_platform.pushgateway_url(bob),
        "SIMPLEPIPE_PUSHGATEWAY_USERNAME": bob.username,
        "SIMPLEPIPE_PUSHGATEWAY_PASSWORD": bob.password,
        "AWS_ACCESS_KEY_ID": bob.s3_access_key,
        "AWS_SECRET_ACCESS_KEY": bob.s3_secret_key,
        "AWS_ENDPOINT_URL": local_platform.s3_endpoint,
        "AWS_DEFAULT_REGION": local_platform.settings.s3.region,
        "SIMPLEPIPE_ARTIFACT_BUCKET": "argo-artifacts-bob",
    }
    assert push(env["SIMPLEPIPE_PUSHGATEWAY_URL"], unique("env_job"), "env_metric 1\n",
                (env["SIMPLEPIPE_PUSHGATEWAY_USERNAME"], env["SIMPLEPIPE_PUSHGATEWAY_PASSWORD"])) == 200
    # Nothing of the administrator's: not its login, not the receiver's token.
    platform_secrets = [local_platform.administrator_login()[1], local_platform.layout.receiver_token.read_text()]
    assert [name for name, value in env.items() if any(secret in value for secret in platform_secrets)] == []




def test_up_again_keeps_the_running_servers(local_platform):
    before = json.loads(local_platform.state_file.read_text())["supervisor"]
    pids = {name: server["pid"] for name, server in local_platform.supervisor_status()["servers"].items()}
    said: list[str] = []
    LocalPlatform(state_dir=local_platform.state_dir, ports="free", say=said.append).up()
    assert [line for line in said if "older command line" in line] == []  # each runs as configured now
    assert json.loads(local_platform.state_file.read_text())["supervisor"] == before
    assert {name: server["pid"] for name, server in local_platform.supervisor_status()["servers"].items()} == pids
    # Another command on the same state folder (make status, make down) finds the same platform.
    other = LocalPlatform(state_dir=local_platform.state_dir)
    assert other.is_up()
    assert other.prometheus_url == local_platform.prometheus_url


def test_up_says_which_running_server_has_an_older_command_line(local_platform):
    """A server started by an earlier version (say, before its login was part of it) keeps running as it was:
    `up` says so instead of letting the administrator believe it is configured as now."""
    changed = dataclasses.replace(local_platform.settings, persistence_interval="7s")  # each gateway's argv
    said: list[str] = []
    try:
        LocalPlatform(state_dir=local_platform.state_dir, ports="free", settings=changed, say=said.append).up()
    finally:
        local_platform.up()  # the spec the supervisor restarts from, as it was
    older = sorted(line.split(":")[0].strip() for line in said if "older command line" in line)
    assert older == sorted(t.pushgateway_name for t in local_platform.tenants), said


def test_make_snapshot_finds_the_running_platforms_prometheus_and_its_login(local_platform, monkeypatch):
    from dashboards.snapshot import prometheus_of

    monkeypatch.delenv("PROMETHEUS_URL", raising=False)
    client = prometheus_of("local", local_platform.state_dir)

    assert client.url == local_platform.prometheus_url  # the ports `up` picked, not platform.yaml's
    assert client.ready()  # with the administrator's login: Prometheus answers nobody else
    assert not PrometheusClient(client.url).ready()


# Last in this module: it stops the module's platform (the fixture's down() is then a no-op).
def test_down_leaves_no_process_behind(local_platform):
    state = json.loads(local_platform.state_file.read_text())
    pids = [state["supervisor"]["pid"], *(s["pid"] for s in local_platform.supervisor_status()["servers"].values())]
    # The supervisor; Prometheus, SeaweedFS, Alertmanager, the alert receiver, and one Pushgateway per tenant.
    assert len(pids) == 1 + 4 + len(local_platform.tenants)

    local_platform.down()

    running = [pid for pid in pids if _running(pid)]
    assert running == [], f"still running after down: {running}"
    assert not local_platform.state_file.exists()
    assert not local_platform.is_up()
    ports = [state["ports"]["prometheus"], *state["ports"]["pushgateways"].values(), *state["ports"]["s3"].values(),
             state["ports"]["alertmanager"], state["ports"]["alert_receiver"]]
    assert [p for p in ports if not port_is_free(p)] == []
    assert stale_sockets(state["ports"]["s3"]) == []


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X") and os.path.exists(f"/proc/{pid}")

