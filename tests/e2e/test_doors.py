"""Every socket the running platform listens on is a door docs/tenancy.md's inventory lists, on loopback, and
every listed door is open: a new port, a server bound to all addresses or a forgotten Unix socket fails here
(tests.support.doors)."""
import sys

import pytest

from harness.local import state
from tests.support import doors

pytestmark = [pytest.mark.timeout(120)]


def test_the_platform_listens_only_on_the_doors_of_the_inventory(platform, request):
    if request.node.callspec.params["platform"] != "local":
        pytest.skip("kind: its doors are Services, NodePorts and NetworkPolicies, checked offline (make validate)")
    if not sys.platform.startswith("linux"):
        pytest.skip("the listening sockets are read from Linux's /proc")
    servers = platform.supervisor_status()["servers"]
    pids = {name: server["pid"] for name, server in servers.items() if server.get("pid")}
    assert sorted(pids) == sorted(servers), f"a server without a pid: {servers}"
    pids["supervisor"] = state.read_state(platform.layout)["supervisor"]["pid"]
    listening = doors.listening_sockets(pids)
    allowed = doors.expected(doors.inventory(), platform.ports, platform.layout, [t.name for t in platform.tenants])
    assert doors.problems(listening, allowed) == [], "\n".join(map(str, listening))
