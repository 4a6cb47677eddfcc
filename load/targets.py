"""Where the load goes: the running platform's tenant Pushgateways and Prometheus."""
from __future__ import annotations

import json
from pathlib import Path

from harness.platform import Platform
from harness.tenants import REPO_ROOT, Tenant
from load.plan import TenantTarget

PLATFORMS = ("local", "kind")


class PlatformNotRunningError(RuntimeError):
    """No platform to load: the message says how to start one."""


def open_platform(name: str, local_state_dir: Path | None = None) -> Platform:
    """The platform `make up` started (PLATFORM=local|kind), without starting anything."""
    if name == "local":
        from harness.local import DEFAULT_STATE_DIR, LocalPlatform

        platform: Platform = LocalPlatform(state_dir=local_state_dir or DEFAULT_STATE_DIR)
    elif name == "kind":
        try:
            from harness.kind import KindPlatform
        except ImportError as exc:
            raise PlatformNotRunningError(f"the kind backend is not available here ({exc})") from exc
        platform = KindPlatform()
    else:
        raise PlatformNotRunningError(f"unknown platform {name!r}; one of: {', '.join(PLATFORMS)}")
    if not platform.is_up():
        where = f" (state folder {local_state_dir})" if name == "local" and local_state_dir else ""
        raise PlatformNotRunningError(
            f"the {name} platform is not running{where}: start it with `make up PLATFORM={name}`")
    return platform


def state_dir(platform: Platform) -> Path:
    """The platform's state folder (.state/<platform>), where the load keeps its reports."""
    return Path(getattr(platform, "state_dir", REPO_ROOT / ".state" / platform.name))


def tenant_targets(platform: Platform, tenants: list[Tenant]) -> dict[str, TenantTarget]:
    return {
        t.name: TenantTarget(name=t.name, url=platform.pushgateway_url(t), username=t.username, password=t.password)
        for t in tenants
    }


def gateway_pids(platform: Platform, tenants: list[Tenant]) -> dict[str, int]:
    """Pid of each tenant's Pushgateway process, from the local platform's state.json; {} where not local.

    Reads the records `make up` keeps (harness/local/platform.py, `processes` in state.json, named
    pushgateway-<tenant>) until the Platform interface offers them.
    """
    state_file = getattr(platform, "state_file", None)
    if state_file is None:
        return {}
    try:
        processes = json.loads(Path(state_file).read_text()).get("processes") or {}
    except (OSError, ValueError):
        return {}
    pids = {}
    for tenant in tenants:
        record = processes.get(f"pushgateway-{tenant.name}")
        if isinstance(record, dict) and isinstance(record.get("pid"), int):
            pids[tenant.name] = record["pid"]
    return pids
