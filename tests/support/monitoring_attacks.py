"""The attack matrix's vectors against the local backend's monitoring plane and its administrator's tools: an
attacking tenant, with only what `make env` gave it (tests.support.attacks), tries to forge, silence or read
another tenant's alerts, write into its alert receiver, read its series past the read path, or use a tool of
the administrator's. Each returns an Attempt: blocked only when every door answered "no", and the harm it
tried did not happen (asked as the administrator afterwards).

The vectors take the platform's URLs and files from a LocalPlatform, or anything with the same attributes
(tests/integration/test_attack_vectors.py points them at servers left open on purpose).
"""
from __future__ import annotations

import json
import socket
import ssl
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from harness.alert_receiver import ADMINISTRATOR
from harness.local import seaweedfs
from tests.support.attacks import Answer, Attempt, as_each_login, basic, probe_id, request, summary

# The HTTP/2 connection preface and an empty SETTINGS frame: what a gRPC client sends first.
H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"
SETTINGS_FRAME_TYPE = 0x04


def _admin(platform) -> dict[str, str]:
    return basic(*platform.administrator_login())


def _json(answer: Answer):
    return json.loads(answer.body) if answer.status == 200 else None


def _all_refused(answers: list[tuple[str, Answer]], not_here: bool = False) -> bool:
    return all(answer.refused(not_here) for _, answer in answers)


# -- alerts --------------------------------------------------------------------------------------------------
def _alertmanager_alerts(platform, probe: str) -> list[dict]:
    """The alerts Alertmanager holds with this probe label, asked as the administrator."""
    matcher = quote(f'probe="{probe}"')
    return _json(request("GET", f"{platform.alertmanager_url}/api/v2/alerts?filter={matcher}", _admin(platform))) or []


def forge_alert(platform, attacker, victim) -> Attempt:
    """An alert labelled as the victim's, posted to Alertmanager: it would be routed to the victim's receiver."""
    probe = probe_id()
    alert = [{"labels": {"alertname": "ForgedAlert", "tenant": victim.name, "namespace": victim.namespace,
                         "severity": "critical", "probe": probe},
              "annotations": {"summary": f"your model is broken, call {attacker.name}"}}]
    answers = as_each_login(platform, attacker, "POST", f"{platform.alertmanager_url}/api/v2/alerts",
                            json.dumps(alert).encode(), {"Content-Type": "application/json"})
    held = _alertmanager_alerts(platform, probe)
    return Attempt(_all_refused(answers) and not held,
                   f"{summary('POST /api/v2/alerts', answers)}; Alertmanager holds {len(held)} forged alert(s)")


def _silences(platform) -> list[dict]:
    return _json(request("GET", f"{platform.alertmanager_url}/api/v2/silences", _admin(platform))) or []


def _expire(platform, silence_id: str) -> None:
    request("DELETE", f"{platform.alertmanager_url}/api/v2/silence/{silence_id}", _admin(platform))


def _silence(tenant, comment: str, created_by: str, alertname: str | None = None) -> bytes:
    now = datetime.now(timezone.utc)
    matchers = [{"name": "tenant", "value": tenant.name, "isRegex": False, "isEqual": True}]
    if alertname:
        matchers.append({"name": "alertname", "value": alertname, "isRegex": False, "isEqual": True})
    return json.dumps({"matchers": matchers, "startsAt": now.isoformat(), "endsAt": (now + timedelta(hours=1)).isoformat(),
                       "createdBy": created_by, "comment": comment}).encode()


def silence_alerts(platform, attacker, victim) -> Attempt:
    """A silence of every alert of the victim's (matcher tenant=<victim>)."""
    comment = f"isolation probe {probe_id()}"
    answers = as_each_login(platform, attacker, "POST", f"{platform.alertmanager_url}/api/v2/silences",
                            _silence(victim, comment, attacker.name), {"Content-Type": "application/json"})
    created = [s for s in _silences(platform) if s.get("comment") == comment]
    for silence in created:  # had it got through: the victim's alerts must not stay silenced
        _expire(platform, silence["id"])
    return Attempt(_all_refused(answers) and not created,
                   f"{summary('POST /api/v2/silences', answers)}; silences created: {len(created)}")


