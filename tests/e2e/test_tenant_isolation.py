"""The tenant isolation attack matrix: for every ORDERED pair of tenants in platform/tenants.yaml, the
attacker tries each vector against the victim with its own credentials, and every attempt is blocked.

Each attempt is a row of the matrix `make e2e` prints (tests.support.e2e_report): blocked / ALLOWED / not
applicable on this backend. A third tenant in tenants.yaml adds its pairs here without any edit.
Pushes are raw exposition text over HTTP, as a hostile tenant would send them (curl), not Simplepipe,
which refuses these names and labels itself. The monitoring plane's vectors (alerts, silences, the alert
receivers, Prometheus, the administrator's tools) are tests.support.monitoring_attacks locally; on kind a
step in the attacker's namespace tries the same doors over the cluster's network.
"""
from __future__ import annotations

import base64
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Callable

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from harness.errors import UnavailableError
from harness.kind import constants
from harness.image import image_tag
from harness.tenants import Tenant, load_tenants, tenant_by_name
from harness.waiting import wait_until
from simplepipe.pushgateway import Pushgateway
from simplepipe.sdk import BackgroundPusher
from tests.support import alert_ownership, attacks, cluster_probe, e2e_report, monitoring_attacks
from tests.support.attacks import Attempt, basic, held_logins, probe_id
from tests.support.e2e_report import ALLOWED, BLOCKED, NOT_APPLICABLE
from tests.support.promql import non_empty, wait_for
from tests.support.scenario import load_scenario

pytestmark = [pytest.mark.timeout(300)]

TENANTS = load_tenants()
PAIRS = [(a, v) for a in TENANTS for v in TENANTS if a != v]
# After a pushed series would have been scraped: rule evaluations that could turn it into an alert.
EVALUATIONS_WAIT_SECONDS = 6.0
# group_wait 1 s and group_interval 5 s locally, 10 s and 1 m on kind (values/kube-prometheus-stack.yaml, where each
# read is a kubectl exec); Prometheus sends a firing alert at its next evaluation.
DELIVERY_WAIT_SECONDS = {"local": 60.0, "kind": 120.0}
FAILING_SCENARIO = "bob-nightly-failing"


def _push(url: str, job: str, body: str, tenant: Tenant) -> int:
    """PUT raw exposition text to /metrics/job/<job> with the tenant's own credentials; the HTTP status."""
    request = urllib.request.Request(f"{url}/metrics/job/{job}", data=body.encode(), method="PUT",
                                     headers={"Content-Type": "text/plain; version=0.0.4"})
    token = base64.b64encode(f"{tenant.username}:{tenant.password}".encode()).decode()
    request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _delete(url: str, job: str, tenant: Tenant) -> None:
    request = urllib.request.Request(f"{url}/metrics/job/{job}", method="DELETE")
    token = base64.b64encode(f"{tenant.username}:{tenant.password}".encode()).decode()
    request.add_header("Authorization", f"Basic {token}")
    with urllib.request.urlopen(request, timeout=10):
        pass


def _s3(env: dict[str, str]):
    """An S3 client with exactly what `make env TENANT=x` exports: the tenant's own keys and endpoint."""
    return boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"], aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
                        region_name=env.get("AWS_DEFAULT_REGION", "us-east-1"),
                        config=Config(s3={"addressing_style": "path"}, connect_timeout=5, read_timeout=10,
                                      retries={"max_attempts": 1}))


def _denied(call: Callable[[], object]) -> str | None:
    """The S3 error code when the call was refused, None when it went through."""
    try:
        call()
    except ClientError as exc:
        return exc.response.get("Error", {}).get("Code", "error")
    return None


# -- the vectors -------------------------------------------------------------------------------------
def push_to_other_gateway(platform, attacker: Tenant, victim: Tenant) -> Attempt:
    status = _push(platform.pushgateway_url(victim), f"intruder-{probe_id()}", "intruder_probe 1\n", attacker)
    return Attempt(status == 401, f"PUT to {victim.name}'s gateway with {attacker.name}'s credentials: HTTP {status}")


