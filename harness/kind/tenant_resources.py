"""The requests and limits of every container the kind platform runs for one tenant: platform/tenant-resources.yaml,
the one table the tenant charts take them from (harness/kind/render.py, reads.py, alerts.py) and
`python -m harness.kind.scale` sums."""
from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path

from harness import config_files
from harness.errors import PlatformError
from harness.kind import quantities
from harness.kind.constants import PLATFORM_DIR

TENANT_RESOURCES_FILE = PLATFORM_DIR / "tenant-resources.yaml"
SCHEMA = "tenant-resources.schema.json"
# The table's entries, one per kind of container a tenant brings.
PUSHGATEWAY, READ_PROXY, ALERT_RECEIVER, GC = "pushgateway", "read-proxy", "alert-receiver", "gc"


class TenantResourcesError(PlatformError, ValueError):
    """platform/tenant-resources.yaml is not a table the charts can be sized from."""


@lru_cache(maxsize=None)
def _load(path: Path) -> dict[str, dict]:
    table = config_files.load(path, SCHEMA, TenantResourcesError)
    for component, entry in table.items():
        for resource, convert in (("cpu", quantities.millicores), ("memory", quantities.mebibytes)):
            if convert(entry["requests"][resource]) > convert(entry["limits"][resource]):
                raise TenantResourcesError(
                    f"{config_files.shown(path)}: {component}.requests.{resource} {entry['requests'][resource]} is "
                    f"above its limits.{resource} {entry['limits'][resource]} (Kubernetes refuses such a pod)")
    return table


def load(path: Path = TENANT_RESOURCES_FILE) -> dict[str, dict]:
    """The whole table, checked: component -> {requests: {cpu, memory}, limits: {cpu, memory}}."""
    return copy.deepcopy(_load(Path(path).resolve()))


def of(component: str, path: Path = TENANT_RESOURCES_FILE) -> dict:
    """A container's `resources` for one of the table's components."""
    return load(path)[component]
