"""The ports a platform is configured with (platform/tenants.yaml, platform/local/platform.yaml): none
in the kernel's ephemeral range, none used by two settings, and the port of a tenant that leaves
`pushgateway.local_port` out.

The kernel hands out ports of its ephemeral range to outgoing connections: a server configured on
one of them finds it taken whenever a client socket happens to hold it (issue 22 met that with
tenants on 41000+). Tests use ephemeral ports on purpose (LocalPlatform(ports="free")): the kernel
picks them free, and they are not configured.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

EPHEMERAL_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
LINUX_DEFAULT_EPHEMERAL_RANGE = (32768, 60999)  # when the file cannot be read

# Where a tenant without a configured port gets one: below Linux's default ephemeral range, apart from
# platform.yaml's defaults (18080-19333, 28080-29333); platform.yaml may not use it (harness.local.settings).
DERIVED_PORTS = range(20000, 28000)


def ephemeral_range(path: Path = EPHEMERAL_RANGE_FILE) -> tuple[int, int]:
    """The kernel's ephemeral port range (first, last), as this machine has it."""
    try:
        first, last = (int(field) for field in path.read_text().split())
    except (OSError, ValueError):
        return LINUX_DEFAULT_EPHEMERAL_RANGE
    return first, last


def is_ephemeral(port: int, ephemeral: tuple[int, int]) -> bool:
    return ephemeral[0] <= port <= ephemeral[1]


def ephemeral_problem(where: str, port: int, ephemeral: tuple[int, int], hint: str = "") -> str | None:
    """Why `port`, set at `where` (file: path), cannot be configured; None when it can."""
    if not is_ephemeral(port, ephemeral):
        return None
    return (f"{where} {port} is inside the kernel's ephemeral port range {ephemeral[0]}-{ephemeral[1]} "
            f"({EPHEMERAL_RANGE_FILE}), which it hands out to outgoing connections, so the port may be taken "
            f"when the server starts: choose one outside that range{hint}")


def shared_port_problems(settings: list[tuple[str, int]]) -> list[str]:
    """One message per setting whose port an earlier setting already has, naming both; settings are
    (where, port) pairs in the order they are read."""
    first: dict[int, str] = {}
    problems = []
    for where, port in settings:
        if port in first:
            problems.append(f"{where} {port} is also {first[port]}: each setting needs a port of its own")
        else:
            first[port] = where
    return problems


def derived_port(name: str, taken: set[int], ephemeral: tuple[int, int]) -> int | None:
    """The port of a tenant without a configured one: its name's SHA-256 picks a start in DERIVED_PORTS,
    and the first port from there on (wrapping around) that is neither taken nor ephemeral is its port;
    None when there is none. The same name gets the same port for as long as that port is not taken."""
    start = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big") % len(DERIVED_PORTS)
    for offset in range(len(DERIVED_PORTS)):
        port = DERIVED_PORTS[(start + offset) % len(DERIVED_PORTS)]
        if port not in taken and not is_ephemeral(port, ephemeral):
            return port
    return None
