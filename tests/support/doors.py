"""The local platform's doors: every socket its processes listen on, read from /proc, against the inventory in
docs/tenancy.md ("Doors of the local backend"), so that a new door cannot open unnoticed.

The inventory is the table in the docs, one row a door: the server as the supervisor names it
(`pushgateway-<tenant>` for each tenant's), and the door as the setting that places it (`prometheus.port`,
`s3.filer_grpc_port`, a tenant's `pushgateway.local_port`) or as the path of a Unix socket
(`/tmp/seaweedfs-<server>-grpc-<port>.sock`, `<data>/seaweedfs/filer.sock`).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from harness.local import seaweedfs
from harness.local.layout import Layout
from harness.local.settings import Ports
from harness.paths import REPO_ROOT

TENANCY_DOC = REPO_ROOT / "docs" / "tenancy.md"
INVENTORY_HEADING = "### Doors of the local backend"
LOOPBACK = "127.0.0.1"
_ROW = re.compile(r"^\|\s*`(?P<server>[^`]+)`\s*\|\s*`(?P<door>[^`]+)`")


@dataclass(frozen=True)
class Listener:
    """One listening socket of a process: `tcp`/`udp` with its address, or `unix` with its path."""

    server: str
    kind: str
    address: str  # "127.0.0.1:19090", or a socket's path

    def __str__(self) -> str:
        return f"{self.server} listens on {self.kind} {self.address}"


def inventory(doc: Path = TENANCY_DOC) -> list[tuple[str, str]]:
    """(server, door) of each row of the local backend's door table."""
    text = doc.read_text()
    if INVENTORY_HEADING not in text:
        raise AssertionError(f"{doc}: no section {INVENTORY_HEADING!r}")
    section = text.split(INVENTORY_HEADING, 1)[1].split("\n#", 1)[0]
    return [(m["server"], m["door"]) for line in section.splitlines() if (m := _ROW.match(line))]


def expected(doors: list[tuple[str, str]], ports: Ports, layout: Layout, tenants: list[str]) -> dict[Listener, str]:
    """The sockets the inventory allows on this platform's ports and paths, each with the row it comes from."""
    grpc_sockets = seaweedfs.grpc_sockets(ports.s3)
    allowed: dict[Listener, str] = {}
    for server, door in doors:
        row = f"`{server}` `{door}`"
        servers = [server.replace("<tenant>", t) for t in tenants] if "<tenant>" in server else [server]
        for name in servers:
            if door.endswith(".sock"):
                paths = list(grpc_sockets.values()) if "<server>" in door else \
                    [_data_socket(layout, door.removeprefix("<data>/"))]
                allowed.update({Listener(name, "unix", str(path)): row for path in paths})
            else:
                allowed[Listener(name, "tcp", f"{LOOPBACK}:{_port(door, name, ports)}")] = row
    return allowed


def _data_socket(layout: Layout, path: str) -> Path:
    """`seaweedfs/filer.sock` below the data folder, where weed's socket_dir puts it (a short /tmp folder for a deep
    state folder)."""
    folder, name = path.rsplit("/", 1)
    return seaweedfs.socket_dir(layout.data(*folder.split("/"))) / name


def _port(setting: str, server: str, ports: Ports) -> int:
    if setting == "pushgateway.local_port":
        return ports.pushgateways[server.removeprefix("pushgateway-")]
    if setting.startswith("s3."):
        return ports.s3[setting.removeprefix("s3.")]
    return {"prometheus.port": ports.prometheus, "alertmanager.port": ports.alertmanager,
            "alertmanager.receiver_port": ports.alert_receiver}[setting]


def problems(listening: list[Listener], allowed: dict[Listener, str]) -> list[str]:
    """A socket the inventory does not list (or not on loopback), and a listed door nothing listens on."""
    found = [f"{listener}: not in docs/tenancy.md's door inventory" for listener in listening
             if listener not in allowed]
    found += [f"{door} ({row}) is in the inventory but nothing listens there" for door, row in allowed.items()
              if door not in listening]
    return found


# -- what runs: /proc ------------------------------------------------------------------------------------------
def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed since the listing
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:["):-1])
    return inodes


def _ip_port(hex_address: str) -> str:
    address, port = hex_address.rsplit(":", 1)
    if len(address) == 8:  # IPv4, little-endian
        ip = ".".join(str(int(address[i:i + 2], 16)) for i in (6, 4, 2, 0))
    else:
        ip = f"[{address}]"  # IPv6 as the kernel writes it: anything there is a door to report
    return f"{ip}:{int(port, 16)}"


def listening_sockets(pids: dict[str, int]) -> list[Listener]:
    """Every socket these processes (server name -> pid) listen on: TCP in LISTEN, any bound UDP socket,
    Unix stream sockets accepting connections."""
    owner = {inode: name for name, pid in pids.items() for inode in _socket_inodes(pid)}
    found = []
    for table, kind, listening_state in (("tcp", "tcp", "0A"), ("tcp6", "tcp", "0A"), ("udp", "udp", None),
                                         ("udp6", "udp", None)):
        for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[9] in owner and (listening_state is None or fields[3] == listening_state):
                found.append(Listener(owner[fields[9]], kind, _ip_port(fields[1])))
    for line in Path("/proc/net/unix").read_text().splitlines()[1:]:
        fields = line.split()
        # Flags __SO_ACCEPTCON (0x10000): a listening socket; a path-less one (its peer's end) is no door.
        if len(fields) >= 8 and fields[6] in owner and int(fields[3], 16) & 0x10000:
            found.append(Listener(owner[fields[6]], "unix", fields[7]))
    return sorted(set(found), key=str)
