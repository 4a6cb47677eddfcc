"""kind alert receivers: every webhook the platform configures (each tenant's AlertmanagerConfig, the
administrator's catch-all route) reaches a rendered receiver that records it under that receiver's name
only; the rendered receiver runs as the container would, outside the repository; and the harness reads
what a receiver pod recorded (through a stand-in kubectl)."""
from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
import yaml

from harness import alert_receiver
from harness.errors import UnavailableError
from harness.kind import alerts, cluster, constants, prerequisites, render
from harness.kind.platform import KindPlatform
from harness.net import HOST, free_port
from harness.processes import ChildProcess, stop_all
from harness.tenants import Tenant, load_tenants
from harness.waiting import wait_until
from tests.support import manifests

VALUES = yaml.safe_load((constants.PLATFORM_DIR / "values" / "kube-prometheus-stack.yaml").read_text())


def _one(objects: list[dict], kind: str, namespace: str, name: str) -> dict | None:
    found = [o for o in objects if o.get("kind") == kind and o.get("metadata", {}).get("name") == name
             and o.get("metadata", {}).get("namespace", namespace) == namespace]
    return found[0] if len(found) == 1 else None


def delivery_problems(objects: list[dict], url: str, receiver: str) -> list[str]:
    """Why a webhook `url` would not be recorded as `receiver` by the receivers among `objects` ([] if it is):
    the Service its host names, that Service's port, the Deployment behind it running harness.alert_receiver
    from the ConfigMap, and `receiver` being the only name that ConfigMap lists."""
    parts = urlsplit(url)
    host = (parts.hostname or "").split(".")
    if parts.scheme != "http" or len(host) < 3 or host[2] != "svc":
        return [f"{url}: not a Service URL http://<service>.<namespace>.svc:<port>/<receiver>"]
    service_name, namespace = host[0], host[1]
    service = _one(objects, "Service", namespace, service_name)
    if service is None:
        return [f"{url}: no Service {namespace}/{service_name} is rendered"]
    problems = []
    if parts.port not in [p.get("port") for p in service["spec"].get("ports", [])]:
        problems.append(f"{url}: Service {namespace}/{service_name} has no port {parts.port}")
    deployment = _one(objects, "Deployment", namespace, service_name)
    config_map = _one(objects, "ConfigMap", namespace, service_name)
    if deployment is None or config_map is None:
        return problems + [f"{url}: no Deployment and ConfigMap {namespace}/{service_name} behind the Service"]
    pod = deployment["spec"]["template"]
    if any(pod["metadata"].get("labels", {}).get(k) != v for k, v in service["spec"].get("selector", {}).items()):
        problems.append(f"{url}: the Service's selector does not select Deployment {namespace}/{service_name}")
    if config_map["data"].get(alerts.SCRIPT_KEY) != alerts.SCRIPT.read_text():
        problems.append(f"{url}: ConfigMap {namespace}/{service_name} does not hold harness/alert_receiver.py "
                        "as it is now (run `python -m harness.kind.render`)")
    listed = [line for line in config_map["data"].get(alerts.RECEIVERS_KEY, "").splitlines() if line.strip()]
    path = parts.path.strip("/")
    if path != receiver or listed != [receiver]:
        problems.append(f"{url}: recorded as {path or '(no receiver)'!r} by a receiver listing {listed}, "
                        f"want exactly {receiver!r}")
    return problems


def _chart_objects(rendering, chart_dir: str) -> list[dict]:
    return manifests.load_documents(rendering.files[f"{chart_dir}/templates/manifests.yaml"])


def _tenant_objects(rendering, tenant: Tenant) -> list[dict]:
    return _chart_objects(rendering, f"k8s/tenants/{tenant.name}/chart")


def _admin_objects(rendering) -> list[dict]:
    return _chart_objects(rendering, alerts.ADMINISTRATOR_CHART.as_posix())


def _administrator_webhook() -> str:
    [receiver] = [r for r in VALUES["alertmanager"]["config"]["receivers"] if r["name"] == "administrator"]
    [webhook] = receiver["webhook_configs"]
    return webhook["url"]


def _with_webhook(tenant: Tenant, url: str) -> Tenant:
    return Tenant(**{**tenant.__dict__, "alert_webhook_url": url})


@pytest.mark.parametrize("tenant", load_tenants(), ids=lambda t: t.name)
def test_each_tenants_webhook_reaches_its_own_receiver_recording_only_its_name(rendering, tenant):
    objects = _tenant_objects(rendering, tenant)
    assert delivery_problems(objects, render.alert_webhook_url(tenant), tenant.name) == []
    [deployment] = [o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == alerts.NAME]
    assert deployment["metadata"]["namespace"] == tenant.namespace


