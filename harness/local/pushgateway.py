"""A Pushgateway process: its command line, and the tenant's basic auth through its web config
(harness.local.web_config)."""
from __future__ import annotations

from pathlib import Path

from harness.local.web_config import write_web_config as write_web_config_file
from harness.net import HOST
from harness.tenants import Tenant


def write_web_config(path: Path, tenant: Tenant) -> None:
    """The tenant's user with a bcrypt hash of the password (rewritten only when the password changed)."""
    write_web_config_file(path, tenant.username, tenant.password,
                          f"Generated from platform/tenants.yaml: tenant {tenant.name}'s Pushgateway credentials.")


def pushgateway_argv(binary: Path | str, web_config: Path | None, persistence: Path | str, port: int, *,
                     persistence_interval: str = "30s", extra: tuple[str, ...] = ()) -> list[str]:
    """Port 0: the gateway binds a free port itself (SupervisedProcess.wait_listening finds it).
    `persistence` "": memory only (Debian's build otherwise persists to a shared /var/lib file)."""
    argv = [str(binary), f"--web.listen-address={HOST}:{port}"]
    if web_config is not None:
        argv.append(f"--web.config.file={web_config}")
    return argv + [f"--persistence.file={persistence}", f"--persistence.interval={persistence_interval}",
                   "--log.level=warn", *extra]