def spoof_owner_labels(platform, attacker: Tenant, victim: Tenant) -> Attempt:
    probe, job = probe_id(), f"spoof-{probe_id()}"
    labels = (f'probe="{probe}",tenant="{victim.name}",namespace="{victim.namespace}",'
              f'exported_tenant="{victim.name}",exported_namespace="{victim.namespace}"')
    url = platform.pushgateway_url(attacker)
    assert _push(url, job, f"isolation_spoof{{{labels}}} 1\n", attacker) == 200
    try:
        series = wait_for(platform.prometheus(), f'isolation_spoof{{probe="{probe}"}}', non_empty,
                          platform.settle_seconds, what="scraped")
    finally:
        _delete(url, job, attacker)
    claims = [labels for labels, _ in series
              if labels.get("tenant") != attacker.name or labels.get("namespace") != attacker.namespace
              or victim.name in {labels.get("exported_tenant"), labels.get("exported_namespace")}]
    return Attempt(not claims, f"stored as {[dict(sorted(l.items())) for l, _ in series]}")


def push_platform_series(platform, attacker: Tenant, victim: Tenant) -> Attempt:
    """`up 0`, `ALERTS` and scrape_* naming the victim's scrape job, pushed to the attacker's own gateway."""
    probe = probe_id()
    body = (f'up{{probe="{probe}"}} 0\n'
            f'ALERTS{{probe="{probe}",alertname="SimplepipePushgatewayDown",alertstate="firing",'
            f'tenant="{victim.name}",severity="critical"}} 1\n'
            f'scrape_samples_scraped{{probe="{probe}"}} 0\n'
            f'isolation_control{{probe="{probe}"}} 1\n')
    url, job = platform.pushgateway_url(attacker), victim.scrape_job
    prometheus = platform.prometheus()
    assert _push(url, job, body, attacker) == 200
    try:
        # The control series of the same push is scraped: so were the others, had they not been dropped.
        wait_for(prometheus, f'isolation_control{{probe="{probe}"}}', non_empty, platform.settle_seconds,
                 what="scraped")
        time.sleep(EVALUATIONS_WAIT_SECONDS)
        stored = prometheus.series(f'{{probe="{probe}", __name__=~"up|ALERTS|ALERTS_FOR_STATE|scrape_.+"}}')
        down = prometheus.series(f'up{{tenant="{victim.name}"}} == 0')
        alerts = prometheus.series(f'ALERTS{{alertname="SimplepipePushgatewayDown", tenant="{victim.name}"}}')
    finally:
        _delete(url, job, attacker)
    return Attempt(not stored and not down and not alerts,
                   f"stored {len(stored)} platform-owned series, {victim.name}'s up==0: {len(down)}, "
                   f"gateway-down alerts for {victim.name}: {len(alerts)}")


def _artifact_env(platform, tenant: Tenant) -> dict[str, str]:
    env = platform.tenant_env(tenant)
    if "AWS_ACCESS_KEY_ID" not in env:
        pytest.skip(f"{platform.name}: no per-tenant S3 settings in tenant_env yet")
    return env


def _victims_artifact(platform, victim: Tenant) -> tuple[str, str, bytes]:
    env = _artifact_env(platform, victim)
    bucket, key, body = env["SIMPLEPIPE_ARTIFACT_BUCKET"], f"isolation/{probe_id()}/metrics.json", b'{"v": 1}'
    _s3(env).put_object(Bucket=bucket, Key=key, Body=body)
    return bucket, key, body


def read_other_artifacts(platform, attacker: Tenant, victim: Tenant) -> Attempt:
    bucket, key, _ = _victims_artifact(platform, victim)
    mine = _s3(_artifact_env(platform, attacker))
    codes = {"get": _denied(lambda: mine.get_object(Bucket=bucket, Key=key)),
             "list": _denied(lambda: mine.list_objects_v2(Bucket=bucket))}
    return Attempt(all(code == "AccessDenied" for code in codes.values()),
                   f"{attacker.name}'s keys on s3://{bucket}: {codes}")


