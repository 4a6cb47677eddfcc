"""Group expiry on the local platform: one `simplepipe gc` pass over a tenant's Pushgateway.

The hook the local supervisor schedules (every `tenant.gc.every`, from platform/tenants.yaml);
kind runs the same command as a CronJob in the tenant's namespace (harness/kind/render.py).
"""
from __future__ import annotations

from harness.tenants import Tenant
from simplepipe.gc import Collection, collect, parse_duration
from simplepipe.pushgateway import Pushgateway


def gc_interval_seconds(tenant: Tenant) -> float | None:
    """Seconds between two gc passes of the tenant; None: its groups never expire."""
    return parse_duration(tenant.gc.every) if tenant.gc else None


def gc_pass(tenant: Tenant, gateway_url: str, *, now: float | None = None) -> Collection | None:
    """Delete the tenant's groups last pushed more than `gc.older_than` ago (None: no gc for this tenant).

    Raises simplepipe's GatewayUnreachableError / GatewayRefusedError when the gateway cannot be asked.
    """
    if tenant.gc is None:
        return None
    with Pushgateway(gateway_url, username=tenant.username, password=tenant.password, timeout=30.0, retries=1,
                     identity=None) as gateway:
        return collect(gateway, parse_duration(tenant.gc.older_than), now=now)