def test_the_administrators_webhook_reaches_the_administrators_receiver(rendering):
    assert _administrator_webhook() == alerts.receiver_url(constants.MONITORING_NAMESPACE, "administrator")
    assert delivery_problems(_admin_objects(rendering), _administrator_webhook(), "administrator") == []
    assert "alert-receiver" in [r["name"] for r in yaml.safe_load(rendering.files[constants.HELMFILE])["releases"]]


def test_a_webhook_landing_anywhere_else_is_refused(rendering):
    alice, bob = load_tenants()[:2]
    objects = _tenant_objects(rendering, alice) + _tenant_objects(rendering, bob)
    url = render.alert_webhook_url(alice)
    # Alice's alerts posted to Bob's receiver, or recorded under Bob's name.
    assert delivery_problems(objects, alerts.receiver_url(bob.namespace, alice.name), alice.name)
    assert delivery_problems(objects, url.replace(f"/{alice.name}", f"/{bob.name}"), alice.name)
    # Alice's receiver also listing Bob, a wrong port, an out-of-date script, no Service at all.
    tampered = copy.deepcopy(_tenant_objects(rendering, alice))
    [config_map] = [o for o in tampered if o["kind"] == "ConfigMap" and o["metadata"]["name"] == alerts.NAME]
    config_map["data"][alerts.RECEIVERS_KEY] += f"{bob.name}\n"
    assert "want exactly" in " ".join(delivery_problems(tampered, url, alice.name))
    config_map["data"] = {**config_map["data"], alerts.RECEIVERS_KEY: f"{alice.name}\n",
                          alerts.SCRIPT_KEY: "print('an old receiver')\n"}
    assert "harness/alert_receiver.py" in " ".join(delivery_problems(tampered, url, alice.name))
    assert "has no port 9999" in " ".join(delivery_problems(objects, url.replace(":8080", ":9999"), alice.name))
    assert delivery_problems([], url, alice.name) == [f"{url}: no Service {alice.namespace}/alert-receiver "
                                                             "is rendered"]


def test_a_tenant_with_its_own_webhook_gets_no_platform_receiver():
    tenant = _with_webhook(load_tenants()[0], "https://hooks.example.com/alice")
    assert alerts.tenant_receiver(tenant) == []
    assert alerts.tenant_receiver(load_tenants()[0]), "the default tenant gets the platform's receiver"


def test_only_alertmanager_may_post_to_the_administrators_receiver(rendering):
    objects = _admin_objects(rendering)
    [policy] = [o for o in objects if o["kind"] == "NetworkPolicy"]
    [deployment] = [o for o in objects if o["kind"] == "Deployment"]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert all(pod_labels.get(k) == v for k, v in policy["spec"]["podSelector"]["matchLabels"].items())
    [rule] = policy["spec"]["ingress"]
    assert rule["from"] == [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "alertmanager"}}}]
    assert rule["ports"] == [{"protocol": "TCP", "port": constants.ALERT_RECEIVER_PORT}]


def test_receivers_run_the_simplepipe_image_unprivileged_with_bounded_storage(rendering):
    from harness.image import image_tag

    for objects in [_admin_objects(rendering)] + [_tenant_objects(rendering, t) for t in load_tenants()]:
        [deployment] = [o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == alerts.NAME]
        pod = deployment["spec"]["template"]["spec"]
        [container] = pod["containers"]
        assert container["image"] == image_tag() and container["imagePullPolicy"] == "IfNotPresent"
        assert container["securityContext"]["runAsNonRoot"] and container["securityContext"]["readOnlyRootFilesystem"]
        assert pod["automountServiceAccountToken"] is False
        assert {v["name"]: v for v in pod["volumes"]}["deliveries"]["emptyDir"]["sizeLimit"] == alerts.DATA_SIZE_LIMIT