def read_or_delete_silences(platform, attacker, victim) -> Attempt:
    """The administrator silences an alert of the victim's; the attacker lists the silences, reads that one and
    expires it."""
    comment = f"isolation probe {probe_id()}"
    # Only an alert that never fires: the victim's real alerts are not silenced while this runs.
    created = request("POST", f"{platform.alertmanager_url}/api/v2/silences",
                      {**_admin(platform), "Content-Type": "application/json"},
                      _silence(victim, comment, ADMINISTRATOR, alertname="IsolationProbeNeverFires"))
    assert created.status == 200, f"the administrator could not create a silence: {created}"
    silence_id = json.loads(created.body)["silenceID"]
    try:
        url = platform.alertmanager_url
        answers = {"GET /api/v2/silences": as_each_login(platform, attacker, "GET", f"{url}/api/v2/silences"),
                   "GET /api/v2/silence/<id>": as_each_login(platform, attacker, "GET", f"{url}/api/v2/silence/{silence_id}"),
                   "DELETE /api/v2/silence/<id>": as_each_login(platform, attacker, "DELETE",
                                                                f"{url}/api/v2/silence/{silence_id}")}
        leaked = [what for what, tried in answers.items() for _, answer in tried if comment in answer.body]
        state = (_json(request("GET", f"{url}/api/v2/silence/{silence_id}", _admin(platform))) or {}).get("status", {})
    finally:
        _expire(platform, silence_id)
    return Attempt(all(_all_refused(tried) for tried in answers.values()) and not leaked
                   and state.get("state") == "active",
                   "; ".join(summary(what, tried) for what, tried in answers.items())
                   + f"; the victim's silence seen in {len(leaked)} answer(s), still {state.get('state')}")


def _delivered(platform, receiver: str, probe: str) -> list[dict]:
    return [alert for delivery in platform.alert_deliveries(receiver) for alert in delivery.get("alerts", [])
            if alert.get("labels", {}).get("probe") == probe]


def post_to_alert_receiver(platform, attacker, victim) -> Attempt:
    """A notification written straight into the victim's (and the administrator's) record, past Alertmanager."""
    probe = probe_id()
    notification = json.dumps({"status": "firing", "receiver": f"tenant-{victim.name}", "alerts": [{
        "status": "firing", "labels": {"alertname": "ForgedNotification", "tenant": victim.name, "probe": probe},
        "annotations": {"summary": f"forged by {attacker.name}"}}]}).encode()
    answers = []
    for receiver in (victim.name, ADMINISTRATOR):
        answers += as_each_login(platform, attacker, "POST", f"{platform.urls.alert_receiver}/{receiver}",
                                 notification, {"Content-Type": "application/json"})
    recorded = _delivered(platform, victim.name, probe) + _delivered(platform, ADMINISTRATOR, probe)
    return Attempt(_all_refused(answers) and not recorded,
                   f"{summary(f'POST /{victim.name} and /{ADMINISTRATOR}', answers)}; recorded: {len(recorded)}")


# -- Prometheus ----------------------------------------------------------------------------------------------
def query_other_series(platform, attacker, victim) -> Attempt:
    """The victim's series straight from Prometheus (the local backend has no per-tenant read path)."""
    selector = quote(f'{{tenant="{victim.name}"}}')
    url = platform.prometheus_url
    answers = []
    for method, path in (("GET", f"/api/v1/query?query={selector}"), ("POST", f"/api/v1/query?query={selector}"),
                         ("GET", f"/api/v1/series?match[]={selector}"), ("GET", f"/federate?match[]={selector}"),
                         ("GET", "/api/v1/label/tenant/values"), ("GET", "/api/v1/targets")):
        answers += as_each_login(platform, attacker, method, f"{url}{path}")
    leaked = [name for name, answer in answers if victim.name in answer.body]
    there = platform.prometheus().series(f'count({{tenant="{victim.name}"}})')
    return Attempt(_all_refused(answers) and not leaked,
                   f"{summary('query, series, federate, label values, targets', answers)}; answers naming "
                   f"{victim.name}: {len(leaked)}; the administrator sees {there[0][1] if there else 0:g} of its series")