def overwrite_other_artifacts(platform, attacker: Tenant, victim: Tenant) -> Attempt:
    bucket, key, body = _victims_artifact(platform, victim)
    mine = _s3(_artifact_env(platform, attacker))
    codes = {"put": _denied(lambda: mine.put_object(Bucket=bucket, Key=key, Body=b"overwritten")),
             "delete": _denied(lambda: mine.delete_object(Bucket=bucket, Key=key))}
    still = _s3(_artifact_env(platform, victim)).get_object(Bucket=bucket, Key=key)["Body"].read()
    return Attempt(all(code == "AccessDenied" for code in codes.values()) and still == body,
                   f"{attacker.name}'s keys on s3://{bucket}/{key}: {codes}; object intact: {still == body}")


def _deliveries(platform, receiver: str) -> list[dict]:
    try:
        return platform.alert_deliveries(receiver)
    except UnavailableError as exc:  # kind: a tenant whose tenants.yaml entry names its own webhook
        pytest.skip(f"{platform.name}: {exc}")


def _delivered(platform, receiver: str, **labels: str) -> list[dict]:
    return [alert for delivery in _deliveries(platform, receiver) for alert in delivery.get("alerts", [])
            if all(alert.get("labels", {}).get(k) == v for k, v in labels.items())]


def _wait_delivered(platform, receiver: str, what: str, **labels: str) -> None:
    wait_until(lambda: _delivered(platform, receiver, **labels), timeout=DELIVERY_WAIT_SECONDS[platform.name], poll=1,
               errors=(), what=f"receiver {receiver} to be notified of {what} ({labels})")


def receive_other_alert(platform, attacker: Tenant, victim: Tenant) -> Attempt:
    """The victim's own job fails, reported by Simplepipe (an alert of the victim): the attacker's receiver
    must not hear of it."""
    job = f"isolation-failing-{probe_id()}"
    with Pushgateway(platform.pushgateway_url(victim), username=victim.username, password=victim.password,
                     timeout=10, retries=0, identity=None) as gateway:
        with pytest.raises(RuntimeError):
            with BackgroundPusher(job=job, interval=3600, gateway=gateway):
                raise RuntimeError("the victim's job fails")
        try:
            for receiver in (victim.name, "administrator"):
                _wait_delivered(platform, receiver, f"{victim.name}'s failed job", alertname="SimplepipeJobFailed",
                                job=job)
        finally:
            gateway.delete(job)
    # Judged by whose alert it is (tenant, else namespace): the attacker's own pods' platform alerts are no leak.
    leaked = alert_ownership.foreign(_delivered(platform, attacker.name), attacker, TENANTS)
    return Attempt(not leaked, f"{victim.name} and administrator notified; {attacker.name}'s receiver got "
                               f"{len(leaked)} notification(s) of other tenants")


# -- kind-only vectors: namespaces, the network between them, the Argo server, Grafana -----------------------
_PROBE_WORKFLOW = {
    "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
    "metadata": {"generateName": "isolation-probe-"},
    "spec": {"entrypoint": "probe", "templates": [{"name": "probe", "container": {
        "image": image_tag(), "command": ["simplepipe", "--version"]}}]},
}


def submit_into_other_namespace(platform, attacker: Tenant, victim: Tenant) -> Attempt:
    """The attacker's own token (client auth mode) against the Argo server: a server-side dry-run create into
    the victim's namespace must be refused, the same into its own accepted (else nothing was shown)."""
    import requests

    from harness.kind import cluster

    argo = cluster.service_urls()["argo-server"]
    headers = {"Authorization": f"Bearer {platform.tenant_token(attacker)}"}

    def create(namespace: str) -> int:
        body = {"workflow": {**_PROBE_WORKFLOW, "metadata": {**_PROBE_WORKFLOW["metadata"], "namespace": namespace}},
                "serverDryRun": True}
        return requests.post(f"{argo}/api/v1/workflows/{namespace}", json=body, headers=headers, timeout=30,
                             verify=False).status_code

    own, other = create(attacker.namespace), create(victim.namespace)
    return Attempt(200 <= own < 300 and other in (401, 403),
                   f"{attacker.name}'s token: create in {attacker.namespace} HTTP {own}, in {victim.namespace} "
                   f"HTTP {other}")


