"""The kind rows' probe: a step in the attacker's namespace tries doors over the cluster's network and prints
what each answered; the row's verdict is read from that line (tests/e2e/test_tenant_isolation.py).

The step first connects to a door of the attacker's own (its Pushgateway: the control, since a step that
reaches nothing proves nothing), then sends each (method, url) request and a GET to each NodePort on its
node's address (NodePort traffic may reach a pod as the node's). A door counts as closed only on no
connection (a NetworkPolicy drops it) or 401/403; a name that resolves to nothing proves nothing and counts
against the row. Standard library only: it runs in the Simplepipe image.
"""
from __future__ import annotations

import json

from tests.support.attacks import Attempt

VERDICT_PREFIX = "PROBE "


def probe_script(control: tuple[str, int], doors: list[tuple[str, str]], node_ports: tuple[int, ...] = ()) -> str:
    return f"""import json, os, socket, urllib.error, urllib.parse, urllib.request
def ask(method, url):
    try:  # a name that resolves to nothing proves nothing: that is no closed door
        socket.getaddrinfo(urllib.parse.urlsplit(url).hostname, None)
    except OSError as exc:
        return "no such service: " + str(exc)
    body = b"[]" if method in ("POST", "PUT") else None
    request = urllib.request.Request(url, data=body, method=method, headers={{"Content-Type": "application/json"}})
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError) as exc:
        return "no connection: " + str(getattr(exc, "reason", exc))
try:
    socket.create_connection({control!r}, timeout=5).close(); control = True
except OSError:
    control = False
answers = {{f"{{m}} {{u}}": ask(m, u) for m, u in {doors!r}}}
node = os.environ.get("NODE_IP", "")
answers.update({{f"GET node:{{p}}": ask("GET", f"http://{{node}}:{{p}}/") for p in {list(node_ports)!r}}})
print({VERDICT_PREFIX!r} + json.dumps({{"control": control, "answers": answers}}))
"""


def verdict(log: str, where: str) -> Attempt:
    """The row from the step's log: blocked when the control connected and every door was shown closed."""
    lines = [line for line in log.splitlines() if line.startswith(VERDICT_PREFIX)]
    if not lines:
        return Attempt(False, f"{where}: no verdict printed")
    found = json.loads(lines[-1].removeprefix(VERDICT_PREFIX))
    answers = found["answers"]
    not_closed = {door: answer for door, answer in answers.items()
                  if not (str(answer).startswith("no connection") or answer in (401, 403))}
    return Attempt(found["control"] and not not_closed,
                   f"{where}: own gateway reached: {found['control']}; "
                   + (f"NOT SHOWN CLOSED {not_closed}" if not_closed else f"{len(answers)} door(s) closed"))