def monitoring_administration(platform, attacker, victim) -> Attempt:
    """Prometheus' and Alertmanager's lifecycle and admin APIs: stop or reload a server, delete the victim's
    series, read the configuration."""
    selector = quote(f'{{tenant="{victim.name}"}}')
    prometheus, alertmanager = platform.prometheus_url, platform.alertmanager_url
    answers = []
    for method, url in (("POST", f"{prometheus}/-/quit"), ("POST", f"{prometheus}/-/reload"),
                        ("POST", f"{prometheus}/api/v1/admin/tsdb/delete_series?match[]={selector}"),
                        ("POST", f"{prometheus}/api/v1/admin/tsdb/snapshot"),
                        ("GET", f"{prometheus}/api/v1/status/config"),
                        ("POST", f"{alertmanager}/-/reload"), ("GET", f"{alertmanager}/api/v2/status")):
        answers += as_each_login(platform, attacker, method, url)
    up = platform.prometheus().ready()
    return Attempt(_all_refused(answers) and up,
                   f"{summary('/-/quit, /-/reload, admin/tsdb, status (both servers)', answers)}; "
                   f"Prometheus still ready: {up}")


# -- Pushgateways (both backends: the gateways are reached the same way) -------------------------------------------
def pushgateway_administration(platform, attacker, victim) -> Attempt:
    """The gateways' admin API (wipe every group) and lifecycle (quit): on the victim's gateway with the
    attacker's login, and on the attacker's own, where they are not switched on."""
    own, other = platform.pushgateway_url(attacker), platform.pushgateway_url(victim)
    login = basic(attacker.username, attacker.password)
    job = f"isolation-wipe-{probe_id()}"
    stored = request("PUT", f"{own}/metrics/job/{job}", {**login, "Content-Type": "text/plain"}, b"wipe_probe 1\n")
    assert stored.status == 200, f"{attacker.name} could not push to its own gateway: {stored}"
    try:
        victims = [(f"{method} {path}", request(method, f"{other}{path}", login))
                   for method, path in (("PUT", "/api/v1/admin/wipe"), ("POST", "/-/quit"), ("POST", "/-/reload"))]
        # Its own gateway answers the attacker; the administrator's parts of it must not.
        wipe = request("PUT", f"{own}/api/v1/admin/wipe", login)
        quit_ = request("POST", f"{own}/-/quit", login)
        # Every group of the gateway, in no set order: all of it, not a start that may miss the probe's.
        groups = request("GET", f"{own}/api/v1/metrics", login, limit=16 << 20)
        kept = job in groups.body
    finally:
        request("DELETE", f"{own}/metrics/job/{job}", login)
    return Attempt(all(answer.status == 401 for _, answer in victims) and wipe.refused(not_here=True)
                   and quit_.refused() and kept,
                   f"{victim.name}'s gateway: " + ", ".join(f"{what} {a.status}" for what, a in victims)
                   + f"; own gateway: wipe {wipe.status}, quit {quit_.status}, its group kept: {kept}")


# -- SeaweedFS ----------------------------------------------------------------------------------------------
def _grpc_answer(connect) -> str:
    """What a gRPC door says to a client without the platform's certificate: `plaintext` (it talks HTTP/2 to
    anyone), `accepted` (TLS without a client certificate), or why it refused."""
    with connect() as raw:
        raw.settimeout(5)
        raw.sendall(H2_PREFACE)
        try:
            first = raw.recv(9)
        except OSError:
            first = b""
        if len(first) >= 4 and first[3] == SETTINGS_FRAME_TYPE:
            return "plaintext"
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    context.set_alpn_protocols(["h2"])
    try:
        with connect() as raw, context.wrap_socket(raw, server_hostname="localhost") as tls:
            tls.settimeout(5)
            tls.sendall(H2_PREFACE)
            first = tls.recv(9)  # TLS 1.3: the server's verdict on the (missing) client certificate comes here
            return "accepted" if len(first) >= 4 and first[3] == SETTINGS_FRAME_TYPE else "refused: closed"
    except ssl.SSLError as exc:
        return f"refused: {exc.reason or exc}"
    except (ConnectionError, OSError) as exc:
        return f"refused: {exc.__class__.__name__}"