def reach_other_gateway_over_network(platform, attacker: Tenant, victim: Tenant) -> Attempt:
    """A step in the attacker's namespace opens a connection to its own gateway (the control) and to the
    victim's: the NetworkPolicies must let the first through and stop the second."""
    from harness.kind import render

    script = ("import socket, sys\n"
              "def reach(host):\n"
              "    try:\n"
              f"        socket.create_connection((host, {constants.PUSHGATEWAY_PORT}), timeout=5).close(); return True\n"
              "    except OSError:\n"
              "        return False\n"
              f"own = reach({render.pushgateway_service(attacker) + '.' + attacker.namespace + '.svc'!r})\n"
              f"other = reach({render.pushgateway_service(victim) + '.' + victim.namespace + '.svc'!r})\n"
              "print('own', own, 'other', other)\n"
              "sys.exit(0 if own and not other else 1)\n")
    manifest = {**_PROBE_WORKFLOW, "spec": {"entrypoint": "probe", "templates": [{"name": "probe", "script": {
        "image": image_tag(), "command": ["python3"], "source": script}}]}}
    run = platform.wait(platform.submit(attacker, manifest), 180)
    log = " ".join(step.log.strip() for step in run.steps)
    return Attempt(run.phase == "Succeeded", f"probe workflow {run.name} in {attacker.namespace}: {run.phase}: {log}")


def query_other_series_through_grafana(platform, attacker: Tenant, victim: Tenant) -> Attempt:
    """The attacker's Grafana organisation's data source (prom-label-proxy), asked for the victim's series."""
    import requests

    from harness.kind import cluster, grafana_orgs

    grafana, login = cluster.service_urls()["grafana"], platform.grafana_login()
    org = requests.get(f"{grafana}/api/orgs/name/{grafana_orgs.organisation_name(attacker)}", auth=login, timeout=10)
    org.raise_for_status()
    answer = requests.get(f"{grafana}/api/datasources/proxy/uid/{grafana_orgs.DATASOURCE_UID}/api/v1/query",
                          params={"query": f'{{tenant="{victim.name}"}}'}, auth=login, timeout=10,
                          headers={"X-Grafana-Org-Id": str(org.json()["id"])})
    tenants = {s["metric"].get("tenant") for s in answer.json().get("data", {}).get("result", [])} \
        if answer.status_code == 200 else set()
    return Attempt(victim.name not in tenants, f"{attacker.name}'s data source, query {{tenant=\"{victim.name}\"}}: "
                                               f"HTTP {answer.status_code}, tenants {sorted(map(str, tenants))}")


# -- the monitoring plane on kind: a step in the attacker's namespace tries the doors over the cluster network ---
def _from_attackers_namespace(platform, attacker: Tenant, doors: list[tuple[str, str]],
                              node_ports: tuple[int, ...] = ()) -> Attempt:
    """tests.support.cluster_probe from a step in the attacker's namespace, its own gateway the control."""
    from harness.kind import render

    control = (f"{render.pushgateway_service(attacker)}.{attacker.namespace}.svc", constants.PUSHGATEWAY_PORT)
    template = {"name": "probe", "script": {
        "image": image_tag(), "command": ["python3"],
        "source": cluster_probe.probe_script(control, doors, node_ports),
        "env": [{"name": "NODE_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.hostIP"}}}]}}
    manifest = {**_PROBE_WORKFLOW, "spec": {"entrypoint": "probe", "templates": [template]}}
    run = platform.wait(platform.submit(attacker, manifest), 180)
    return cluster_probe.verdict("\n".join(step.log for step in run.steps),
                                 f"probe workflow {run.name} in {attacker.namespace} ({run.phase})")


def _alertmanager_doors(*requests: tuple[str, str]):
    def attack(platform, attacker: Tenant, victim: Tenant) -> Attempt:
        return _from_attackers_namespace(platform, attacker, [(method, constants.ALERTMANAGER_URL_IN_CLUSTER + path)
                                                              for method, path in requests])
    return attack


def post_to_alert_receiver_in_cluster(platform, attacker: Tenant, victim: Tenant) -> Attempt:
    from harness.kind import alerts

    return _from_attackers_namespace(platform, attacker, [
        ("POST", alerts.receiver_url(victim.namespace, victim.name)),
        ("POST", alerts.receiver_url(constants.MONITORING_NAMESPACE, "administrator"))])


