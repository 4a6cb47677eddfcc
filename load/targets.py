"""Where the load goes: the running platform's tenant Pushgateways and Prometheus."""
from __future__ import annotations

from pathlib import Path

from harness.backends import PLATFORMS, create
from harness.platform import Platform
from harness.tenants import Tenant
from load.plan import TenantTarget

__all__ = ["PLATFORMS", "PlatformNotRunningError", "gateway_pids", "open_platform", "tenant_targets"]


class PlatformNotRunningError(RuntimeError):
    """No platform to load: the message says how to start one."""


def open_platform(name: str, local_state_dir: Path | None = None) -> Platform:
    """The platform `make up` started (PLATFORM=local|kind), without starting anything."""
    options = {"state_dir": local_state_dir} if local_state_dir else {}
    try:
        platform = create(name, **options)
    except (ImportError, ValueError) as exc:
        raise PlatformNotRunningError(f"the {name} platform is not available here ({exc})") from exc
    if not platform.is_up():
        where = f" (state folder {local_state_dir})" if name == "local" and local_state_dir else ""
        raise PlatformNotRunningError(
            f"the {name} platform is not running{where}: start it with `make up PLATFORM={name}`")
    return platform


def tenant_targets(platform: Platform, tenants: list[Tenant]) -> dict[str, TenantTarget]:
    return {
        t.name: TenantTarget(name=t.name, url=platform.pushgateway_url(t), username=t.username, password=t.password)
        for t in tenants
    }


def gateway_pids(platform: Platform, tenants: list[Tenant]) -> dict[str, int]:
    """Pid of each tenant's Pushgateway process where it runs on this machine (local); {} elsewhere."""
    return {t.name: pid for t in tenants if (pid := platform.pushgateway_pid(t)) is not None}