def _tcp(port: int):
    return lambda: socket.create_connection(("127.0.0.1", port), timeout=5)


def _unix(path: Path):
    def connect():
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(5)
        sock.connect(str(path))
        return sock
    return connect


def grpc_doors(ports: dict[str, int], sockets: dict[str, Path]) -> dict[str, str]:
    """Every gRPC port and socket of weed's, with what it says to a client without the certificate."""
    doors = {f"{key} {port}": _grpc_answer(_tcp(port)) for key, port in ports.items() if key.endswith("_grpc_port")}
    doors.update({f"{server} socket": _grpc_answer(_unix(path)) for server, path in sockets.items()})
    return doors


def _s3(endpoint: str, keys: tuple[str, str], region: str):
    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=keys[0], aws_secret_access_key=keys[1],
                        region_name=region, config=Config(s3={"addressing_style": "path"}, connect_timeout=5,
                                                          read_timeout=10, retries={"max_attempts": 1}))


def seaweedfs_internals(platform, attacker, victim) -> Attempt:
    """The victim's bucket through weed's doors other than S3: the filer's HTTP API (port and socket) reads and
    writes any path without S3's identities, the master's deletes a bucket's volumes, the volume server
    writes and deletes blobs, and every gRPC server does all of that to whoever connects."""
    victim_env = platform.tenant_env(victim)
    keys = (victim_env["AWS_ACCESS_KEY_ID"], victim_env["AWS_SECRET_ACCESS_KEY"])
    bucket, key, body = victim_env["SIMPLEPIPE_ARTIFACT_BUCKET"], f"isolation/{probe_id()}/metrics.json", b'{"v": 1}'
    s3 = _s3(victim_env["AWS_ENDPOINT_URL"], keys, victim_env["AWS_DEFAULT_REGION"])
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    ports = platform.ports.s3
    filer, master, volume = (f"http://127.0.0.1:{ports[name]}" for name in ("filer_port", "master_port", "volume_port"))
    sockets = seaweedfs.socket_dir(platform.layout.data("seaweedfs"))
    not_here = []  # switched off (-disableHttp): Go's 404 of a route that is not there
    for method, url, over in (("GET", f"{filer}/buckets/{bucket}/{key}", None), ("GET", f"{filer}/buckets/", None),
                              ("PUT", f"{filer}/buckets/{bucket}/{key}", None),
                              ("DELETE", f"{filer}/buckets/{bucket}/{key}", None),
                              ("GET", f"http://localhost/buckets/{bucket}/{key}", sockets / seaweedfs.FILER_SOCKET),
                              ("GET", f"{master}/col/delete?collection={bucket}", None),
                              ("GET", f"{master}/dir/assign", None), ("GET", f"{master}/vol/vacuum", None)):
        body_sent = b"x" if method in ("PUT", "POST") else None
        not_here += as_each_login(platform, attacker, method, url, body_sent, unix_socket=str(over) if over else None)
    signed = as_each_login(platform, attacker, "POST", f"{volume}/1,01637037d6", b"x")  # writes need weed's JWT
    signed += as_each_login(platform, attacker, "DELETE", f"{volume}/1,01637037d6")
    anonymous_s3 = request("GET", f"http://localhost/{bucket}/{key}", unix_socket=str(sockets / seaweedfs.S3_SOCKET))
    grpc = grpc_doors(ports, seaweedfs.grpc_sockets(ports))
    try:
        intact = s3.get_object(Bucket=bucket, Key=key)["Body"].read() == body
    except ClientError:  # deleted (or its volume) through a door that was open
        intact = False
    s3.delete_object(Bucket=bucket, Key=key)
    open_grpc = sorted(door for door, answer in grpc.items() if not answer.startswith("refused"))
    return Attempt(_all_refused(not_here, not_here=True) and _all_refused(signed) and anonymous_s3.refused()
                   and not open_grpc and intact,
                   f"{summary('filer (port, socket) and master HTTP', not_here)}; {summary('volume writes', signed)}; "
                   f"S3 socket anonymous {anonymous_s3.status}; gRPC without the certificate: "
                   + (f"OPEN {open_grpc}" if open_grpc else f"{len(grpc)} refused") + f"; object intact: {intact}")