def query_other_series_in_cluster(platform, attacker: Tenant, victim: Tenant) -> Attempt:
    """Prometheus' Service and the victim's prom-label-proxy (Grafana's only), and Prometheus' NodePort on the
    step's node."""
    from harness.kind import cluster, reads

    query = f"/api/v1/query?query=%7Btenant%3D%22{victim.name}%22%7D"
    return _from_attackers_namespace(platform, attacker, [
        ("GET", constants.PROMETHEUS_URL_IN_CLUSTER + query), ("GET", reads.read_proxy_url(victim) + query)],
        node_ports=(cluster.node_ports()["prometheus"],))


def monitoring_administration_in_cluster(platform, attacker: Tenant, victim: Tenant) -> Attempt:
    prometheus, alertmanager = constants.PROMETHEUS_URL_IN_CLUSTER, constants.ALERTMANAGER_URL_IN_CLUSTER
    return _from_attackers_namespace(platform, attacker, [
        ("POST", f"{prometheus}/-/quit"), ("POST", f"{prometheus}/api/v1/admin/tsdb/snapshot"),
        ("POST", f"{alertmanager}/-/reload"), ("GET", f"{alertmanager}/api/v2/status")])


def grafana_administration(platform, attacker: Tenant, victim: Tenant) -> Attempt:
    """Grafana's admin API from the host with the chart's default password, the demo constant it replaced and
    what the attacker holds (all refused; the administrator's generated login is the control), and Grafana's
    Service from the attacker's namespace (closed: Grafana is reached through its NodePort)."""
    import requests

    from harness.kind import cluster

    grafana = cluster.service_urls()["grafana"]
    guesses = {"admin/prom-operator (chart default)": basic("admin", "prom-operator"),
               "admin/simplepipe-demo (the old constant)": basic("admin", "simplepipe-demo"),
               **{login.name: login.headers for login in held_logins(platform, attacker)}}
    answers = {name: requests.get(f"{grafana}/api/orgs", headers=headers, timeout=10).status_code
               for name, headers in guesses.items()}
    control = requests.get(f"{grafana}/api/orgs", auth=platform.grafana_login(), timeout=10).status_code
    network = _from_attackers_namespace(platform, attacker, [("GET", f"{constants.GRAFANA_URL_IN_CLUSTER}/api/orgs")])
    refused = all(status in (401, 403) for status in answers.values())
    return Attempt(refused and control == 200 and network.blocked,
                   f"GET /api/orgs from the host: {answers}, the administrator's login {control}; {network.detail}")


def s3_store_internals_in_cluster(platform, attacker: Tenant, victim: Tenant) -> Attempt:
    return _from_attackers_namespace(platform, attacker, [
        ("GET", f"{constants.SEAWEEDFS_FILER_URL_IN_CLUSTER}/buckets/{victim.artifact_bucket}/?pretty=y"),
        ("GET", f"{constants.SEAWEEDFS_MASTER_URL_IN_CLUSTER}/dir/status")])


@dataclass(frozen=True)
class Vector:
    name: str
    attacks: dict[str, Callable[[object, Tenant, Tenant], Attempt]]  # by backend; elsewhere: not applicable


BOTH = ("local", "kind")


def _everywhere(attack) -> dict[str, Callable]:
    return dict.fromkeys(BOTH, attack)


