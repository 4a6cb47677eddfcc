"""What an attacking tenant holds and how one attempt is judged, for the attack matrix
(tests/e2e/test_tenant_isolation.py) and the tests that show each vector catching an open door.

An attempt uses only what `make env TENANT=<attacker>` gives (`held_logins`): no credentials, the tenant's
Pushgateway login, its S3 keys, each also as a bearer token. It counts as refused only on an answer that
says so (401, 403, a refused connection, or the exact "not here" of a switched-off API): never on a
timeout, a connection closed without an answer, or an error of the test's own.
"""
from __future__ import annotations

import base64
import http.client
import socket
import uuid
from collections import Counter
from dataclasses import dataclass, field

from harness.errors import ManifestRefusedError
from harness.image import image_tag
from simplepipe import settings

# An attempt's outcome when nothing answered: the door is shut (nothing listens there).
CONNECTION_REFUSED = "connection refused"
REFUSED_STATUSES = (401, 403)
# Go's net/http answers a route that is not registered (an API switched off) with exactly this body.
GO_NOT_FOUND = "404 page not found"


class Attempt:
    """What one attack did: `blocked` or not, with the evidence in one line."""

    def __init__(self, blocked: bool, detail: str):
        self.blocked, self.detail = blocked, detail


def probe_id() -> str:
    return uuid.uuid4().hex[:10]


@dataclass(frozen=True)
class Login:
    """One way of presenting what the attacker holds: its name in the matrix's detail, and the headers."""

    name: str
    headers: dict[str, str] = field(default_factory=dict)


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def held_logins(platform, tenant) -> list[Login]:
    """Every credential `make env` hands the tenant, presented every way a server could take it."""
    env = platform.tenant_env(tenant)
    logins = [Login("no credentials")]
    for user, password in ((settings.USERNAME, settings.PASSWORD), ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")):
        if user in env and password in env:
            logins.append(Login(f"{user}/{password}", basic(env[user], env[password])))
            logins.append(Login(f"{password} as bearer", {"Authorization": f"Bearer {env[password]}"}))
    return logins


@dataclass(frozen=True)
class Answer:
    """A server's answer: its status (or CONNECTION_REFUSED) and the start of its body."""

    status: int | str
    body: str = ""

    def refused(self, not_here: bool = False) -> bool:
        """401, 403 or nothing listening; with `not_here`, also Go's 404 of an API that is switched off."""
        return self.status in REFUSED_STATUSES or self.status == CONNECTION_REFUSED or (
            not_here and self.status == 404 and self.body.strip() == GO_NOT_FOUND)


class UnixHTTPConnection(http.client.HTTPConnection):
    """HTTP over a Unix socket (weed's -filer.localSocket and -s3.localSocket)."""

    def __init__(self, path: str, timeout: float = 10.0):
        super().__init__("localhost", timeout=timeout)
        self.socket_path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.socket_path)


def request(method: str, url: str, headers: dict[str, str] | None = None, body: bytes | None = None,
            unix_socket: str | None = None, timeout: float = 10.0, limit: int = 4096) -> Answer:
    """One HTTP request as a tenant would send it (curl): no retries, no redirects, no session of the harness.
    The answer keeps the first `limit` bytes of the body."""
    scheme, _, rest = url.partition("://")
    assert scheme == "http", url
    host_port, slash, path = rest.partition("/")
    host, _, port = host_port.partition(":")
    connection = UnixHTTPConnection(unix_socket, timeout) if unix_socket else \
        http.client.HTTPConnection(host, int(port or 80), timeout=timeout)
    try:
        connection.request(method, slash + path, body=body, headers={"User-Agent": "attacker", **(headers or {})})
        response = connection.getresponse()
        return Answer(response.status, response.read(limit).decode(errors="replace"))
    except ConnectionRefusedError:
        return Answer(CONNECTION_REFUSED)
    except (http.client.RemoteDisconnected, ConnectionResetError):  # e.g. a server that quit on the request
        return Answer("closed without an answer")
    except TimeoutError:
        return Answer("no answer in time")
    finally:
        connection.close()


def as_each_login(platform, attacker, method: str, url: str, body: bytes | None = None,
                  headers: dict[str, str] | None = None, unix_socket: str | None = None) -> list[tuple[str, Answer]]:
    """The same request once with each login the attacker holds."""
    return [(login.name, request(method, url, {**(headers or {}), **login.headers}, body, unix_socket))
            for login in held_logins(platform, attacker)]


def summary(what: str, answers: list[tuple[str, Answer]]) -> str:
    """`POST /x: 401 x5` or, when they differ, each distinct status with its count."""
    counts = Counter(str(answer.status) for _, answer in answers)
    return f"{what}: " + ", ".join(f"{status} x{count}" for status, count in sorted(counts.items()))


def run_other_workflow_template(platform, attacker, victim) -> Attempt:
    """A workflow of the attacker's naming the victim's WorkflowTemplate by templateRef (both through the Platform
    verbs, as `template create` and `submit`): refused at submit, as there is none of that name in the attacker's
    namespace, while the victim's is in its own (else nothing was shown). One template per victim, replaced at
    each run: nothing piles up."""
    name = f"isolation-probe-of-{victim.name}"
    probe = {"name": "probe", "container": {"image": image_tag(), "command": ["simplepipe", "--version"]}}
    platform.apply_workflow_template(victim, {"apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowTemplate",
                                              "metadata": {"name": name}, "spec": {"templates": [probe]}})
    workflow = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
                "metadata": {"generateName": "isolation-probe-"},
                "spec": {"entrypoint": "main", "templates": [{"name": "main", "steps": [[
                    {"name": "probe", "templateRef": {"name": name, "template": "probe"}}]]}]}}
    try:
        run = platform.submit(attacker, workflow)
    except ManifestRefusedError as exc:
        shown = name in platform.workflow_templates(victim) and name not in platform.workflow_templates(attacker)
        return Attempt(shown, f"{attacker.name}'s workflow naming {victim.name}'s {name}: refused ({exc})"[:300])
    platform.delete_workflow(attacker, run.name)
    return Attempt(False, f"{attacker.name}'s workflow {run.name} naming {victim.name}'s {name} was accepted")
