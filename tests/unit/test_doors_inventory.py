"""The door inventory check (tests.support.doors, run on a live platform by tests/e2e/test_doors.py): what it
reads from docs/tenancy.md, and that it names a door the inventory does not list, one bound to every address,
and a listed door nothing listens on."""
from __future__ import annotations

from pathlib import Path

from harness.local import seaweedfs
from harness.local.layout import Layout
from harness.local.settings import S3_PORTS, Ports
from tests.support.doors import Listener, expected, inventory, problems

PORTS = Ports(prometheus=19090, pushgateways={"alice": 19091, "bob": 19092},
              s3={key: 20000 + index for index, key in enumerate(S3_PORTS)}, alertmanager=19093, alert_receiver=19094)
LAYOUT = Layout(Path("/state"))


def allowed() -> dict[Listener, str]:
    return expected(inventory(), PORTS, LAYOUT, ["alice", "bob"])


def listening_as_documented() -> list[Listener]:
    return list(allowed())


def test_the_inventory_lists_every_server_and_every_weed_port_and_socket():
    doors = allowed()
    servers = {listener.server for listener in doors}
    assert servers == {"prometheus", "alertmanager", "alert-receiver", "pushgateway-alice", "pushgateway-bob",
                       "seaweedfs"}
    weed_tcp = {listener.address for listener in doors if listener.server == "seaweedfs" and listener.kind == "tcp"}
    assert weed_tcp == {f"127.0.0.1:{port}" for port in PORTS.s3.values()}
    weed_unix = {listener.address for listener in doors if listener.kind == "unix"}
    assert weed_unix == {str(path) for path in seaweedfs.grpc_sockets(PORTS.s3).values()} | {
        "/state/data/seaweedfs/filer.sock", "/state/data/seaweedfs/s3.sock"}


def test_a_platform_listening_as_documented_has_no_problem():
    assert problems(listening_as_documented(), allowed()) == []


def test_a_new_port_is_named():
    extra = Listener("prometheus", "tcp", "127.0.0.1:19095")
    assert problems(listening_as_documented() + [extra], allowed()) == [
        "prometheus listens on tcp 127.0.0.1:19095: not in docs/tenancy.md's door inventory"]


def test_a_documented_port_on_every_address_is_named():
    on_all = Listener("alertmanager", "tcp", "0.0.0.0:19093")
    listening = [d for d in listening_as_documented() if d.server != "alertmanager"] + [on_all]
    found = problems(listening, allowed())
    assert "alertmanager listens on tcp 0.0.0.0:19093: not in docs/tenancy.md's door inventory" in found
    assert any("alertmanager listens on tcp 127.0.0.1:19093" in p and "nothing listens" in p for p in found)


def test_a_gossip_port_a_udp_socket_and_an_abstract_socket_are_named():
    for door in (Listener("alertmanager", "tcp", "127.0.0.1:9094"), Listener("alertmanager", "udp", "127.0.0.1:9094"),
                 Listener("seaweedfs", "unix", "@seaweedfs")):
        assert problems(listening_as_documented() + [door], allowed()) == \
            [f"{door}: not in docs/tenancy.md's door inventory"]


def test_a_door_on_another_servers_port_is_named():
    swapped = Listener("alert-receiver", "tcp", "127.0.0.1:19090")  # listed, but as Prometheus'
    assert problems(listening_as_documented() + [swapped], allowed()) == \
        [f"{swapped}: not in docs/tenancy.md's door inventory"]