VECTORS = [
    Vector("push to the other's Pushgateway with own credentials", _everywhere(push_to_other_gateway)),
    Vector("spoof tenant/namespace/exported_* labels", _everywhere(spoof_owner_labels)),
    Vector("push platform-owned series (up, ALERTS, scrape_*) naming the other's job",
           _everywhere(push_platform_series)),
    Vector("read the other's artifacts with own S3 credentials", _everywhere(read_other_artifacts)),
    Vector("overwrite the other's artifacts with own S3 credentials", _everywhere(overwrite_other_artifacts)),
    Vector("receive the other's alert notification", _everywhere(receive_other_alert)),
    Vector("run the other's WorkflowTemplate by templateRef", _everywhere(attacks.run_other_workflow_template)),
    # The monitoring plane: locally each door asks for the administrator's login (or Alertmanager's token);
    # on kind the NetworkPolicies of `monitoring` and of the tenant namespaces keep tenants' pods out.
    Vector("forge an alert for the other", {"local": monitoring_attacks.forge_alert,
                                            "kind": _alertmanager_doors(("POST", "/api/v2/alerts"))}),
    Vector("silence the other's alerts", {"local": monitoring_attacks.silence_alerts,
                                          "kind": _alertmanager_doors(("POST", "/api/v2/silences"))}),
    Vector("read or delete the other's silences", {
        "local": monitoring_attacks.read_or_delete_silences,
        "kind": _alertmanager_doors(("GET", "/api/v2/silences"), ("DELETE", "/api/v2/silence/0"))}),
    Vector("post straight to the other's alert receiver", {"local": monitoring_attacks.post_to_alert_receiver,
                                                           "kind": post_to_alert_receiver_in_cluster}),
    Vector("query the other's series past own read path", {"local": monitoring_attacks.query_other_series,
                                                           "kind": query_other_series_in_cluster}),
    Vector("use Prometheus' or Alertmanager's admin/lifecycle API", {
        "local": monitoring_attacks.monitoring_administration, "kind": monitoring_administration_in_cluster}),
    Vector("use a Pushgateway's admin/lifecycle API", _everywhere(monitoring_attacks.pushgateway_administration)),
    Vector("reach the S3 store's internal APIs or console", {"local": monitoring_attacks.seaweedfs_internals,
                                                             "kind": s3_store_internals_in_cluster}),
    # Kind only: the local backend has no namespaces, no network between tenants and no Grafana.
    Vector("use Grafana's administrator", {"kind": grafana_administration}),
    Vector("submit a workflow into the other's namespace", {"kind": submit_into_other_namespace}),
    Vector("reach the other's Pushgateway over the network", {"kind": reach_other_gateway_over_network}),
    Vector("query the other's series through own Grafana data source", {"kind": query_other_series_through_grafana}),
]


def _backend(request) -> str:
    return request.node.callspec.params["platform"]


@pytest.mark.parametrize("attacker, victim", PAIRS, ids=[f"{a.name}->{v.name}" for a, v in PAIRS])
@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v.name)
def test_attack_is_blocked(platform, request, vector: Vector, attacker: Tenant, victim: Tenant):
    backend = _backend(request)
    if backend not in vector.attacks:
        e2e_report.record_attack(vector.name, backend, attacker.name, victim.name, NOT_APPLICABLE)
        return
    attempt = vector.attacks[backend](platform, attacker, victim)
    e2e_report.record_attack(vector.name, backend, attacker.name, victim.name,
                             BLOCKED if attempt.blocked else ALLOWED, attempt.detail)
    assert attempt.blocked, f"{vector.name}: {attacker.name} -> {victim.name} got through: {attempt.detail}"


def test_bobs_failing_nightly_notifies_bob_and_the_administrator_not_the_others(given, request):
    """The failing scenario's alert reaches its own tenant's receiver and the administrator's, no other."""
    scenario = load_scenario(FAILING_SCENARIO)
    owner = tenant_by_name(scenario.tenant)
    when = given.scenario(FAILING_SCENARIO).when().submitted().finished()
    when.then().phase_as_expected()
    run = given.submissions[-1].run
    labels = {"alertname": "SimplepipeJobFailed", "tenant": owner.name, "argo_workflow": run.name}
    for receiver in (owner.name, "administrator"):
        _wait_delivered(given.platform, receiver, f"{scenario.name} ({run.name})", **labels)
    vector = f"{scenario.name}: SimplepipeJobFailed reaches only {owner.name} and the administrator"
    for other in (t for t in TENANTS if t != owner):
        leaked = _delivered(given.platform, other.name, argo_workflow=run.name)
        e2e_report.record_attack(vector, _backend(request), other.name, owner.name, ALLOWED if leaked else BLOCKED,
                                 f"{other.name}'s receiver got {len(leaked)} notification(s) of {run.name}")
        assert not leaked, f"{other.name}'s receiver was notified of {owner.name}'s {run.name}: {leaked}"