def test_the_rendered_receiver_runs_outside_the_repository_and_records_per_receiver(rendering, tmp_path):
    """The container's own command, with its mounts mapped into tmp_path: the script must need nothing but
    the standard library, listen where the Service points, and keep what it was told where the harness reads."""
    alice, bob = load_tenants()[:2]
    objects = _tenant_objects(rendering, alice)
    [config_map] = [o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"] == alerts.NAME]
    [deployment] = [o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == alerts.NAME]
    code, data = tmp_path / "code", tmp_path / "data"
    code.mkdir()
    for key, text in config_map["data"].items():
        (code / key).write_text(text)
    port = free_port()
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    command = [part.replace(alerts.CONFIG_MOUNT, str(code)).replace(alerts.DATA_MOUNT, str(data))
               .replace("--host=0.0.0.0", f"--host={HOST}").replace(f"--port={constants.ALERT_RECEIVER_PORT}",
                                                                    f"--port={port}")
               for part in container["command"]]
    assert command[0] == "python3"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    process = ChildProcess("alert-receiver", subprocess.Popen([sys.executable, "-I", "-S", *command[1:]], cwd=tmp_path,
                                                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                                              text=True))
    base = f"http://{HOST}:{port}"
    path = render.alert_webhook_url(alice).split(f":{constants.ALERT_RECEIVER_PORT}", 1)[1]

    def ready() -> bool:
        if not process.running():
            pytest.fail(f"the rendered receiver exited: {process.popen.stderr.read().strip()}")
        return requests.get(f"{base}/-/ready", timeout=2).ok

    try:
        wait_until(ready, timeout=30, what=f"the rendered receiver on {base}", errors=(requests.ConnectionError,))
        alert = {"status": "firing", "labels": {"alertname": "SimplepipeJobFailed", "tenant": alice.name},
                 "annotations": {"summary": "alice's job failed"}}
        posted = requests.post(f"{base}{path}", json={"status": "firing", "alerts": [alert]}, timeout=5)
        assert posted.status_code == 200
        assert requests.post(f"{base}/{bob.name}", json={"alerts": [alert]}, timeout=5).status_code == 404
    finally:
        stop_all([process])
    assert process.popen.stderr.read() == ""
    recorded = (data / alerts.deliveries_path(alice.name).removeprefix(alerts.DATA_MOUNT + "/")).read_text()
    [delivery] = alert_receiver.parse_deliveries(recorded)
    assert delivery["receiver"] == alice.name and delivery["alerts"][0]["labels"]["tenant"] == alice.name
    assert not (data / "alerts" / f"{bob.name}.jsonl").exists()


FAKE_KUBECTL = textwrap.dedent('''\
    #!{python}
    import json, sys
    from pathlib import Path
    calls = Path({calls!r})
    with calls.open("a") as out:
        out.write(json.dumps(sys.argv[1:]) + "\\n")
    files = json.loads(Path({files!r}).read_text())
    namespace = sys.argv[sys.argv.index("-n") + 1]
    key = namespace + ":" + sys.argv[-1]
    if key in files:
        sys.stdout.write(files[key])
    elif namespace == "broken":
        sys.stderr.write("error: unable to upgrade connection: container not found\\n"); sys.exit(1)
    else:
        sys.stderr.write("cat: " + sys.argv[-1] + ": No such file or directory\\n"
                         "command terminated with exit code 1\\n"); sys.exit(1)
    ''')


@pytest.fixture
def fake_kubectl(tmp_path, monkeypatch):
    calls, files = tmp_path / "calls.jsonl", tmp_path / "files.json"
    kubectl = tmp_path / "kubectl"
    kubectl.write_text(FAKE_KUBECTL.format(python=sys.executable, calls=str(calls), files=str(files)))
    kubectl.chmod(0o755)
    monkeypatch.setattr(prerequisites, "find", lambda name: str(kubectl))

    def serve(contents: dict[str, str]) -> Path:
        files.write_text(json.dumps(contents))
        return calls
    return serve


def test_kind_platform_reads_each_receivers_deliveries_from_its_own_namespace(fake_kubectl, tmp_path):
    alice, bob = load_tenants()[:2]
    record = json.dumps(alert_receiver.delivery_record(alice.name, {"status": "firing", "alerts": [
        {"status": "firing", "labels": {"tenant": alice.name}}]}))
    calls = fake_kubectl({f"{alice.namespace}:{alerts.deliveries_path(alice.name)}": f"{record}\n{record}\n",
                          f"monitoring:{alerts.deliveries_path('administrator')}": f"{record}\n"})
    platform = KindPlatform(context="kind-test", tenants=[alice, bob], state_dir=tmp_path / "state")
    assert [d["receiver"] for d in platform.alert_deliveries(alice.name)] == [alice.name, alice.name]
    assert len(platform.alert_deliveries(alice.name, last=1)) == 1
    assert len(platform.alert_deliveries("administrator")) == 1
    assert platform.alert_deliveries(bob.name) == []  # not notified yet: no file in its pod
    commands = [json.loads(line) for line in calls.read_text().splitlines()]
    assert commands[0] == ["--context", "kind-test", "-n", alice.namespace, "exec", "deploy/alert-receiver", "-c",
                           "alert-receiver", "--", "cat", f"/data/alerts/{alice.name}.jsonl"]
    assert [c[c.index("-n") + 1] for c in commands] == [alice.namespace, alice.namespace, "monitoring", bob.namespace]


def test_kind_platform_says_why_it_cannot_read_a_receiver(fake_kubectl, tmp_path):
    alice, bob = load_tenants()[:2]
    fake_kubectl({})
    broken = Tenant(**{**alice.__dict__, "namespace": "broken"})
    own = _with_webhook(bob, "https://hooks.example.com/bob")
    platform = KindPlatform(context="kind-test", tenants=[broken, own], state_dir=tmp_path / "state")
    with pytest.raises(cluster.ClusterError, match="container not found"):
        platform.alert_deliveries(broken.name)
    with pytest.raises(UnavailableError, match="its own webhook https://hooks.example.com/bob"):
        platform.alert_deliveries(own.name)
    lines = platform.alert_lines()
    assert any("container not found" in line for line in lines) and any("own webhook" in line for line in lines)
